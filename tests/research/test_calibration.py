import datetime as dt

import polars as pl
import pytest

from flightdelays.research.calibration import delay_shape


def one_year(airport: str, storm_day: dt.date) -> pl.DataFrame:
    days = pl.date_range(dt.date(2013, 1, 1), dt.date(2013, 12, 31), eager=True)
    return pl.DataFrame({"flight_date": days}).with_columns(
        airport=pl.lit(airport),
        flights=pl.lit(300),
        # 10 minutes in the first half of the year, 20 in the second, one stormy day at 50
        avg_dep_delay=pl.when(pl.col("flight_date") == storm_day)
        .then(50.0)
        .when(pl.col("flight_date").dt.month() <= 6)
        .then(10.0)
        .otherwise(20.0),
    )


def test_swing_tail_and_late_days() -> None:
    daily = pl.concat([one_year("AAA", dt.date(2013, 3, 15)), one_year("BBB", dt.date(2013, 9, 1))])
    shape = delay_shape(daily, ["AAA"], "test")
    assert shape["airport"].to_list() == ["AAA"]
    row = shape.row(0, named=True)
    assert row["source"] == "test"
    assert row["flights"] == 300
    assert row["month_swing"] == pytest.approx(10.0)
    assert row["p50"] == pytest.approx(0.0)
    # the season's step is followed by the running median; only the storm stands out
    assert row["late_days_share"] == pytest.approx(1 / 365)
    assert row["p99"] < 40.0


def test_airports_missing_from_the_data_give_no_row() -> None:
    shape = delay_shape(one_year("AAA", dt.date(2013, 3, 15)), ["ZZZ"], "test")
    assert shape.is_empty()
