"""The steps of one year, each reading its input from and writing its output to the lake.

aggregate -> detect -> charts, load, export -> check. Each step is keyed on the year and can be
re-run: it replaces what an earlier run of the same year wrote. The Airflow DAG runs the same
steps as tasks; `run_year` runs them in one process.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from flightdelays import lake
from flightdelays.charts import publish_charts
from flightdelays.detect import get_detector
from flightdelays.errors import FlightDelaysError
from flightdelays.extract import aggregate_year
from flightdelays.schema import TABLE_COLUMNS
from flightdelays.settings import Settings
from flightdelays.storage import open_store
from flightdelays.warehouse import connect, replace_year, year_in_table

Progress = Callable[[str], None]


def aggregate_step(settings: Settings, year: int) -> dict[str, int]:
    """Aggregate the raw file into `aggregates/<year>.parquet`; flights and airport-days."""
    daily = aggregate_year(open_store(settings.raw_url), year)
    lake.write_parquet(open_store(settings.lake_url), lake.aggregate_key(year), daily)
    return {
        "flights": int(daily["flights"].sum()),
        "airport_days": daily.height,
        "airports": daily["airport"].n_unique(),
    }


def detect_step(settings: Settings, year: int) -> dict[str, int]:
    """Flag anomalous days into `daily/<year>.parquet`; how many were flagged."""
    store = open_store(settings.lake_url)
    daily = lake.read_parquet(store, lake.aggregate_key(year))
    detected = get_detector(settings.detector).detect(daily)
    lake.write_parquet(store, lake.detected_key(year), detected)
    return {"anomalies": int(detected["is_anomaly"].sum())}


def charts_step(settings: Settings, year: int) -> dict[str, int]:
    """Write one chart per airport under `charts/<year>/` and remove charts left from before."""
    store = open_store(settings.lake_url)
    detected = lake.read_parquet(store, lake.detected_key(year))
    return publish_charts(store, year, detected, workers=settings.chart_workers)


def load_step(settings: Settings, year: int) -> dict[str, int]:
    """Replace the year's rows in `daily_airport_delays`; rows now in the table."""
    store = open_store(settings.lake_url)
    detected = lake.read_parquet(store, lake.detected_key(year))
    source = open_store(settings.raw_url).location(f"{year}.csv")
    loaded = replace_year(settings.resolved_database_url(), year, detected, source)
    return {"rows": loaded.rows}


def export_step(settings: Settings, year: int) -> dict[str, int]:
    """Write the year's rows as `exports/<year>.csv` for downstream tools."""
    store = open_store(settings.lake_url)
    detected = lake.read_parquet(store, lake.detected_key(year))
    buffer = io.BytesIO()
    detected.select(TABLE_COLUMNS).write_csv(buffer)
    store.write_bytes(lake.export_key(year), buffer.getvalue(), "text/csv")
    return {"exported": detected.height}


def check_step(settings: Settings, year: int) -> dict[str, int]:
    """Fail unless table rows equal the aggregated groups, one chart per airport, no duplicates."""
    store = open_store(settings.lake_url)
    aggregated = lake.read_parquet(store, lake.aggregate_key(year))
    charts = [key for key in store.list(lake.charts_prefix(year)) if key.endswith(".png")]
    with connect(settings.resolved_database_url()) as conn:
        table = year_in_table(conn, year)
    airports = aggregated["airport"].n_unique()
    problems = []
    if table.rows != aggregated.height:
        problems.append(f"table has {table.rows} rows, aggregate has {aggregated.height} groups")
    if table.duplicate_keys:
        problems.append(f"table has {table.duplicate_keys} duplicate (airport, day) keys")
    if len(charts) != airports:
        problems.append(f"{len(charts)} charts for {airports} airports")
    if problems:
        raise FlightDelaysError(f"check of {year} failed: " + "; ".join(problems))
    return {"rows": table.rows, "airports": airports, "anomalies": table.anomalies}


STEPS: tuple[tuple[str, Callable[[Settings, int], dict[str, int]]], ...] = (
    ("aggregate", aggregate_step),
    ("detect", detect_step),
    ("charts", charts_step),
    ("load", load_step),
    ("export", export_step),
    ("check", check_step),
)


@dataclass
class YearSummary:
    """What a run of one year did, step by step."""

    year: int
    figures: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def run_year(settings: Settings, year: int, progress: Progress | None = None) -> YearSummary:
    """Run every step of one year in order; the first failing step raises."""
    summary = YearSummary(year)
    for name, step in STEPS:
        started = time.perf_counter()
        figures = step(settings, year)
        summary.seconds[name] = time.perf_counter() - started
        summary.figures.update(figures)
        if progress:
            counts = ", ".join(f"{key} {value:,}" for key, value in figures.items())
            progress(f"[{year}] {name:<9} {counts} ({summary.seconds[name]:.1f} s)")
    return summary


def summary_table(summaries: list[YearSummary]) -> pl.DataFrame:
    """One row per year: the figures a person checks after a run."""
    return pl.DataFrame(
        [
            {
                "year": str(s.year),
                "flights": s.figures.get("flights"),
                "airport_days": s.figures.get("rows"),
                "airports": s.figures.get("airports"),
                "anomalous_days": s.figures.get("anomalies"),
                "charts": s.figures.get("charts"),
                "seconds": round(s.total_seconds, 1),
            }
            for s in summaries
        ]
    )
