"""Robust z-score baseline: distance from the airport's median day, in MADs.

What most course projects do, made robust: no seasonal expectation (the airport's median day
of the whole year is "expected"), and the number of flights only enters as two minimums.
The other peer detectors (STL, IsolationForest) share its minimums.
"""

from __future__ import annotations

import polars as pl

from flightdelays.detectors.base import VerdictRule, add_verdict, no_scores

MIN_DEPARTED = 5
"""Fewer departures than this make a day's mean too noisy to judge."""

MIN_TYPICAL_FLIGHTS = 5
"""An airport whose median day has fewer flights has too little data to judge at all."""

MAD_TO_SIGMA = 1.4826
"""A normal distribution's standard deviation is 1.4826 times its median absolute deviation."""

DELAY_SPREAD_FLOOR = 1.0
"""Minutes: the smallest spread of daily mean delays, so a flat series does not explode."""

SHARE_SPREAD_FLOOR = 0.02
"""The smallest spread of daily cancelled shares (most airports' median day cancels none)."""


def robust_z(value: pl.Expr, floor: float) -> tuple[pl.Expr, pl.Expr]:
    """(median, z) of `value` per airport, the spread floored so flat series don't explode."""
    median = value.median().over("airport")
    spread = ((value - median).abs().median().over("airport") * MAD_TO_SIGMA).clip(floor)
    return median, (value - median) / spread


def judged_airports() -> pl.Expr:
    """Per row: does the row's airport have enough flights on its median day to be judged."""
    return pl.col("flights").median().over("airport") >= MIN_TYPICAL_FLIGHTS


def cancelled_share() -> pl.Expr:
    """The share of the day's scheduled flights that were cancelled."""
    return pl.col("cancelled") / pl.col("flights")


def robust_scores(daily: pl.DataFrame) -> pl.DataFrame:
    """`daily` with the year's median as expected values and robust z-scores against them.

    Days with fewer than `MIN_DEPARTED` departures (or flights) have no score.
    """
    enough = pl.col("departed") >= MIN_DEPARTED
    delay = pl.when(enough).then(pl.col("avg_dep_delay"))
    expected_delay, delay_score = robust_z(delay, floor=DELAY_SPREAD_FLOOR)
    expected_share, cancellation_score = robust_z(cancelled_share(), floor=SHARE_SPREAD_FLOOR)
    return daily.with_columns(
        delay_score=delay_score,
        expected_dep_delay=expected_delay,
        cancellation_score=pl.when(pl.col("flights") >= MIN_DEPARTED).then(cancellation_score),
        expected_cancelled_share=expected_share,
        judged=judged_airports(),
    )


class RobustZScore:
    """Flags days whose mean delay is more than 3.5 robust standard deviations above the
    airport's median day, or whose cancelled share is more than 5 above its median."""

    name = "robust_zscore"
    delay_threshold = 3.5
    cancellation_threshold = 5.0

    def detect(self, daily: pl.DataFrame) -> pl.DataFrame:
        if daily.is_empty():
            return no_scores(daily, self.name)
        return add_verdict(
            robust_scores(daily),
            self.name,
            VerdictRule(
                delay_threshold=self.delay_threshold,
                cancellation_threshold=self.cancellation_threshold,
            ),
        )
