"""Corrupted raw files: either exactly the clean file's aggregate or a clean rejection.

A small valid year is corrupted one way (a value no rule accepts, a byte that is not UTF-8, a
line repeated, emptied or given a field more or less, the file cut inside a line) and read;
the outcome is the clean aggregate or a `RawFileError` naming the file and a line, never
another exception.
"""

import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from flightdelays.catalog import Stores
from flightdelays.errors import RawFileError
from flightdelays.schema import HEADER_LINE, RAW_COLUMNS, USED_COLUMNS
from flightdelays.steps.aggregate import aggregate_year

_AIRPORTS = ("JFK", "LGA", "EWR")


def _line(number: int) -> str:
    """A valid flight: departed, late, or cancelled, spread over airports and days."""
    date = f"2013-0{1 + number % 3}-1{number % 5}"
    origin = _AIRPORTS[number % 3]
    if number % 4 == 0:
        return f"{date},AA,{number},{origin},LAX,900,,,,,,,1200,,,1.0,B,0.0,360.0,,,2475.0,,,,,,"
    delay = f"{(number * 7) % 50 - 10}.0"
    return (
        f"{date},B6,{number},{origin},BOS,{600 + number},1000.0,{delay},18.0,949.0,1234.0,8.0,"
        f"1200,1242.0,42.0,0.0,,0.0,360.0,371.0,345.0,2475.0,,,,,,"
    )


LINES = [_line(number) for number in range(1, 25)]

BAD_VALUES = (
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "1e20",
    "-99999",
    "99999999",
    "abc",
    '"',
    "2013-13-01",
    "2401.5",
    "-1e400",
    "x,y",
    "\xe9",
    "J\xe9K",
)
"""Values no rule accepts in any column read (a Latin-1 é is one byte that is not UTF-8)."""


@dataclass(frozen=True)
class Corruption:
    """One change to the clean file; `apply` returns the corrupted bytes."""

    kind: str
    line: int
    column: int
    value: str
    cut: int

    def apply(self, lines: list[str]) -> bytes:
        changed = list(lines)
        fields = changed[self.line].split(",")
        if self.kind == "value":
            fields[self.column] = self.value
        elif self.kind == "drop_field":
            del fields[self.column]
        elif self.kind == "add_field":
            fields.insert(self.column, self.value)
        changed[self.line] = ",".join(fields)
        if self.kind == "repeat":
            changed.insert(self.line, changed[self.line])
        elif self.kind == "empty_line":
            changed.insert(self.line, "")
        elif self.kind == "repeat_file":
            changed += changed
        data = "\n".join([HEADER_LINE, *changed]).encode("latin-1") + b"\n"
        if self.kind == "cut":
            return _cut_inside_a_line(data, self.cut)
        return data


def _cut_inside_a_line(data: bytes, at: int) -> bytes:
    """`data` cut at `at` (from the end of the header on), moved back off a line's end:
    a file cut just after a whole line, or just before its line break, is a valid shorter file
    (the last line whole, its line break aside), not a corrupted one."""
    start = data.index(b"\n") + 2
    at = start + at % (len(data) - start)
    while data[at - 1 : at] == b"\n" or data[at : at + 1] == b"\n":
        at -= 1
    return data[:at]


def corruptions(line_count: int) -> st.SearchStrategy[Corruption]:
    kinds = st.sampled_from(
        [
            *("value", "value", "value", "drop_field", "add_field"),
            *("repeat", "empty_line", "cut", "repeat_file"),
        ]
    )
    return st.builds(
        Corruption,
        kind=kinds,
        line=st.integers(0, line_count - 1),
        column=st.sampled_from([RAW_COLUMNS.index(column) for column in USED_COLUMNS])
        | st.integers(0, len(RAW_COLUMNS) - 1),
        value=st.sampled_from(BAD_VALUES),
        cut=st.integers(0, 10_000),
    )


def _aggregate(folder: Path, data: bytes) -> pl.DataFrame:
    (folder / "2013.csv").write_bytes(data)
    return aggregate_year(Stores.in_folder(folder), 2013)


@cache
def _clean() -> pl.DataFrame:
    with tempfile.TemporaryDirectory() as folder:
        return _aggregate(Path(folder), Corruption("none", 0, 0, "", 0).apply(LINES))


def test_the_clean_file_is_whole() -> None:
    assert _clean()["flights"].sum() == len(LINES)


def _outcome(data: bytes) -> pl.DataFrame | RawFileError:
    """The aggregate of `data` as 2013's file, or the `RawFileError` it raised (its file
    named `<folder>/2013.csv`, the temporary folder being gone)."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            return _aggregate(Path(folder), data)
        except RawFileError as error:
            error.file = error.file.replace(str(Path(folder)), "<folder>")
            return error


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corruption=corruptions(len(LINES)))
@example(corruption=Corruption(kind="cut", line=0, column=0, value="", cut=354))
def test_corrupted_file_gives_the_clean_result_or_a_clean_rejection(
    corruption: Corruption,
) -> None:
    data = corruption.apply(LINES)
    outcome = _outcome(data)
    if isinstance(outcome, pl.DataFrame):
        assert_frame_equal(outcome, _clean())
        return
    assert outcome.file == "<folder>/2013.csv"
    assert outcome.line is not None, outcome
    assert outcome.line <= data.count(b"\n") + 1
    whole_line = outcome.problem.startswith(("line ", "last line ", "flight "))
    assert outcome.column is not None or whole_line, outcome
