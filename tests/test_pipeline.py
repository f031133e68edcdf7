"""One year end to end, with raw and lake on local folders and on the S3 API server."""

import io
import json
import shutil
from pathlib import Path

import polars as pl
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.errors import RawFileError
from flightdelays.pipeline import run_year
from flightdelays.schema import HEADER_LINE, RAW_COLUMNS, TABLE_COLUMNS
from flightdelays.settings import Settings
from flightdelays.storage import open_store
from flightdelays.warehouse.postgres import connect


def _table(url: str, year: int) -> pl.DataFrame:
    with connect(url) as conn:
        rows = conn.execute(
            "SELECT airport, flight_date, flights, avg_dep_delay, is_anomaly"
            " FROM daily_airport_delays WHERE year = %s ORDER BY airport, flight_date",
            (year,),
        ).fetchall()
    return pl.DataFrame(
        rows,
        schema=["airport", "flight_date", "flights", "avg_dep_delay", "is_anomaly"],
        orient="row",
    )


def _assert_year_complete(settings: Settings, year: int, raw_path: Path) -> None:
    stores = Stores.from_settings(settings)
    table = _table(settings.resolved_database_url(), year)
    flights = pl.read_csv(raw_path, columns=["FL_DATE", "ORIGIN"])
    groups = flights.unique().height
    assert table.height == groups
    assert table["flights"].sum() == flights.height
    charts = stores.charts(year)
    assert len(charts) == flights["ORIGIN"].n_unique()
    assert charts[0] == f"charts/{year}/{flights['ORIGIN'].min()!s}.png"
    assert stores.lake.read_bytes(charts[0])[:8] == b"\x89PNG\r\n\x1a\n"
    exported = pl.read_csv(io.BytesIO(stores.read_bytes(catalog.export(year))))
    assert exported.columns == list(TABLE_COLUMNS)
    assert exported.height == groups


def _local_settings(tmp_path: Path, raw_dir: Path, database_url: str) -> Settings:
    """Raw files in `raw_dir`, the lake under `tmp_path`, the given database."""
    return Settings(
        raw_url=raw_dir.as_uri(),
        lake_url=(tmp_path / "lake").as_uri(),
        database_url=database_url,
        data_dir=tmp_path,
    )


def test_local_run_twice_is_identical(
    tmp_path: Path, sample_raw_dir: Path, database_url: str
) -> None:
    settings = _local_settings(tmp_path, sample_raw_dir, database_url)
    summary = run_year(settings, 2013)
    assert summary.figures["rows"] == summary.figures["airport_days"]
    _assert_year_complete(settings, 2013, sample_raw_dir / "2013.csv")
    before = _table(database_url, 2013)
    run_year(settings, 2013)
    assert _table(database_url, 2013).equals(before)


def test_rerun_removes_stale_charts(
    tmp_path: Path, sample_raw_dir: Path, database_url: str
) -> None:
    settings = _local_settings(tmp_path, sample_raw_dir, database_url)
    stale = tmp_path / "lake" / "charts" / "2011" / "ZZZ.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    summary = run_year(settings, 2011)
    assert not stale.exists()
    assert summary.figures["stale_removed"] == 1


@pytest.mark.slow
def test_run_with_raw_and_lake_on_s3(
    s3_bucket: str, sample_raw_dir: Path, database_url: str, tmp_path: Path
) -> None:
    raw = open_store(f"s3://{s3_bucket}/raw")
    raw.write_bytes("2011.csv", (sample_raw_dir / "2011.csv").read_bytes(), "text/csv")
    settings = Settings(
        raw_url=f"s3://{s3_bucket}/raw",
        lake_url=f"s3://{s3_bucket}/lake",
        database_url=database_url,
        data_dir=tmp_path,
    )
    run_year(settings, 2011)
    _assert_year_complete(settings, 2011, sample_raw_dir / "2011.csv")
    assert not (tmp_path / "lake").exists()


def test_embedded_database_is_used_without_a_url(tmp_path: Path, sample_raw_dir: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(sample_raw_dir / "2013.csv", raw / "2013.csv")
    settings = Settings.from_env({"FLIGHTDELAYS_DATA_DIR": str(tmp_path)})
    assert settings.database_url is None
    for _ in range(2):  # as `flightdelays run --years` does: the second after the server is up
        run_year(settings, 2013, many_years=True)
    assert (tmp_path / "postgres" / "PG_VERSION").exists()
    assert _table(settings.resolved_database_url(), 2013).height > 0
    # Every process on pgserver's list of the server's users is alive: one that ended without
    # taking itself off (the aggregate's child) would keep the server running after the run.
    users = json.loads((tmp_path / "postgres" / ".handle_pids.json").read_text())
    assert users
    assert all(psutil.pid_exists(pid) for pid in users)


def _lake_objects(lake: Path) -> dict[str, bytes]:
    return {
        path.relative_to(lake).as_posix(): path.read_bytes()
        for path in sorted(lake.rglob("*"))
        if path.is_file()
    }


_CORRUPTIONS = {
    "delay 1e308": ("DEP_DELAY", "1e308"),
    "delay NaN": ("DEP_DELAY", "NaN"),
    "origin in Latin-1": ("ORIGIN", "J\xc9K"),
    "carrier lower-case": ("OP_CARRIER", "aa"),
}
"""A value no rule accepts, put in a column of a line."""
_YEAR_LINES = [
    f"2013-01-{day:02d},AA,{day},{origin},LAX,900,905.0,5.0,,,,,1200,,,0.0,,0.0,360.0,,,2475.0,,,,,,"
    for day in range(1, 29)
    for origin in ("JFK", "LGA")
]


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    corruption=st.sampled_from(sorted(_CORRUPTIONS)) | st.just("line twice"),
    line=st.integers(0, len(_YEAR_LINES) - 1),
)
def test_rejected_file_changes_neither_table_nor_lake(
    tmp_path: Path, database_url: str, corruption: str, line: int
) -> None:
    """A year loaded, then its raw file corrupted: the run fails with RawFileError and the
    year's rows and every lake object are as they were."""
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    settings_ = _local_settings(tmp_path, raw, database_url)
    if not (tmp_path / "lake").exists():
        (raw / "2013.csv").write_text("\n".join([HEADER_LINE, *_YEAR_LINES]) + "\n")
        run_year(settings_, 2013)
    table, lake = _table(database_url, 2013), _lake_objects(tmp_path / "lake")
    assert table.height == len(_YEAR_LINES)
    lines = list(_YEAR_LINES)
    if corruption == "line twice":
        lines.insert(line, lines[line])
    else:
        column, value = _CORRUPTIONS[corruption]
        fields = lines[line].split(",")
        fields[RAW_COLUMNS.index(column)] = value
        lines[line] = ",".join(fields)
    (raw / "2013.csv").write_bytes(("\n".join([HEADER_LINE, *lines]) + "\n").encode("latin-1"))
    with pytest.raises(RawFileError) as caught:
        run_year(settings_, 2013)
    assert caught.value.line is not None
    assert _table(database_url, 2013).equals(table)
    assert _lake_objects(tmp_path / "lake") == lake


def test_with_many_years_in_one_process_the_aggregate_runs_apart_with_the_same_result(
    tmp_path: Path, database_url: str
) -> None:
    """`flightdelays run --years` and the in-process Airflow backfill run the aggregate in a
    child process (its peak memory goes back when it ends): same rows, and a bad line's error
    comes back whole, with its line and column."""
    raw = tmp_path / "raw"
    raw.mkdir()
    settings_ = _local_settings(tmp_path, raw, database_url)
    (raw / "2013.csv").write_text("\n".join([HEADER_LINE, *_YEAR_LINES]) + "\n")
    run_year(settings_, 2013)
    table = _table(database_url, 2013)
    run_year(settings_, 2013, many_years=True)
    assert _table(database_url, 2013).equals(table)
    fields = _YEAR_LINES[3].split(",")
    fields[RAW_COLUMNS.index("DEP_DELAY")] = "NaN"
    lines = [*_YEAR_LINES[:3], ",".join(fields), *_YEAR_LINES[4:]]
    (raw / "2013.csv").write_text("\n".join([HEADER_LINE, *lines]) + "\n")
    with pytest.raises(RawFileError) as caught:
        run_year(settings_, 2013, many_years=True)
    assert (caught.value.line, caught.value.column) == (5, "DEP_DELAY")
    assert str(caught.value).startswith(f"{raw / '2013.csv'}, line 5, column DEP_DELAY: ")
