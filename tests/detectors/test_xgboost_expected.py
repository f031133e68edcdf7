"""The XGBoost detector on the hand-made year (tests/detectors/conftest.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from flightdelays.detectors import get_detector
from flightdelays.detectors.grid import Grid
from flightdelays.detectors.xgboost_expected import features

NAME = "xgboost_expected"


def detect(daily: pl.DataFrame) -> pl.DataFrame:
    return get_detector(NAME).detect(daily)


def test_same_input_same_verdict(daily: pl.DataFrame) -> None:
    assert_frame_equal(detect(daily), detect(daily))


def test_a_days_features_do_not_hold_its_own_outcome(
    daily: pl.DataFrame, events: Any, helpers: Any
) -> None:
    airport, day = events.spike
    calm = helpers.set_day(daily, events.spike, avg_dep_delay=10.0, cancelled=0, departed=300)
    row = daily.with_row_index().filter(
        (pl.col("airport") == airport) & (pl.col("flight_date") == day)
    )["index"][0]
    spiked_features = features(Grid.of(daily), daily)
    calm_features = features(Grid.of(calm), calm)
    np.testing.assert_array_equal(spiked_features[row], calm_features[row])
    assert not np.array_equal(spiked_features, calm_features)  # its neighbours do see it


def test_the_expectation_is_near_the_ordinary_level(
    daily: pl.DataFrame, events: Any, helpers: Any
) -> None:
    spike = helpers.row(detect(daily), events.spike)
    assert 0.0 < spike["expected_dep_delay"] < 20.0  # ordinary days average 10 minutes
    assert spike["delay_score"] > 6


def test_the_recent_level_is_the_median_of_the_other_days_of_the_window() -> None:
    from flightdelays.detectors.xgboost_expected import _leave_one_out_median

    nan = np.nan
    grid = np.array([[1.0, 100.0, 3.0, nan, 5.0], [nan, nan, 7.0, nan, nan]])
    level = _leave_one_out_median(grid, 1)
    # day 1: its neighbours 1 and 3, not its own 100; day 3: 3 and 5; day 4: only day 3 (NaN)
    np.testing.assert_array_equal(level[0], [100.0, 2.0, 100.0, 4.0, nan])
    np.testing.assert_array_equal(level[1], [nan, 7.0, nan, 7.0, nan])
