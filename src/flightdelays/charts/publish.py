"""Publish a year's charts to the lake: one PNG per airport, an index, nothing stale.

Two parts, so that Airflow can spread a year over tasks: `draw_charts` writes the charts of some
airports (one shard, `shard_rows`), `finish_charts` writes the index and removes stale charts once
all are drawn; `publish_charts` does both in one process. Charts are drawn on `workers`
processes (each with its one reused figure) while this process uploads the finished ones on a
few threads. Everything is written before anything is deleted,
so a reader sees the old set or the new one, and a re-run leaves exactly the new set.
"""

from __future__ import annotations

import signal
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from multiprocessing.context import BaseContext

import polars as pl

from flightdelays import catalog
from flightdelays.catalog import Dataset, Stores
from flightdelays.charts.figure import render_chart
from flightdelays.charts.index import index_entry, index_html, index_json
from flightdelays.charts.lifeline import RunWorkerContext, start_quiet_forkserver
from flightdelays.charts.series import AirportYear, airport_years
from flightdelays.charts.shards import split_airports
from flightdelays.charts.tricks import ALL_ON, Tricks

UPLOAD_THREADS = 8
MAX_CHUNK = 8
"""Charts go to workers in batches of at most this many, so no worker is left with a long tail."""
_PRELOAD = ["__main__", "flightdelays.charts.worker"]
"""What the forkserver imports before it forks workers: the main script (which every worker
would otherwise import again, as spawn does) and matplotlib with a ready figure."""


def worker_context() -> BaseContext:
    """The forkserver context, its server running (it imports `_PRELOAD` in the background).

    forkserver, not fork: forking a process that already runs polars' and boto3's threads can
    deadlock. The server builds a figure once (see `worker`); every worker it forks has it.
    Workers go with the run, and leave error messages to it (`lifeline`).
    """
    context = RunWorkerContext()
    context.set_forkserver_preload(_PRELOAD)
    start_quiet_forkserver()
    return context


def die_with_parent() -> None:
    """Have the kernel kill this worker when its parent dies (Linux), so a killed run leaves
    no chart worker behind; the forkserver itself exits when the run that started it dies."""
    import ctypes
    import sys

    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def render_charts(
    items: list[AirportYear], workers: int = 2, tricks: Tricks = ALL_ON
) -> Iterator[bytes]:
    """The PNG of each of `items`, in order, drawn on `workers` processes (here if 1) with the
    speed `tricks` switched on."""
    render = partial(render_chart, tricks=tricks)
    if workers <= 1 or len(items) < 2 * workers:
        yield from map(render, items)
        return
    chunk = max(1, min(MAX_CHUNK, len(items) // (2 * workers)))
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=worker_context(), initializer=die_with_parent
    ) as pool:
        yield from pool.map(render, items, chunksize=chunk)


def _upload(
    stores: Stores, writes: Iterable[tuple[Dataset, bytes]], threads: int = UPLOAD_THREADS
) -> list[str]:
    """Write each (dataset, data) on `threads` threads; the keys written."""
    keys: list[str] = []
    with ThreadPoolExecutor(max_workers=threads) as uploads:
        pending: list[Future[None]] = []
        for dataset, data in writes:
            pending.append(uploads.submit(stores.write_bytes, dataset, data))
            keys.append(dataset.key)
        for done in pending:
            done.result()  # raise the first failed upload
    return keys


def airport_rows(detected: pl.DataFrame) -> dict[str, int]:
    """Each airport of `detected` (a year's stored rows) with its number of rows."""
    counts = detected.group_by("airport").len()
    return {str(airport): int(rows) for airport, rows in counts.iter_rows()}


def shard_rows(detected: pl.DataFrame, shard: int, shards: int) -> pl.DataFrame:
    """The rows of `detected` whose airports are in shard `shard` of `shards` (`split_airports`)."""
    if not 0 <= shard < shards:
        raise ValueError(f"chart shard {shard} is not one of 0-{shards - 1}")
    airports = split_airports(airport_rows(detected), shards)[shard]
    return detected.filter(pl.col("airport").cast(pl.String).is_in(airports))


def draw_charts(
    stores: Stores, year: int, detected: pl.DataFrame, workers: int = 2, tricks: Tricks = ALL_ON
) -> int:
    """Write the chart (`catalog.chart`) of every airport in `detected` (a year's stored rows,
    or one shard's); no index, nothing removed. Returns how many charts were written."""
    if workers > 1:
        worker_context()  # starts importing matplotlib while this process cuts the rows
    items = list(airport_years(detected, year))

    def writes() -> Iterator[tuple[Dataset, bytes]]:
        for item, png in zip(items, render_charts(items, workers, tricks), strict=True):
            yield catalog.chart(year, item.airport), png

    return len(_upload(stores, writes()))


def finish_charts(stores: Stores, year: int, detected: pl.DataFrame) -> dict[str, int]:
    """Once every airport's chart is drawn: write `index.html` and `index.json` for the airports
    of `detected` (the whole year's rows), then delete the charts step's other outputs in the
    year's folder (charts of airports no longer in the data; files a person put there stay).

    Returns how many charts the year has and how many stale objects were removed.
    """
    items = list(airport_years(detected, year))
    detectors = detected["detector"].drop_nulls().unique().sort().to_list()
    detector = ", ".join(str(name) for name in detectors)
    entries = [index_entry(item) for item in items]
    indexes = [
        (catalog.chart_index_json(year), index_json(year, detector, entries)),
        (catalog.chart_index_page(year), index_html(year, detector, entries)),
    ]
    kept = set(_upload(stores, indexes)) | {catalog.chart(year, item.airport).key for item in items}
    folder = catalog.charts_folder(year)
    stale = [key for key in stores.lake.list(folder) if key not in kept and catalog.is_output(key)]
    stores.lake.delete(stale)
    return {"charts": len(items), "stale_removed": len(stale)}


def publish_charts(
    stores: Stores, year: int, detected: pl.DataFrame, workers: int = 2, tricks: Tricks = ALL_ON
) -> dict[str, int]:
    """Write the chart (`catalog.chart`) of every airport in `detected` (a year's stored
    rows), `index.html` and `index.json` beside them, then delete the charts step's other
    outputs there (files a person put in the folder stay): every shard drawn in this process's
    pool of `workers`, then `finish_charts`, as the DAG's mapped tasks do one shard each.

    Returns how many charts were written and how many stale objects (charts of airports no
    longer in the data) were removed.
    """
    draw_charts(stores, year, detected, workers, tricks)
    return finish_charts(stores, year, detected)
