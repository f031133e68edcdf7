"""Corrupted raw files: either exactly the clean file's aggregate or a clean rejection.

A small valid year is corrupted one way (a value no rule accepts, a byte that is not UTF-8, a
line repeated, emptied or given a field more or less, the file cut inside a line) and read;
the outcome is the clean aggregate or a `RawFileError` naming the file and a line, never
another exception. Both layouts: the 27 BTS columns, and the 22 without the cause columns.
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
from flightdelays.schema import RAW_COLUMNS, RAW_COLUMNS_WITHOUT_CAUSES, USED_COLUMNS
from flightdelays.steps.aggregate import aggregate_year

_AIRPORTS = ("JFK", "LGA", "EWR")


def _line(number: int) -> str:
    """A valid flight: departed, late (with cause minutes), or cancelled (each code, or none),
    spread over airports, days and carriers."""
    date = f"2013-0{1 + number % 3}-1{number % 5}"
    origin = _AIRPORTS[number % 3]
    if number % 4 == 0:
        code = "ABCD "[number // 4 % 5].strip()
        return (
            f"{date},AA,{number},{origin},LAX,900,,,,,,,1200,,,1.0,{code},0.0,360.0,,,2475.0,,,,,,"
        )
    delay = (number * 7) % 50 - 10
    causes = f"{delay - 5}.0,0.0,5.0,0.0,{number % 3}.0" if delay >= 15 else ",,,,"
    carrier = ("B6", "UA")[number % 2]
    return (
        f"{date},{carrier},{number},{origin},BOS,{600 + number},1000.0,{delay}.0,18.0,949.0,"
        f"1234.0,8.0,1200,1242.0,{delay}.0,0.0,,0.0,360.0,371.0,345.0,2475.0,{causes},"
    )


def _without_causes(line: str) -> str:
    fields = line.split(",")
    return ",".join([*fields[: RAW_COLUMNS.index("CARRIER_DELAY")], ""])


LAYOUTS = {"bts": RAW_COLUMNS, "without_causes": RAW_COLUMNS_WITHOUT_CAUSES}
LINES = {
    "bts": [_line(number) for number in range(1, 25)],
    "without_causes": [_without_causes(_line(number)) for number in range(1, 25)],
}

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
    "2880.5",
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

    def apply(self, lines: list[str], columns: tuple[str, ...]) -> bytes:
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
        header = ",".join(columns) + ","
        data = "\n".join([header, *changed]).encode("latin-1") + b"\n"
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


def corruptions(line_count: int, columns: tuple[str, ...]) -> st.SearchStrategy[Corruption]:
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
        column=st.sampled_from([columns.index(used) for used in USED_COLUMNS if used in columns])
        | st.integers(0, len(columns) - 1),
        value=st.sampled_from(BAD_VALUES),
        cut=st.integers(0, 10_000),
    )


def _aggregate(folder: Path, data: bytes) -> pl.DataFrame:
    (folder / "2013.csv").write_bytes(data)
    return aggregate_year(Stores.in_folder(folder), 2013)


@cache
def _clean(layout: str) -> pl.DataFrame:
    with tempfile.TemporaryDirectory() as folder:
        clean = Corruption("none", 0, 0, "", 0).apply(LINES[layout], LAYOUTS[layout])
        return _aggregate(Path(folder), clean)


def test_the_clean_files_are_whole() -> None:
    bts, without_causes = _clean("bts"), _clean("without_causes")
    assert bts["flights"].sum() == without_causes["flights"].sum() == len(LINES["bts"])
    assert bts["cause_reported"].sum() > 0
    assert without_causes["cause_reported"].sum() == 0
    assert bts.select(pl.col("^cancelled_.*$").sum()).sum_horizontal().item() > 0


def _outcome(data: bytes) -> pl.DataFrame | RawFileError:
    """The aggregate of `data` as 2013's file, or the `RawFileError` it raised (its file
    named `<folder>/2013.csv`, the temporary folder being gone)."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            return _aggregate(Path(folder), data)
        except RawFileError as error:
            error.file = error.file.replace(str(Path(folder)), "<folder>")
            return error


def _check_outcome(corruption: Corruption, layout: str) -> None:
    data = corruption.apply(LINES[layout], LAYOUTS[layout])
    outcome = _outcome(data)
    if isinstance(outcome, pl.DataFrame):
        assert_frame_equal(outcome, _clean(layout))
        return
    assert outcome.file == "<folder>/2013.csv"
    assert outcome.line is not None, outcome
    assert outcome.line <= data.count(b"\n") + 1
    whole_line = outcome.problem.startswith(("line ", "last line ", "flight "))
    assert outcome.column is not None or whole_line, outcome


def _examples(count: int) -> settings:
    return settings(max_examples=count, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_examples(150)
@given(corruption=corruptions(len(LINES["bts"]), RAW_COLUMNS))
@example(corruption=Corruption(kind="cut", line=0, column=0, value="", cut=354))
# the fifth line is late, with cause minutes: one shifted left, one out of bounds
@example(corruption=Corruption(kind="drop_field", line=4, column=21, value="", cut=0))
@example(corruption=Corruption(kind="value", line=4, column=22, value="2880.5", cut=0))
def test_corrupted_file_gives_the_clean_result_or_a_clean_rejection(
    corruption: Corruption,
) -> None:
    _check_outcome(corruption, "bts")


@_examples(60)
@given(corruption=corruptions(len(LINES["without_causes"]), RAW_COLUMNS_WITHOUT_CAUSES))
def test_corrupted_file_without_causes_gives_the_clean_result_or_a_clean_rejection(
    corruption: Corruption,
) -> None:
    _check_outcome(corruption, "without_causes")
