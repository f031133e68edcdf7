"""Charts: one PNG per airport and year, flights per day with the anomalous days marked.

Rendering is pure (rows in, PNG bytes out). Each worker process keeps one figure and redraws it,
and draws a year of days as one artist, which is what makes a year of charts cheap.
"""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from flightdelays import lake
from flightdelays.storage import ObjectStore

CHART_SIZE_INCHES = (11.0, 4.0)
CHART_DPI = 100


@dataclass(frozen=True)
class AirportYear:
    """One airport's days of one year, in date order (missing days absent)."""

    airport: str
    year: int
    day_of_year: np.ndarray  # 0-based
    flights: np.ndarray
    is_anomaly: np.ndarray


def airport_years(daily: pl.DataFrame) -> Iterator[AirportYear]:
    """Split a year's detected rows into one `AirportYear` per airport, sorted by code."""
    frame = daily.sort("airport", "flight_date").with_columns(
        day=pl.col("flight_date").dt.ordinal_day() - 1
    )
    for (airport,), rows in frame.group_by("airport", maintain_order=True):
        yield AirportYear(
            airport=str(airport),
            year=int(rows["year"][0]),
            day_of_year=rows["day"].to_numpy(),
            flights=rows["flights"].to_numpy(),
            is_anomaly=rows["is_anomaly"].to_numpy(),
        )


_figure: Any = None


def _canvas() -> Any:
    global _figure  # noqa: PLW0603 - one figure per process, reused for every chart
    if _figure is None:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure

        _figure = Figure(figsize=CHART_SIZE_INCHES, dpi=CHART_DPI)
    _figure.clear()
    return _figure


def render_chart(data: AirportYear) -> bytes:
    """The airport's year as a PNG: flights per day, anomalous days marked in red."""
    figure = _canvas()
    axes = figure.add_subplot()
    days = (dt.date(data.year + 1, 1, 1) - dt.date(data.year, 1, 1)).days
    flights = np.full(days, np.nan)  # days with no rows stay gaps, not zeros
    flights[data.day_of_year] = data.flights
    axes.fill_between(np.arange(days), flights, step="mid", color="#4c78a8", linewidth=0)
    marked = data.day_of_year[data.is_anomaly]
    if marked.size:
        axes.scatter(
            marked,
            data.flights[data.is_anomaly],
            color="#d62728",
            s=18,
            zorder=3,
            label=f"anomalous day ({marked.size})",
        )
        axes.legend(loc="upper right")
    axes.set_xlim(0, days)
    axes.set_ylim(bottom=0)
    axes.set_title(f"{data.airport} {data.year}: flights per day")
    axes.set_ylabel("flights")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def render_charts(daily: pl.DataFrame, workers: int = 2) -> Iterator[tuple[str, bytes]]:
    """(airport, PNG) for every airport in a year's detected rows, drawn on `workers` cores."""
    items = list(airport_years(daily))
    if workers <= 1 or len(items) < 8:
        for item in items:
            yield item.airport, render_chart(item)
        return
    # forkserver: forking a process that already runs polars' and boto3's threads can deadlock.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        chunk = max(1, len(items) // (workers * 8))
        for item, png in zip(items, pool.map(render_chart, items, chunksize=chunk), strict=True):
            yield item.airport, png


def publish_charts(
    store: ObjectStore, year: int, detected: pl.DataFrame, workers: int = 2
) -> dict[str, int]:
    """Write one chart per airport under `charts/<year>/`; remove charts left from before."""
    written = set()
    for airport, png in render_charts(detected, workers=workers):
        key = lake.chart_key(year, airport)
        store.write_bytes(key, png, "image/png")
        written.add(key)
    stale = [key for key in store.list(lake.charts_prefix(year)) if key not in written]
    store.delete(stale)
    return {"charts": len(written), "stale_removed": len(stale)}
