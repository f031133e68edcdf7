"""Airflow connections and Variables turned into the package's `Settings`."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from psycopg.conninfo import conninfo_to_dict

from flightdelays.airflow_local import LocalAirflow
from flightdelays.airflow_settings import (
    aws_environment,
    environment,
    postgres_url,
    resolve,
    year_of_run,
)
from flightdelays.errors import ConfigError
from flightdelays.settings import Settings

if TYPE_CHECKING:
    from airflow.sdk import Connection

pytestmark = pytest.mark.usefixtures("airflow_home")

ENVIRON = {"FLIGHTDELAYS_DATA_DIR": "/srv/fd"}


def _connection(conn_id: str, **fields: object) -> Connection:
    from airflow.sdk import Connection

    return Connection(conn_id=conn_id, **fields)  # type: ignore[arg-type]


def _no_aws(conn_id: str) -> dict[str, str | None]:
    raise AssertionError(f"connection {conn_id} should not be read")


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
    task = resolve(lambda _key: None, lambda _id: None, ENVIRON, aws_environ=_no_aws)
    assert task.settings == Settings.from_env(ENVIRON)
    assert task.aws_environ == {}
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
        aws_environ=lambda conn_id: {"AWS_ENDPOINT_URL": f"http://{conn_id}:9000"},
    )
    assert task.settings.raw_url == "s3://raw-bucket/raw"
    assert task.settings.lake_url == "s3://lake-bucket/lake"
    assert conninfo_to_dict(task.settings.database_url or "") == {"host": "db", "dbname": "fd"}
    assert task.aws_environ == {"AWS_ENDPOINT_URL": "http://storage:9000"}
    assert task.sources["s3"] == "connection storage"


def test_aws_connection_becomes_the_standard_aws_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
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
    assert aws_environment("test_s3") == {
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret-example",
        "AWS_SESSION_TOKEN": None,
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
    }


def test_environment_sets_and_removes_variables_then_restores_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FD_TEST_KEEP", "before")
    monkeypatch.delenv("FD_TEST_NEW", raising=False)
    with environment({"FD_TEST_KEEP": None, "FD_TEST_NEW": "during"}):
        assert "FD_TEST_KEEP" not in os.environ
        assert os.environ["FD_TEST_NEW"] == "during"
    assert os.environ["FD_TEST_KEEP"] == "before"
    assert "FD_TEST_NEW" not in os.environ


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
