"""The rules a raw file's values keep, written twice: on the typed columns of the fast read
(`within_rules`, a yes or no per line), and on the text of the slow one (`bad_rows`, which names
the line, column and problem). The two must accept the same lines: what the fast read rejects,
`bad_rows` reports."""

from __future__ import annotations

import polars as pl

from flightdelays.schema import (
    AIRPORT_CODE_PATTERN,
    CANCELLATION_CAUSES,
    CARRIER_CODE_PATTERN,
    CAUSE_DELAY_MINUTES,
    CAUSE_RAW_COLUMNS,
    CLOCK_TIME_PATTERN,
    DATE_PATTERN,
    DEP_DELAY_MINUTES,
    FLIGHT_NUMBER_PATTERN,
    FLIGHT_NUMBERS,
    LAST_CLOCK_TIME,
    USED_COLUMNS,
)


def within_rules() -> pl.Expr:
    """The typed values' rules the CSV reader does not check itself: a carrier, a flight
    number from 1 to 99999, a scheduled hhmm from 0 to 2400, an empty DEP_DELAY or one
    within `DEP_DELAY_MINUTES` (so never NaN or infinite), and the five cause columns all
    empty or all within `CAUSE_DELAY_MINUTES`; null (fails) where one is empty. The reader
    itself rejects a CANCELLATION_CODE other than A-D (it reads the column as an enum)."""
    number, time = pl.col("OP_CARRIER_FL_NUM"), pl.col("CRS_DEP_TIME")
    delay = pl.col("DEP_DELAY")
    minutes = [pl.col(column) for column in CAUSE_RAW_COLUMNS]
    # Kleene logic: all filled and within is true, all empty is true; one empty among filled
    # ones leaves null on both sides, which fails like false
    causes = pl.all_horizontal(
        [value.is_between(*CAUSE_DELAY_MINUTES) for value in minutes]
    ) | pl.all_horizontal([value.is_null() for value in minutes])
    return pl.all_horizontal(
        pl.col("OP_CARRIER").is_not_null(),
        number.is_between(*FLIGHT_NUMBERS),
        time.is_between(0, LAST_CLOCK_TIME),
        time % 100 < 60,
        delay.is_null() | delay.is_between(*DEP_DELAY_MINUTES),
        causes,
    )


_Check = tuple[str, pl.Expr, pl.Expr]
"""A rule on one column: the column, where the rule fails, and the message there."""


def bad_rows(flights: pl.LazyFrame, year: int) -> pl.LazyFrame:
    """Rows that break a rule, with the offending column and a message; first problems first.

    `flights` holds the used raw columns as text (read as lossy UTF-8: a bad byte is U+FFFD),
    with a `line` column (1-based line number). Rules, per column, first failure reported:
    every used column is valid UTF-8; FL_DATE is a YYYY-MM-DD date in `year`; OP_CARRIER is 2
    and ORIGIN 3 upper-case letters or digits; OP_CARRIER_FL_NUM is an integer from 1 to
    99999; CRS_DEP_TIME an hhmm from 0 to 2400; DEP_DELAY is empty or a number of minutes
    within `DEP_DELAY_MINUTES` (never NaN or infinite); CANCELLED and DIVERTED are 0 or 1,
    never empty (a line cut short before them reads as empty there); CANCELLATION_CODE is
    empty or one of A-D; the five cause columns are all empty, or all numbers of minutes
    within `CAUSE_DELAY_MINUTES` (a file without them reads as all empty).
    """
    checks = [
        *(_utf8_check(column) for column in USED_COLUMNS),
        *_date_checks(year),
        _code_check("OP_CARRIER", CARRIER_CODE_PATTERN, "a carrier code (2"),
        _integer_check("OP_CARRIER_FL_NUM", FLIGHT_NUMBER_PATTERN, FLIGHT_NUMBERS),
        _code_check("ORIGIN", AIRPORT_CODE_PATTERN, "an airport code (3"),
        _clock_check("CRS_DEP_TIME"),
        *_minutes_checks("DEP_DELAY", DEP_DELAY_MINUTES),
        *_flag_checks("CANCELLED"),
        _cancellation_code_check(),
        *_flag_checks("DIVERTED"),
        *(check for column in CAUSE_RAW_COLUMNS for check in _cause_checks(column)),
    ]
    problems = [
        flights.filter(failed.fill_null(value=False)).select(
            "line", pl.lit(column).alias("column"), message.alias("problem")
        )
        for column, failed, message in checks
    ]
    return pl.concat(problems).sort("line", maintain_order=True)


def _utf8_check(column: str) -> _Check:
    return (
        column,
        pl.col(column).str.contains("\ufffd", literal=True),
        pl.format(f"{column} {{}} is not valid UTF-8 (\ufffd marks a bad byte)", pl.col(column)),
    )


def _date_checks(year: int) -> list[_Check]:
    text = pl.col("FL_DATE")
    date = pl.when(text.str.contains(DATE_PATTERN)).then(text.str.to_date("%Y-%m-%d", strict=False))
    return [
        (
            "FL_DATE",
            date.is_null(),
            pl.format("FL_DATE {} is not a YYYY-MM-DD date", text.fill_null("(empty)")),
        ),
        (
            "FL_DATE",
            date.dt.year() != year,
            pl.format("FL_DATE {} is outside the file's year {}", text, pl.lit(year)),
        ),
    ]


def _code_check(column: str, pattern: str, kind: str) -> _Check:
    value = pl.col(column)
    return (
        column,
        value.is_null() | ~value.str.contains(pattern),
        pl.format(
            f"{column} {{}} is not {kind} upper-case letters or digits)", value.fill_null("(empty)")
        ),
    )


def _integer_check(column: str, pattern: str, bounds: tuple[int, int]) -> _Check:
    value = pl.col(column)
    number = value.cast(pl.Int64, strict=False)
    return (
        column,
        value.is_null() | ~value.str.contains(pattern) | ~number.is_between(*bounds),
        pl.format(
            f"{column} {{}} is not an integer from {bounds[0]} to {bounds[1]}",
            value.fill_null("(empty)"),
        ),
    )


def _clock_check(column: str) -> _Check:
    value = pl.col(column)
    clock = value.cast(pl.Int64, strict=False)
    valid = value.str.contains(CLOCK_TIME_PATTERN) & (clock <= LAST_CLOCK_TIME) & (clock % 100 < 60)
    return (
        column,
        value.is_null() | ~valid,
        pl.format(
            f"{column} {{}} is not a time hhmm from 0 to {LAST_CLOCK_TIME}",
            value.fill_null("(empty)"),
        ),
    )


def _minutes_checks(column: str, bounds: tuple[float, float]) -> list[_Check]:
    """An empty value, or a number within `bounds` (NaN and infinities are not)."""
    value = pl.col(column)
    minutes = value.cast(pl.Float64, strict=False)
    low, high = bounds
    return [
        (
            column,
            value.is_not_null() & minutes.is_null(),
            pl.format(f"{column} {{}} is not a number", value),
        ),
        (
            column,
            minutes.is_not_null() & ~minutes.is_between(low, high),
            pl.format(f"{column} {{}} is not within {low:g} to {high:g} minutes", value),
        ),
    ]


def _flag_checks(column: str) -> list[_Check]:
    value = pl.col(column)
    return [
        (
            column,
            value.is_not_null() & value.cast(pl.Float64, strict=False).is_null(),
            pl.format(f"{column} {{}} is not a number", value),
        ),
        (column, value.is_null(), pl.lit(f"{column} is empty")),
        (
            column,
            ~value.cast(pl.Float64, strict=False).is_in([0.0, 1.0]),
            pl.format(f"{column} {{}} is not 0 or 1", value),
        ),
    ]


def _cancellation_code_check() -> _Check:
    value = pl.col("CANCELLATION_CODE")
    codes = list(CANCELLATION_CAUSES)
    return (
        "CANCELLATION_CODE",
        value.is_not_null() & ~value.is_in(codes),
        pl.format(
            f"CANCELLATION_CODE {{}} is not empty or one of {', '.join(codes)}",
            value,
        ),
    )


def _cause_checks(column: str) -> list[_Check]:
    """A number of minutes within `CAUSE_DELAY_MINUTES`, or empty when all five are: BTS fills
    all five for a late flight (0 for a cause with no part), so one empty among filled ones
    is a shifted or damaged line."""
    others = [other for other in CAUSE_RAW_COLUMNS if other != column]
    filled = pl.any_horizontal([pl.col(other).is_not_null() for other in others])
    return [
        *_minutes_checks(column, CAUSE_DELAY_MINUTES),
        (
            column,
            pl.col(column).is_null() & filled,
            pl.lit(
                f"{column} is empty but other cause columns are filled (a flight with causes"
                " has all five)"
            ),
        ),
    ]
