"""Bad raw input: each case gets a clear error naming the file, line and column where it can."""

from pathlib import Path

import pytest

from flightdelays.errors import RawFileError
from flightdelays.extract import aggregate_year
from flightdelays.schema import HEADER_LINE
from flightdelays.storage import LocalStore

GOOD = "2013-01-01,AA,1,JFK,LAX,900,905.0,5.0,,,,,1200,,,0.0,,0.0,360.0,,,2475.0,,,,,,"
CANCELLED = "2013-01-02,AA,2,JFK,LAX,900,,,,,,,1200,,,1.0,B,0.0,360.0,,,2475.0,,,,,,"


def _store(tmp_path: Path, text: str) -> LocalStore:
    (tmp_path / "2013.csv").write_text(text)
    return LocalStore(tmp_path)


def test_good_file_aggregates(tmp_path: Path) -> None:
    daily = aggregate_year(_store(tmp_path, f"{HEADER_LINE}\n{GOOD}\n{CANCELLED}\n"), 2013)
    assert daily["flights"].to_list() == [1, 1]
    assert daily["cancelled"].to_list() == [0, 1]
    assert daily["avg_dep_delay"].to_list() == [5.0, None]


def test_generated_year_matches_its_labels_days(sample_raw_dir: Path) -> None:
    daily = aggregate_year(LocalStore(sample_raw_dir), 2011)
    months = set(daily["flight_date"].dt.month().unique().to_list())
    assert months == set(range(1, 13)) - {7}  # July 2011 is missing, and stays missing
    assert daily["airport"].n_unique() > 250


def _error(tmp_path: Path, text: str, year: int = 2013) -> RawFileError:
    with pytest.raises(RawFileError) as caught:
        aggregate_year(_store(tmp_path, text), year)
    assert str(tmp_path / "2013.csv") in str(caught.value)
    return caught.value


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RawFileError, match="raw file does not exist"):
        aggregate_year(LocalStore(tmp_path), 2013)


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


def test_dates_outside_the_year(tmp_path: Path) -> None:
    other = GOOD.replace("2013-01-01", "2014-01-01")
    error = _error(tmp_path, f"{HEADER_LINE}\n{GOOD}\n{other}\n")
    assert (error.line, error.column) == (3, "FL_DATE")
    assert "outside the file's year 2013" in error.problem


def test_bad_airport_code(tmp_path: Path) -> None:
    other = GOOD.replace(",JFK,", ",J-K,")
    error = _error(tmp_path, f"{HEADER_LINE}\n{GOOD}\n{GOOD}\n{other}\n")
    assert (error.line, error.column) == (4, "ORIGIN")
