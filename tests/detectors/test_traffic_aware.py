"""The default detector on the hand-made year (tests/detect/conftest.py)."""

from __future__ import annotations

from typing import Any

import polars as pl
from polars.testing import assert_frame_equal

from flightdelays.detectors import DEFAULT_DETECTOR, get_detector

NAME = "traffic_aware"


def detect(daily: pl.DataFrame) -> pl.DataFrame:
    return get_detector(NAME).detect(daily)


def test_it_is_the_default() -> None:
    assert DEFAULT_DETECTOR == NAME


def test_rows_keep_their_order(daily: pl.DataFrame) -> None:
    assert_frame_equal(detect(daily.reverse()), detect(daily).reverse())


def test_exactly_the_events_are_flagged(daily: pl.DataFrame, events: Any, helpers: Any) -> None:
    assert helpers.flagged(detect(daily)) == {
        events.spike: "delay",
        events.blizzard: "cancellations",
    }


def test_spike_scores_high_against_an_ordinary_expectation(
    daily: pl.DataFrame, events: Any, helpers: Any
) -> None:
    spike = helpers.row(detect(daily), events.spike)
    assert spike["delay_score"] > 5
    assert 5 < spike["expected_dep_delay"] < 15


def test_blizzard_fires_cancellations_only(daily: pl.DataFrame, events: Any, helpers: Any) -> None:
    blizzard = helpers.row(detect(daily), events.blizzard)
    assert blizzard["anomaly_signal"] == "cancellations"
    assert blizzard["cancellation_score"] > 4
    assert blizzard["expected_cancelled_share"] < 0.05


def test_a_day_one_flight_left_counts_for_little(
    daily: pl.DataFrame, events: Any, helpers: Any
) -> None:
    one = helpers.row(detect(daily), events.one_flight)
    full = helpers.row(
        detect(helpers.set_day(daily, events.one_flight, departed=8)), events.one_flight
    )
    assert one["judged"]
    assert not one["is_anomaly"]
    assert one["delay_score"] < full["delay_score"] / 2


def test_moderate_delay_and_cancellations_together_fire_both(
    daily: pl.DataFrame, events: Any, helpers: Any
) -> None:
    where = ("MID", events.spike[1])
    expected = helpers.row(detect(daily), where)["expected_dep_delay"]
    stormy = helpers.set_day(
        daily, where, flights=60, cancelled=8, departed=52, avg_dep_delay=expected + 26.0
    )
    row = helpers.row(detect(stormy), where)
    assert 3 < row["delay_score"] < 6
    assert 3 < row["cancellation_score"] < 4
    assert row["anomaly_signal"] == "both"


def test_missing_days_stay_missing_and_do_not_drag_the_expectation(
    daily: pl.DataFrame, events: Any
) -> None:
    detected = detect(daily)
    assert detected.filter(pl.col("flight_date").is_in(events.gap)).is_empty()
    after = detected.filter(pl.col("flight_date") == events.after_gap, pl.col("airport") == "BIG")
    assert after["delay_score"].is_not_null().all()
    assert 5 < after["expected_dep_delay"][0] < 15


def test_ordinary_year_raises_no_alarm(helpers: Any) -> None:
    for seed in range(3):
        assert not detect(helpers.ordinary_year(seed))["is_anomaly"].any()


def test_expected_delay_follows_the_weekly_pattern(helpers: Any) -> None:
    year = helpers.ordinary_year(seed=1, days=364)
    big = detect(year).filter(pl.col("airport") == "BIG")
    by_weekday = big.group_by(pl.col("flight_date").dt.weekday()).agg(
        pl.col("expected_dep_delay").mean()
    )
    friday, saturday = (
        by_weekday.filter(pl.col("flight_date") == weekday)["expected_dep_delay"][0]
        for weekday in (5, 6)
    )
    assert friday - saturday > 2
