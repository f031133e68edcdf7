"""The robust z-score baseline on the hand-made year (tests/detect/conftest.py)."""

from __future__ import annotations

from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from flightdelays.detectors import get_detector

NAME = "robust_zscore"


def detect(daily: pl.DataFrame) -> pl.DataFrame:
    return get_detector(NAME).detect(daily)


def test_rows_keep_their_order(daily: pl.DataFrame) -> None:
    assert_frame_equal(detect(daily.reverse()), detect(daily).reverse())


def test_spike_fires_delay_against_the_airports_median_day(
    daily: pl.DataFrame, events: Any, helpers: Any
) -> None:
    spike = helpers.row(detect(daily), events.spike)
    assert spike["anomaly_signal"] == "delay"
    assert spike["delay_score"] > 3.5
    median = daily.filter(pl.col("airport") == "BIG")["avg_dep_delay"].median()
    assert spike["expected_dep_delay"] == median


def test_early_day_scores_far_below(daily: pl.DataFrame, events: Any, helpers: Any) -> None:
    early = helpers.row(detect(daily), events.early)
    assert early["delay_score"] < -3.5
    assert not early["is_anomaly"]


def test_one_flight_days_have_no_score(daily: pl.DataFrame, events: Any, helpers: Any) -> None:
    one = helpers.row(detect(daily), events.one_flight)
    assert one["delay_score"] is None  # fewer than 5 departures: no score
    assert not one["is_anomaly"]
