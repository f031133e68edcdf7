"""The IsolationForest peer on the hand-made year (tests/detect/conftest.py)."""

from __future__ import annotations

from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from flightdelays.detectors import get_detector

NAME = "isolation_forest"


def detect(daily: pl.DataFrame) -> pl.DataFrame:
    return get_detector(NAME).detect(daily)


def test_same_input_same_verdict(daily: pl.DataFrame) -> None:
    assert_frame_equal(detect(daily), detect(daily))


def test_spike_fires_delay(daily: pl.DataFrame, events: Any, helpers: Any) -> None:
    spike = helpers.row(detect(daily), events.spike)
    assert spike["anomaly_signal"] == "delay"
    assert spike["delay_score"] > 0


def test_tiny_airport_has_no_score(daily: pl.DataFrame, events: Any) -> None:
    tiny = detect(daily).filter(pl.col("airport") == events.tiny_noise[0])
    assert tiny["delay_score"].is_null().all()
