"""Real runs of the DAG (`dag.test`) against PostgreSQL and an S3 API, through Airflow connections.

The raw years are the shared sample cut down to a few hub airports (`hub_raw_dir`), so that a run
costs seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from flightdelays.local.airflow import LocalAirflow, YearRun, run_dag_year
from flightdelays.pipeline import STEPS

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow.sdk import DAG
    from mypy_boto3_s3 import S3Client

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("airflow"),
    # dag.test() calls its in-process API with starlette's test client, which warns about httpx.
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
]

AWS_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


@pytest.fixture
def run_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> pytest.MonkeyPatch:
    """The warehouse as the `flightdelays_postgres` connection."""
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    connection = {
        "conn_type": "postgres",
        "host": info.get("host"),
        "port": int(str(info["port"])) if info.get("port") else None,
        "login": info.get("user"),
        "password": info.get("password"),
        "schema": info.get("dbname"),
    }
    monkeypatch.setenv("AIRFLOW_CONN_FLIGHTDELAYS_POSTGRES", json.dumps(connection))
    return monkeypatch


def _table(database_url: str, year: int) -> tuple[int, int, str]:
    """Rows, distinct (airport, day) keys and a digest of every value of the year's rows."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*), count(DISTINCT (airport, flight_date)),"
            " md5(string_agg(t::text, '|' ORDER BY airport, flight_date))"
            " FROM daily_airport_delays t WHERE year = %s",
            (year,),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), str(row[2])


def _s3_charts(client: S3Client, bucket: str, year: int) -> dict[str, str]:
    listed = client.list_objects_v2(Bucket=bucket, Prefix=f"lake/charts/{year}/")
    return {item["Key"]: item["ETag"] for item in listed.get("Contents", [])}


def _files(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _tries(run: YearRun) -> dict[str, int]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows: Any = session.execute(
            select(TaskInstance.task_id, TaskInstance.try_number).where(
                TaskInstance.run_id == run.run_id
            )
        )
        return {str(task_id): int(tries) for task_id, tries in rows}


def _s3_year(
    run_env: pytest.MonkeyPatch, endpoint: str, bucket: str, raw: Path, secret: str = "testing"
) -> S3Client:
    """`raw` as the bucket's raw 2013 file; S3 reached only through the Airflow connection (the
    process's own AWS variables are gone), with `secret` as its secret key."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.put_object(Bucket=bucket, Key="raw/2013.csv", Body=raw.read_bytes())
    connection = {
        "conn_type": "aws",
        "login": "testing",
        "password": secret,
        "extra": {"endpoint_url": endpoint, "region_name": "us-east-1"},
    }
    run_env.setenv("AIRFLOW_CONN_FLIGHTDELAYS_AWS", json.dumps(connection))
    for key in AWS_VARIABLES:
        run_env.delenv(key, raising=False)
    run_env.setenv("AIRFLOW_VAR_FLIGHTDELAYS_RAW_URL", f"s3://{bucket}/raw")
    run_env.setenv("AIRFLOW_VAR_FLIGHTDELAYS_LAKE_URL", f"s3://{bucket}/lake")
    return client


def test_a_run_fills_the_table_and_the_charts_and_a_rerun_leaves_them_identical(
    flight_dag: DAG,
    hub_raw_dir: Path,
    hub_airports: tuple[str, ...],
    s3_endpoint: str,
    s3_bucket: str,
    database_url: str,
    run_env: pytest.MonkeyPatch,
) -> None:
    client = _s3_year(run_env, s3_endpoint, s3_bucket, hub_raw_dir / "2013.csv")

    first = run_dag_year(flight_dag, 2013)

    assert first.state == "success", first.task_states
    assert set(first.task_states.values()) == {"success"}
    rows, keys, digest = _table(database_url, 2013)
    figures = first.summary.figures
    assert rows == keys == figures["airport_days"] == figures["rows"] == figures["exported"]
    assert figures["airports"] == figures["charts"] == len(hub_airports)
    assert first.task_states["charts"] == "success"  # every shard's task
    charts = _s3_charts(client, s3_bucket, 2013)
    pngs = sorted(key for key in charts if key.endswith(".png"))
    assert pngs == sorted(f"lake/charts/2013/{airport}.png" for airport in hub_airports)
    assert set(first.summary.seconds) == {step.name for step in STEPS}

    # A chart no longer in the year (say an airport dropped from the source) must go.
    client.put_object(Bucket=s3_bucket, Key="lake/charts/2013/ZZZ.png", Body=b"stale")
    second = run_dag_year(flight_dag, 2013)

    assert second.state == "success", second.task_states
    assert second.run_id == first.run_id
    assert _table(database_url, 2013) == (rows, keys, digest)
    assert _s3_charts(client, s3_bucket, 2013) == charts
    assert second.summary.figures["stale_removed"] == 1


def test_a_bad_raw_file_fails_the_run_at_once_and_keeps_the_years_data(
    flight_dag: DAG,
    hub_raw_dir: Path,
    database_url: str,
    run_env: pytest.MonkeyPatch,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    raw, lake = tmp_path / "raw", tmp_path / "lake"
    raw.mkdir()
    (raw / "2011.csv").write_bytes((hub_raw_dir / "2011.csv").read_bytes())
    run_env.setenv("FLIGHTDELAYS_RAW_URL", raw.as_uri())
    run_env.setenv("FLIGHTDELAYS_LAKE_URL", lake.as_uri())
    run_env.delenv("AIRFLOW_CONN_FLIGHTDELAYS_AWS", raising=False)
    assert run_dag_year(flight_dag, 2011).state == "success"
    table, files = _table(database_url, 2011), _files(lake)

    lines = (raw / "2011.csv").read_text().splitlines(keepends=True)
    delay = lines[0].split(",").index("DEP_DELAY")
    fields = lines[3].split(",")
    fields[delay] = "late"
    lines[3] = ",".join(fields)
    (raw / "2011.csv").write_text("".join(lines))
    capfd.readouterr()

    failed = run_dag_year(flight_dag, 2011)

    assert failed.state == "failed"
    assert failed.task_states == {
        "extract_and_aggregate": "failed",
        **dict.fromkeys(
            [task_id for step in STEPS[1:] for task_id in step.task_ids], "upstream_failed"
        ),
    }
    assert _tries(failed)["extract_and_aggregate"] == 1  # bad input is not retried
    captured = capfd.readouterr()
    log = captured.out + captured.err
    assert "RawFileError" in log
    assert f"{raw / '2011.csv'}, line 4, column DEP_DELAY" in log
    assert _table(database_url, 2011) == table
    assert _files(lake) == files


def test_the_connections_secrets_reach_no_log_xcom_or_lake_object(
    flight_dag: DAG,
    airflow_db: LocalAirflow,
    hub_raw_dir: Path,
    s3_endpoint: str,
    s3_bucket: str,
    run_env: pytest.MonkeyPatch,
    find_secrets: Callable[..., list[str]],
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    secrets = ["sentinel-aws-secret-Sk9q", "sentinel-db-password-Pw7x"]
    client = _s3_year(run_env, s3_endpoint, s3_bucket, hub_raw_dir / "2013.csv", secrets[0])
    postgres = json.loads(os.environ["AIRFLOW_CONN_FLIGHTDELAYS_POSTGRES"])
    run_env.setenv(  # the test server trusts local connections: the password is not checked
        "AIRFLOW_CONN_FLIGHTDELAYS_POSTGRES", json.dumps({**postgres, "password": secrets[1]})
    )
    capfd.readouterr()

    run = run_dag_year(flight_dag, 2013)

    assert run.state == "success", run.task_states
    captured = capfd.readouterr()
    lake = {
        item["Key"]: client.get_object(Bucket=s3_bucket, Key=item["Key"])["Body"].read()
        for item in client.list_objects_v2(Bucket=s3_bucket).get("Contents", [])
    }
    assert any(key.endswith(".png") for key in lake)
    # dag.test() runs the tasks in this process: their logs are its log records; Airflow's
    # home holds the metadata database (XComs, rendered fields) and any log file.
    files = [path for path in airflow_db.home.rglob("*") if path.is_file()]
    assert "step load for 2013" in caplog.text, "the task logs were not seen"
    assert any(path.name == "airflow.db" for path in files)
    texts = {
        "output": captured.out + captured.err,
        "log records": caplog.text,
        **{key: body.decode("utf-8", "replace") for key, body in lake.items()},
    }
    assert find_secrets(secrets, files=files, texts=texts) == []
