"""Read one year's raw file from the raw store, check it, and aggregate it per airport and day.

The fast path scans only the used columns with polars' streaming engine. Anything wrong sends
the file through slower scans that find the first bad line and column to report.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import polars as pl

from flightdelays import catalog
from flightdelays.errors import OutsideError, RawFileError
from flightdelays.schema import (
    AIRPORT_CODE_PATTERN,
    CANCELLATION_CAUSES,
    CAUSE_RAW_COLUMNS,
    FLIGHT_KEY,
    LAST_CLOCK_TIME,
    RAW_COLUMNS,
    RAW_COLUMNS_WITHOUT_CAUSES,
    USED_COLUMNS,
)
from flightdelays.steps.rules import bad_rows, within_rules

if TYPE_CHECKING:
    from flightdelays.catalog import Stores
    from flightdelays.storage import Store

_CARRIER_CODES = pl.Enum(
    sorted(
        "".join(pair)
        for pair in itertools.product(string.ascii_uppercase + string.digits, repeat=2)
    )
)
"""Every code of `CARRIER_CODE_PATTERN`: read as this enum, a bad code fails the fast read, and
its index is a small integer for the flight key."""
_TYPES: dict[str, pl.DataType | type[pl.DataType]] = {
    # FL_DATE stays text: the aggregate turns its ~100k (airport, day) groups into dates, which
    # is cheaper than parsing 6M, and checks the text is exactly YYYY-MM-DD (polars' CSV date
    # parser also takes 2013-1-1 or 2013/01/01)
    "OP_CARRIER": _CARRIER_CODES,
    "OP_CARRIER_FL_NUM": pl.Int32,
    "CRS_DEP_TIME": pl.Int16,
    "DEP_DELAY": pl.Float64,
    "CANCELLED": pl.Float64,
    # an enum too: a code other than A-D fails the fast read
    "CANCELLATION_CODE": pl.Enum(list(CANCELLATION_CAUSES)),
    "DIVERTED": pl.Float64,
    **dict.fromkeys(CAUSE_RAW_COLUMNS, pl.Float64),
}
_TRAILING = ""
"""The empty last column, read by name as the file's header leaves it."""
LAYOUTS = (RAW_COLUMNS, RAW_COLUMNS_WITHOUT_CAUSES)
"""The headers a raw file may have (then one empty column): the 27 BTS columns, or the 22
without the five cause columns (older files), which read as flights without cause data."""


@dataclass(frozen=True)
class RawFile:
    """A year's raw file in its store; `name` is how messages name it, `columns` its header's
    named columns (one of `LAYOUTS`)."""

    store: Store
    key: str
    year: int
    columns: tuple[str, ...] = RAW_COLUMNS

    @property
    def name(self) -> str:
        return self.store.location(self.key)

    @property
    def fields(self) -> int:
        """Fields of a whole line: the named columns and the empty last one."""
        return len(self.columns) + 1


def open_raw(stores: Stores, year: int) -> RawFile:
    """The year's raw file, once its header and last line are checked.

    Raises `RawFileError` naming the file, and the line and column where it can, when the file
    is missing, empty, has another header or a truncated last line. The rest of the file is
    checked as it is read (`flights`, then `breaks_rules` on the aggregate): a value of the
    wrong kind (CANCELLED and DIVERTED are 0 or 1), a date outside `year`, an airport code that
    is not 3 upper-case letters or digits, cause minutes out of bounds or only some of the five
    filled, a line in the middle cut short before DIVERTED or inside the cause columns, or a
    line run on into the next (a lost line break), e.g. two whole lines run together; then
    `first_problem` finds the line and column to report. Not seen: a line cut short after
    DIVERTED and before the cause columns (it reads as a flight without causes), and a run-on
    line whose last field happens to be empty (see `_date_if_line_whole`).
    """
    dataset = catalog.raw_file(year)
    raw = RawFile(stores.store(dataset), dataset.key, year)
    if not raw.store.exists(raw.key):
        raise RawFileError(raw.name, "raw file does not exist")
    if raw.store.size(raw.key) == 0:
        raise RawFileError(raw.name, "file is empty")
    raw = replace(raw, columns=_check_header(raw))
    _check_last_line(raw)
    return raw


def flights(raw: RawFile) -> pl.LazyFrame:
    """The used columns of every flight, typed (FL_DATE as its text, the cause columns null
    when the file has none); FL_DATE null where a line is not whole or breaks a rule of
    `rules.within_rules`, so the aggregate shows it."""
    scan = _scan(raw, typed=True, trailing=True)
    return scan.with_columns(FL_DATE=_date_if_line_whole()).drop(_TRAILING)


def group_checks() -> dict[str, pl.Expr]:
    """Per (airport, day, carrier) counts `breaks_rules` reads once summed per (airport, day):
    `distinct_flights` counts the distinct `flight_key` (number and scheduled time, see
    `compact`) of the group, fewer than its flights when one flight (`FLIGHT_KEY`) is there
    twice. Exact: the carrier is part of the group."""
    return {"distinct_flights": pl.col("flight_key").n_unique()}


def compact(flights: pl.LazyFrame) -> pl.LazyFrame:
    """`flights` with what the grouping holds kept small: ORIGIN and FL_DATE as categoricals
    (the group keys), the flight number and scheduled time as one Int32 `flight_key` (exact:
    numbers are 1-99999 and times 0-2400; a line outside those has a null FL_DATE already).
    The repeated-flight check (`n_unique`) makes polars hold every flight's grouped columns in
    memory: this takes a full year's peak from ~1.15 GB to ~0.8 GB."""
    number, time = pl.col("OP_CARRIER_FL_NUM"), pl.col("CRS_DEP_TIME").cast(pl.Int32)
    return flights.with_columns(
        pl.col("ORIGIN", "FL_DATE").cast(pl.Categorical),
        flight_key=number * (LAST_CLOCK_TIME + 1) + time,
    ).drop("OP_CARRIER_FL_NUM", "CRS_DEP_TIME")


@contextmanager
def reading(raw: RawFile) -> Iterator[None]:
    """Turn a failure of the store under a polars read into `OutsideError` (worth a retry),
    naming the file: polars raises the object store's failures as `OSError`s (a refused
    connection is a `ConnectionRefusedError`, after its own retries)."""
    try:
        yield
    except FileNotFoundError:
        raise RawFileError(raw.name, "raw file does not exist") from None
    except OSError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise OutsideError(f"could not read {raw.name}: {reason}") from None


def _scan(raw: RawFile, *, typed: bool, trailing: bool = False) -> pl.LazyFrame:
    """The used columns, typed or as text (a column the file lacks as nulls); with `trailing`,
    also the empty last column."""
    schema: dict[str, pl.DataType | type[pl.DataType]] = dict.fromkeys(raw.columns, pl.String)
    types = _TYPES if typed else {}
    schema.update({column: kind for column, kind in types.items() if column in schema})
    used = [
        pl.col(column)
        if column in schema
        else pl.lit(None, dtype=types.get(column, pl.String)).alias(column)
        for column in USED_COLUMNS
    ]
    return pl.scan_csv(
        raw.store.location(raw.key),
        storage_options=raw.store.storage_options(),
        schema=pl.Schema({**schema, _TRAILING: pl.String}),
        # the header was checked by _check_header; it may name the last column "" or, once
        # written by pandas, "Unnamed: 27", which polars would refuse against this schema
        has_header=False,
        skip_rows=1,
        quote_char=None,  # the source never quotes; a stray quote must not swallow lines
        # a first line short or long: nulls or a filled 28th column, which the rules report
        missing_columns="insert",
        extra_columns="ignore",
        encoding="utf8" if typed else "utf8-lossy",  # a bad byte fails the fast read; the
        # slow one reads it as U+FFFD to report (`bad_rows`)
        low_memory=True,
    ).select(*used, *([_TRAILING] if trailing else []))


def _date_if_line_whole() -> pl.Expr:
    """FL_DATE, or null where a line looks cut short or run on, so `_breaks_rules` sees it.

    polars reads a short line with nulls for its missing fields, and never counts the fields
    after the last column it is asked for, so the extra fields of a long line pass silently.
    Two signs are checked instead:
    - CANCELLED or DIVERTED is not 0 or 1: a line cut before DIVERTED has a null there, and a
      line run on after one cut before DIVERTED has other fields (times, delays, codes) where
      the two flags should be. Free: both columns are read anyway.
    - the empty last column is not empty: two whole lines run together put the second line's
      FL_DATE there, and a line cut after DIVERTED and run on puts one of the next line's
      carrier, number, airports or times there. Reading it makes polars parse every line to
      its end: about 10% more CPU time on a year (measured with polars 2.1). Still not seen:
      a run-on line whose last field is empty, i.e. a line cut after DIVERTED but not before
      DISTANCE run on into a cancelled flight (its times are empty), or empty fields added
      after the last comma; polars counts each line's fields only when it reads every column,
      which takes twice the time.
    """
    flags = pl.col("CANCELLED", "DIVERTED").is_in([0.0, 1.0])
    whole = pl.all_horizontal(flags, pl.col(_TRAILING).is_null(), within_rules())
    return pl.when(whole).then(pl.col("FL_DATE"))


def _check_header(raw: RawFile) -> tuple[str, ...]:
    """The header's named columns, one of `LAYOUTS`: without any cause column, the older one."""
    name = raw.name
    head = (
        raw.store.read_head(raw.key, 4096)
        .split(b"\n", 1)[0]
        .decode("utf-8", "replace")
        .rstrip("\r")
    )
    found = head.split(",")
    causes = [column for column in CAUSE_RAW_COLUMNS if column in found]
    if causes and len(causes) < len(CAUSE_RAW_COLUMNS):
        absent = next(column for column in CAUSE_RAW_COLUMNS if column not in found)
        problem = (
            f"header has {', '.join(causes)} but no column {absent!r}: a file holds all five"
            " cause columns or none"
        )
        raise RawFileError(name, problem, line=1, column=str(RAW_COLUMNS.index(absent) + 1))
    columns = RAW_COLUMNS if causes else RAW_COLUMNS_WITHOUT_CAUSES
    for position, expected in enumerate(columns, start=1):
        actual = found[position - 1] if position <= len(found) else None
        if actual != expected:
            misnamed = actual is not None and len(found) == len(columns) + 1
            problem = (
                f"header has {actual!r} where {expected!r} was expected"
                if misnamed or expected in found
                else f"header has no column {expected!r} (expected as column {position})"
            )
            raise RawFileError(name, problem, line=1, column=str(position))
    extra = found[len(columns) :]
    if len(extra) != 1 or extra[0] not in ("", f"Unnamed: {len(columns)}"):
        raise RawFileError(
            name, f"header should end with one empty column after {columns[-1]}", line=1
        )
    return columns


def _check_last_line(raw: RawFile) -> None:
    name = raw.name
    whole_tail = raw.store.read_tail(raw.key, 8192)
    tail = whole_tail.rstrip(b"\r\n")
    if b"\n" not in tail and raw.store.size(raw.key) <= len(whole_tail):
        return  # the header is the only line: reported as "no rows" once read
    last = tail.rsplit(b"\n", 1)[-1]
    fields = last.count(b",") + 1
    if fields != raw.fields or not last.endswith(b","):
        lines = _scan(raw, typed=False).select(pl.len()).collect().item() + 1
        problem, column = _shape_problem(raw.columns, fields)
        raise RawFileError(name, f"last {problem}", line=lines, column=column)


def _shape_problem(columns: tuple[str, ...], fields: int) -> tuple[str, str | None]:
    """What is wrong with a line of `fields` fields in a file of `columns` (then one empty), or
    of the right count not ending in a comma; and the first missing column, where there is one."""
    whole = len(columns) + 1
    if fields < len(columns):
        missing = columns[fields]
        return (
            f"line is truncated: {fields} of {whole} fields, missing from {missing} on",
            missing,
        )
    if fields == len(columns):
        return f"line is truncated: {fields} of {whole} fields, no comma at the end", None
    if fields > whole:
        return f"line is too long: {fields} fields, not {whole} (a lost line break?)", None
    return f"line does not end with a comma after {columns[-1]}", None


def breaks_rules(daily: pl.DataFrame, year: int) -> bool:
    """Whether the aggregate (with `group_checks`) shows a bad line: a date outside `year` or
    missing, a bad airport code, a flight twice."""
    wrong_year = daily.filter(pl.col("flight_date").dt.year() != year).height > 0
    nulls = daily.select(pl.col("airport", "flight_date").null_count().sum()).row(0)
    bad_codes = daily.filter(~pl.col("airport").str.contains(AIRPORT_CODE_PATTERN)).height > 0
    repeated = daily.filter(pl.col("distinct_flights") != pl.col("flights")).height > 0
    return wrong_year or any(nulls) or bad_codes or repeated


def first_problem(raw: RawFile) -> RawFileError | None:
    """The first line with a wrong number of fields, breaking a rule of `bad_rows`, or holding
    a flight an earlier line holds."""
    with reading(raw):
        found = [
            problem
            for problem in (_first_bad_line(raw), _first_bad_row(raw), _first_repeat(raw))
            if problem is not None
        ]
    return min(found, key=lambda problem: problem.line or 0, default=None)


def _first_bad_line(raw: RawFile) -> RawFileError | None:
    """The first line without exactly its header's fields ending in a comma, counted on the text, or
    with a byte that is not UTF-8 in any field (read as U+FFFD)."""
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
    bad_byte = text.str.contains("\ufffd", literal=True)
    found = (
        lines.filter((count != raw.fields) | ~text.str.ends_with(",") | bad_byte)
        .select("line", count, "text", empty=text == "")
        .head(1)
        .collect(engine="streaming")
    )
    if found.is_empty():
        return None
    line, fields, text_found, empty = found.row(0)
    if empty:
        return RawFileError(raw.name, "line is empty", line=line)
    if "\ufffd" in text_found:
        return _bad_byte(raw, line, text_found)
    problem, column = _shape_problem(raw.columns, fields)
    return RawFileError(raw.name, problem, line=line, column=column)


def _bad_byte(raw: RawFile, line: int, text: str) -> RawFileError:
    """The error for a line read with U+FFFD where a byte was not UTF-8, naming its field."""
    position = next(index for index, field in enumerate(text.split(",")) if "\ufffd" in field)
    column = raw.columns[position] if position < len(raw.columns) else None
    value = text.split(",")[position]
    return RawFileError(
        raw.name,
        f"{value!r} is not valid UTF-8 (\ufffd marks a bad byte)",
        line=line,
        column=column,
    )


def _first_repeat(raw: RawFile) -> RawFileError | None:
    """The first line holding a flight (`FLIGHT_KEY`) an earlier line holds, naming both lines.
    Numbers compare as the fast read parsed them (`05` is `5`)."""
    rows = _scan(raw, typed=False).with_row_index("line", offset=2)
    numbers = {"OP_CARRIER_FL_NUM", "CRS_DEP_TIME"}
    key = [
        pl.col(column).cast(pl.Int64, strict=False) if column in numbers else pl.col(column)
        for column in FLIGHT_KEY
    ]
    line = pl.col("line")
    found = (
        rows.group_by(key)
        .agg(first=line.min(), again=line.sort().slice(1, 1).first())
        .filter(pl.col("again").is_not_null())
        .sort("again")
        .head(1)
        .collect(engine="streaming")
    )
    if found.is_empty():
        return None
    flight = found.row(0, named=True)
    date, carrier, number, origin, time = (flight[column] for column in FLIGHT_KEY)
    problem = (
        f"flight {carrier} {number} from {origin} on {date} at {time} (FL_DATE, OP_CARRIER,"
        f" OP_CARRIER_FL_NUM, ORIGIN, CRS_DEP_TIME) is also on line {flight['first']}"
    )
    return RawFileError(raw.name, problem, line=flight["again"])


def _first_bad_row(raw: RawFile) -> RawFileError | None:
    name, year = raw.name, raw.year
    rows = _scan(raw, typed=False).with_row_index("line", offset=2)
    found = bad_rows(rows, year).head(1).collect(engine="streaming")
    if found.is_empty():
        return None
    line, column, problem = found.row(0)
    return RawFileError(name, problem, line=line, column=column)
