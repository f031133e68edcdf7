"""XGBoost learns what each airport-day was expected to be; a day is scored by how far it sits
above that expectation, weighed by its flights as the default detector weighs them.

Two gradient-boosted models (the `xgboost` library SageMaker's built-in algorithm runs) learn
the day's mean departure delay (each day weighted by its departures) and its cancelled share
(weighted by its scheduled flights) from what was known without the day's own outcome: the
airport (its code and its size), the weekday, the month, whether it is a holiday-traffic day,
the airport's recent level (its median delay and its cancelled share over the four weeks
around the day, the day itself left out), the national level of the surrounding days (three
either side, the day itself left out, so a storm of that very day is not in the features), and
how many flights the day has scheduled against the airport's usual. Each day is predicted by a
model that never saw it: the models for odd days learn from even days and the other way round.

The delay is learned with a pseudo-Huber loss, so storm days pull the expectation up little.
The score of each signal is the default detector's (traffic_aware): minutes above expected in
the airport's usual upward spread, widened on days with fewer departures than usual; and the
surprise of that many cancellations out of that many flights, as a binomial tail. So are the
thresholds and the minimum sizes (25 minutes, 10 points): the two differ in the expectation.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from flightdelays.detectors.base import no_scores
from flightdelays.detectors.grid import Grid, per_airport, window_sums
from flightdelays.detectors.robust_zscore import MIN_TYPICAL_FLIGHTS
from flightdelays.detectors.traffic_aware import (
    HALF_WINDOW_DAYS,
    ORDINARY_SCORE,
    TrafficAware,
    count_surprise,
    flight_weighted_scores,
    verdict_over_expected,
)

NATIONAL_HALF_WINDOW = 3
"""The national level is taken over the three days either side of the day."""

BOOSTING = {
    "objective": "reg:pseudohubererror",
    "max_depth": 5,
    "eta": 0.15,
    "subsample": 0.8,
    "tree_method": "hist",
    "max_bin": 64,
    "nthread": 1,  # two OpenMP threads on a shared 2-core machine ran 10x slower, not faster
    "seed": 0,
}
ROUNDS = 50
HUBER_SLOPE_MINUTES = 10.0
"""Beyond about 10 minutes from the expectation a day's pull on the fit grows linearly."""


def _leave_one_out_median(grid: np.ndarray, half_width: int) -> np.ndarray:
    """Centred rolling median over 2 * half_width + 1 days without the day itself, ignoring
    NaN; NaN where no other day of the window has a value. (Sorting each window and picking
    its middle is several times faster than np.nanmedian over the windows.)"""
    padded = np.pad(grid, ((0, 0), (half_width, half_width)), constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half_width + 1, axis=1).copy()
    windows[:, :, half_width] = np.nan
    windows.sort(axis=2)  # NaN last
    count = np.isfinite(windows).sum(axis=2, keepdims=True)
    low = np.take_along_axis(windows, np.maximum(count - 1, 0) // 2, axis=2)
    high = np.take_along_axis(windows, count // 2, axis=2)
    median: np.ndarray = np.where(count > 0, (low + high) / 2.0, np.nan)[:, :, 0]
    return median


def _leave_one_out_ratio(
    numerator: np.ndarray, denominator: np.ndarray, half_width: int
) -> np.ndarray:
    """Sum of `numerator` over the window without the day, over the same of `denominator`."""
    top = window_sums(numerator, half_width) - np.nan_to_num(numerator)
    bottom = window_sums(denominator, half_width) - np.nan_to_num(denominator)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio: np.ndarray = top / bottom
    return ratio


def features(grid: Grid, daily: pl.DataFrame) -> np.ndarray:
    """One row of features per aggregate row (see the module docstring); none is the row's own
    delay or cancellations."""
    from flightdelays.research.generate import holidays

    flights = grid.values(daily["flights"])
    cancelled = grid.values(daily["cancelled"])
    departed = grid.values(daily["departed"])
    delay = np.where(departed > 0, grid.values(daily["avg_dep_delay"]), np.nan)
    delay_minutes = np.nan_to_num(delay * departed)
    national_delay = _leave_one_out_ratio(
        delay_minutes.sum(axis=0, keepdims=True),
        np.nan_to_num(departed).sum(axis=0, keepdims=True),
        NATIONAL_HALF_WINDOW,
    )[0]
    national_share = _leave_one_out_ratio(
        np.nan_to_num(cancelled).sum(axis=0, keepdims=True),
        np.nan_to_num(flights).sum(axis=0, keepdims=True),
        NATIONAL_HALF_WINDOW,
    )[0]
    typical = np.maximum(np.nan_to_num(per_airport(flights, np.nanmedian), nan=1.0), 1.0)
    airport, day = grid.airport_of_row, grid.day_of_row
    dates = daily["flight_date"]
    holiday_days = {day for year in dates.dt.year().unique() for day in holidays(int(year))}
    columns = [
        airport.astype(np.float64),
        np.log(typical)[airport],
        grid.weekday[day].astype(np.float64),
        dates.dt.month().to_numpy().astype(np.float64),
        dates.is_in(sorted(holiday_days, key=dt.date.toordinal)).to_numpy().astype(np.float64),
        _leave_one_out_median(delay, HALF_WINDOW_DAYS)[airport, day],
        _leave_one_out_ratio(cancelled, flights, HALF_WINDOW_DAYS)[airport, day],
        national_delay[day],
        national_share[day],
        (flights / typical[:, None])[airport, day],
    ]
    return np.column_stack(columns)


def out_of_fold(
    x: np.ndarray, target: np.ndarray, weight: np.ndarray, params: dict[str, object]
) -> np.ndarray:
    """Each row's prediction by a model trained on the other half of the days (odd / even
    rows of `fold`, the day number's parity, passed as the last column of `x`)."""
    import xgboost as xgb

    fold = x[:, -1].astype(np.int64) % 2
    x = x[:, :-1]
    usable = np.isfinite(target) & (weight > 0)
    predicted = np.full(len(target), np.nan)
    for half in (0, 1):
        train = usable & (fold != half)
        if not train.any():
            continue
        model = xgb.train(
            params,
            xgb.DMatrix(x[train], label=target[train], weight=weight[train], nthread=1),
            ROUNDS,
        )
        predicted[fold == half] = model.predict(xgb.DMatrix(x[fold == half], nthread=1))
    return predicted


class XGBoostExpected:
    """Expected delay and cancelled share from XGBoost; scores and verdict as the default's."""

    name = "xgboost_expected"
    delay_threshold = TrafficAware.delay_threshold
    cancellation_threshold = TrafficAware.cancellation_threshold
    joint_threshold = TrafficAware.joint_threshold
    min_extra_minutes = TrafficAware.min_extra_minutes
    min_extra_share = TrafficAware.min_extra_share

    def detect(self, daily: pl.DataFrame) -> pl.DataFrame:
        if daily.is_empty():
            return no_scores(daily, self.name)
        grid = Grid.of(daily)
        x = np.column_stack([features(grid, daily), grid.day_of_row])
        flights = daily["flights"].cast(pl.Float64).to_numpy()
        departed = daily["departed"].cast(pl.Float64).to_numpy()
        delay = daily["avg_dep_delay"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        share = daily["cancelled"].cast(pl.Float64).to_numpy() / np.maximum(flights, 1.0)
        huber = {**BOOSTING, "huber_slope": HUBER_SLOPE_MINUTES}
        expected_delay = out_of_fold(x, np.where(departed > 0, delay, np.nan), departed, huber)
        squared = {**BOOSTING, "objective": "reg:squarederror"}
        expected_share = np.clip(out_of_fold(x, share, flights, squared), 1e-4, 0.99)
        scored = self._scored(grid, daily, expected_delay, expected_share)
        return verdict_over_expected(scored, self)

    @staticmethod
    def _scored(
        grid: Grid, daily: pl.DataFrame, expected_delay: np.ndarray, expected_share: np.ndarray
    ) -> pl.DataFrame:
        """`daily` with each signal's expectation and the default's scores against it."""
        flights = grid.values(daily["flights"])
        cancelled = grid.values(daily["cancelled"])
        departed = grid.values(daily["departed"])
        delay = np.where(departed > 0, grid.values(daily["avg_dep_delay"]), np.nan)
        expected_delay_grid = grid.values(pl.Series(expected_delay))
        expected_share_grid = np.nan_to_num(grid.values(pl.Series(expected_share)), nan=0.5)
        present = np.isfinite(flights)
        first = count_surprise(cancelled, flights, expected_share_grid, present)
        surprise = count_surprise(
            cancelled, flights, expected_share_grid, present & (first <= ORDINARY_SCORE)
        )
        return grid.scored(
            daily,
            delay=(
                expected_delay_grid,
                flight_weighted_scores(delay - expected_delay_grid, departed),
            ),
            cancellations=(
                np.where(present, expected_share_grid, np.nan),
                np.where(present, surprise, np.nan),
            ),
            judged=per_airport(flights, np.nanmedian) >= MIN_TYPICAL_FLIGHTS,
        )
