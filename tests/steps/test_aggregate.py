import datetime as dt

import polars as pl
from polars.testing import assert_frame_equal

from flightdelays.steps.aggregate import daily_airport_delays


def _flights(rows: list[tuple[str, str, float | None, float, float]]) -> pl.LazyFrame:
    return pl.LazyFrame(
        rows,
        schema={
            "FL_DATE": pl.String,
            "ORIGIN": pl.String,
            "DEP_DELAY": pl.Float64,
            "CANCELLED": pl.Float64,
            "DIVERTED": pl.Float64,
        },
        orient="row",
    ).with_columns(pl.col("FL_DATE").str.to_date())


def test_aggregates_per_airport_and_day() -> None:
    flights = _flights(
        [
            ("2013-01-02", "JFK", -4.0, 0.0, 0.0),
            ("2013-01-02", "JFK", 30.0, 0.0, 1.0),
            ("2013-01-02", "JFK", None, 1.0, 0.0),
            ("2013-01-01", "JFK", 10.0, 0.0, 0.0),
            ("2013-01-01", "EWR", None, 1.0, 0.0),
        ]
    )
    result = daily_airport_delays(flights, 2013).collect()
    expected = pl.DataFrame(
        {
            "airport": ["EWR", "JFK", "JFK"],
            "flight_date": [dt.date(2013, 1, 1), dt.date(2013, 1, 1), dt.date(2013, 1, 2)],
            "year": pl.Series([2013] * 3, dtype=pl.Int16),
            "flights": pl.Series([1, 1, 3], dtype=pl.Int32),
            "cancelled": pl.Series([1, 0, 1], dtype=pl.Int32),
            "diverted": pl.Series([0, 0, 1], dtype=pl.Int32),
            "departed": pl.Series([0, 1, 2], dtype=pl.Int32),
            "avg_dep_delay": [None, 10.0, 13.0],
            "share_delayed_15": [None, 0.0, 0.5],
        }
    )
    assert_frame_equal(result, expected)
