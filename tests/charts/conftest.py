"""Fixtures for the chart tests: detected rows of the sample years, and tiny hand-made years."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from flightdelays.catalog import Stores
from flightdelays.detectors import DEFAULT_DETECTOR, get_detector
from flightdelays.explanations import explain
from flightdelays.schema import (
    CANCELLED_BY_CAUSE_COLUMNS,
    CAUSE_MINUTES_COLUMNS,
    CAUSES,
    TABLE_COLUMNS,
)
from flightdelays.steps import extract
from flightdelays.steps.aggregate import read_year


@pytest.fixture(scope="session")
def detected_years(sample_raw_dir: Path) -> dict[int, pl.DataFrame]:
    """Each sample year's rows as stored (aggregate, the default detector and the explanations:
    `TABLE_COLUMNS`), all airports."""
    raw = Stores.in_folder(sample_raw_dir)
    detector = get_detector(DEFAULT_DETECTOR)
    detected = {}
    for year in (2011, 2013):
        read = read_year(extract.open_raw(raw, year))
        detected[year] = explain(detector.detect(read.daily), read.carrier_days).rows
    return detected


@pytest.fixture(scope="session")
def few_airports(detected_years: dict[int, pl.DataFrame]) -> dict[int, pl.DataFrame]:
    """Each sample year cut to six airports: the 3 busiest with anomalous days, the 3 without."""
    return {year: _few(detected) for year, detected in detected_years.items()}


def _few(detected: pl.DataFrame, flagged: int = 3, quiet: int = 3) -> pl.DataFrame:
    per_airport = detected.group_by("airport").agg(
        pl.col("is_anomaly").sum().alias("anomalies"), pl.col("flights").sum()
    )
    busiest = per_airport.sort("flights", "airport", descending=True)
    chosen = pl.concat(
        [
            busiest.filter(pl.col("anomalies") > 0).head(flagged),
            busiest.filter(pl.col("anomalies") == 0).head(quiet),
        ]
    )["airport"]
    return detected.filter(pl.col("airport").is_in(chosen.implode()))


MakeYear = Callable[..., pl.DataFrame]


@pytest.fixture
def make_year() -> MakeYear:
    """`make_year(year, {airport: [day, ...]}, {airport: {day: signal}}, {airport: {day: cause}})`:
    see `hand_made_year`."""
    return hand_made_year


def _cause_columns(cause: str | None) -> dict[str, int | float | None]:
    """The aggregate's cause columns of a day whose delay minutes `cause` dominates (20 flights
    reporting causes), or of a day without cause data (None)."""
    if cause is None:
        minutes: dict[str, float | None] = dict.fromkeys(CAUSE_MINUTES_COLUMNS)
    else:
        minutes = {f"{name}_delay_minutes": 600.0 if name == cause else 60.0 for name in CAUSES}
    cancelled = dict.fromkeys(CANCELLED_BY_CAUSE_COLUMNS, 0)
    return {"cause_reported": 0 if cause is None else 20, **minutes, **cancelled}


def hand_made_year(
    year: int,
    airports: dict[str, list[int]],
    anomalies: dict[str, dict[int, str]] | None = None,
    causes: dict[str, dict[int, str]] | None = None,
) -> pl.DataFrame:
    """Stored rows (`TABLE_COLUMNS`) of `year`: each airport on the given days of the year
    (0 = 1 January), 100 flights, 2 cancelled, 10 minutes late; `anomalies` maps an airport
    to {day: signal} ("delay", "cancellations" or "both"), `causes` to {day: dominant cause}
    (one of `CAUSES`) of its flagged days; flagged days without one have no cause data."""
    anomalies = anomalies or {}
    causes = causes or {}
    rows = []
    for airport, days in airports.items():
        for day in days:
            signal = anomalies.get(airport, {}).get(day)
            cause = causes.get(airport, {}).get(day) if signal else None
            explanation = None
            if signal:
                explanation = (
                    f"{cause} 75% of delay minutes vs 20% usually" if cause else "no cause data"
                )
            rows.append(
                {
                    "airport": airport,
                    "flight_date": dt.date(year, 1, 1) + dt.timedelta(days=day),
                    "year": year,
                    "flights": 100,
                    "cancelled": 40 if signal in {"cancellations", "both"} else 2,
                    "diverted": 0,
                    "departed": 98,
                    "avg_dep_delay": 90.0 if signal in {"delay", "both"} else 10.0,
                    "share_delayed_15": 0.2,
                    **_cause_columns(cause),
                    "is_anomaly": signal is not None,
                    "anomaly_signal": signal,
                    "delay_score": 0.0,
                    "expected_dep_delay": 10.0,
                    "cancellation_score": 0.0,
                    "expected_cancelled_share": 0.02,
                    "judged": True,
                    "detector": "hand_made",
                    "dominant_cause": cause,
                    "explanation": explanation,
                }
            )
    schema = {
        "year": pl.Int16,
        "flights": pl.Int32,
        "cancelled": pl.Int32,
        "diverted": pl.Int32,
        "departed": pl.Int32,
        "anomaly_signal": pl.String,
        "cause_reported": pl.Int32,
        **dict.fromkeys(CAUSE_MINUTES_COLUMNS, pl.Float64),
        **dict.fromkeys(CANCELLED_BY_CAUSE_COLUMNS, pl.Int32),
        "dominant_cause": pl.String,
        "explanation": pl.String,
    }
    return pl.DataFrame(rows, schema_overrides=schema).select(TABLE_COLUMNS)
