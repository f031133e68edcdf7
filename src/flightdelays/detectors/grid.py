"""A year's aggregate as dense (airport x day) arrays, so a detector scores all airports at once.

Row a of a grid is one airport, column d one calendar day from the first to the last day in
the data. A day an airport has no row for (a month missing from the file, a day without
flights) is NaN in the grid and is never written back: `Grid.take` reads the grid only where
the aggregate has a row, in the aggregate's row order.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Grid:
    """Where each aggregate row sits in an (airport x day) array."""

    airports: list[str]
    """Airport codes, sorted: the grid's rows."""
    airport_of_row: np.ndarray
    """For each aggregate row, its grid row."""
    day_of_row: np.ndarray
    """For each aggregate row, its grid column (days since the first day)."""
    weekday: np.ndarray
    """For each grid column, its weekday (0 Monday ... 6 Sunday)."""

    @classmethod
    def of(cls, daily: pl.DataFrame) -> Grid:
        """The grid of `daily` (columns airport, flight_date; one row per airport and day)."""
        if daily.is_empty():
            return cls([], np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
        airports = daily["airport"].cast(pl.String).unique().sort()
        first = daily["flight_date"].min()
        if not isinstance(first, dt.date):
            raise TypeError("flight_date must be a Date column")
        epoch_day = daily["flight_date"].to_physical().to_numpy().astype(np.int64)
        day_of_row = epoch_day - epoch_day.min()
        airport_of_row = daily["airport"].cast(pl.String).cast(pl.Enum(airports))
        grid = cls(
            airports=airports.to_list(),
            airport_of_row=airport_of_row.to_physical().to_numpy().astype(np.int64),
            day_of_row=day_of_row,
            weekday=(np.arange(int(day_of_row.max()) + 1) + first.weekday()) % 7,
        )
        counts = np.zeros(grid.shape, dtype=np.int64)
        np.add.at(counts, (grid.airport_of_row, grid.day_of_row), 1)
        if counts.max() > 1:
            raise ValueError("the aggregate has more than one row for an (airport, day)")
        return grid

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.airports), self.weekday.size

    def values(self, column: pl.Series) -> np.ndarray:
        """`column` (one value per aggregate row) as an (airport x day) float array; NaN where
        the aggregate has no row or the value is null."""
        grid = np.full(self.shape, np.nan)
        grid[self.airport_of_row, self.day_of_row] = (
            column.cast(pl.Float64).fill_null(np.nan).to_numpy()
        )
        return grid

    def take(self, grid: np.ndarray, name: str) -> pl.Series:
        """The grid's values at the aggregate's rows, in row order; NaN becomes null."""
        values = grid[self.airport_of_row, self.day_of_row].astype(np.float64)
        return pl.Series(name, values).fill_nan(None)

    def per_row(self, per_airport: np.ndarray, name: str) -> pl.Series:
        """A value per airport (grid row) repeated on each of the airport's aggregate rows."""
        return pl.Series(name, per_airport[self.airport_of_row])

    def scored(
        self,
        daily: pl.DataFrame,
        *,
        delay: tuple[np.ndarray, np.ndarray],
        cancellations: tuple[np.ndarray, np.ndarray],
        judged: np.ndarray,
    ) -> pl.DataFrame:
        """`daily` with the columns `add_verdict` reads: (expected, score) grids of each signal
        and whether each airport (grid row) is judged."""
        expected_delay, delay_score = delay
        expected_share, cancellation_score = cancellations
        return daily.with_columns(
            self.take(delay_score, "delay_score"),
            self.take(expected_delay, "expected_dep_delay"),
            self.take(cancellation_score, "cancellation_score"),
            self.take(expected_share, "expected_cancelled_share"),
            self.per_row(judged, "judged"),
        )


@contextmanager
def quiet_nan_warnings() -> Iterator[None]:
    """Silence numpy's 'All-NaN slice' and 'Mean of empty slice': an airport or a window
    without data has a NaN result, which is what we want."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def rolling_nanmedian(grid: np.ndarray, half_width: int) -> np.ndarray:
    """Centred rolling median along days over 2 * half_width + 1 calendar days, ignoring NaN
    (missing days simply are not in the window); NaN where the window holds no value."""
    padded = np.pad(grid, ((0, 0), (half_width, half_width)), constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half_width + 1, axis=1)
    with quiet_nan_warnings():
        median: np.ndarray = np.nanmedian(windows, axis=2)
    return median


def window_sums(grid: np.ndarray, half_width: int) -> np.ndarray:
    """Centred rolling sums along days over 2 * half_width + 1 calendar days (NaN counts 0)."""
    filled = np.nan_to_num(grid, nan=0.0)
    cumulative = np.cumsum(np.pad(filled, ((0, 0), (half_width + 1, half_width))), axis=1)
    sums: np.ndarray = cumulative[:, 2 * half_width + 1 :] - cumulative[:, : -2 * half_width - 1]
    return sums


def per_airport(grid: np.ndarray, reduce: Callable[..., np.ndarray]) -> np.ndarray:
    """`reduce` (a NaN-aware numpy reduction such as np.nanmedian) of each airport's days."""
    with quiet_nan_warnings():
        return reduce(grid, axis=1)
