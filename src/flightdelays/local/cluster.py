"""A real multi-process Airflow on this machine: the CeleryExecutor, N workers, one backfill.

`run_cluster` starts a Redis broker (or uses `FLIGHTDELAYS_REDIS_URL`), migrates the PostgreSQL
metadata database (`FLIGHTDELAYS_AIRFLOW_DATABASE_URL`, else the `airflow` database of the
embedded server), starts the api-server, scheduler, dag-processor and the Celery workers
(`worker1@<host>`, ...), each in a session of its own with its output in `<root>/logs`; waits
for the api-server's health endpoint and for each worker's "ready" line; runs the years as one
Airflow backfill and waits for its runs; then, whatever happened (Ctrl-C and SIGTERM too),
stops the workers (Celery's warm shutdown first), then the rest, leaving no process behind.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from flightdelays.catalog import FIRST_YEAR, LAST_YEAR
from flightdelays.errors import ConfigError, FlightDelaysError
from flightdelays.local.airflow import (
    DAG_ID,
    HEALTH_PATH,
    YearRun,
    collect,
    is_healthy,
    logical_date,
)
from flightdelays.local.broker import free_port, open_broker
from flightdelays.local.cluster_env import (
    METADATA_URL_VARIABLE,
    ClusterPlan,
    core_environ,
    shared_environ,
    sqlalchemy_url,
    worker_environ,
)
from flightdelays.local.cluster_report import TaskCost, task_costs
from flightdelays.local.keys import airflow_secrets
from flightdelays.local.processes import Server, start, stop_sessions

if TYPE_CHECKING:
    from airflow.models.dagrun import DagRun
    from sqlalchemy.orm import Session

Out = Callable[[str], None]
START_TIMEOUT = 300.0  # seconds for the servers to answer and the DAG to be parsed
FINISHED = ("success", "failed")


@dataclass
class ClusterResult:
    """The backfill's runs, what each task cost and where it ran."""

    runs: list[YearRun]
    costs: list[TaskCost]
    servers: dict[str, Path] = field(default_factory=dict)  # name: log


def contiguous(years: list[int]) -> tuple[int, int]:
    """First and last of `years`, which one backfill covers only when there are no gaps and
    the DAG's schedule (FIRST_YEAR to LAST_YEAR) has a run for each."""
    first, last = min(years), max(years)
    if sorted(set(years)) != list(range(first, last + 1)):
        raise ConfigError("the cluster runs a range of years without gaps, like 2009-2018")
    if first < FIRST_YEAR or last > LAST_YEAR:
        raise ConfigError(f"the DAG's schedule has runs for {FIRST_YEAR}-{LAST_YEAR} only")
    return first, last


def run_cluster(
    plan: ClusterPlan, years: list[int], out: Out, report: Callable[[ClusterResult], None]
) -> None:
    """Start the cluster, run `years` as one backfill, `report` the result, stop everything."""
    first, last = contiguous(years)
    if is_healthy(plan.url):
        raise ConfigError(f"something already answers at {plan.url}; stop it or pick --port")
    if "airflow" in sys.modules:
        raise ConfigError("Airflow was imported before the cluster's configuration was set")
    servers: list[Server] = []
    with _stops_on_signals():
        try:
            _start(plan, servers, out)
            result = _backfill(plan, (first, last), servers, out)
            report(result)
        finally:
            for sig in _STOPS:  # a second Ctrl-C must not cut the clean-up short
                signal.signal(sig, signal.SIG_IGN)
            _stop(servers, out)


_STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextmanager
def _stops_on_signals() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP raise KeyboardInterrupt here (a shell's background job
    inherits SIGINT ignored; SIGTERM would end this process without stopping the servers)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in _STOPS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start(plan: ClusterPlan, servers: list[Server], out: Out) -> None:
    """Broker, metadata, then every server, each added to `servers` once started; returns
    when all answer and the DAG is parsed."""
    from flightdelays.local.postgres import embedded_database_url

    broker = open_broker(plan.root / "redis")
    if broker.server is not None:
        servers.append(broker.server)
    given = os.environ.get(METADATA_URL_VARIABLE)
    metadata = given or embedded_database_url(plan.settings.data_dir, "airflow")
    environ = shared_environ(
        plan,
        sqlalchemy_url(metadata),
        broker.url,
        plan.settings.resolved_database_url(),
    )
    environ.update(airflow_secrets(plan.root / "secrets"))
    # This process reads the metadata database too, quietly: the servers log at INFO.
    os.environ.update(environ | core_environ(plan) | {"AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING"})
    out(f"cluster: {plan.root} (servers' output in {plan.logs})")
    _migrate(plan, servers)
    airflow = str(Path(sys.executable).parent / "airflow")
    core = os.environ | environ | core_environ(plan)
    for name, argv in (
        ("api-server", [airflow, "api-server", "--host", plan.host, "--port", str(plan.port)]),
        ("scheduler", [airflow, "scheduler"]),
        ("dag-processor", [airflow, "dag-processor"]),
    ):
        servers.append(start(name, argv, core, plan.logs / f"{name}.log"))
    for name in plan.worker_names:
        own = environ | worker_environ(plan, name, free_port())
        argv = [airflow, "celery", "worker", "--celery-hostname", f"{name}@%h"]
        servers.append(start(name, argv, os.environ | own, plan.logs / f"{name}.log"))
    _write_process_list(plan, servers)
    _wait_for("the api-server", lambda: is_healthy(plan.url), servers)
    for name in plan.worker_names:
        _wait_for(name, partial(_worker_ready, plan.logs / f"{name}.log"), servers)
    _wait_for("the DAG's parsing", _dag_parsed, servers)
    out(f"Airflow is up: {plan.url} (health {plan.url}{HEALTH_PATH}; workers {plan.worker_names})")
    passwords = plan.core_home / "simple_auth_manager_passwords.json.generated"
    out(f"login: admin, password in {passwords}")


def _migrate(plan: ClusterPlan, servers: list[Server]) -> None:
    """`airflow db migrate`, in a session of its own like the servers (Ctrl-C stops it too)."""
    airflow = str(Path(sys.executable).parent / "airflow")
    log_path = plan.logs / "db-migrate.log"
    migration = start("db-migrate", [airflow, "db", "migrate"], os.environ, log_path)
    servers.append(migration)
    if migration.process.wait() != 0:
        raise FlightDelaysError(f"airflow db migrate failed: see {log_path}")
    servers.remove(migration)


def _write_process_list(plan: ClusterPlan, servers: list[Server]) -> None:
    """`<root>/processes.json`: each server's pid (its session's id) and log, for the curious."""
    listed = {server.name: {"pid": server.pid, "log": str(server.log_path)} for server in servers}
    (plan.root / "processes.json").write_text(json.dumps(listed, indent=2) + "\n")


def _wait_for(
    what: str, ready: Callable[[], bool], servers: list[Server], timeout: float = START_TIMEOUT
) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        for server in servers:
            if server.exited():
                raise FlightDelaysError(
                    f"{server.name} exited with {server.process.returncode}: see {server.log_path}"
                )
        if time.monotonic() > deadline:
            raise FlightDelaysError(f"{what} not ready after {timeout:.0f} s: see the logs")
        time.sleep(1)


def _worker_ready(log_path: Path) -> bool:
    """Celery's "<name>@<host> ready." line is in the worker's log."""
    try:
        return " ready." in log_path.read_text(errors="replace")
    except OSError:
        return False


def _dag_parsed() -> bool:
    from airflow.models.serialized_dag import SerializedDagModel

    return bool(SerializedDagModel.has_dag(DAG_ID))


def _backfill(
    plan: ClusterPlan, years: tuple[int, int], servers: list[Server], out: Out
) -> ClusterResult:
    """One Airflow backfill of the years; the result once every run has ended."""
    from airflow.models.backfill import AlreadyRunningBackfill, ReprocessBehavior, _create_backfill

    started = time.perf_counter()
    try:
        backfill = _create_backfill(  # what `airflow backfill create` and the REST API call
            dag_id=DAG_ID,
            from_date=logical_date(years[0]),
            to_date=logical_date(years[1]),
            max_active_runs=backfill_runs_at_once(plan),
            reverse=False,
            dag_run_conf=None,
            triggering_user_name=getpass.getuser(),
            reprocess_behavior=ReprocessBehavior.COMPLETED,
        )
    except AlreadyRunningBackfill:
        raise FlightDelaysError(
            f"a backfill of {DAG_ID} is still open in the metadata database (an earlier cluster"
            " was stopped hard?): cancel it in the UI or with `airflow backfill cancel`"
        ) from None
    out(f"backfill {backfill.id}: {years[0]}-{years[1]}, up to {backfill.max_active_runs} at once")
    try:
        runs = _wait_for_runs(backfill.id, servers, out)
    except BaseException:
        _abandon(backfill.id)
        raise
    out(f"backfill {backfill.id} ended in {time.perf_counter() - started:.0f} s")
    workers = {name: plan.logs / f"{name}.log" for name in plan.worker_names}
    return ClusterResult(
        runs=[collect(DAG_ID, run_id, year) for run_id, year in runs.items()],
        costs=task_costs(DAG_ID, runs, workers),
        servers={server.name: server.log_path for server in servers},
    )


def backfill_runs_at_once(plan: ClusterPlan) -> int:
    """Years in flight at once: twice the task slots, so that while one year waits for the
    scheduler between its tasks, another year's task takes the slot."""
    return 2 * plan.workers * plan.concurrency


def _wait_for_runs(backfill_id: int, servers: list[Server], out: Out) -> dict[str, int]:
    """Run id to year of the backfill's runs, once they have all ended; each task's try
    reported as it ends."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    reported: set[tuple[str, str, int]] = set()
    gone: set[str] = set()
    while True:
        with create_session() as session:
            query = select(DagRun).where(DagRun.backfill_id == backfill_id)
            dag_runs = [run for run in session.scalars(query) if run.logical_date is not None]
            for dag_run in dag_runs:
                _report_ended_tasks(dag_run, session, reported, out)
            if dag_runs and all(str(dag_run.state) in FINISHED for dag_run in dag_runs):
                years = {run.run_id: run.logical_date.year for run in dag_runs if run.logical_date}
                return dict(sorted(years.items(), key=lambda item: item[1]))
        _check_servers(servers, gone, out)
        time.sleep(2)


def _check_servers(servers: list[Server], gone: set[str], out: Out) -> None:
    """A lost worker is reported once (the scheduler fails its task after the heartbeat
    timeout, and the retry goes to another); a lost server, or the last worker, ends it all.
    A lost one stays on the list: what it left in its session is stopped at the end."""
    for server in servers:
        if not server.exited() or server.name in gone:
            continue
        if not server.name.startswith("worker"):
            raise FlightDelaysError(f"{server.name} exited: see {server.log_path}")
        gone.add(server.name)
        status = server.process.returncode
        out(f"{server.name} exited ({status}): its task is retried on another worker")
    workers = {server.name for server in servers if server.name.startswith("worker")}
    if workers and workers <= gone:
        raise FlightDelaysError("every worker exited: see their logs")


def _report_ended_tasks(
    dag_run: DagRun, session: Session, reported: set[tuple[str, str, int]], out: Out
) -> None:
    year = dag_run.logical_date.year if dag_run.logical_date else 0
    for instance in dag_run.get_task_instances(session=session):
        key = (dag_run.run_id, instance.task_id, instance.try_number or 0)
        state = str(instance.state)
        if state in (*FINISHED, "up_for_retry") and key not in reported:
            reported.add(key)
            took = f" ({instance.duration:.1f} s)" if instance.duration else ""
            out(f"[{year}] {instance.task_id:<21} try {key[2]} {state}{took}")


def _abandon(backfill_id: int) -> None:
    """Mark the backfill's unfinished runs failed and close it, so the next cluster may start
    another; its tasks left running are failed by the next scheduler."""
    from airflow.models.backfill import Backfill
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from sqlalchemy import select, update

    with create_session() as session:
        session.execute(
            update(DagRun)
            .where(
                DagRun.backfill_id == backfill_id,
                DagRun.state.in_([DagRunState.QUEUED, DagRunState.RUNNING]),
            )
            .values(state=DagRunState.FAILED, end_date=dt.datetime.now(dt.UTC))
        )
        row = session.scalar(select(Backfill).where(Backfill.id == backfill_id))
        if row is not None:
            row.completed_at = dt.datetime.now(dt.UTC)


def _stop(servers: list[Server], out: Out) -> None:
    """Workers first (warm shutdown: a running task ends or is given up), then the rest."""
    if not servers:
        return
    out("stopping the cluster ...")
    workers = [server for server in servers if server.name.startswith("worker")]
    others = [server for server in servers if server not in workers]
    try:
        stop_sessions([server.process for server in workers])
    finally:
        stop_sessions([server.process for server in reversed(others)])
    out("cluster stopped; no process left.")
