"""Airflow's side of the configuration: connections and Variables turned into `Settings`.

The one place that names them; each name can be changed without touching code:

- S3 connection id: Variable `flightdelays_aws_conn_id`, env `FLIGHTDELAYS_AWS_CONN_ID`,
  default `flightdelays_aws`;
- warehouse connection id: Variable `flightdelays_postgres_conn_id`, env
  `FLIGHTDELAYS_POSTGRES_CONN_ID`, default `flightdelays_postgres`;
- raw files and lake: Variables `flightdelays_raw_url` / `flightdelays_lake_url`, env
  `FLIGHTDELAYS_RAW_URL` / `FLIGHTDELAYS_LAKE_URL`, default folders under the data folder;
- anomaly detector: Variable `flightdelays_detector`, env `FLIGHTDELAYS_DETECTOR`;
- chart tasks per year: Variable `flightdelays_chart_shards`, env `FLIGHTDELAYS_CHART_SHARDS`
  (default 4).

The `aws` connection (login = access key id, password = secret key, extra `region_name` and, for
S3-compatible stores, `endpoint_url`; or a role the amazon provider knows how to assume) becomes
the settings' explicit `S3Options`, which the object store and polars both read: the task's
environment is never changed. The `postgres` connection
(host, port, login, password, schema = database, libpq options such as `sslmode` in extra)
becomes the database URL. A connection that is not defined leaves the package's local default
(`Settings.from_env()`): the standard AWS chain for S3, `FLIGHTDELAYS_DATABASE_URL` or the
embedded PostgreSQL for the warehouse. Nothing here runs when the DAG file is parsed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from flightdelays.errors import ConfigError
from flightdelays.pipeline import load_function, step_named
from flightdelays.settings import Settings, chart_shards
from flightdelays.storage import S3Options

if TYPE_CHECKING:
    from airflow.sdk import Connection

log = logging.getLogger(__name__)

DEFAULT_AWS_CONN_ID = "flightdelays_aws"
DEFAULT_POSTGRES_CONN_ID = "flightdelays_postgres"
VARIABLE_PREFIX = "flightdelays_"
STEP_SECONDS_KEY = "step_seconds"
ENV_PREFIX = "FLIGHTDELAYS_"
CHART_SHARDS = ENV_PREFIX + "CHART_SHARDS"
IN_PROCESS_TASKS = ENV_PREFIX + "IN_PROCESS_TASKS"
"""Set to 1 by `flightdelays airflow backfill`, whose tasks run in its own process."""

# libpq options a `postgres` connection may carry in its extra.
_LIBPQ_OPTIONS = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslcrl",
        "connect_timeout",
        "application_name",
        "options",
        "target_session_attrs",
        "keepalives",
        "keepalives_idle",
        "gssencmode",
    }
)

VariableLookup = Callable[[str], str | None]
ConnectionLookup = Callable[[str], "Connection | None"]


def setting(name: str, variable: VariableLookup, environ: Mapping[str, str]) -> str | None:
    """The Airflow Variable `flightdelays_<name>`, else `FLIGHTDELAYS_<NAME>`, else None."""
    value = variable(VARIABLE_PREFIX + name) or environ.get(ENV_PREFIX + name.upper())
    return value or None


def year_of_run(requested: object, logical_date: dt.datetime | None) -> int:
    """The year a run processes: the `year` param of a manual run, else its logical date's."""
    if requested is not None:
        try:
            return int(str(requested))
        except ValueError:
            raise ConfigError(f"the year param {requested!r} is not a year") from None
    if logical_date is None:
        raise ConfigError("a run without a logical date needs the `year` param")
    return logical_date.year


def postgres_url(conn: Connection) -> str:
    """A libpq connection string for a `postgres` connection (schema = database name)."""
    from psycopg.conninfo import make_conninfo

    if not conn.host:
        raise ConfigError(f"connection {conn.conn_id!r} has no host")
    options: dict[str, Any] = {
        "host": conn.host,
        "port": conn.port,
        "user": conn.login,
        "password": conn.password,
        "dbname": conn.schema,
    }
    options.update({k: v for k, v in conn.extra_dejson.items() if k in _LIBPQ_OPTIONS})
    return make_conninfo(**{k: str(v) for k, v in options.items() if v not in (None, "")})


def s3_options(conn: Connection) -> S3Options:
    """Explicit S3 options from an `aws` connection.

    Keys in the connection (login, password) are read as they are: no AWS library is imported.
    A connection without keys (a role to assume, a profile, web identity) goes through the
    amazon provider's hook, which knows every way the provider supports.
    """
    extra = conn.extra_dejson
    service = extra.get("service_config", {}).get("s3", {})
    endpoint = service.get("endpoint_url") or extra.get("endpoint_url") or None
    region = extra.get("region_name") or None
    if conn.login and conn.password:
        token = extra.get("aws_session_token") or None
        return S3Options(conn.login, conn.password, token, region, endpoint)
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    hook = AwsBaseHook(aws_conn_id=conn.conn_id, client_type="s3")
    credentials = hook.get_credentials()
    return S3Options(
        credentials.access_key,
        credentials.secret_key,
        credentials.token or None,
        hook.conn_region_name or region,
        hook.conn_config.get_service_endpoint_url("s3") or endpoint,
    )


@dataclass(frozen=True)
class TaskSettings:
    """What a task needs: the package's settings, and where each came from."""

    settings: Settings
    sources: dict[str, str] = field(default_factory=dict)  # for the task log, never secrets


def resolve(
    variable: VariableLookup,
    connection: ConnectionLookup,
    environ: Mapping[str, str] | None = None,
    aws_options: Callable[[Connection], S3Options] = s3_options,
) -> TaskSettings:
    """Settings from Airflow Variables and connections, falling back to `Settings.from_env()`."""
    env = dict(os.environ if environ is None else environ)
    base = Settings.from_env(env)
    aws_id = setting("aws_conn_id", variable, env) or DEFAULT_AWS_CONN_ID
    postgres_id = setting("postgres_conn_id", variable, env) or DEFAULT_POSTGRES_CONN_ID
    postgres = connection(postgres_id)
    aws = connection(aws_id)
    settings = base.with_overrides(
        raw_url=setting("raw_url", variable, env),
        lake_url=setting("lake_url", variable, env),
        detector=setting("detector", variable, env),
        database_url=postgres_url(postgres) if postgres is not None else None,
        s3=aws_options(aws) if aws is not None else None,
    )
    sources = {
        "s3": f"connection {aws_id}" if aws is not None else "the standard AWS chain",
        "warehouse": f"connection {postgres_id}"
        if postgres is not None
        else ("FLIGHTDELAYS_DATABASE_URL" if base.database_url else "embedded PostgreSQL"),
        "raw": settings.raw_url,
        "lake": settings.lake_url,
        "detector": settings.detector,
    }
    return TaskSettings(settings, sources)


def _variable(key: str) -> str | None:
    from airflow.sdk import Variable

    value = Variable.get(key, default=None)
    return None if value is None else str(value)


def _connection(conn_id: str) -> Connection | None:
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        found: Connection = Connection.get(conn_id)
    except AirflowNotFoundException:
        return None
    return found


def chart_shard_kwargs(
    variable: VariableLookup | None = None, environ: Mapping[str, str] | None = None
) -> list[dict[str, int]]:
    """One `{"shard": i, "shards": n}` per chart task of a year: n from the setting
    `chart_shards`, passed to every mapped task so that all split the airports alike."""
    env = os.environ if environ is None else environ
    shards = chart_shards(setting("chart_shards", variable or _variable, env))
    return [{"shard": shard, "shards": shards} for shard in range(shards)]


def run_step(name: str, function_path: str | None = None, **arguments: int) -> dict[str, int]:
    """Run the pipeline step `name` for the current task's run; its small result goes to XCom.

    `function_path` (`module:function`) runs one part of the step instead, with `arguments`
    (a chart shard, say). Only that function's module is imported. The time the task spent
    before its step (start-up, imports, reading connections) is logged beside the step's own,
    and both go to the XCom `step_seconds` (`in_step`, `before_step`), so a summary can show
    what a task costs outside its step.
    """
    import time

    from airflow.sdk import get_current_context

    step = step_named(name)
    started = time.perf_counter()
    context = get_current_context()
    year = year_of_run(context["params"].get("year"), context.get("logical_date"))
    task = resolve(_variable, _connection)
    settings = task.settings
    if os.environ.get(IN_PROCESS_TASKS) != "1":
        # One process per task: Airflow gives a task one slot, and a worker process started
        # from a task process would import its main module, the `airflow` command, whose
        # database access Airflow blocks in tasks. Parallelism comes from concurrent tasks and
        # runs. `dag.test()` in our own command runs tasks one at a time in that command's
        # process, so there a chart task draws on the chart workers like `flightdelays run`.
        settings = settings.with_overrides(chart_workers=1)
    where = ", ".join(f"{key}: {value}" for key, value in task.sources.items())
    log.info("step %s%s for %d (%s)", step.name, _shown(arguments), year, where)
    function: Callable[..., dict[str, int]]
    if function_path is None and os.environ.get(IN_PROCESS_TASKS) == "1":
        function = partial(step, many_years=True)  # this process runs every year's tasks
    else:
        function = load_function(function_path or step.function_path)
    ready = time.perf_counter()
    figures = function(settings, year, **arguments)
    in_step, before = time.perf_counter() - ready, ready - started
    log.info(
        "step %s%s for %d: %s (%.1f s in the step, %.1f s before it)",
        step.name,
        _shown(arguments),
        year,
        figures,
        in_step,
        before,
    )
    seconds = {"in_step": round(in_step, 3), "before_step": round(before, 3)}
    context["ti"].xcom_push(key=STEP_SECONDS_KEY, value=seconds)
    return figures


def _shown(arguments: Mapping[str, int]) -> str:
    return "".join(f" {key} {value}" for key, value in arguments.items())
