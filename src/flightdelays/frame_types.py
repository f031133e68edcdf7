"""The polars types of the aggregate's two frames, for code that reads them back from text (the
export, for SageMaker) and for tests that build them; the read itself produces these types."""

from __future__ import annotations

import polars as pl

from flightdelays.schema import CANCELLED_BY_CAUSE_COLUMNS, CAUSE_MINUTES_COLUMNS

DAILY_TYPES: dict[str, pl.DataType] = {
    "airport": pl.String(),
    "flight_date": pl.Date(),
    "year": pl.Int16(),
    "flights": pl.Int32(),
    "cancelled": pl.Int32(),
    "diverted": pl.Int32(),
    "departed": pl.Int32(),
    "avg_dep_delay": pl.Float64(),
    "share_delayed_15": pl.Float64(),
    "cause_reported": pl.Int32(),
    **{column: pl.Float64() for column in CAUSE_MINUTES_COLUMNS},
    **{column: pl.Int32() for column in CANCELLED_BY_CAUSE_COLUMNS},
}
"""`DAILY_COLUMNS` and their types: the per (airport, day) aggregate, as the detectors read it."""

CARRIER_DAY_TYPES: dict[str, pl.DataType] = {
    "airport": pl.String(),
    "flight_date": pl.Date(),
    "year": pl.Int16(),
    "carrier": pl.String(),
    "flights": pl.Int32(),
    "cancelled": pl.Int32(),
    "departed": pl.Int32(),
    "avg_dep_delay": pl.Float64(),
}
"""`CARRIER_DAY_COLUMNS` and their types: the per (airport, day, carrier) frame."""
