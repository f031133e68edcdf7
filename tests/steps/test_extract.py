"""Bad raw input: each case gets a clear error naming the file, line and column where it can."""

from pathlib import Path

import pytest

from flightdelays.catalog import Stores
from flightdelays.errors import RawFileError
from flightdelays.schema import (
    CAUSE_MINUTES_COLUMNS,
    CAUSE_RAW_COLUMNS,
    HEADER_LINE,
    RAW_COLUMNS,
    RAW_COLUMNS_WITHOUT_CAUSES,
)
from flightdelays.steps.aggregate import aggregate_year

GOOD = "2013-01-01,AA,1,JFK,LAX,900,905.0,5.0,,,,,1200,,,0.0,,0.0,360.0,,,2475.0,,,,,,"
CANCELLED = "2013-01-02,AA,2,JFK,LAX,900,,,,,,,1200,,,1.0,B,0.0,360.0,,,2475.0,,,,,,"
LATE = (
    "2013-01-01,AA,3,JFK,LAX,900,931.0,31.0,18.0,949.0,1234.0,8.0,1200,1242.0,42.0,0.0,,0.0,"
    "360.0,371.0,345.0,2475.0,20.0,0.0,22.0,0.0,0.0,"
)


def _cut(line: str, fields: int) -> str:
    """The first `fields` fields of `line`, as if the line had been cut off after them."""
    return ",".join(line.split(",")[:fields])


def _store(tmp_path: Path, text: str, *, renumber: bool = True) -> Stores:
    """A store holding `text` as 2013's raw file; with `renumber`, each line's flight number
    is its line number, so lines written from the same few flights are distinct flights."""
    if renumber:
        text = "\n".join(
            _renumbered(line, number) for number, line in enumerate(text.split("\n"), 1)
        )
    (tmp_path / "2013.csv").write_text(text)
    return Stores.in_folder(tmp_path)


def _renumbered(line: str, number: int) -> str:
    fields = line.split(",")
    if number == 1 or len(fields) < 3 or not fields[2].isdigit():
        return line
    return ",".join([*fields[:2], str(number), *fields[3:]])


def test_good_file_aggregates(tmp_path: Path) -> None:
    daily = aggregate_year(_store(tmp_path, f"{HEADER_LINE}\n{GOOD}\n{CANCELLED}\n"), 2013)
    assert daily["flights"].to_list() == [1, 1]
    assert daily["cancelled"].to_list() == [0, 1]
    assert daily["avg_dep_delay"].to_list() == [5.0, None]
    assert daily["cancelled_weather"].to_list() == [0, 1]  # code B


def test_cause_minutes_and_codes_are_read(tmp_path: Path) -> None:
    text = f"{HEADER_LINE}\n{GOOD}\n{LATE}\n{LATE}\n{CANCELLED}\n"
    daily = aggregate_year(_store(tmp_path, text), 2013)
    first = daily.row(0, named=True)
    assert first["cause_reported"] == 2
    minutes = [first[column] for column in CAUSE_MINUTES_COLUMNS]
    assert minutes == [40.0, 0.0, 44.0, 0.0, 0.0]
    second = daily.row(1, named=True)  # the cancelled flight's day: no cause data
    assert second["cause_reported"] == 0
    assert [second[column] for column in CAUSE_MINUTES_COLUMNS] == [None] * 5


def test_a_code_on_a_flight_not_cancelled_counts_nowhere(tmp_path: Path) -> None:
    """Real BTS files leave the code of a flight that left empty; one there names no
    cancellation, so it is accepted and not counted."""
    coded = _replaced(GOOD, "CANCELLATION_CODE", "A")
    daily = aggregate_year(_store(tmp_path, f"{HEADER_LINE}\n{coded}\n{GOOD}\n"), 2013)
    assert daily["flights"].to_list() == [2]
    assert daily["cancelled_carrier"].to_list() == [0]


def _without_causes(line: str) -> str:
    """`line` as a file without the five cause columns holds it."""
    fields = line.split(",")
    return ",".join([*fields[: RAW_COLUMNS.index("CARRIER_DELAY")], ""])


_OLD_HEADER = ",".join(RAW_COLUMNS_WITHOUT_CAUSES) + ","


@pytest.mark.parametrize(
    "header", [_OLD_HEADER, _OLD_HEADER + "Unnamed: 22"], ids=["as-published", "by-pandas"]
)
def test_header_without_cause_columns_reads_as_no_cause_data(tmp_path: Path, header: str) -> None:
    lines = [_without_causes(line) for line in (GOOD, LATE, CANCELLED)]
    assert lines[1].count(",") == 22
    daily = aggregate_year(_store(tmp_path, "\n".join([header, *lines]) + "\n"), 2013)
    assert daily["flights"].to_list() == [2, 1]
    assert daily["avg_dep_delay"].to_list() == [18.0, None]
    assert daily["cause_reported"].to_list() == [0, 0]
    assert daily.select(CAUSE_MINUTES_COLUMNS).null_count().row(0) == (2,) * 5
    assert daily["cancelled_weather"].to_list() == [0, 1]


def test_line_with_cause_columns_in_a_file_without_them(tmp_path: Path) -> None:
    lines = [_without_causes(GOOD), LATE, _without_causes(CANCELLED)]
    error = _error(tmp_path, "\n".join([_OLD_HEADER, *lines]) + "\n")
    assert (error.line, error.column) == (3, None)
    assert "line is too long: 28 fields, not 23" in error.problem


def test_line_cut_in_a_file_without_cause_columns(tmp_path: Path) -> None:
    lines = [_without_causes(GOOD), _cut(LATE, 15), _without_causes(CANCELLED)]
    error = _error(tmp_path, "\n".join([_OLD_HEADER, *lines]) + "\n")
    assert (error.line, error.column) == (3, "CANCELLED")
    assert "line is truncated: 15 of 23 fields, missing from CANCELLED on" in error.problem


@pytest.mark.parametrize("kept", [1, 3, 4])
def test_header_with_some_cause_columns(tmp_path: Path, kept: int) -> None:
    dropped = CAUSE_RAW_COLUMNS[kept:]
    header = ",".join(column for column in RAW_COLUMNS if column not in dropped) + ","
    error = _error(tmp_path, f"{header}\n{GOOD}\n")
    assert (error.line, error.column) == (1, str(RAW_COLUMNS.index(dropped[0]) + 1))
    assert f"no column {dropped[0]!r}: a file holds all five cause columns or none" in str(error)


def test_header_written_by_pandas_aggregates(tmp_path: Path) -> None:
    header = HEADER_LINE.removesuffix(",") + ",Unnamed: 27"
    daily = aggregate_year(_store(tmp_path, f"{header}\n{GOOD}\n{CANCELLED}\n"), 2013)
    assert daily["flights"].to_list() == [1, 1]


def test_header_written_by_pandas_without_rows(tmp_path: Path) -> None:
    header = HEADER_LINE.removesuffix(",") + ",Unnamed: 27"
    error = _error(tmp_path, f"{header}\n")
    assert "header but no rows" in str(error)
    assert error.line == 2


def test_generated_year_matches_its_labels_days(sample_raw_dir: Path) -> None:
    daily = aggregate_year(Stores.in_folder(sample_raw_dir), 2011)
    months = set(daily["flight_date"].dt.month().unique().to_list())
    assert months == set(range(1, 13)) - {7}  # July 2011 is missing, and stays missing
    assert daily["airport"].n_unique() > 250


def _error(tmp_path: Path, text: str, *, renumber: bool = True) -> RawFileError:
    with pytest.raises(RawFileError) as caught:
        aggregate_year(_store(tmp_path, text, renumber=renumber), 2013)
    assert str(tmp_path / "2013.csv") in str(caught.value)
    return caught.value


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RawFileError, match="raw file does not exist"):
        aggregate_year(Stores.in_folder(tmp_path), 2013)


def test_empty_file(tmp_path: Path) -> None:
    assert "file is empty" in str(_error(tmp_path, ""))


def test_header_only(tmp_path: Path) -> None:
    error = _error(tmp_path, HEADER_LINE + "\n")
    assert "no rows" in error.problem


def test_misnamed_column(tmp_path: Path) -> None:
    header = HEADER_LINE.replace("DEP_DELAY", "DEPARTURE_DELAY")
    error = _error(tmp_path, f"{header}\n{GOOD}\n")
    assert (error.line, error.column) == (1, "8")
    assert "'DEPARTURE_DELAY' where 'DEP_DELAY'" in error.problem


def test_missing_column(tmp_path: Path) -> None:
    header = HEADER_LINE.replace("ORIGIN,", "")
    error = _error(tmp_path, f"{header}\n{GOOD}\n")
    assert error.line == 1
    assert "no column 'ORIGIN'" in error.problem


def test_non_numeric_delay(tmp_path: Path) -> None:
    bad = GOOD.replace(",5.0,", ",five,")
    error = _error(tmp_path, f"{HEADER_LINE}\n{GOOD}\n{GOOD}\n{bad}\n{GOOD}\n")
    assert (error.line, error.column) == (4, "DEP_DELAY")
    assert "five" in error.problem


def test_truncated_last_line(tmp_path: Path) -> None:
    error = _error(tmp_path, f"{HEADER_LINE}\n{GOOD}\n{GOOD}\n{GOOD[:40]}")
    assert error.line == 4
    assert "truncated" in error.problem


def test_last_line_cut_inside_the_cause_columns(tmp_path: Path) -> None:
    error = _error(tmp_path, f"{HEADER_LINE}\n{GOOD}\n{_cut(LATE, 24)}\n")
    assert (error.line, error.column) == (3, "NAS_DELAY")
    assert "last line is truncated: 24 of 28 fields" in error.problem


@pytest.mark.parametrize(
    ("fields", "column"),
    [(3, "ORIGIN"), (10, "WHEELS_ON"), (15, "CANCELLED"), (17, "DIVERTED")],
)
def test_short_line_in_the_middle(tmp_path: Path, fields: int, column: str) -> None:
    short = _cut(GOOD, fields)
    error = _error(tmp_path, f"{HEADER_LINE}\n{GOOD}\n{GOOD}\n{short}\n{GOOD}\n{CANCELLED}\n")
    assert (error.line, error.column) == (4, column)
    assert f"line is truncated: {fields} of 28 fields, missing from {column} on" in error.problem


@pytest.mark.parametrize(
    ("joined", "fields"),
    [
        (_cut(GOOD, 10) + CANCELLED, 37),  # cut before DIVERTED: the flags are wrong
        (_cut(LATE, 24) + GOOD, 51),  # cut after DIVERTED: every used column is right
        (GOOD + CANCELLED, 55),  # two whole lines: every used column is right
        (CANCELLED + LATE, 55),
    ],
    ids=["cut-before-diverted", "cut-after-diverted", "whole-lines", "whole-lines-cancelled"],
)
def test_lines_run_together(tmp_path: Path, joined: str, fields: int) -> None:
    """A lost line break is an error even when the first line keeps every column read."""
    error = _error(tmp_path, f"{HEADER_LINE}\n{GOOD}\n{joined}\n{GOOD}\n{CANCELLED}\n")
    assert (error.line, error.column) == (3, None)
    assert f"line is too long: {fields} fields, not 28 (a lost line break?)" in error.problem


def test_whole_lines_run_together_deep_in_the_file(tmp_path: Path) -> None:
    """Far past polars' first chunk, and nothing is returned: the second flight is not lost."""
    before, after = [LATE, GOOD, CANCELLED] * 20_000, [GOOD, LATE] * 5_000
    lines = [HEADER_LINE, *before, GOOD + LATE, *after]
    error = _error(tmp_path, "\n".join(lines) + "\n")
    assert (error.line, error.column) == (len(before) + 2, None)
    assert "line is too long: 55 fields, not 28 (a lost line break?)" in error.problem


def test_first_problem_is_reported(tmp_path: Path) -> None:
    late_date = GOOD.replace("2013-01-01", "2014-01-01")
    text = f"{HEADER_LINE}\n{GOOD}\n{late_date}\n{_cut(GOOD, 10)}\n{GOOD}\n"
    error = _error(tmp_path, text)
    assert (error.line, error.column) == (3, "FL_DATE")


def test_empty_line_in_the_middle(tmp_path: Path) -> None:
    error = _error(tmp_path, f"{HEADER_LINE}\n{GOOD}\n\n{GOOD}\n")
    assert error.line == 3
    assert error.problem == "line is empty"


@pytest.mark.parametrize("column", ["CANCELLED", "DIVERTED"])
def test_flag_that_is_not_0_or_1(tmp_path: Path, column: str) -> None:
    position = RAW_COLUMNS.index(column)
    fields = GOOD.split(",")
    fields[position] = "2.0"
    error = _error(tmp_path, f"{HEADER_LINE}\n{GOOD}\n{','.join(fields)}\n{GOOD}\n")
    assert (error.line, error.column) == (3, column)
    assert f"{column} 2.0 is not 0 or 1" in error.problem


def test_empty_cause_columns_are_accepted(tmp_path: Path) -> None:
    """Cause columns are filled only for flights 15 minutes late or more; empty is no damage."""
    assert LATE.count(",") == GOOD.count(",") == CANCELLED.count(",") == 27
    text = f"{HEADER_LINE}\n{LATE}\n{GOOD}\n{CANCELLED}\n{LATE}\n{GOOD}\n"
    daily = aggregate_year(_store(tmp_path, text), 2013)
    assert daily["flights"].to_list() == [4, 1]
    assert daily["departed"].to_list() == [4, 0]
    assert daily["share_delayed_15"].to_list() == [0.5, None]


def test_dates_outside_the_year(tmp_path: Path) -> None:
    other = GOOD.replace("2013-01-01", "2014-01-01")
    error = _error(tmp_path, f"{HEADER_LINE}\n{GOOD}\n{other}\n")
    assert (error.line, error.column) == (3, "FL_DATE")
    assert "outside the file's year 2013" in error.problem


def test_bad_airport_code(tmp_path: Path) -> None:
    other = GOOD.replace(",JFK,", ",J-K,")
    error = _error(tmp_path, f"{HEADER_LINE}\n{GOOD}\n{GOOD}\n{other}\n")
    assert (error.line, error.column) == (4, "ORIGIN")


def _replaced(line: str, column: str, value: str) -> str:
    fields = line.split(",")
    fields[RAW_COLUMNS.index(column)] = value
    return ",".join(fields)


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("DEP_DELAY", "1e20", "DEP_DELAY 1e20 is not within -1440 to 2880 minutes"),
        ("DEP_DELAY", "1e308", "is not within"),
        ("DEP_DELAY", "inf", "is not within"),
        ("DEP_DELAY", "NaN", "is not within"),
        ("DEP_DELAY", "-99999.0", "is not within"),
        ("OP_CARRIER", "a1", "OP_CARRIER a1 is not a carrier code"),
        ("OP_CARRIER", "", "OP_CARRIER (empty) is not a carrier code"),
        ("OP_CARRIER_FL_NUM", "0", "OP_CARRIER_FL_NUM 0 is not an integer from 1 to 99999"),
        ("CRS_DEP_TIME", "2460", "CRS_DEP_TIME 2460 is not a time hhmm"),
        ("FL_DATE", "2013-1-01", "FL_DATE 2013-1-01 is not a YYYY-MM-DD date"),
        ("CANCELLATION_CODE", "E", "CANCELLATION_CODE E is not empty or one of A, B, C, D"),
        ("CANCELLATION_CODE", "b", "CANCELLATION_CODE b is not empty or one of A, B, C, D"),
        ("CARRIER_DELAY", "-5.0", "CARRIER_DELAY -5.0 is not within 0 to 2880 minutes"),
        ("WEATHER_DELAY", "NaN", "WEATHER_DELAY NaN is not within 0 to 2880 minutes"),
        ("NAS_DELAY", "1e20", "NAS_DELAY 1e20 is not within 0 to 2880 minutes"),
        ("SECURITY_DELAY", "lots", "SECURITY_DELAY lots is not a number"),
        ("LATE_AIRCRAFT_DELAY", "", "LATE_AIRCRAFT_DELAY is empty but other cause columns are"),
    ],
)
def test_value_breaking_a_rule_in_a_file(
    tmp_path: Path, column: str, value: str, fragment: str
) -> None:
    bad = _replaced(_replaced(LATE, "OP_CARRIER_FL_NUM", "4"), column, value)
    text = f"{HEADER_LINE}\n{GOOD}\n{LATE}\n{bad}\n{CANCELLED}\n"
    error = _error(tmp_path, text, renumber=False)
    assert (error.line, error.column) == (4, column)
    assert fragment in error.problem


@pytest.mark.parametrize(
    "column", ["ORIGIN", "DEP_DELAY", "OP_CARRIER", "DEST", "DISTANCE", "LATE_AIRCRAFT_DELAY"]
)
def test_latin1_byte_names_line_and_column(tmp_path: Path, column: str) -> None:
    """A byte that is not UTF-8, in any column: reported, not a polars traceback."""
    bad = _replaced(LATE, column, "\xe9" + LATE.split(",")[RAW_COLUMNS.index(column)][1:])
    text = f"{HEADER_LINE}\n{GOOD}\n{bad}\n{CANCELLED}\n"
    (tmp_path / "2013.csv").write_bytes(text.encode("latin-1"))
    with pytest.raises(RawFileError) as caught:
        aggregate_year(Stores.in_folder(tmp_path), 2013)
    assert (caught.value.line, caught.value.column) == (3, column)
    assert "not valid UTF-8" in caught.value.problem


@pytest.mark.parametrize("column", ["DISTANCE", "CARRIER_DELAY", "NAS_DELAY"])
def test_a_field_lost_before_the_last_cause_column(tmp_path: Path, column: str) -> None:
    """The cause minutes shift one column left, the last one empty: caught by the fast read."""
    fields = _replaced(LATE, "OP_CARRIER_FL_NUM", "4").split(",")
    del fields[RAW_COLUMNS.index(column)]
    text = f"{HEADER_LINE}\n{GOOD}\n{LATE}\n{','.join(fields)}\n{CANCELLED}\n"
    error = _error(tmp_path, text, renumber=False)
    assert (error.line, error.column) == (4, None)
    assert "line is truncated: 27 of 28 fields, no comma at the end" in error.problem


def test_same_flight_twice_names_both_lines(tmp_path: Path) -> None:
    again = _replaced(LATE, "DEP_DELAY", "12.0")  # same flight, other figures
    text = f"{HEADER_LINE}\n{GOOD}\n{LATE}\n{CANCELLED}\n{again}\n"
    error = _error(tmp_path, text, renumber=False)
    assert (error.line, error.column) == (5, None)
    assert "flight AA 3 from JFK on 2013-01-01 at 900" in error.problem
    assert "is also on line 3" in error.problem


def test_file_repeated_twice(tmp_path: Path) -> None:
    lines = [GOOD, LATE, CANCELLED]
    text = "\n".join([HEADER_LINE, *lines, *lines]) + "\n"
    error = _error(tmp_path, text, renumber=False)
    assert error.line == 5
    assert "is also on line 2" in error.problem


def test_same_flight_at_another_time_is_another_flight(tmp_path: Path) -> None:
    later = _replaced(LATE, "CRS_DEP_TIME", "1900")
    text = f"{HEADER_LINE}\n{GOOD}\n{LATE}\n{later}\n"
    daily = aggregate_year(_store(tmp_path, text, renumber=False), 2013)
    assert daily["flights"].to_list() == [3]
