"""The cluster's small parts: secrets, URLs, years, the workers' logs read, sessions stopped."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from flightdelays.errors import ConfigError
from flightdelays.local.cluster import contiguous
from flightdelays.local.cluster_env import ClusterPlan, shared_environ, sqlalchemy_url
from flightdelays.local.cluster_report import TaskCost, cost_table, workloads_taken
from flightdelays.local.keys import airflow_secrets, kept_secret
from flightdelays.local.processes import session_processes, stop_sessions
from flightdelays.settings import Settings

WORKLOAD = (
    "2026-12-02T01:00:15Z [info     ] [2caf1dd5] Executing workload in Celery: dag_rel_path="
    "PurePosixPath('flight_delays.py') log_path='dag_id=flight_delays/run_id=backfill__2012/"
    "task_id=detect/attempt=2.log' ti=TaskInstanceDTO(id=UUID('01a2'), task_id='detect', "
    "dag_id='flight_delays', run_id='backfill__2012-01-01T00:00:00+00:00', try_number=2, "
    "map_index=-1, hostname='')"
)


def test_a_secret_is_made_once_readable_by_its_owner_only_and_kept(tmp_path: Path) -> None:
    first = airflow_secrets(tmp_path / "secrets")
    again = airflow_secrets(tmp_path / "secrets")

    assert first == again
    assert len(first["AIRFLOW__API_AUTH__JWT_SECRET"].encode()) >= 64
    assert len(set(first.values())) == 3
    assert (tmp_path / "secrets").stat().st_mode & 0o777 == 0o700
    for path in (tmp_path / "secrets").iterdir():
        assert path.stat().st_mode & 0o777 == 0o600


def test_an_emptied_secret_file_is_an_error_not_an_empty_secret(tmp_path: Path) -> None:
    kept_secret(tmp_path, "key", lambda: "value")
    (tmp_path / "key").write_text("")
    with pytest.raises(ConfigError, match="empty"):
        kept_secret(tmp_path, "key", lambda: "other")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/airflow", "postgresql+psycopg://u:p@db:5432/airflow"),
        (
            "postgresql://postgres:@/airflow?host=/tmp/pg",
            "postgresql+psycopg://postgres:@/airflow?host=/tmp/pg",
        ),
        ("host=db port=5433 user=u dbname=airflow", "postgresql+psycopg://u@db:5433/airflow"),
        ("host=/tmp/pg user=u dbname=airflow", "postgresql+psycopg://u@/airflow?host=%2Ftmp%2Fpg"),
    ],
)
def test_metadata_urls_become_sqlalchemy_urls_for_psycopg(given: str, expected: str) -> None:
    assert sqlalchemy_url(given) == expected


@pytest.mark.parametrize("given", ["mysql://u@db/airflow", "host=db user=u", "not a url ="])
def test_other_metadata_urls_are_refused_without_repeating_them(given: str) -> None:
    with pytest.raises(ConfigError) as raised:
        sqlalchemy_url(given)
    assert given not in str(raised.value)


@pytest.mark.parametrize(
    ("years", "expected"), [([2011], (2011, 2011)), ([2013, 2012, 2011], (2011, 2013))]
)
def test_a_range_of_years_is_one_backfill(years: list[int], expected: tuple[int, int]) -> None:
    assert contiguous(years) == expected


@pytest.mark.parametrize("years", [[2011, 2013], [2008, 2009], [2018, 2019]])
def test_gaps_and_years_outside_the_schedule_are_refused(years: list[int]) -> None:
    with pytest.raises(ConfigError):
        contiguous(years)


def test_a_workers_log_tells_which_tries_it_took() -> None:
    lines = ["worker1@vm ready.", WORKLOAD, "Task execute_workload succeeded"]
    assert workloads_taken(lines) == [("backfill__2012-01-01T00:00:00+00:00", "detect", 2)]


def test_the_cost_table_splits_each_task_in_and_outside_its_step() -> None:
    costs = [
        TaskCost(2012, "detect", "success", ("worker2", "worker1"), 5.0, 4.0, 0.5),
        TaskCost(2012, "load", "success", ("worker1",), 3.0, None, None),
    ]
    header, detect, load, total = cost_table(costs)
    assert header.split()[-3:] == ["step", "outside", "queued"]
    assert "worker2 > worker1" in detect
    assert detect.split()[-4:] == ["5.0", "4.0", "1.0", "0.5"]
    assert load.split()[-1] == "3.0"  # no step seconds recorded: nothing made up
    assert total.split()[-3:] == ["5.0", "4.0", "1.0"]


def test_stopping_a_session_leaves_none_of_its_processes() -> None:
    # A leader whose child ignores SIGINT and SIGTERM: only SIGKILL ends the child.
    script = (
        "import signal, subprocess, sys, time\n"
        "child = 'import signal, time\\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
        "time.sleep(600)'\n"
        "subprocess.Popen([sys.executable, '-c', child])\n"
        "print('ready', flush=True)\n"
        "time.sleep(600)\n"
    )
    leader = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, start_new_session=True
    )
    assert leader.stdout is not None
    assert leader.stdout.readline().strip() == b"ready"
    assert len(session_processes(leader.pid)) == 2

    stop_sessions(
        [leader], steps=((signal.SIGINT, 1.0), (signal.SIGTERM, 1.0), (signal.SIGKILL, 5.0))
    )

    leader.stdout.close()
    assert session_processes(leader.pid) == []


def _cluster_environ(tmp_path: Path, workers: int) -> dict[str, str]:
    plan = ClusterPlan(tmp_path, Path("dags").resolve(), Settings.from_env(), workers=workers)
    return shared_environ(plan, "postgresql+psycopg://m/airflow", "redis://b/0", "dbname=w")


def test_a_years_charts_are_as_many_tasks_as_run_at_once_unless_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLIGHTDELAYS_CHART_SHARDS", raising=False)
    assert _cluster_environ(tmp_path, workers=3)["FLIGHTDELAYS_CHART_SHARDS"] == "3"
    monkeypatch.setenv("FLIGHTDELAYS_CHART_SHARDS", "5")
    assert _cluster_environ(tmp_path, workers=3)["FLIGHTDELAYS_CHART_SHARDS"] == "5"


def test_workers_load_every_tasks_modules_once_from_celerys_signal(tmp_path: Path) -> None:
    """The Celery configuration the cluster names is Airflow's, and a worker's start (Celery's
    `import_modules` signal) leaves every step's module, the detector and a chart figure
    imported, so that tasks forked from it start with them."""
    path = _cluster_environ(tmp_path, workers=2)["AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS"]
    module, _, name = path.rpartition(".")
    code = f"""
import sys
from celery.signals import import_modules
from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
import {module} as config
assert config.{name} is DEFAULT_CELERY_CONFIG
before = [m for m in config.task_modules() if m in sys.modules]
import_modules.send(sender=None)
after = [m for m in config.task_modules() if m not in sys.modules]
print(before, after, "flightdelays.detectors.traffic_aware" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1].split() == ["[]", "[]", "True"], done.stderr
