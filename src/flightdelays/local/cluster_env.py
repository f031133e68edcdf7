"""Where a local Airflow cluster keeps its things, and the environment of each of its processes.

Every process gets the same executor, metadata database, broker, secrets and locations; each has
its own `AIRFLOW_HOME`, and each worker its own data folder and log-server port, so that the
workers share nothing but the lake and the databases. The scheduler creates no scheduled runs
(`use_job_schedule` off): the cluster runs the years it is asked for as one backfill.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from flightdelays.errors import ConfigError
from flightdelays.settings import Settings

METADATA_URL_VARIABLE = "FLIGHTDELAYS_AIRFLOW_DATABASE_URL"
TASK_LOGS = "airflow-logs"
# A task whose worker is gone is failed (and retried elsewhere) after this many seconds
# without a heartbeat; a live task heartbeats every few seconds whatever its step does.
# The variable, when set, wins (a test that kills a worker waits less).
HEARTBEAT_TIMEOUT_SECONDS = 60
HEARTBEAT_TIMEOUT_VARIABLE = "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"


@dataclass(frozen=True)
class ClusterPlan:
    """A cluster on this machine: how many workers, where, on which port."""

    root: Path
    dags_folder: Path
    settings: Settings
    workers: int = 2
    concurrency: int = 1  # tasks at once per worker
    port: int = 8080
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def worker_names(self) -> list[str]:
        return [f"worker{number}" for number in range(1, self.workers + 1)]

    @property
    def core_home(self) -> Path:
        """AIRFLOW_HOME of the api-server, scheduler and dag-processor."""
        return self.root / "core"

    @property
    def logs(self) -> Path:
        """Each process's own output, `<name>.log`."""
        return self.root / "logs"

    def worker_home(self, name: str) -> Path:
        return self.root / name


def sqlalchemy_url(url: str, variable: str = METADATA_URL_VARIABLE) -> str:
    """A PostgreSQL URL or libpq conninfo (`host=… dbname=…`) as SQLAlchemy wants it for
    psycopg 3: `postgresql+psycopg://…`."""
    from psycopg.conninfo import conninfo_to_dict
    from sqlalchemy.engine import URL

    for scheme in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    try:
        parts = {key: str(value) for key, value in conninfo_to_dict(url).items()}
    except Exception:  # the text may hold a password: never repeated
        raise ConfigError(f"{variable} is neither a postgresql:// URL nor a conninfo") from None
    if "dbname" not in parts:
        raise ConfigError(f"{variable} names no database (dbname)")
    named = {"user", "password", "host", "port", "dbname"}
    query = {key: value for key, value in parts.items() if key not in named}
    host = parts.get("host")
    if host and host.startswith("/"):  # a Unix socket folder goes in the query
        query["host"], host = host, None
    port = parts.get("port")
    return URL.create(
        "postgresql+psycopg",
        username=parts.get("user"),
        password=parts.get("password"),
        host=host,
        port=int(port) if port and host else None,
        database=parts["dbname"],
        query=query | ({"port": port} if port and not host else {}),
    ).render_as_string(hide_password=False)


def task_log_settings(plan: ClusterPlan, environ: dict[str, str]) -> dict[str, str]:
    """Task logs where the api-server reads every worker's: S3 under the lake, or one folder."""
    lake = plan.settings.lake_url.rstrip("/")
    if not lake.startswith("s3://"):
        return {"AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(plan.root / TASK_LOGS)}
    conn_id = environ.get("FLIGHTDELAYS_AWS_CONN_ID", "flightdelays_aws")
    defined = f"AIRFLOW_CONN_{conn_id.upper()}" in environ
    return {
        "AIRFLOW__LOGGING__REMOTE_LOGGING": "True",
        "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER": f"{lake}/{TASK_LOGS}",
        # Without the pipeline's connection, the amazon provider's default: the AWS chain.
        "AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID": conn_id if defined else "aws_default",
    }


def shared_environ(
    plan: ClusterPlan, metadata_url: str, broker_url: str, warehouse_url: str
) -> dict[str, str]:
    """The variables every process of the cluster gets (secrets added by the caller)."""
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    slots = plan.workers * plan.concurrency
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__DAGS_FOLDER": str(plan.dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__PARALLELISM": str(slots),
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(slots),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{plan.url}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata_url,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(plan.concurrency),
        # Workers import the pipeline's modules once; every task is forked with them loaded.
        "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "flightdelays.local.celery_config.CELERY_CONFIG",
        # A queue of this cluster's own: another cluster on the same Redis never takes its tasks.
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"flightdelays-{plan.port}-{os.getpid()}",
        "AIRFLOW__API__HOST": plan.host,
        "AIRFLOW__API__PORT": str(plan.port),
        "AIRFLOW__API__BASE_URL": plan.url,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        # A loop with nothing to do waits 0.25 s, not 1 s, before looking again: each of a
        # year's tasks waits for a loop after the one before it ends.
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.25",
        "AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR": "True",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": os.environ.get(
            HEARTBEAT_TIMEOUT_VARIABLE, str(HEARTBEAT_TIMEOUT_SECONDS)
        ),
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        # The DAG file does not change during a backfill: parsing it every 30 s (the default)
        # only takes CPU from the tasks on a small machine.
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "300",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "FLIGHTDELAYS_RAW_URL": plan.settings.raw_url,
        "FLIGHTDELAYS_LAKE_URL": plan.settings.lake_url,
        "FLIGHTDELAYS_DATABASE_URL": warehouse_url,
        "FLIGHTDELAYS_DETECTOR": plan.settings.detector,
        # As many chart tasks per year as tasks run at once, unless set.
        "FLIGHTDELAYS_CHART_SHARDS": os.environ.get("FLIGHTDELAYS_CHART_SHARDS") or str(slots),
        # Airflow starts its components as `airflow ...`: the environment's own.
        "PATH": bin_dir if not path else f"{bin_dir}{os.pathsep}{path}",
        **task_log_settings(plan, dict(os.environ)),
    }


def core_environ(plan: ClusterPlan) -> dict[str, str]:
    """What the api-server, scheduler and dag-processor (and this process) add."""
    return {
        "AIRFLOW_HOME": str(plan.core_home),
        "FLIGHTDELAYS_DATA_DIR": str(plan.core_home / "data"),
    }


def worker_environ(plan: ClusterPlan, name: str, log_server_port: int) -> dict[str, str]:
    """What a worker adds: its own home, data folder and log-server port."""
    home = plan.worker_home(name)
    return {
        "AIRFLOW_HOME": str(home),
        "FLIGHTDELAYS_DATA_DIR": str(home / "data"),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_server_port),
    }
