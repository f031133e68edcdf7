"""Publish a year's charts to the lake: one PNG per airport, an index, nothing stale.

Charts are drawn on `workers` processes (each with its one reused figure) while this process
uploads the finished ones on a few threads. Everything is written before anything is deleted,
so a reader sees the old set or the new one, and a re-run leaves exactly the new set.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing.context import BaseContext

import polars as pl

from flightdelays import lake
from flightdelays.charts.figure import render_chart
from flightdelays.charts.index import index_entry, index_html, index_json
from flightdelays.charts.series import AirportYear, airport_years
from flightdelays.storage import ObjectStore

PNG = "image/png"
HTML = "text/html; charset=utf-8"
JSON = "application/json"
UPLOAD_THREADS = 8
MAX_CHUNK = 8
"""Charts go to workers in batches of at most this many, so no worker is left with a long tail."""
_PRELOAD = ["__main__", "flightdelays.charts.worker"]
"""What the forkserver imports before it forks workers: the main script (which every worker
would otherwise import again, as spawn does) and matplotlib with a ready figure."""


def index_keys(year: int) -> tuple[str, str]:
    """Keys of the year's HTML and JSON index (neither ends in `.png`)."""
    prefix = lake.charts_prefix(year)
    return f"{prefix}index.html", f"{prefix}index.json"


def _forkserver() -> BaseContext:
    """The forkserver context, its server running (it imports `_PRELOAD` in the background).

    forkserver, not fork: forking a process that already runs polars' and boto3's threads can
    deadlock. The server builds a figure once (see `worker`); every worker it forks has it.
    """
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    forkserver.ensure_running()
    return context


def render_charts(items: list[AirportYear], workers: int = 2) -> Iterator[bytes]:
    """The PNG of each of `items`, in order, drawn on `workers` processes (here if 1)."""
    if workers <= 1 or len(items) < 2 * workers:
        yield from map(render_chart, items)
        return
    chunk = max(1, min(MAX_CHUNK, len(items) // (2 * workers)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=_forkserver()) as pool:
        yield from pool.map(render_chart, items, chunksize=chunk)


def _upload(
    store: ObjectStore, writes: Iterable[tuple[str, bytes, str]], threads: int = UPLOAD_THREADS
) -> list[str]:
    """Write each (key, data, content type) on `threads` threads; the keys written."""
    keys: list[str] = []
    with ThreadPoolExecutor(max_workers=threads) as uploads:
        pending: list[Future[None]] = []
        for key, data, content_type in writes:
            pending.append(uploads.submit(store.write_bytes, key, data, content_type))
            keys.append(key)
        for done in pending:
            done.result()  # raise the first failed upload
    return keys


def publish_charts(
    store: ObjectStore, year: int, detected: pl.DataFrame, workers: int = 2
) -> dict[str, int]:
    """Write `charts/<year>/<AIRPORT>.png` for every airport in `detected` (a year's stored
    rows), `index.html` and `index.json` beside them, then delete every other object there.

    Returns how many charts were written and how many stale objects (charts of airports no
    longer in the data, leftovers of earlier runs) were removed.
    """
    if workers > 1:
        _forkserver()  # starts importing matplotlib while this process cuts the rows
    items = list(airport_years(detected, year))
    detectors = detected["detector"].drop_nulls().unique().sort().to_list()
    detector = ", ".join(str(name) for name in detectors)
    html_key, json_key = index_keys(year)
    entries = [index_entry(item) for item in items]

    def writes() -> Iterator[tuple[str, bytes, str]]:
        for item, png in zip(items, render_charts(items, workers), strict=True):
            yield lake.chart_key(year, item.airport), png, PNG
        yield json_key, index_json(year, detector, entries), JSON
        yield html_key, index_html(year, detector, entries), HTML

    written = set(_upload(store, writes()))
    stale = [key for key in store.list(lake.charts_prefix(year)) if key not in written]
    store.delete(stale)
    return {
        "charts": len(items),
        "stale_removed": len(stale),
    }
