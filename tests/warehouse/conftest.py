"""Rows and explanations of a year, as the load step gets them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl
import pytest

from flightdelays.explanations import explain
from flightdelays.frame_types import CARRIER_DAY_TYPES
from flightdelays.schema import CANCELLED_BY_CAUSE_COLUMNS, CAUSE_MINUTES_COLUMNS

Frames = tuple[pl.DataFrame, pl.DataFrame]
"""The year's rows (`TABLE_COLUMNS`) and its explanations (`EXPLANATION_COLUMNS`)."""
NO_CARRIER_DAYS = pl.DataFrame(schema=CARRIER_DAY_TYPES)


def year_frames(year: int, airports: list[str], days: int, *, delay: float = 5.0) -> Frames:
    """`days` days from 1 January at each airport, the first one flagged (a weather delay),
    explained by the project's own transform."""
    records = [
        {
            "airport": airport,
            "flight_date": dt.date(year, 1, 1) + dt.timedelta(days=day),
            "year": year,
            "flights": 10,
            "cancelled": 1,
            "diverted": 0,
            "departed": 9,
            "avg_dep_delay": delay,
            "share_delayed_15": 0.1,
            "cause_reported": 2,
            **dict.fromkeys(CAUSE_MINUTES_COLUMNS, 10.0),
            "weather_delay_minutes": 90.0 if day == 0 else 10.0,
            **dict.fromkeys(CANCELLED_BY_CAUSE_COLUMNS, 0),
            "cancelled_weather": 1,
            "is_anomaly": day == 0,
            "anomaly_signal": "delay" if day == 0 else None,
            "delay_score": 1.0,
            "expected_dep_delay": 4.0,
            "cancellation_score": None,
            "expected_cancelled_share": 0.1,
            "judged": True,
            "detector": "test",
        }
        for airport in airports
        for day in range(days)
    ]
    detected = pl.DataFrame(
        records,
        schema_overrides={
            "year": pl.Int16,
            "anomaly_signal": pl.String,
            "cancellation_score": pl.Float64,
        },
    )
    explained = explain(detected, NO_CARRIER_DAYS)
    return explained.rows, explained.explanations


@pytest.fixture
def frames() -> Callable[..., Frames]:
    """`frames(year, airports, days, delay=5.0)`: see `year_frames`."""
    return year_frames
