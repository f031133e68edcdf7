"""The aggregate step: a year's raw flights per (airport, day), in one streaming read.

`daily_airport_delays` is the pure transform; `aggregate_year` runs it over the checked raw file
(`steps.extract`) and turns any failure into the first bad line and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.errors import RawFileError
from flightdelays.schema import DAILY_COLUMNS, DATE_PATTERN
from flightdelays.steps import extract

if TYPE_CHECKING:
    from flightdelays.settings import Settings


def daily_airport_delays(
    flights: pl.LazyFrame, year: int, checks: Mapping[str, pl.Expr] | None = None
) -> pl.LazyFrame:
    """One row per (airport, day) with what happened at that origin airport that day.

    `flights` has the raw columns FL_DATE, ORIGIN, DEP_DELAY, CANCELLED, DIVERTED. FL_DATE is
    a date or the raw file's text: grouping on the text and turning the ~100k groups into dates
    is cheaper than parsing 6M; text that is not exactly YYYY-MM-DD becomes a null date.
    - `flights`: scheduled departures, i.e. every row of the file, cancelled ones included;
    - `cancelled`, `diverted`: rows with CANCELLED / DIVERTED = 1;
    - `departed`: rows with a DEP_DELAY, i.e. flights that actually left the gate;
    - `avg_dep_delay`: mean DEP_DELAY in minutes over departed flights (early ones count
      negative), null when none departed;
    - `share_delayed_15`: share of departed flights that left 15 minutes late or more;
    then one column per `checks` (name: a per-group aggregate), for the caller to judge.
    """
    delay = pl.col("DEP_DELAY")
    departed = delay.count()
    daily = flights.group_by(
        pl.col("ORIGIN").alias("airport"), pl.col("FL_DATE").alias("flight_date")
    ).agg(
        flights=pl.len().cast(pl.Int32),
        cancelled=(pl.col("CANCELLED") == 1).sum().cast(pl.Int32),
        diverted=(pl.col("DIVERTED") == 1).sum().cast(pl.Int32),
        departed=departed.cast(pl.Int32),
        avg_dep_delay=delay.mean(),
        share_delayed_15=pl.when(departed > 0).then((delay >= 15).sum() / departed),
        **(checks or {}),
    )
    if flights.collect_schema()["FL_DATE"] == pl.String:
        text = pl.col("flight_date")
        daily = daily.with_columns(
            flight_date=pl.when(text.str.contains(DATE_PATTERN)).then(
                text.str.to_date("%Y-%m-%d", strict=False)
            )
        )
    return (
        daily.with_columns(year=pl.lit(year, dtype=pl.Int16))
        .select(*DAILY_COLUMNS, *(checks or {}))
        .sort("airport", "flight_date")
    )


def aggregate_year(stores: Stores, year: int) -> pl.DataFrame:
    """The year's per (airport, day) aggregate (see `daily_airport_delays`), every line checked.

    Raises `RawFileError` naming the file, line and column of the first problem (see
    `extract.open_raw`).
    """
    return aggregate_raw(extract.open_raw(stores, year))


def aggregate_raw(raw: extract.RawFile) -> pl.DataFrame:
    """`aggregate_year` of a raw file already opened (its header and last line checked)."""
    year = raw.year
    checked = daily_airport_delays(extract.flights(raw), year, extract.group_checks())
    try:
        with extract.reading(raw):
            daily = checked.collect(engine="streaming")
    except pl.exceptions.PolarsError as error:
        raise extract.first_problem(raw) or RawFileError(raw.name, str(error)) from error
    if daily.is_empty():
        raise RawFileError(raw.name, "file has a header but no rows", line=2)
    if extract.breaks_rules(daily, year):
        raise extract.first_problem(raw) or RawFileError(raw.name, "unreadable rows")
    return daily.select(DAILY_COLUMNS)


def aggregate_step(settings: Settings, year: int) -> dict[str, int]:
    """Aggregate the raw file into the lake's aggregate; flights, airport-days and airports.

    Once the raw file's header is checked, and before anything is written, the run checks that
    it can write the lake and the database (`preflight`).
    """
    from flightdelays.preflight import preflight

    stores = Stores.from_settings(settings)
    raw = extract.open_raw(stores, year)
    preflight(settings, stores, year)  # before the lake is rewritten
    daily = aggregate_raw(raw)
    stores.write_parquet(catalog.aggregate(year), daily)
    return {
        "flights": int(daily["flights"].sum()),
        "airport_days": daily.height,
        "airports": daily["airport"].n_unique(),
    }
