"""The command line: exit codes, messages, and no change anywhere when the input is bad."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from flightdelays.cli import main, parse_years
from flightdelays.errors import ConfigError
from flightdelays.warehouse.postgres import connect


def _snapshot(lake: Path, database_url: str) -> tuple[dict[str, bytes], list[tuple[object, ...]]]:
    files = {str(p.relative_to(lake)): p.read_bytes() for p in lake.rglob("*") if p.is_file()}
    with connect(database_url) as conn:
        rows = conn.execute(
            "SELECT * FROM daily_airport_delays ORDER BY airport, flight_date"
        ).fetchall()
    return files, rows


def test_parse_years() -> None:
    assert parse_years("2013") == [2013]
    assert parse_years("2009-2011") == [2009, 2010, 2011]
    assert parse_years("2009,2011") == [2009, 2011]
    with pytest.raises(ConfigError):
        parse_years("twenty")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text.replace("DEP_DELAY", "DELAY", 1), "line 1, column 8"),
        (lambda text: text[: len(text) // 2], "truncated"),
        (lambda text: "", "file is empty"),
        (lambda text: text.replace(",0.0,,0.0,", ",0.0,,zero,", 1), "column DIVERTED"),
    ],
)
def test_bad_file_changes_nothing(
    tmp_path: Path,
    sample_raw_dir: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    damage: object,
    message: str,
) -> None:
    raw, lake = tmp_path / "raw", tmp_path / "lake"
    raw.mkdir()
    good = (sample_raw_dir / "2013.csv").read_text()
    (raw / "2013.csv").write_text(good)
    flags = ["--raw-url", raw.as_uri(), "--lake-url", lake.as_uri(), "--database-url", database_url]
    assert main(["run", "--year", "2013", *flags]) == 0
    before = _snapshot(lake, database_url)
    capsys.readouterr()

    (raw / "2013.csv").write_text(damage(good))  # type: ignore[operator]
    assert main(["run", "--year", "2013", *flags]) == 2
    error = capsys.readouterr().err
    assert f"error: {raw / '2013.csv'}" in error
    assert message in error
    assert _snapshot(lake, database_url) == before


def test_missing_raw_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "run",
            "--year",
            "2015",
            "--raw-url",
            tmp_path.as_uri(),
            "--lake-url",
            (tmp_path / "lake").as_uri(),
            "--database-url",
            "postgresql://x@127.0.0.1:1/x",
        ]
    )
    assert code == 2
    assert "2015.csv: raw file does not exist" in capsys.readouterr().err
    assert not (tmp_path / "lake").exists()


def test_db_url_hold_serves_the_embedded_database_until_interrupted(tmp_path: Path) -> None:
    environ = {
        key: value for key, value in os.environ.items() if not key.startswith("FLIGHTDELAYS_")
    }
    environ["FLIGHTDELAYS_DATA_DIR"] = str(tmp_path)
    command = [sys.executable, "-m", "flightdelays.cli", "db-url", "--hold"]
    with subprocess.Popen(
        command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as held:
        assert held.stdout is not None
        url = held.stdout.readline().strip()
        time.sleep(1.0)  # the command has printed; it must not have stopped the server
        with connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("flightdelays",)
        held.send_signal(signal.SIGINT)
        assert held.wait(timeout=60) == 0
        assert held.stderr is not None
        assert "Ctrl-C" in held.stderr.read()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=3).close()


def _run(*args: str, environ: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: a process, its exit status and its output."""
    command = [sys.executable, "-m", "flightdelays.cli", *args]
    env = {**os.environ, **(environ or {})}
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert "Traceback" not in done.stderr
    assert len(errors) == 1, done.stderr
    return errors[0]


def test_a_bad_setting_names_the_variable(tmp_path: Path) -> None:
    done = _run(
        "run",
        "--year",
        "2013",
        environ={"FLIGHTDELAYS_CHART_WORKERS": "abc", "FLIGHTDELAYS_DATA_DIR": str(tmp_path)},
    )
    assert done.returncode == 2
    assert "FLIGHTDELAYS_CHART_WORKERS='abc'" in _one_error_line(done)


def test_a_lake_that_is_a_file_is_named(
    tmp_path: Path, sample_raw_dir: Path, database_url: str
) -> None:
    lake = tmp_path / "lake"
    lake.write_text("not a folder")
    done = _run(
        "run",
        "--year",
        "2013",
        "--raw-url",
        sample_raw_dir.as_uri(),
        "--lake-url",
        lake.as_uri(),
        "--database-url",
        database_url,
    )
    assert done.returncode == 2
    assert f"{lake.as_uri()} is a file, not a folder" in _one_error_line(done)


def test_a_database_that_is_down_fails_before_the_lake_is_touched(
    tmp_path: Path, sample_raw_dir: Path
) -> None:
    lake = tmp_path / "lake"
    down = "postgresql://etl:sentinel-pw@127.0.0.1:9/flightdelays"
    done = _run(
        "run",
        "--year",
        "2013",
        "--raw-url",
        sample_raw_dir.as_uri(),
        "--lake-url",
        lake.as_uri(),
        "--database-url",
        down,
    )
    line = _one_error_line(done)
    assert done.returncode == 3
    assert "database flightdelays on 127.0.0.1:9 as etl" in line
    assert "attempts" in line
    assert "sentinel-pw" not in done.stderr + done.stdout
    assert [path.name for path in lake.rglob("*") if path.is_file()] == []


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    done = _run(
        "--debug",
        "run",
        "--year",
        "2013",
        environ={"FLIGHTDELAYS_CHART_WORKERS": "0", "FLIGHTDELAYS_DATA_DIR": str(tmp_path)},
    )
    assert done.returncode == 2  # the same status as without --debug
    assert "Traceback" in done.stderr
    assert "ConfigError" in done.stderr
    assert done.stderr.splitlines()[-1].startswith("error: ")


def test_db_url_masks_the_password_unless_asked() -> None:
    url = "postgresql://etl:sentinel-pw@db.example:5432/flightdelays"
    shown = _run("db-url", "--database-url", url)
    assert shown.returncode == 0
    assert shown.stdout.strip() == "postgresql://etl:***@db.example:5432/flightdelays"
    revealed = _run("db-url", "--show-password", "--database-url", url)
    assert revealed.stdout.strip() == url
