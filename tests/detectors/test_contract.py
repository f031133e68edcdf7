"""What every registered detector promises, on the hand-made year (tests/detect/conftest.py).

Each detector's own file adds what is particular to it (score sizes, expectations, order).
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flightdelays.detectors import available, get_detector
from flightdelays.schema import DAILY_COLUMNS, DETECTED_COLUMNS

pytestmark = pytest.mark.parametrize("name", available())


def test_output_is_the_stored_table_with_the_input_unchanged(
    name: str, daily: pl.DataFrame
) -> None:
    detected = get_detector(name).detect(daily)
    assert detected.columns == list(DETECTED_COLUMNS)
    assert_frame_equal(detected.select(DAILY_COLUMNS), daily)
    assert detected["detector"].unique().to_list() == [name]


def test_spike_fires_delay(name: str, daily: pl.DataFrame, events: Any, helpers: Any) -> None:
    spike = helpers.row(get_detector(name).detect(daily), events.spike)
    assert spike["anomaly_signal"] == "delay"


def test_early_day_is_not_an_anomaly(
    name: str, daily: pl.DataFrame, events: Any, helpers: Any
) -> None:
    early = helpers.row(get_detector(name).detect(daily), events.early)
    assert early["delay_score"] < 0
    assert not early["is_anomaly"]


def test_blizzard_fires_cancellations(
    name: str, daily: pl.DataFrame, events: Any, helpers: Any
) -> None:
    blizzard = helpers.row(get_detector(name).detect(daily), events.blizzard)
    assert blizzard["anomaly_signal"] == "cancellations"


def test_tiny_airport_is_not_judged(name: str, daily: pl.DataFrame, events: Any) -> None:
    detected = get_detector(name).detect(daily)
    tiny = detected.filter(pl.col("airport") == events.tiny_noise[0])
    assert not tiny["judged"].any()
    assert not tiny["is_anomaly"].any()


def test_missing_days_stay_missing(name: str, daily: pl.DataFrame, events: Any) -> None:
    detected = get_detector(name).detect(daily)
    assert detected.height == daily.height
    assert detected.filter(pl.col("flight_date").is_in(events.gap)).is_empty()
