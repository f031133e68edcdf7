"""The (airport x day) grid the vectorised detectors work on."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_series_equal

from flightdelays.detectors.grid import Grid, rolling_nanmedian, window_sums


def test_grid_places_rows_and_leaves_missing_days_empty() -> None:
    daily = pl.DataFrame(
        {
            "airport": ["JFK", "ABQ", "JFK"],
            "flight_date": [dt.date(2013, 1, 1), dt.date(2013, 1, 2), dt.date(2013, 1, 4)],
            "value": [1.0, None, 3.0],
        }
    )
    grid = Grid.of(daily)
    assert grid.airports == ["ABQ", "JFK"]
    assert grid.weekday.tolist() == [1, 2, 3, 4]  # 2013-01-01 was a Tuesday
    values = grid.values(daily["value"])
    np.testing.assert_array_equal(
        values, [[np.nan, np.nan, np.nan, np.nan], [1.0, np.nan, np.nan, 3.0]]
    )
    assert_series_equal(grid.take(values * 2, "twice"), pl.Series("twice", [2.0, None, 6.0]))
    assert_series_equal(grid.per_row(np.array([10, 20]), "size"), pl.Series("size", [20, 10, 20]))


def test_two_rows_for_one_airport_day_are_refused() -> None:
    daily = pl.DataFrame({"airport": ["JFK", "JFK"], "flight_date": [dt.date(2013, 1, 1)] * 2})
    with pytest.raises(ValueError, match="more than one row"):
        Grid.of(daily)


def test_rolling_median_skips_missing_days() -> None:
    grid = np.array([[1.0, np.nan, 3.0, 100.0, 5.0]])
    np.testing.assert_array_equal(rolling_nanmedian(grid, 1), [[1.0, 2.0, 51.5, 5.0, 52.5]])
    assert np.isnan(rolling_nanmedian(np.array([[np.nan, np.nan]]), 0)).all()


def test_window_sums_count_missing_days_as_nothing() -> None:
    grid = np.array([[1.0, np.nan, 3.0, 4.0]])
    np.testing.assert_array_equal(window_sums(grid, 1), [[1.0, 4.0, 7.0, 7.0]])
