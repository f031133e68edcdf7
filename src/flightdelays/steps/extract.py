"""Read one year's raw file from the raw store, check it, and aggregate it per airport and day.

The fast path scans only the used columns with polars' streaming engine. Anything wrong sends
the file through slower scans that find the first bad line and column to report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from flightdelays import catalog
from flightdelays.errors import RawFileError
from flightdelays.schema import (
    AIRPORT_CODE_PATTERN,
    RAW_COLUMNS,
    TRAILING_COLUMN_NAMES,
    USED_COLUMNS,
)

if TYPE_CHECKING:
    from flightdelays.catalog import Stores
    from flightdelays.storage import Store

_TYPES: dict[str, pl.DataType | type[pl.DataType]] = {
    "FL_DATE": pl.Date,
    "DEP_DELAY": pl.Float64,
    "CANCELLED": pl.Float64,
    "DIVERTED": pl.Float64,
}
_FIELDS = len(RAW_COLUMNS) + 1
_TRAILING = ""
"""The empty 28th column, read by name as the file's header leaves it."""


@dataclass(frozen=True)
class RawFile:
    """A year's raw file in its store; `name` is how messages name it."""

    store: Store
    key: str
    year: int

    @property
    def name(self) -> str:
        return self.store.location(self.key)


def open_raw(stores: Stores, year: int) -> RawFile:
    """The year's raw file, once its header and last line are checked.

    Raises `RawFileError` naming the file, and the line and column where it can, when the file
    is missing, empty, has another header or a truncated last line. The rest of the file is
    checked as it is read (`flights`, then `breaks_rules` on the aggregate): a value of the
    wrong kind (CANCELLED and DIVERTED are 0 or 1), a date outside `year`, an airport code that
    is not 3 upper-case letters or digits, a line in the middle cut short before DIVERTED, or a
    line run on into the next (a lost line break), e.g. two whole lines run together; then
    `first_problem` finds the line and column to report. Not seen: a line cut short after
    DIVERTED (it keeps every column the aggregate reads, so no flight is lost), and a run-on
    line whose 28th field happens to be empty (see `_date_if_line_whole`).
    """
    dataset = catalog.raw_file(year)
    raw = RawFile(stores.store(dataset), dataset.key, year)
    if not raw.store.exists(raw.key):
        raise RawFileError(raw.name, "raw file does not exist")
    if raw.store.size(raw.key) == 0:
        raise RawFileError(raw.name, "file is empty")
    _check_header(raw)
    _check_last_line(raw)
    return raw


def flights(raw: RawFile) -> pl.LazyFrame:
    """The used columns of every flight, typed; FL_DATE null where a line is not whole."""
    scan = _scan(raw, typed=True, trailing=True)
    return scan.with_columns(FL_DATE=_date_if_line_whole()).drop(_TRAILING)


def _scan(raw: RawFile, *, typed: bool, trailing: bool = False) -> pl.LazyFrame:
    """The used columns, typed or as text; with `trailing`, also the empty 28th column."""
    schema: dict[str, pl.DataType | type[pl.DataType]] = dict.fromkeys(RAW_COLUMNS, pl.String)
    if typed:
        schema.update(_TYPES)
    return pl.scan_csv(
        raw.store.location(raw.key),
        storage_options=raw.store.storage_options(),
        schema=pl.Schema({**schema, _TRAILING: pl.String}),
        # the header was checked by _check_header; it may name the 28th column "" or, once
        # written by pandas, "Unnamed: 27", which polars would refuse against this schema
        has_header=False,
        skip_rows=1,
        low_memory=True,
    ).select(*USED_COLUMNS, *([_TRAILING] if trailing else []))


def _date_if_line_whole() -> pl.Expr:
    """FL_DATE, or null where a line looks cut short or run on, so `_breaks_rules` sees it.

    polars reads a short line with nulls for its missing fields, and never counts the fields
    after the last column it is asked for, so the extra fields of a long line pass silently.
    Two signs are checked instead:
    - CANCELLED or DIVERTED is not 0 or 1: a line cut before DIVERTED has a null there, and a
      line run on after one cut before DIVERTED has other fields (times, delays, codes) where
      the two flags should be. Free: both columns are read anyway.
    - the empty 28th column is not empty: two whole lines run together put the second line's
      FL_DATE there, and a line cut after DIVERTED and run on puts one of the next line's
      carrier, number, airports or times there. Reading it makes polars parse every line to
      its end: about 10% more CPU time on a year (measured with polars 2.1). Still not seen:
      a run-on line whose 28th field is empty, i.e. a line cut after DIVERTED but not before
      DISTANCE run on into a cancelled flight (its times are empty), or empty fields added
      after the last comma; polars counts each line's fields only when it reads every column,
      which takes twice the time.
    """
    flags = pl.col("CANCELLED", "DIVERTED").is_in([0.0, 1.0])
    whole = pl.all_horizontal(flags, pl.col(_TRAILING).is_null())
    return pl.when(whole).then(pl.col("FL_DATE"))


def _check_header(raw: RawFile) -> None:
    name = raw.name
    head = (
        raw.store.read_head(raw.key, 4096)
        .split(b"\n", 1)[0]
        .decode("utf-8", "replace")
        .rstrip("\r")
    )
    found = head.split(",")
    for position, expected in enumerate(RAW_COLUMNS, start=1):
        actual = found[position - 1] if position <= len(found) else None
        if actual != expected:
            misnamed = actual is not None and len(found) == len(RAW_COLUMNS) + 1
            problem = (
                f"header has {actual!r} where {expected!r} was expected"
                if misnamed or expected in found
                else f"header has no column {expected!r} (expected as column {position})"
            )
            raise RawFileError(name, problem, line=1, column=str(position))
    extra = found[len(RAW_COLUMNS) :]
    if len(extra) != 1 or extra[0] not in TRAILING_COLUMN_NAMES:
        raise RawFileError(
            name, f"header should end with one empty column after {RAW_COLUMNS[-1]}", line=1
        )


def _check_last_line(raw: RawFile) -> None:
    name = raw.name
    whole_tail = raw.store.read_tail(raw.key, 8192)
    tail = whole_tail.rstrip(b"\r\n")
    if b"\n" not in tail and raw.store.size(raw.key) <= len(whole_tail):
        return  # the header is the only line: reported as "no rows" once read
    last = tail.rsplit(b"\n", 1)[-1]
    fields = last.count(b",") + 1
    if fields != _FIELDS or not last.endswith(b","):
        lines = _scan(raw, typed=False).select(pl.len()).collect().item() + 1
        problem, column = _shape_problem(fields)
        raise RawFileError(name, f"last {problem}", line=lines, column=column)


def _shape_problem(fields: int) -> tuple[str, str | None]:
    """What is wrong with a line of `fields` fields, or of 28 not ending in a comma; and the
    first missing column, where there is one."""
    if fields < len(RAW_COLUMNS):
        missing = RAW_COLUMNS[fields]
        return (
            f"line is truncated: {fields} of {_FIELDS} fields, missing from {missing} on",
            missing,
        )
    if fields == len(RAW_COLUMNS):
        return f"line is truncated: {fields} of {_FIELDS} fields, no comma at the end", None
    if fields > _FIELDS:
        return f"line is too long: {fields} fields, not {_FIELDS} (a lost line break?)", None
    return f"line does not end with a comma after {RAW_COLUMNS[-1]}", None


def breaks_rules(daily: pl.DataFrame, year: int) -> bool:
    """Whether the aggregate shows a bad line: a date outside `year` or missing, a bad code."""
    wrong_year = daily.filter(pl.col("flight_date").dt.year() != year).height > 0
    nulls = daily.select(pl.col("airport", "flight_date").null_count().sum()).row(0)
    bad_codes = daily.filter(~pl.col("airport").str.contains(AIRPORT_CODE_PATTERN)).height > 0
    return wrong_year or any(nulls) or bad_codes


def first_problem(raw: RawFile) -> RawFileError | None:
    """The first line with a wrong number of fields or breaking a rule of `bad_rows`."""
    found = [
        problem for problem in (_first_bad_line(raw), _first_bad_row(raw)) if problem is not None
    ]
    return min(found, key=lambda problem: problem.line or 0, default=None)


def _first_bad_line(raw: RawFile) -> RawFileError | None:
    name = raw.name
    """The first line without exactly 28 fields ending in a comma, counted on the text."""
    text = pl.col("text").fill_null("")
    count = (text.str.count_matches(",", literal=True) + 1).alias("fields")
    lines = pl.scan_csv(
        raw.store.location(raw.key),
        storage_options=raw.store.storage_options(),
        schema={"text": pl.String},
        has_header=False,
        skip_lines=1,
        separator="\x00",
        quote_char=None,
        truncate_ragged_lines=True,
        encoding="utf8-lossy",
    ).with_row_index("line", offset=2)
    found = (
        lines.filter((count != _FIELDS) | ~text.str.ends_with(","))
        .select("line", count, empty=text == "")
        .head(1)
        .collect(engine="streaming")
    )
    if found.is_empty():
        return None
    line, fields, empty = found.row(0)
    if empty:
        return RawFileError(name, "line is empty", line=line)
    problem, column = _shape_problem(fields)
    return RawFileError(name, problem, line=line, column=column)


def _first_bad_row(raw: RawFile) -> RawFileError | None:
    name, year = raw.name, raw.year
    rows = _scan(raw, typed=False).with_row_index("line", offset=2)
    found = bad_rows(rows, year).head(1).collect(engine="streaming")
    if found.is_empty():
        return None
    line, column, problem = found.row(0)
    return RawFileError(name, problem, line=line, column=column)


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
