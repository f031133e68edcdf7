"""The value rules, on text (`bad_rows`, which names line and column) and on the typed columns
of the fast read (`within_rules`)."""

import polars as pl
import pytest

from flightdelays.schema import CAUSE_RAW_COLUMNS, USED_COLUMNS
from flightdelays.steps.rules import bad_rows, within_rules

_GOOD_ROW: dict[str, str | None] = {
    **dict.fromkeys(USED_COLUMNS),
    "FL_DATE": "2013-01-01",
    "OP_CARRIER": "AA",
    "OP_CARRIER_FL_NUM": "1",
    "ORIGIN": "JFK",
    "CRS_DEP_TIME": "900",
    "CANCELLED": "1.0",
    "CANCELLATION_CODE": "B",
    "DIVERTED": "0.0",
}
_LATE_ROW: dict[str, str | None] = {
    **_GOOD_ROW,
    "DEP_DELAY": "31.0",
    "CANCELLED": "0.0",
    "CANCELLATION_CODE": None,
    **dict(zip(CAUSE_RAW_COLUMNS, ["20.0", "0.0", "22.0", "0.0", "0.0"], strict=True)),
}
_PARTIAL = "is empty but other cause columns are filled (a flight with causes has all five)"


def _problems(*rows: dict[str, str | None]) -> pl.DataFrame:
    frame = pl.LazyFrame(list(rows), schema=dict.fromkeys(USED_COLUMNS, pl.String))
    return bad_rows(frame.with_row_index("line", offset=2), 2013).collect()


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"FL_DATE": "2013-02-30"}, "FL_DATE 2013-02-30 is not a YYYY-MM-DD date"),
        ({"FL_DATE": "2013-1-1"}, "FL_DATE 2013-1-1 is not a YYYY-MM-DD date"),
        ({"FL_DATE": "2013/01/01"}, "not a YYYY-MM-DD date"),
        ({"FL_DATE": "2012-12-31"}, "FL_DATE 2012-12-31 is outside the file's year 2013"),
        ({"OP_CARRIER": "aa"}, "OP_CARRIER aa is not a carrier code (2 upper-case"),
        ({"OP_CARRIER": "AAA"}, "not a carrier code"),
        ({"OP_CARRIER": None}, "OP_CARRIER (empty) is not a carrier code"),
        ({"OP_CARRIER_FL_NUM": "0"}, "OP_CARRIER_FL_NUM 0 is not an integer from 1 to 99999"),
        ({"OP_CARRIER_FL_NUM": "100000"}, "is not an integer from 1 to 99999"),
        ({"OP_CARRIER_FL_NUM": "12.0"}, "is not an integer from 1 to 99999"),
        ({"ORIGIN": "jfk"}, "ORIGIN jfk is not an airport code (3 upper-case"),
        ({"ORIGIN": "JFKX"}, "not an airport code"),
        ({"CRS_DEP_TIME": "2401"}, "CRS_DEP_TIME 2401 is not a time hhmm from 0 to 2400"),
        ({"CRS_DEP_TIME": "960"}, "CRS_DEP_TIME 960 is not a time hhmm"),
        ({"CRS_DEP_TIME": "-5"}, "CRS_DEP_TIME -5 is not a time hhmm"),
        ({"DEP_DELAY": "late"}, "DEP_DELAY late is not a number"),
        ({"DEP_DELAY": "NaN"}, "DEP_DELAY NaN is not within -1440 to 2880 minutes"),
        ({"DEP_DELAY": "inf"}, "DEP_DELAY inf is not within -1440 to 2880 minutes"),
        ({"DEP_DELAY": "1e308"}, "DEP_DELAY 1e308 is not within -1440 to 2880 minutes"),
        ({"DEP_DELAY": "-99999.0"}, "DEP_DELAY -99999.0 is not within"),
        ({"DEP_DELAY": "2881.0"}, "DEP_DELAY 2881.0 is not within"),
        ({"CANCELLED": "yes"}, "CANCELLED yes is not a number"),
        ({"DIVERTED": "900"}, "DIVERTED 900 is not 0 or 1"),
        ({"DIVERTED": None}, "DIVERTED is empty"),
        ({"ORIGIN": "J\ufffdK"}, "ORIGIN J\ufffdK is not valid UTF-8"),
        ({"CANCELLATION_CODE": "E"}, "CANCELLATION_CODE E is not empty or one of A, B, C, D"),
        ({"CANCELLATION_CODE": "b"}, "CANCELLATION_CODE b is not empty or one of A, B, C, D"),
        ({"CANCELLATION_CODE": "AB"}, "CANCELLATION_CODE AB is not empty or one of"),
    ],
)
def test_bad_rows_names_line_and_column(change: dict[str, str | None], fragment: str) -> None:
    (column,) = change
    found = _problems(_GOOD_ROW, {**_GOOD_ROW, **change}, _GOOD_ROW)
    assert found["line"].to_list()[:1] == [3]
    assert found.row(0, named=True)["column"] == column
    assert fragment in found.row(0, named=True)["problem"]


@pytest.mark.parametrize("column", CAUSE_RAW_COLUMNS)
@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("abc", "{column} abc is not a number"),
        ("-1.0", "{column} -1.0 is not within 0 to 2880 minutes"),
        ("2880.5", "{column} 2880.5 is not within 0 to 2880 minutes"),
        ("NaN", "{column} NaN is not within 0 to 2880 minutes"),
        ("inf", "{column} inf is not within 0 to 2880 minutes"),
        ("-99999", "{column} -99999 is not within 0 to 2880 minutes"),
        (None, "{column} " + _PARTIAL),
    ],
)
def test_bad_cause_minutes_name_line_and_column(
    column: str, value: str | None, fragment: str
) -> None:
    found = _problems(_LATE_ROW, {**_LATE_ROW, column: value})
    assert found.row(0, named=True) == {
        "line": 3,
        "column": column,
        "problem": fragment.format(column=column),
    }


def test_a_single_cause_among_empty_ones_names_the_first_empty_column() -> None:
    """A shifted line puts one value into the cause columns of a flight without causes."""
    found = _problems({**_GOOD_ROW, "WEATHER_DELAY": "2475.0"})
    assert found.row(0, named=True)["column"] == "CARRIER_DELAY"
    assert _PARTIAL in found.row(0, named=True)["problem"]


@pytest.mark.parametrize(
    "row",
    [
        _GOOD_ROW,
        _LATE_ROW,
        {**_LATE_ROW, "CANCELLATION_CODE": "A"},  # a code on a flight not cancelled: ignored
        {**_GOOD_ROW, "CANCELLATION_CODE": None},  # a cancelled flight without a code
        {**_LATE_ROW, **dict.fromkeys(CAUSE_RAW_COLUMNS, "0.0")},
        {**_LATE_ROW, **dict.fromkeys(CAUSE_RAW_COLUMNS, "2880.0")},
        {**_LATE_ROW, "NAS_DELAY": "12.5"},
    ],
    ids=["cancelled", "late", "code-not-cancelled", "no-code", "zeros", "bounds", "decimal"],
)
def test_rows_within_the_rules(row: dict[str, str | None]) -> None:
    assert _problems(row).is_empty()
    assert _typed_within_rules(row) is True


def _typed_within_rules(row: dict[str, str | None]) -> bool | None:
    """`within_rules` of `row` typed as the fast read types it."""
    frame = pl.DataFrame([row], schema=dict.fromkeys(USED_COLUMNS, pl.String))
    typed = frame.with_columns(
        pl.col("OP_CARRIER").cast(pl.Enum(["AA", "B6"])),
        pl.col("OP_CARRIER_FL_NUM").cast(pl.Int32),
        pl.col("CRS_DEP_TIME").cast(pl.Int16),
        pl.col("DEP_DELAY", "CANCELLED", "DIVERTED", *CAUSE_RAW_COLUMNS).cast(pl.Float64),
    )
    within: bool | None = typed.select(within_rules()).item()
    return within


@pytest.mark.parametrize(
    "change",
    [
        {"CARRIER_DELAY": "-1.0"},
        {"LATE_AIRCRAFT_DELAY": "2881.0"},
        {"WEATHER_DELAY": "NaN"},
        {"SECURITY_DELAY": "inf"},
        {"NAS_DELAY": None},
        {"CARRIER_DELAY": None, "WEATHER_DELAY": None},
    ],
)
def test_the_fast_read_fails_the_cause_rows_bad_rows_reports(
    change: dict[str, str | None],
) -> None:
    """False or null: either one nulls the line's date, which sends the file to `bad_rows`."""
    row = {**_LATE_ROW, **change}
    assert not _problems(row).is_empty()
    assert not _typed_within_rules(row)


@pytest.mark.parametrize(
    ("minutes", "accepted"),
    [("-1440.0", True), ("2880.0", True), ("-1441.0", False), ("2880.5", False)],
)
def test_delay_bounds_are_inclusive(minutes: str, accepted: bool) -> None:
    row = {**_GOOD_ROW, "DEP_DELAY": minutes, "CANCELLED": "0.0", "CANCELLATION_CODE": None}
    assert _problems(row).is_empty() == accepted
