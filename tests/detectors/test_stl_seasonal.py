"""The STL seasonal peer on the hand-made year (tests/detect/conftest.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from flightdelays.detectors import get_detector
from flightdelays.detectors.stl_seasonal import runs

NAME = "stl_seasonal"


def detect(daily: pl.DataFrame) -> pl.DataFrame:
    return get_detector(NAME).detect(daily)


def test_rows_keep_their_order(daily: pl.DataFrame) -> None:
    assert_frame_equal(detect(daily.reverse()), detect(daily).reverse())


def test_spike_fires_delay(daily: pl.DataFrame, events: Any, helpers: Any) -> None:
    spike = helpers.row(detect(daily), events.spike)
    assert spike["anomaly_signal"] == "delay"
    assert 5 < spike["expected_dep_delay"] < 15


def test_tiny_airport_has_no_score(daily: pl.DataFrame, events: Any) -> None:
    tiny = detect(daily).filter(pl.col("airport") == events.tiny_noise[0])
    assert tiny["delay_score"].is_null().all()


def test_series_is_cut_at_gaps_never_filled(daily: pl.DataFrame, events: Any) -> None:
    detected = detect(daily)
    assert detected.filter(pl.col("flight_date").is_in(events.gap)).is_empty()
    after = detected.filter(pl.col("flight_date") == events.after_gap, pl.col("airport") == "BIG")
    assert 5 < after["expected_dep_delay"][0] < 15


def test_runs_are_the_stretches_between_gaps() -> None:
    present = np.array([True, True, False, True, False, False, True])
    assert runs(present) == [(0, 2), (3, 4), (6, 7)]


def test_a_run_shorter_than_two_weeks_has_no_score(daily: pl.DataFrame) -> None:
    short = detect(
        daily.filter(pl.col("flight_date") < pl.col("flight_date").min().dt.offset_by("10d"))
    )
    assert short["delay_score"].is_null().all()
    assert not short["is_anomaly"].any()
