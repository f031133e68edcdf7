"""The Random Cut Forest detector on the hand-made year (tests/detectors/conftest.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from flightdelays.detectors import get_detector
from flightdelays.detectors.random_cut_forest import SHINGLE_DAYS, shingles

NAME = "random_cut_forest"


def detect(daily: pl.DataFrame) -> pl.DataFrame:
    return get_detector(NAME).detect(daily)


def test_same_input_same_verdict(daily: pl.DataFrame) -> None:
    assert_frame_equal(detect(daily), detect(daily))


def test_a_shingle_is_the_airports_previous_rows_then_the_row() -> None:
    # rows out of order: airport 1 has rows 0 and 2 (days 5 and 9), airport 0 has rows 1 and 3
    points = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    airport = np.array([1, 0, 1, 0])
    day = np.array([5, 0, 9, 1])
    shingled = shingles(points, airport, np.lexsort((day, airport)))
    assert shingled.shape == (4, SHINGLE_DAYS * 2)
    # airport 1's second row (day 9): its first row (day 5, across the gap), then itself
    assert shingled[2, -4:].tolist() == [1.0, 10.0, 3.0, 30.0]
    # nothing of the other airport leaks in; zeros before an airport's first row
    assert shingled[2, :-4].tolist() == [0.0] * (SHINGLE_DAYS * 2 - 4)
    assert shingled[1, -2:].tolist() == [2.0, 20.0]
    assert not shingled[1, :-2].any()


def test_only_the_spike_itself_fires_not_the_week_after(
    daily: pl.DataFrame, events: Any, helpers: Any
) -> None:
    detected = detect(daily)
    airport, day = events.spike
    week_after = [(airport, day + dt.timedelta(days=n)) for n in range(1, SHINGLE_DAYS)]
    assert helpers.row(detected, events.spike)["delay_score"] > 3
    assert not any(helpers.row(detected, where)["is_anomaly"] for where in week_after)


def test_tiny_airport_has_no_score(daily: pl.DataFrame, events: Any) -> None:
    tiny = detect(daily).filter(pl.col("airport") == events.tiny_noise[0])
    assert tiny["delay_score"].is_null().all()
