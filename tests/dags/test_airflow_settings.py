"""Airflow connections and Variables turned into the package's `Settings`."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from psycopg.conninfo import conninfo_to_dict

from flightdelays.airflow_settings import (
    CHART_SHARDS,
    IN_PROCESS_TASKS,
    chart_shard_kwargs,
    postgres_url,
    resolve,
    s3_options,
    year_of_run,
)
from flightdelays.errors import ConfigError
from flightdelays.local.airflow import LocalAirflow, tasks_in_this_process
from flightdelays.settings import Settings
from flightdelays.storage import S3Options

if TYPE_CHECKING:
    from airflow.sdk import Connection

pytestmark = pytest.mark.usefixtures("airflow_home")

ENVIRON = {"FLIGHTDELAYS_DATA_DIR": "/srv/fd"}


def _connection(conn_id: str, **fields: object) -> Connection:
    from airflow.sdk import Connection

    return Connection(conn_id=conn_id, **fields)  # type: ignore[arg-type]


def _no_aws(conn: Connection) -> S3Options:
    raise AssertionError(f"connection {conn.conn_id} should not be read")


@pytest.mark.parametrize(
    ("requested", "logical", "year"),
    [
        (None, dt.datetime(2009, 1, 1, tzinfo=dt.UTC), 2009),
        (2013, dt.datetime(2009, 1, 1, tzinfo=dt.UTC), 2013),
        ("2011", None, 2011),
    ],
)
def test_year_is_the_param_else_the_logical_dates(
    requested: object, logical: dt.datetime | None, year: int
) -> None:
    assert year_of_run(requested, logical) == year


@pytest.mark.parametrize(
    ("requested", "problem"), [(None, "needs the `year` param"), ("x", "is not a year")]
)
def test_a_run_without_a_usable_year_is_a_config_error(requested: object, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        year_of_run(requested, None)


def test_postgres_connection_becomes_a_libpq_url_with_its_ssl_options() -> None:
    conn = _connection(
        "flightdelays_postgres",
        conn_type="postgres",
        host="db.internal",
        port=5432,
        login="loader",
        password="p@ss word'",
        schema="flightdelays",
        extra=json.dumps({"sslmode": "require", "cursor": "named"}),
    )
    assert conninfo_to_dict(postgres_url(conn)) == {
        "host": "db.internal",
        "port": "5432",
        "user": "loader",
        "password": "p@ss word'",
        "dbname": "flightdelays",
        "sslmode": "require",
    }


def test_without_variables_or_connections_the_package_defaults_apply() -> None:
    task = resolve(lambda _key: None, lambda _id: None, ENVIRON, aws_options=_no_aws)
    assert task.settings == Settings.from_env(ENVIRON)
    assert task.settings.s3 is None
    assert task.sources["warehouse"] == "embedded PostgreSQL"


def test_variables_beat_the_environment_and_connections_fill_the_rest() -> None:
    variables = {
        "flightdelays_raw_url": "s3://raw-bucket/raw",
        "flightdelays_postgres_conn_id": "warehouse",
    }
    environ = {
        **ENVIRON,
        "FLIGHTDELAYS_RAW_URL": "s3://ignored/raw",
        "FLIGHTDELAYS_LAKE_URL": "s3://lake-bucket/lake",
        "FLIGHTDELAYS_AWS_CONN_ID": "storage",
    }
    connections = {
        "warehouse": _connection("warehouse", conn_type="postgres", host="db", schema="fd"),
        "storage": _connection("storage", conn_type="aws"),
    }
    task = resolve(
        variables.get,
        connections.get,
        environ,
        aws_options=lambda conn: S3Options(endpoint_url=f"http://{conn.conn_id}:9000"),
    )
    assert task.settings.raw_url == "s3://raw-bucket/raw"
    assert task.settings.lake_url == "s3://lake-bucket/lake"
    assert conninfo_to_dict(task.settings.database_url or "") == {"host": "db", "dbname": "fd"}
    assert task.settings.s3 == S3Options(endpoint_url="http://storage:9000")
    assert task.sources["s3"] == "connection storage"


def test_aws_connection_with_keys_becomes_explicit_s3_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.sdk import Connection

    monkeypatch.setenv(
        "AIRFLOW_CONN_TEST_S3",
        json.dumps(
            {
                "conn_type": "aws",
                "login": "AKIDEXAMPLE",
                "password": "secret-example",
                "extra": {"endpoint_url": "http://127.0.0.1:9000", "region_name": "eu-west-1"},
            }
        ),
    )
    before = dict(os.environ)
    options = s3_options(Connection.get("test_s3"))
    assert options == S3Options(
        access_key_id="AKIDEXAMPLE",
        secret_access_key="secret-example",
        region="eu-west-1",
        endpoint_url="http://127.0.0.1:9000",
    )
    assert "secret-example" not in repr(options)
    assert dict(os.environ) == before  # nothing is passed through the environment


def test_aws_connection_without_keys_asks_the_amazon_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.sdk import Connection

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMCHAIN")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "chain-secret")
    monkeypatch.setenv(
        "AIRFLOW_CONN_TEST_CHAIN",
        json.dumps({"conn_type": "aws", "extra": {"region_name": "eu-central-1"}}),
    )
    options = s3_options(Connection.get("test_chain"))
    assert options.access_key_id == "AKIDFROMCHAIN"
    assert options.secret_access_key == "chain-secret"
    assert options.region == "eu-central-1"


def test_local_airflow_lives_under_the_data_folder(tmp_path: Path) -> None:
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "flight_delays.py").touch()
    settings = Settings.from_env({"FLIGHTDELAYS_DATA_DIR": str(tmp_path / ".data")})
    local = LocalAirflow.for_settings(settings, tmp_path / "dags")
    environ = local.environ()
    assert environ["AIRFLOW_HOME"] == str(tmp_path / ".data" / "airflow")
    assert environ["AIRFLOW__CORE__DAGS_FOLDER"] == str(tmp_path / "dags")
    assert environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("sqlite:///")
    assert int(environ["AIRFLOW__CORE__PARALLELISM"]) <= 2
    with pytest.raises(ConfigError, match="does not exist"):
        LocalAirflow.for_settings(settings, tmp_path)


def test_chart_shards_come_from_the_variable_else_the_environment_else_four() -> None:
    def no_variable(_key: str) -> str | None:
        return None

    assert chart_shard_kwargs(no_variable, {}) == [{"shard": i, "shards": 4} for i in range(4)]
    env = {"FLIGHTDELAYS_CHART_SHARDS": "2"}
    assert chart_shard_kwargs(no_variable, env) == [
        {"shard": 0, "shards": 2},
        {"shard": 1, "shards": 2},
    ]
    variables = {"flightdelays_chart_shards": "1"}
    assert chart_shard_kwargs(variables.get, env) == [{"shard": 0, "shards": 1}]
    with pytest.raises(ConfigError, match="FLIGHTDELAYS_CHART_SHARDS='0'"):
        chart_shard_kwargs(no_variable, {"FLIGHTDELAYS_CHART_SHARDS": "0"})


def test_tasks_in_the_commands_process_draw_a_years_charts_in_one_task_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`flightdelays airflow backfill` runs tasks in its own process, one at a time: one chart
    task with the process's workers, unless shards are set; nothing stays set after."""

    def no_variable(_key: str) -> str | None:
        return None

    monkeypatch.delenv(CHART_SHARDS, raising=False)
    monkeypatch.delenv(IN_PROCESS_TASKS, raising=False)
    with tasks_in_this_process():
        assert chart_shard_kwargs(no_variable) == [{"shard": 0, "shards": 1}]
        assert os.environ[IN_PROCESS_TASKS] == "1"
    assert IN_PROCESS_TASKS not in os.environ
    assert CHART_SHARDS not in os.environ
    monkeypatch.setenv(CHART_SHARDS, "3")
    with tasks_in_this_process():
        assert len(chart_shard_kwargs(no_variable)) == 3
    assert os.environ[CHART_SHARDS] == "3"
