"""The DAG file: imports cleanly, wires the designed graph, schedules 2009-2018, parses cheaply."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from flightdelays.errors import FlightDelaysError, RawFileError
from flightdelays.local.airflow import DAG_ID, LocalAirflow
from flightdelays.pipeline import STEPS

if TYPE_CHECKING:
    from airflow.sdk import DAG

EDGES = {
    ("extract_and_aggregate", "detect"),
    ("detect", "chart_shards"),
    ("chart_shards", "charts"),
    ("charts", "chart_index"),
    ("detect", "load"),
    ("detect", "export"),
    ("chart_index", "check"),
    ("load", "check"),
    ("export", "check"),
}
HEAVY_MODULES = ("polars", "matplotlib", "psycopg", "boto3", "sklearn", "statsmodels", "pyarrow")


def _parse(folder: Path) -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(folder))


@pytest.fixture(scope="module")
def dag(airflow_home: LocalAirflow) -> DAG:
    bag = _parse(airflow_home.dags_folder)
    assert bag.import_errors == {}
    parsed: DAG = bag.dags[DAG_ID]
    return parsed


def test_dags_folder_imports_without_errors(airflow_home: LocalAirflow) -> None:
    bag = _parse(airflow_home.dags_folder)
    assert bag.import_errors == {}
    assert set(bag.dags) == {DAG_ID}


def test_task_graph_is_extract_detect_then_charts_load_export_then_check(dag: DAG) -> None:
    edges = {(task.task_id, down) for task in dag.tasks for down in task.downstream_task_ids}
    assert edges == EDGES
    assert set(dag.task_ids) == {task_id for step in STEPS for task_id in step.task_ids}


def test_charts_are_one_mapped_task_per_shard(dag: DAG) -> None:
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    assert isinstance(dag.get_task("charts"), MappedOperator)
    assert not isinstance(dag.get_task("chart_index"), MappedOperator)


def test_catch_up_schedules_exactly_one_run_per_year_2009_to_2018(dag: DAG) -> None:
    from airflow.serialization.serialized_objects import DagSerialization

    scheduler_dag = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
    runs: list[Any] = []
    info = scheduler_dag.next_dagrun_info(last_automated_run_info=None)
    while info is not None and len(runs) < 20:
        runs.append(info)
        info = scheduler_dag.next_dagrun_info(last_automated_run_info=info)
    assert dag.catchup is True
    assert [run.logical_date for run in runs] == [
        dt.datetime(year, 1, 1, tzinfo=dt.UTC) for year in range(2009, 2019)
    ]
    assert [run.run_after for run in runs] == [run.logical_date for run in runs]
    assert dag.max_active_runs > 1


def test_manual_runs_take_an_optional_year_param(dag: DAG) -> None:
    from airflow.sdk import Param
    from airflow.sdk.exceptions import ParamValidationError

    params = dag.params
    assert params["year"] is None
    year: Param = params.get_param("year")
    assert year.resolve(2013) == 2013
    with pytest.raises(ParamValidationError, match="is not of type"):
        year.resolve("2013x")
    with pytest.raises(ParamValidationError, match="less than the minimum"):
        year.resolve(13)


def test_tasks_have_docs_retries_with_back_off_and_timeouts(dag: DAG) -> None:
    assert dag.doc_md
    assert {"flightdelays", "yearly"} <= set(dag.tags)
    for task in dag.tasks:
        assert task.doc_md, task.task_id
        assert task.owner == "flightdelays"
        assert (task.retries or 0) >= 2
        assert task.retry_exponential_backoff
        assert task.execution_timeout is not None
        assert task.execution_timeout <= dt.timedelta(hours=1)


def test_bad_input_fails_at_once_while_other_errors_are_retried(dag: DAG) -> None:
    from airflow.sdk import RetryAction

    policy = dag.tasks[0].retry_policy
    assert policy is not None
    bad_file = RawFileError("s3://raw/2013.csv", "value is not a number", line=4)
    assert policy.evaluate(bad_file, try_number=1, max_tries=4).action == RetryAction.FAIL
    failed_check = FlightDelaysError("check of 2013 failed")
    assert policy.evaluate(failed_check, try_number=1, max_tries=4).action == RetryAction.FAIL
    outage = ConnectionError("connection refused")
    assert policy.evaluate(outage, try_number=1, max_tries=4).action == RetryAction.DEFAULT


def _forbid(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("parsing the DAG file must not look up connections, Variables or hosts")


@pytest.fixture
def no_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connection and Variable lookups, sockets and database connections raise."""
    import socket

    import psycopg
    from airflow.models.connection import Connection as CoreConnection
    from airflow.models.variable import Variable as CoreVariable
    from airflow.sdk import BaseHook, Connection, Variable

    for owner, name in (
        (Connection, "get"),
        (BaseHook, "get_connection"),
        (Variable, "get"),
        (CoreConnection, "get_connection_from_secrets"),
        (CoreVariable, "get"),
    ):
        monkeypatch.setattr(owner, name, _forbid)
    monkeypatch.setattr(socket.socket, "connect", _forbid)
    monkeypatch.setattr(psycopg, "connect", _forbid)


@pytest.mark.usefixtures("no_lookups")
def test_parsing_touches_no_connection_variable_or_network(airflow_home: LocalAirflow) -> None:
    bag = _parse(airflow_home.dags_folder)
    assert bag.import_errors == {}
    assert DAG_ID in bag.dags


@pytest.mark.usefixtures("no_lookups")
def test_the_lookup_guard_catches_a_dag_file_that_looks_up_a_connection(tmp_path: Path) -> None:
    (tmp_path / "looks_up.py").write_text(
        "from airflow.sdk import BaseHook, dag\n"
        "BaseHook.get_connection('flightdelays_postgres')\n"
        "@dag(schedule=None)\n"
        "def looks_up() -> None: ...\n"
        "looks_up()\n"
    )
    bag = _parse(tmp_path)
    assert "must not look up connections" in str(bag.import_errors)


@pytest.mark.slow
def test_parsing_imports_none_of_the_heavy_libraries(airflow_home: LocalAirflow) -> None:
    script = (
        "import sys\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(airflow_home.dags_folder)!r})\n"
        "assert bag.import_errors == {}, bag.import_errors\n"
        f"print('heavy:', *(m for m in {HEAVY_MODULES!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    heavy = [line for line in done.stdout.splitlines() if line.startswith("heavy:")]
    assert heavy == ["heavy:"], done.stdout
