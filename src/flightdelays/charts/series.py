"""One airport's year as day-indexed arrays: what a chart draws, cut from a year's detected rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from flightdelays.charts.airports import AirportName, airport_name
from flightdelays.schema import CAUSES

NO_CAUSE = -1
"""`AirportYear.dominant_cause` of a day not flagged, or flagged without cause data."""
DELAY_SIGNALS = frozenset({"delay", "both"})
CANCELLATION_SIGNALS = frozenset({"cancellations", "both"})


def days_in_year(year: int) -> int:
    return (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days


@dataclass(frozen=True)
class FlaggedDay:
    """A flagged day as the index lists it: why it was flagged and what explains it.

    `dominant_cause` is one of `schema.CAUSES`, or None without cause data; `explanation` the
    explain step's one-line text (None if the rows carry none)."""

    day: int
    flight_date: dt.date
    signal: str
    dominant_cause: str | None
    explanation: str | None


@dataclass(frozen=True)
class AirportYear:
    """One airport's year; every array has one entry per calendar day (index 0 = 1 January).

    Float arrays hold NaN on days without a row (a gap, never a zero); flag arrays are False
    there. `file_missing` marks days without a row for any airport (absent from the year's
    file, such as July 2011). Shares are fractions (0.05 = 5 %), delays minutes.
    `dominant_cause` holds the index in `schema.CAUSES` of a flagged day's dominant cause,
    `NO_CAUSE` on other days and on flagged days without cause data; `flagged_days` lists the
    flagged days in order.
    """

    airport: str
    year: int
    name: AirportName
    detector: str
    judged: bool
    flights: np.ndarray
    cancelled: np.ndarray
    avg_dep_delay: np.ndarray
    expected_dep_delay: np.ndarray
    cancelled_share: np.ndarray
    expected_cancelled_share: np.ndarray
    is_anomaly: np.ndarray
    delay_flag: np.ndarray
    cancellation_flag: np.ndarray
    file_missing: np.ndarray
    dominant_cause: np.ndarray
    flagged_days: tuple[FlaggedDay, ...]

    @property
    def days(self) -> int:
        return int(self.flights.size)

    @property
    def missing(self) -> np.ndarray:
        """True on days without a row for this airport."""
        missing: np.ndarray = np.isnan(self.flights)
        return missing

    @property
    def no_flight_days(self) -> np.ndarray:
        """True on days the file has (for other airports) but this airport has no row."""
        no_flights: np.ndarray = self.missing & ~self.file_missing
        return no_flights

    @property
    def anomalous_days(self) -> int:
        return int(self.is_anomaly.sum())

    @property
    def cause_unknown(self) -> np.ndarray:
        """True on flagged days without cause data ("no cause data", never a guess)."""
        unknown: np.ndarray = self.is_anomaly & (self.dominant_cause == NO_CAUSE)
        return unknown

    @property
    def days_with_data(self) -> int:
        return int((~self.missing).sum())

    @property
    def total_flights(self) -> int:
        return int(np.nansum(self.flights))

    @property
    def total_cancelled(self) -> int:
        return int(np.nansum(self.cancelled))


_FLOAT_COLUMNS = (
    "flights",
    "cancelled",
    "avg_dep_delay",
    "expected_dep_delay",
    "expected_cancelled_share",
)


def _cause_code(detected: pl.DataFrame) -> pl.Expr:
    """Each row's dominant cause as its index in `CAUSES` (Int8); `NO_CAUSE` where the row has
    none or is not flagged. A cause that is not one of `CAUSES` is an error."""
    named = detected["dominant_cause"].cast(pl.String).drop_nulls()
    unknown = named.filter(~named.is_in(list(CAUSES)))
    if not unknown.is_empty():
        raise ValueError(f"dominant_cause {unknown[0]!r} is not one of {', '.join(CAUSES)}")
    index = pl.col("dominant_cause").cast(pl.String).cast(pl.Enum(list(CAUSES))).to_physical()
    flagged = pl.col("is_anomaly").fill_null(False)
    return pl.when(flagged).then(index.cast(pl.Int8)).fill_null(NO_CAUSE)


def _flagged_days(frame: pl.DataFrame) -> dict[str, tuple[FlaggedDay, ...]]:
    """The flagged days of each airport of `frame` (sorted by airport and day)."""
    flagged = frame.filter(pl.col("is_anomaly").fill_null(False)).select(
        "code",
        "day",
        "flight_date",
        "signal",
        pl.col("dominant_cause").cast(pl.String),
        "explanation",
    )
    by_code: dict[str, list[FlaggedDay]] = {}
    for code, day, date, signal, cause, explanation in flagged.iter_rows():
        by_code.setdefault(code, []).append(FlaggedDay(day, date, signal, cause, explanation))
    return {code: tuple(days) for code, days in by_code.items()}


def airport_years(detected: pl.DataFrame, year: int) -> Iterator[AirportYear]:
    """One `AirportYear` per airport in `detected` (a year's stored rows, `TABLE_COLUMNS`),
    sorted by code.

    Rows of another year are an error: every chart is keyed on the run's year.
    """
    if detected.is_empty():
        return
    other = detected.filter(pl.col("flight_date").dt.year() != year)
    if not other.is_empty():
        raise ValueError(f"rows of another year than {year}: {other['flight_date'][0]}")
    frame = detected.with_columns(
        day=pl.col("flight_date").dt.ordinal_day().cast(pl.Int32) - 1,
        code=pl.col("airport").cast(pl.String),
        signal=pl.col("anomaly_signal").fill_null(""),
        cause_code=_cause_code(detected),
    ).sort("code", "day")
    codes, row_airport = np.unique(frame["code"].to_numpy(), return_inverse=True)
    day = frame["day"].to_numpy()
    shape = (codes.size, days_in_year(year))

    def grid(column: str) -> np.ndarray:
        values = np.full(shape, np.nan)
        values[row_airport, day] = frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
        return values

    def flags(mask: pl.Series) -> np.ndarray:
        values = np.zeros(shape, dtype=bool)
        values[row_airport, day] = mask.fill_null(False).to_numpy()
        return values

    grids = {column: grid(column) for column in _FLOAT_COLUMNS}
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(grids["flights"] > 0, grids["cancelled"] / grids["flights"], np.nan)
    is_anomaly = flags(frame["is_anomaly"])
    delay_flag = flags(frame["signal"].is_in(list(DELAY_SIGNALS)))
    cancellation_flag = flags(frame["signal"].is_in(list(CANCELLATION_SIGNALS)))
    dominant_cause = np.full(shape, NO_CAUSE, dtype=np.int8)
    dominant_cause[row_airport, day] = frame["cause_code"].to_numpy()
    flagged_days = _flagged_days(frame)
    file_missing = np.ones(shape[1], dtype=bool)
    file_missing[day] = False
    judged = frame.group_by("code").agg(pl.col("judged").any(), pl.col("detector").first())
    by_code = {row["code"]: row for row in judged.iter_rows(named=True)}
    for index, code in enumerate(codes.tolist()):
        yield AirportYear(
            airport=code,
            year=year,
            name=airport_name(code),
            detector=str(by_code[code]["detector"] or ""),
            judged=bool(by_code[code]["judged"]),
            flights=grids["flights"][index],
            cancelled=grids["cancelled"][index],
            avg_dep_delay=grids["avg_dep_delay"][index],
            expected_dep_delay=grids["expected_dep_delay"][index],
            cancelled_share=share[index],
            expected_cancelled_share=grids["expected_cancelled_share"][index],
            is_anomaly=is_anomaly[index],
            delay_flag=delay_flag[index],
            cancellation_flag=cancellation_flag[index],
            file_missing=file_missing,
            dominant_cause=dominant_cause[index],
            flagged_days=flagged_days.get(code, ()),
        )


def missing_runs(missing: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) day indexes of each run of consecutive missing days, in order."""
    padded = np.concatenate([[False], missing, [False]]).astype(np.int8)
    change = np.flatnonzero(np.diff(padded))
    return [
        (int(start), int(stop) - 1) for start, stop in zip(change[::2], change[1::2], strict=True)
    ]
