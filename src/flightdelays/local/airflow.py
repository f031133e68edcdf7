"""Airflow on this machine: the DAG's yearly runs in one process, or Airflow's own servers.

Airflow's home is `<data dir>/airflow` (SQLite metadata database, logs, the generated admin
password) and its DAGs folder the repository's `dags/`. Airflow reads its configuration when it is
first imported, so both entry points set it through `AIRFLOW_*` variables before that.

- `backfill`: one `dag.test()` per year in this process (the first costs ~20 s of start-up, the
  next ones under a second), each a real run recorded in the metadata database, then the same
  summary as `flightdelays run`, built from the runs' XComs and task durations.
- `serve`: `airflow standalone` (api-server, scheduler, dag-processor, triggerer) in its own
  session, with low parallelism, until Ctrl-C; then every process of that session is stopped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flightdelays.airflow_settings import CHART_SHARDS, IN_PROCESS_TASKS
from flightdelays.errors import ConfigError, FlightDelaysError
from flightdelays.local.processes import stop_sessions
from flightdelays.pipeline import STEPS, Progress, YearSummary
from flightdelays.settings import Settings

if TYPE_CHECKING:
    from airflow.sdk import DAG

DAG_ID = "flight_delays"
DAG_FILE = "flight_delays.py"
HEALTH_PATH = "/api/v2/monitor/health"


@dataclass(frozen=True)
class LocalAirflow:
    """Where Airflow keeps its state on this machine, and how much of it may run at once."""

    home: Path
    dags_folder: Path
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8080
    parallelism: int = 2
    quiet: bool = False  # Airflow's own logs at WARNING, not INFO

    @classmethod
    def for_settings(
        cls, settings: Settings, dags_folder: Path | None = None, **options: Any
    ) -> LocalAirflow:
        """Home under the data folder; DAGs from the argument, FLIGHTDELAYS_DAGS_FOLDER or dags/."""
        folder = dags_folder or Path(os.environ.get("FLIGHTDELAYS_DAGS_FOLDER", "dags"))
        folder = folder.resolve()
        if not (folder / DAG_FILE).is_file():
            raise ConfigError(
                f"{folder / DAG_FILE} does not exist: run from the repository's root or set"
                " FLIGHTDELAYS_DAGS_FOLDER"
            )
        home = settings.data_dir / "airflow"
        return cls(home=home, dags_folder=folder, data_dir=settings.data_dir, **options)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def environ(self) -> dict[str, str]:
        """The AIRFLOW_* (and FLIGHTDELAYS_DATA_DIR) variables of this local Airflow."""
        bin_dir = str(Path(sys.executable).parent)
        path = os.environ.get("PATH", "")
        return {
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
            "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(self.parallelism),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
            "AIRFLOW__API__HOST": self.host,
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR": "True",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING" if self.quiet else "INFO",
            "FLIGHTDELAYS_DATA_DIR": str(self.data_dir),
            # Airflow starts its components as `airflow ...`: the environment's own.
            "PATH": bin_dir if not path else f"{bin_dir}{os.pathsep}{path}",
        }


def configure(local: LocalAirflow) -> None:
    """Point this process's Airflow at `local`; must happen before Airflow is imported."""
    environ = local.environ()
    if "airflow" in sys.modules and os.environ.get("AIRFLOW_HOME") != environ["AIRFLOW_HOME"]:
        raise ConfigError("Airflow was imported before its local configuration was set")
    local.home.mkdir(parents=True, exist_ok=True)
    os.environ.update(environ)


def migrate() -> None:
    """Create or upgrade Airflow's metadata database (~12 s the first time on SQLite)."""
    from airflow.utils.db import initdb

    initdb()


def load_dag(dags_folder: Path) -> DAG:
    """The flight-delays DAG as the DAG processor sees it; import errors raise."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(dags_folder))
    if bag.import_errors:
        problems = "; ".join(f"{path}: {error}" for path, error in bag.import_errors.items())
        raise FlightDelaysError(f"the DAGs folder {dags_folder} does not import: {problems}")
    if DAG_ID not in bag.dags:
        raise FlightDelaysError(f"no DAG {DAG_ID!r} in {dags_folder}")
    dag: DAG = bag.dags[DAG_ID]
    return dag


@dataclass
class YearRun:
    """One Airflow run of the DAG for a year: its figures and how it ended."""

    summary: YearSummary
    run_id: str
    state: str
    task_states: dict[str, str] = field(default_factory=dict)

    @property
    def failed_tasks(self) -> list[str]:
        return [task for task, state in self.task_states.items() if state != "success"]


def logical_date(year: int) -> dt.datetime:
    """The logical date of a year's scheduled run: 1 January, midnight UTC."""
    return dt.datetime(year, 1, 1, tzinfo=dt.UTC)


def run_dag_year(
    dag: DAG, year: int, progress: Progress | None = None, backfill: tuple[int, int] | None = None
) -> YearRun:
    """Run the DAG for `year` with `dag.test()`; a re-run replaces the year's earlier run.

    With `backfill` (the Backfill row's id, the run's place in it) the run is one of that
    backfill's, as `airflow backfill create` would make it; else a manual run.
    """
    from flightdelays.local.backfill_record import runs_made_as_backfill

    started = time.perf_counter()
    when = logical_date(year)
    as_backfill = runs_made_as_backfill(*backfill) if backfill else contextlib.nullcontext()
    with as_backfill:
        dag_run = dag.test(logical_date=when, run_after=when)
    run = collect(dag.dag_id, dag_run.run_id, year)
    if progress:
        for line in _progress_lines(run):
            progress(line)
        progress(f"[{year}] run {run.run_id}: {run.state} ({time.perf_counter() - started:.1f} s)")
    return run


def collect(dag_id: str, run_id: str, year: int) -> YearRun:
    """A run's state, task states, return values (XCom) and task durations as a `YearRun`."""
    from airflow.models.dagrun import DagRun
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        dag_run = session.scalars(
            select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
        ).one()
        instances: dict[str, list[Any]] = defaultdict(list)
        for instance in dag_run.get_task_instances(session=session):
            instances[instance.task_id].append(instance)  # a mapped task: one per map index
        query = XComModel.get_many(run_id=run_id, dag_ids=dag_id, key="return_value")
        rows = cast("list[XComModel]", session.scalars(query).all())
        values: dict[str, list[object]] = defaultdict(list)
        for row in rows:
            values[row.task_id].append(XComModel.deserialize_value(row))
        summary = YearSummary(year)
        task_states: dict[str, str] = {}
        for step in STEPS:
            for task_id in step.task_ids:
                found = instances.get(task_id, [])
                task_states[task_id] = _state(found)
                durations = [ti.duration for ti in found if ti.duration is not None]
                if durations:
                    seconds = summary.seconds.get(step.name, 0.0) + sum(durations)
                    summary.seconds[step.name] = float(seconds)
                summary.figures.update(_summed(values.get(task_id, [])))
        return YearRun(summary, run_id, str(dag_run.state), task_states)


def _state(instances: list[Any]) -> str:
    """The state of a task, or of every map index of a mapped one ("success, failed" if mixed)."""
    states = sorted({str(ti.state) for ti in instances if ti.state})
    return ", ".join(states) or "none"


def _summed(returned: list[object]) -> dict[str, int]:
    """A task's figures: the sum over its map indexes (one shard's charts each) if mapped."""
    figures: dict[str, int] = {}
    for value in returned:
        if isinstance(value, dict):
            for key, count in value.items():
                figures[str(key)] = figures.get(str(key), 0) + int(count)
    return figures


def _progress_lines(run: YearRun) -> Iterator[str]:
    for step in STEPS:
        seconds = run.summary.seconds.get(step.name)
        took = f" ({seconds:.1f} s)" if seconds is not None else ""
        states = ", ".join(run.task_states[task_id] for task_id in step.task_ids)
        yield f"[{run.summary.year}] {step.task_id:<21} {states}{took}"


def backfill(
    local: LocalAirflow, years: list[int], progress: Progress | None = None
) -> list[YearRun]:
    """Run the DAG for each year, one after another, in this process: one Airflow backfill."""
    from flightdelays.local.backfill_record import backfill_row

    configure(local)
    # dag.test() talks to its in-process API through starlette's test client, which warns.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    migrate()
    dag = load_dag(local.dags_folder)
    first, last = logical_date(min(years)), logical_date(max(years))
    with tasks_in_this_process(), backfill_row(dag.dag_id, first, last) as backfill_id:
        return [
            run_dag_year(dag, year, progress, (backfill_id, place))
            for place, year in enumerate(years, start=1)
        ]


@contextlib.contextmanager
def tasks_in_this_process() -> Iterator[None]:
    """While `dag.test()` runs every task in this process, one at a time: a chart task draws
    on this process's chart workers, and a year's charts are one task unless the chart shards
    are set (more tasks would only take turns here). Restored after, so that servers started
    later from this process (a cluster's workers) run their tasks one process each."""
    saved = {name: os.environ.get(name) for name in (IN_PROCESS_TASKS, CHART_SHARDS)}
    os.environ[IN_PROCESS_TASKS] = "1"
    os.environ.setdefault(CHART_SHARDS, "1")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def admin_login(home: Path) -> tuple[str, str] | None:
    """The admin user and the password Airflow generated for it, once it has."""
    passwords = home / "simple_auth_manager_passwords.json.generated"
    try:
        users: dict[str, str] = json.loads(passwords.read_text())
    except (OSError, ValueError):
        return None
    return ("admin", users["admin"]) if "admin" in users else None


def is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + HEALTH_PATH, timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def stop_session(leader: subprocess.Popen[bytes]) -> None:
    """Stop every process of the session `leader` started: SIGINT, then SIGTERM, then SIGKILL.

    SIGINT is Ctrl-C for Airflow: `airflow standalone` stops its components and each shuts
    down cleanly. Task processes sit in process groups of their own but in the same session,
    so the session, not the process group, is what must end up empty.
    """
    stop_sessions([leader])


def serve(local: LocalAirflow, out: Callable[[str], None] = print, timeout: float = 600.0) -> None:
    """Run Airflow's servers until Ctrl-C (or SIGTERM, SIGHUP); leave no process behind."""
    if is_healthy(local.url):
        raise ConfigError(f"something already answers at {local.url}; stop it or pick --port")
    configure(local)
    log_path = local.home / "standalone.log"
    # Own handlers: a shell's background job inherits SIGINT ignored, and SIGTERM would kill
    # this process without stopping Airflow.
    stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, _raise_keyboard_interrupt) for sig in stops}
    try:
        with log_path.open("ab") as log:
            # A session of its own: Ctrl-C reaches this process only, which then stops them all.
            leader = subprocess.Popen(
                [str(Path(sys.executable).parent / "airflow"), "standalone"],
                env={**os.environ, **local.environ()},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            out(f"starting Airflow (home {local.home}, log {log_path}) ...")
            _wait_until_healthy(local, leader, log_path, timeout)
            login = admin_login(local.home)
            out(f"Airflow is up: {local.url}  (DAG {DAG_ID}; health {local.url}{HEALTH_PATH})")
            if login:
                out(f"login: {login[0]} / {login[1]}")
            out("Ctrl-C stops it.")
            leader.wait()
            raise FlightDelaysError(f"Airflow exited with {leader.returncode}: see {log_path}")
        except KeyboardInterrupt:
            out("stopping Airflow ...")
        finally:
            for sig in stops:  # a second Ctrl-C must not cut the clean-up short
                signal.signal(sig, signal.SIG_IGN)
            stop_session(leader)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    out("Airflow stopped; no process left.")


def _wait_until_healthy(
    local: LocalAirflow, leader: subprocess.Popen[bytes], log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while not is_healthy(local.url):
        if leader.poll() is not None:
            raise FlightDelaysError(f"Airflow exited with {leader.returncode}: see {log_path}")
        if time.monotonic() > deadline:
            raise FlightDelaysError(f"Airflow not healthy after {timeout:.0f} s: see {log_path}")
        time.sleep(1)


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
