"""Seasonal peer: STL (statsmodels, robust) removes each airport's trend and weekly pattern,
then the remainder is scored as a robust z-score.

Per judged airport and per signal (mean delay, cancelled share), the series is cut at every
day without a value (a missing month, a day without flights or with too few departures): STL
needs evenly spaced days, and a gap is not a day of zero delay. Runs shorter than two weeks
are not decomposed and have no score. Thresholds and minimums are the baseline's, so the
comparison shows what removing the season alone buys.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from statsmodels.tsa.seasonal import STL

from flightdelays.detectors.base import VerdictRule, add_verdict, no_scores
from flightdelays.detectors.grid import Grid, per_airport
from flightdelays.detectors.robust_zscore import (
    DELAY_SPREAD_FLOOR,
    MAD_TO_SIGMA,
    MIN_DEPARTED,
    MIN_TYPICAL_FLIGHTS,
    SHARE_SPREAD_FLOOR,
)

PERIOD_DAYS = 7
SEASONAL_SMOOTHER = 53
"""Weeks the weekly pattern is smoothed over (STL's `seasonal`): about a year, a stable pattern."""
TREND_DAYS = 29
"""Days the trend is smoothed over (STL's `trend`): about a month, like the default detector's
running level; STL's own default (15 days) follows a 2-day storm too closely."""
MIN_RUN_DAYS = 2 * PERIOD_DAYS


def runs(present: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each stretch of consecutive True values."""
    edges = np.diff(np.concatenate([[0], present.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def seasonal_expectation(series: np.ndarray) -> np.ndarray:
    """Trend + weekly component of one airport's daily series (NaN on gaps and short runs)."""
    expected = np.full(series.shape, np.nan)
    for start, stop in runs(np.isfinite(series)):
        if stop - start >= MIN_RUN_DAYS:
            fit = STL(
                series[start:stop],
                period=PERIOD_DAYS,
                seasonal=SEASONAL_SMOOTHER,
                trend=TREND_DAYS,
                robust=True,
            ).fit()
            expected[start:stop] = fit.trend + fit.seasonal
    return expected


def stl_z(series: np.ndarray, judged: np.ndarray, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """(expected, robust z of the remainder) for each judged airport's row of `series`."""
    expected = np.full(series.shape, np.nan)
    for airport in np.flatnonzero(judged):
        expected[airport] = seasonal_expectation(series[airport])
    remainder = series - expected
    centre = per_airport(remainder, np.nanmedian)
    spread = per_airport(np.abs(remainder - centre[:, None]), np.nanmedian) * MAD_TO_SIGMA
    spread = np.maximum(np.nan_to_num(spread, nan=floor), floor)
    return expected + centre[:, None], (remainder - centre[:, None]) / spread[:, None]


class SeasonalSTL:
    """Flags days more than 3.5 robust standard deviations above the airport's STL trend and
    weekly pattern (delay), or more than 5 above it (cancelled share)."""

    name = "stl_seasonal"
    delay_threshold = 3.5
    cancellation_threshold = 5.0

    def detect(self, daily: pl.DataFrame) -> pl.DataFrame:
        if daily.is_empty():
            return no_scores(daily, self.name)
        grid = Grid.of(daily)
        flights = grid.values(daily["flights"])
        departed = grid.values(daily["departed"])
        judged = np.nan_to_num(per_airport(flights, np.nanmedian)) >= MIN_TYPICAL_FLIGHTS
        delay = np.where(departed >= MIN_DEPARTED, grid.values(daily["avg_dep_delay"]), np.nan)
        share = np.where(flights >= MIN_DEPARTED, grid.values(daily["cancelled"]) / flights, np.nan)
        scored = grid.scored(
            daily,
            delay=stl_z(delay, judged, DELAY_SPREAD_FLOOR),
            cancellations=stl_z(share, judged, SHARE_SPREAD_FLOOR),
            judged=judged,
        )
        return add_verdict(
            scored,
            self.name,
            VerdictRule(
                delay_threshold=self.delay_threshold,
                cancellation_threshold=self.cancellation_threshold,
            ),
        )
