"""The aggregate step: a year's raw flights per (airport, day) and per (airport, day, carrier),
in one streaming read.

The read groups the flights once, per (airport, day, carrier), into counts and sums
(`carrier_day_sums`); both outputs come from those few hundred thousand rows: the carrier days
directly, the airport days by adding up their carriers, which is exact for counts and sums, and
means are taken from them (`daily_from_sums`, `carrier_days_from_sums`). `aggregate_year` runs
this over the checked raw file (`steps.extract`) and turns any failure into the first bad line
and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.errors import RawFileError
from flightdelays.schema import (
    CANCELLATION_CAUSES,
    CANCELLED_BY_CAUSE_COLUMNS,
    CARRIER_DAY_COLUMNS,
    CAUSE_MINUTES_COLUMNS,
    CAUSE_RAW_COLUMNS,
    DAILY_COLUMNS,
    DATE_PATTERN,
)
from flightdelays.steps import extract

if TYPE_CHECKING:
    from flightdelays.settings import Settings

_COUNTS = (
    "flights",
    "cancelled",
    "diverted",
    "departed",
    "delayed_15",
    "cause_reported",
    *CANCELLED_BY_CAUSE_COLUMNS,
)
"""Counts per group, summed over carriers into the airport's day (stored as Int32)."""
_SUMS = ("dep_delay_minutes", *CAUSE_MINUTES_COLUMNS)
"""Sums of minutes per group, summed the same way."""


def carrier_day_sums(
    flights: pl.LazyFrame, checks: Mapping[str, pl.Expr] | None = None
) -> pl.LazyFrame:
    """One row per (airport, flight_date, carrier) with counts and sums that add up exactly
    over carriers: `_COUNTS`, `_SUMS`, then one column per `checks` (name: a per-group count).

    `flights` has the raw columns FL_DATE, OP_CARRIER, ORIGIN, DEP_DELAY, CANCELLED, DIVERTED
    and, where the file has them, CANCELLATION_CODE and the five cause columns (absent ones
    read as empty: no cause data). FL_DATE is a date or the raw file's text, kept as it is.
    - `delayed_15`: departures 15 minutes late or more; `dep_delay_minutes`: their DEP_DELAY sum;
    - `cause_reported`: flights with cause minutes (the file's rules keep the five cause
      columns all filled or all empty, so the first one tells);
    - `<cause>_delay_minutes`: the sum of each cause column;
    - `cancelled_<cause>`: cancelled flights whose CANCELLATION_CODE names that cause (a code
      on a flight not cancelled names no cancellation and counts nowhere).
    """
    present = flights.collect_schema()
    flights = flights.with_columns(
        pl.lit(None, dtype=pl.String if column == "CANCELLATION_CODE" else pl.Float64).alias(column)
        for column in ("CANCELLATION_CODE", *CAUSE_RAW_COLUMNS)
        if column not in present
    )
    delay = pl.col("DEP_DELAY")
    cancelled = pl.col("CANCELLED") == 1
    code = pl.col("CANCELLATION_CODE")
    return flights.group_by(
        pl.col("ORIGIN").alias("airport"),
        pl.col("FL_DATE").alias("flight_date"),
        pl.col("OP_CARRIER").alias("carrier"),
    ).agg(
        flights=pl.len(),
        cancelled=cancelled.sum(),
        diverted=(pl.col("DIVERTED") == 1).sum(),
        departed=delay.count(),
        delayed_15=(delay >= 15).sum(),
        cause_reported=pl.col(CAUSE_RAW_COLUMNS[0]).count(),
        **{
            column: (cancelled & (code == letter)).sum()
            for letter, column in zip(CANCELLATION_CAUSES, CANCELLED_BY_CAUSE_COLUMNS, strict=True)
        },
        dep_delay_minutes=delay.sum(),
        **{
            column: pl.col(raw).sum()
            for raw, column in zip(CAUSE_RAW_COLUMNS, CAUSE_MINUTES_COLUMNS, strict=True)
        },
        **(checks or {}),
    )


def daily_from_sums(
    sums: pl.LazyFrame, year: int, checks: Mapping[str, pl.Expr] | None = None
) -> pl.LazyFrame:
    """One row per (airport, day) with what happened at that origin airport that day
    (`DAILY_COLUMNS`, then the `checks` columns summed), from `carrier_day_sums`:
    - `flights`: scheduled departures, i.e. every row of the file, cancelled ones included;
    - `cancelled`, `diverted`: rows with CANCELLED / DIVERTED = 1;
    - `departed`: rows with a DEP_DELAY, i.e. flights that actually left the gate;
    - `avg_dep_delay`: mean DEP_DELAY in minutes over departed flights (early ones count
      negative), null when none departed;
    - `share_delayed_15`: share of departed flights that left 15 minutes late or more;
    - the cause columns (`schema.CAUSE_COLUMNS`): flights with cause minutes, each cause's
      minutes (null when no flight of the day had any: no cause data), cancellations by code.
    """
    summed = [*_COUNTS, *_SUMS, *(checks or {})]
    daily = sums.group_by("airport", "flight_date").agg(pl.col(summed).sum())
    return (
        _finished(daily, year)
        .select(*DAILY_COLUMNS, *(checks or {}))
        .sort("airport", "flight_date")
    )


def carrier_days_from_sums(sums: pl.LazyFrame, year: int) -> pl.LazyFrame:
    """One row per (airport, day, carrier) (`CARRIER_DAY_COLUMNS`): the carrier's scheduled,
    cancelled and departed flights from that airport that day and their mean DEP_DELAY (null
    when none departed); `carrier` as text."""
    carriers = sums.with_columns(pl.col("carrier").cast(pl.String))
    return (
        _finished(carriers, year)
        .select(CARRIER_DAY_COLUMNS)
        .sort("airport", "flight_date", "carrier")
    )


def _finished(groups: pl.LazyFrame, year: int) -> pl.LazyFrame:
    """Counts as Int32, means from sums, cause minutes null without cause data, dates as dates
    (text that is not exactly YYYY-MM-DD becomes a null date), and the year."""
    departed = pl.col("departed")
    schema = groups.collect_schema()
    keys = [key for key in ("airport", "flight_date") if schema[key] == pl.Categorical]
    groups = groups.with_columns(pl.col(keys).cast(pl.String))  # `extract.compact`'s keys
    finished = groups.with_columns(
        pl.col(_COUNTS).cast(pl.Int32),
        avg_dep_delay=pl.when(departed > 0).then(pl.col("dep_delay_minutes") / departed),
        share_delayed_15=pl.when(departed > 0).then(pl.col("delayed_15") / departed),
        **{
            column: pl.when(pl.col("cause_reported") > 0).then(pl.col(column))
            for column in CAUSE_MINUTES_COLUMNS
        },
        year=pl.lit(year, dtype=pl.Int16),
    )
    if groups.collect_schema()["flight_date"] == pl.String:
        text = pl.col("flight_date")
        finished = finished.with_columns(
            flight_date=pl.when(text.str.contains(DATE_PATTERN)).then(
                text.str.to_date("%Y-%m-%d", strict=False)
            )
        )
    return finished


def daily_airport_delays(
    flights: pl.LazyFrame, year: int, checks: Mapping[str, pl.Expr] | None = None
) -> pl.LazyFrame:
    """One row per (airport, day): `daily_from_sums` of `carrier_day_sums` of `flights`."""
    return daily_from_sums(carrier_day_sums(flights, checks), year, checks)


@dataclass(frozen=True)
class YearAggregates:
    """What one read of a year's raw file gives: `daily` (`DAILY_COLUMNS`, per airport and day)
    and `carrier_days` (`CARRIER_DAY_COLUMNS`, per airport, day and carrier)."""

    daily: pl.DataFrame
    carrier_days: pl.DataFrame


def aggregate_year(stores: Stores, year: int) -> pl.DataFrame:
    """The year's per (airport, day) aggregate (see `daily_from_sums`), every line checked.

    Raises `RawFileError` naming the file, line and column of the first problem (see
    `extract.open_raw`).
    """
    return aggregate_raw(extract.open_raw(stores, year))


def aggregate_raw(raw: extract.RawFile) -> pl.DataFrame:
    """`aggregate_year` of a raw file already opened (its header and last line checked)."""
    return read_year(raw).daily


def read_year(raw: extract.RawFile) -> YearAggregates:
    """Both aggregates of a raw file already opened, from one streaming read of it."""
    year, checks = raw.year, extract.group_checks()
    try:
        with extract.reading(raw):
            flights = extract.compact(extract.flights(raw))
            sums = carrier_day_sums(flights, checks).collect(engine="streaming")
    except pl.exceptions.PolarsError as error:
        raise extract.first_problem(raw) or RawFileError(raw.name, str(error)) from error
    if sums.is_empty():
        raise RawFileError(raw.name, "file has a header but no rows", line=2)
    daily = daily_from_sums(sums.lazy(), year, checks).collect()
    if extract.breaks_rules(daily, year):
        raise extract.first_problem(raw) or RawFileError(raw.name, "unreadable rows")
    carrier_days = carrier_days_from_sums(sums.lazy(), year).collect()
    return YearAggregates(daily.select(DAILY_COLUMNS), carrier_days)


def aggregate_step(settings: Settings, year: int) -> dict[str, int]:
    """Aggregate the raw file into the lake's aggregate and carrier days; flights,
    airport-days, airports and airport-days with cause data.

    Once the raw file's header is checked, and before anything is written, the run checks that
    it can write the lake and the database (`preflight`).
    """
    from flightdelays.preflight import preflight

    stores = Stores.from_settings(settings)
    raw = extract.open_raw(stores, year)
    preflight(settings, stores, year)  # before the lake is rewritten
    aggregates = read_year(raw)
    daily = aggregates.daily
    stores.write_parquet(catalog.aggregate(year), daily)
    stores.write_parquet(catalog.carrier_days(year), aggregates.carrier_days)
    return {
        "flights": int(daily["flights"].sum()),
        "airport_days": daily.height,
        "airports": daily["airport"].n_unique(),
        "carrier_days": aggregates.carrier_days.height,
        "airport_days_with_causes": daily.filter(pl.col("cause_reported") > 0).height,
    }
