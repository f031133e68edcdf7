"""The IsolationForest peer on the hand-made year (tests/detect/conftest.py)."""

from __future__ import annotations

from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from flightdelays.detect import get_detector
from flightdelays.schema import DAILY_COLUMNS, TABLE_COLUMNS

NAME = "isolation_forest"


def detect(daily: pl.DataFrame) -> pl.DataFrame:
    return get_detector(NAME).detect(daily)


def test_output_is_the_stored_table_with_the_input_unchanged(daily: pl.DataFrame) -> None:
    detected = detect(daily)
    assert detected.columns == list(TABLE_COLUMNS)
    assert_frame_equal(detected.select(DAILY_COLUMNS), daily)


def test_same_input_same_verdict(daily: pl.DataFrame) -> None:
    assert_frame_equal(detect(daily), detect(daily))


def test_spike_fires_delay(daily: pl.DataFrame, events: Any, helpers: Any) -> None:
    spike = helpers.row(detect(daily), events.spike)
    assert spike["anomaly_signal"] == "delay"
    assert spike["delay_score"] > 0


def test_early_day_is_isolated_but_not_an_anomaly(
    daily: pl.DataFrame, events: Any, helpers: Any
) -> None:
    early = helpers.row(detect(daily), events.early)
    assert early["delay_score"] < 0
    assert not early["is_anomaly"]


def test_blizzard_fires_cancellations(daily: pl.DataFrame, events: Any, helpers: Any) -> None:
    assert helpers.row(detect(daily), events.blizzard)["anomaly_signal"] == "cancellations"


def test_tiny_airport_is_not_judged(daily: pl.DataFrame, events: Any) -> None:
    tiny = detect(daily).filter(pl.col("airport") == events.tiny_noise[0])
    assert not tiny["judged"].any()
    assert tiny["delay_score"].is_null().all()
    assert not tiny["is_anomaly"].any()


def test_missing_days_stay_missing(daily: pl.DataFrame, events: Any) -> None:
    detected = detect(daily)
    assert detected.height == daily.height
    assert detected.filter(pl.col("flight_date").is_in(events.gap)).is_empty()
