"""`flightdelays airflow cluster`: a real CeleryExecutor cluster with two workers, one killed.

The command runs as the user runs it, in a process of its own, against fresh metadata and
warehouse databases on the test PostgreSQL, a Redis (the one at 127.0.0.1:6379 on a database of
its own when it answers, else one the command starts) and moto's S3 as the lake; two hub-only
years keep each task's work to a second or two. While the runs go, the worker running a task is
killed with SIGKILL (its whole session: Celery, its pool, the task): the scheduler fails that
try after the heartbeat timeout and its retry runs on the other worker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from flightdelays.local.broker import answers
from flightdelays.local.cluster_report import workers_by_try
from flightdelays.local.processes import session_processes
from flightdelays.research.generate import write_year

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster")]

REPOSITORY = Path(__file__).resolve().parents[2]
SHARED_REDIS = "redis://127.0.0.1:6379"
YEARS = (2012, 2013)
RUN_TIMEOUT = 900  # seconds; a guard against a hung cluster, not a measure


@pytest.fixture
def metadata_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh database for Airflow's metadata; dropped after the test."""
    name = f"fd_airflow_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield psycopg.conninfo.make_conninfo(postgres_server_url, dbname=name)
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _upload_years(bucket: str, hub_raw_dir: Path, hubs: tuple[str, ...], scratch: Path) -> None:
    """The hub-only 2013 of the shared sample, and a hub-only 2012 made here."""
    import boto3

    write_year(scratch, 2012, scale=0.02, seed=7)
    header, *rows = (scratch / "2012.csv").read_text().splitlines(keepends=True)
    origin = header.split(",").index("ORIGIN")
    kept = [row for row in rows if row.split(",", origin + 1)[origin] in hubs]
    client = boto3.client("s3")
    client.put_object(Bucket=bucket, Key="raw/2012.csv", Body=(header + "".join(kept)).encode())
    year_2013 = (hub_raw_dir / "2013.csv").read_bytes()
    client.put_object(Bucket=bucket, Key="raw/2013.csv", Body=year_2013)


def _running_task(metadata: str) -> tuple[str, str, int] | None:
    with psycopg.connect(metadata) as conn:
        row = conn.execute(
            "SELECT run_id, task_id, try_number FROM task_instance WHERE state = 'running'"
            " ORDER BY start_date LIMIT 1"
        ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]), int(row[2]))


def _kill_a_busy_worker(
    command: subprocess.Popen[bytes], root: Path, metadata: str
) -> tuple[str, tuple[str, str, int]]:
    """Once both workers have taken work, SIGKILL the session of the one running a task."""
    logs = {name: root / "logs" / f"{name}.log" for name in ("worker1", "worker2")}
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline and command.poll() is None:
        taken = workers_by_try(logs)  # the metadata tables exist once a worker took work
        running = _running_task(metadata) if set(taken.values()) == set(logs) else None
        if running in taken:
            victim = taken[running]
            pid = json.loads((root / "processes.json").read_text())[victim]["pid"]
            for process in session_processes(pid):
                os.kill(process, signal.SIGKILL)
            return victim, running
        time.sleep(0.5)
    pytest.fail("no moment came when both workers had work and one was running a task")


def _table(database_url: str) -> dict[int, tuple[int, int]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT year, count(*), count(DISTINCT (airport, flight_date))"
            " FROM daily_airport_delays GROUP BY year ORDER BY year"
        ).fetchall()
    return {int(year): (int(total), int(keys)) for year, total, keys in rows}


def test_two_workers_share_the_runs_and_a_killed_workers_task_is_retried_on_the_other(
    tmp_path: Path,
    metadata_url: str,
    database_url: str,
    s3_bucket: str,
    hub_raw_dir: Path,
    hub_airports: tuple[str, ...],
) -> None:
    import boto3

    _upload_years(s3_bucket, hub_raw_dir, hub_airports, tmp_path / "scratch")
    data = tmp_path / "data"
    environ = {
        **os.environ,
        "FLIGHTDELAYS_DATA_DIR": str(data),
        "FLIGHTDELAYS_RAW_URL": f"s3://{s3_bucket}/raw",
        "FLIGHTDELAYS_LAKE_URL": f"s3://{s3_bucket}/lake",
        "FLIGHTDELAYS_DATABASE_URL": database_url,
        "FLIGHTDELAYS_AIRFLOW_DATABASE_URL": metadata_url,
        "FLIGHTDELAYS_DAGS_FOLDER": str(REPOSITORY / "dags"),
        # A lost worker's task is failed after 15 s without a heartbeat, retried 2 s later.
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "15",
        "FLIGHTDELAYS_RETRY_DELAY_SECONDS": "2",
    }
    if answers(SHARED_REDIS):
        environ["FLIGHTDELAYS_REDIS_URL"] = f"{SHARED_REDIS}/{uuid.uuid4().int % 14 + 1}"
    else:
        environ.pop("FLIGHTDELAYS_REDIS_URL", None)
    stdout, stderr = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    command_line = [
        str(Path(sys.executable).parent / "flightdelays"),
        "airflow",
        "cluster",
        "--years",
        f"{YEARS[0]}-{YEARS[1]}",
        "--port",
        str(_free_port()),
    ]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        command = subprocess.Popen(command_line, env=environ, stdout=out, stderr=err)
        try:
            victim, killed = _kill_a_busy_worker(command, data / "cluster", metadata_url)
            status = command.wait(timeout=RUN_TIMEOUT)
        finally:
            if command.poll() is None:
                command.send_signal(signal.SIGINT)
                command.wait(timeout=120)
    printed, progress = stdout.read_text(), stderr.read_text()
    assert status == 0, progress[-3000:]

    assert f"runs:    {YEARS[0]} success, {YEARS[1]} success" in printed
    table = _table(database_url)
    assert sorted(table) == list(YEARS)
    for total, keys in table.values():
        assert total == keys > 0  # one copy of each (airport, day)
    listed = boto3.client("s3").list_objects_v2(Bucket=s3_bucket, Prefix="lake/charts/")
    charts = {item["Key"] for item in listed.get("Contents", []) if item["Key"].endswith(".png")}
    assert charts == {f"lake/charts/{y}/{airport}.png" for y in YEARS for airport in hub_airports}

    # Every try's log is in the lake, where the api-server reads it (remote logging).
    logged = boto3.client("s3").list_objects_v2(Bucket=s3_bucket, Prefix="lake/airflow-logs/")
    log_keys = [item["Key"] for item in logged.get("Contents", [])]
    for year in YEARS:
        assert any(f"run_id=backfill__{year}" in key and "task_id=check" in key for key in log_keys)

    root = data / "cluster"
    logs = {name: root / "logs" / f"{name}.log" for name in ("worker1", "worker2")}
    ran = workers_by_try(logs)
    assert set(ran.values()) == {"worker1", "worker2"}
    survivor = ({"worker1", "worker2"} - {victim}).pop()
    run_id, task_id, try_number = killed
    assert ran[(run_id, task_id, try_number + 1)] == survivor
    assert f"{victim} > {survivor}" in printed  # the summary's worker(s) of the killed task
    assert "outside" in printed

    # Nothing left running; the secrets are kept private and printed nowhere.
    for server in json.loads((root / "processes.json").read_text()).values():
        assert session_processes(server["pid"]) == []
    for secret in (root / "secrets").iterdir():
        assert secret.stat().st_mode & 0o777 == 0o600
        assert secret.read_text().strip() not in printed + progress


def _free_port() -> int:
    from flightdelays.local.broker import free_port

    return free_port()
