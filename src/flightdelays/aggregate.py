"""Per (airport, day) aggregation of raw flights: a pure transform on polars frames."""

from __future__ import annotations

import polars as pl

from flightdelays.schema import AIRPORT_CODE_PATTERN


def daily_airport_delays(flights: pl.LazyFrame, year: int) -> pl.LazyFrame:
    """One row per (airport, day) with what happened at that origin airport that day.

    `flights` has the raw columns FL_DATE (date), ORIGIN, DEP_DELAY, CANCELLED, DIVERTED.
    - `flights`: scheduled departures, i.e. every row of the file, cancelled ones included;
    - `cancelled`, `diverted`: rows with CANCELLED / DIVERTED = 1;
    - `departed`: rows with a DEP_DELAY, i.e. flights that actually left the gate;
    - `avg_dep_delay`: mean DEP_DELAY in minutes over departed flights (early ones count
      negative), null when none departed;
    - `share_delayed_15`: share of departed flights that left 15 minutes late or more.
    """
    delay = pl.col("DEP_DELAY")
    departed = delay.count()
    return (
        flights.group_by(pl.col("ORIGIN").alias("airport"), pl.col("FL_DATE").alias("flight_date"))
        .agg(
            flights=pl.len().cast(pl.Int32),
            cancelled=(pl.col("CANCELLED") == 1).sum().cast(pl.Int32),
            diverted=(pl.col("DIVERTED") == 1).sum().cast(pl.Int32),
            departed=departed.cast(pl.Int32),
            avg_dep_delay=delay.mean(),
            share_delayed_15=pl.when(departed > 0).then((delay >= 15).sum() / departed),
        )
        .with_columns(year=pl.lit(year, dtype=pl.Int16))
        .select(
            "airport",
            "flight_date",
            "year",
            "flights",
            "cancelled",
            "diverted",
            "departed",
            "avg_dep_delay",
            "share_delayed_15",
        )
        .sort("airport", "flight_date")
    )


def bad_rows(flights: pl.LazyFrame, year: int) -> pl.LazyFrame:
    """Rows that break a rule, with the offending column and a message; first problems first.

    `flights` holds the used raw columns as text, with a `line` column (1-based line number).
    Rules: FL_DATE is a YYYY-MM-DD date in `year`; ORIGIN is 3 upper-case letters or digits;
    DEP_DELAY is empty or a number; CANCELLED and DIVERTED are 0 or 1, never empty (a line cut
    short before them reads as empty there).
    """
    date = pl.col("FL_DATE").str.to_date("%Y-%m-%d", strict=False)
    checks: list[tuple[str, pl.Expr, pl.Expr]] = [
        (
            "FL_DATE",
            date.is_null(),
            pl.format("FL_DATE {} is not a YYYY-MM-DD date", pl.col("FL_DATE")),
        ),
        (
            "FL_DATE",
            date.dt.year() != year,
            pl.format("FL_DATE {} is outside the file's year {}", pl.col("FL_DATE"), pl.lit(year)),
        ),
        (
            "ORIGIN",
            pl.col("ORIGIN").is_null() | ~pl.col("ORIGIN").str.contains(AIRPORT_CODE_PATTERN),
            pl.format(
                "ORIGIN {} is not an airport code (3 upper-case letters or digits)",
                pl.col("ORIGIN").fill_null("(empty)"),
            ),
        ),
    ]
    for column in ("DEP_DELAY", "CANCELLED", "DIVERTED"):
        value = pl.col(column)
        checks.append(
            (
                column,
                value.is_not_null() & value.cast(pl.Float64, strict=False).is_null(),
                pl.format(f"{column} {{}} is not a number", value),
            )
        )
    for column in ("CANCELLED", "DIVERTED"):
        value = pl.col(column)
        checks.append((column, value.is_null(), pl.lit(f"{column} is empty")))
        checks.append(
            (
                column,
                ~value.cast(pl.Float64, strict=False).is_in([0.0, 1.0]),
                pl.format(f"{column} {{}} is not 0 or 1", value),
            )
        )
    problems = [
        flights.filter(failed).select(
            "line", pl.lit(column).alias("column"), message.alias("problem")
        )
        for column, failed, message in checks
    ]
    return pl.concat(problems).sort("line", maintain_order=True)
