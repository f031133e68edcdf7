"""
### US flight delays, one run per year (2009-2018)

Each run reads the year's raw on-time file (`<raw>/<YEAR>.csv`), aggregates it per airport and
day, flags anomalous days, then in parallel draws one chart per airport (spread over
`chart_shards` mapped `charts` tasks, then `chart_index` writes the index), replaces the year's
rows in PostgreSQL (`daily_airport_delays`) and exports them as CSV; a final check fails the run
unless the table, the aggregate and the charts agree. Tasks hand data to each other through
the lake (Parquet keyed by year); XCom carries only small counts.

**Year**: the year of the run's logical date (1 January, 00:00 UTC); a manual run may set the
`year` param instead. Catch-up creates the ten runs at once; up to three run side by side.
Re-running a year replaces that year's rows, charts and files; other years are never touched.

**Configuration** (see `flightdelays.airflow_settings`): connections `flightdelays_aws` (S3;
`endpoint_url` in extra for S3-compatible stores) and `flightdelays_postgres` (the warehouse);
Variables or environment `flightdelays_raw_url` / `FLIGHTDELAYS_RAW_URL` and
`flightdelays_lake_url` / `FLIGHTDELAYS_LAKE_URL`. Without them: local folders under the data
directory and an embedded PostgreSQL.

**Failures**: bad input, a failed check or an error in the code fails the task at once (a retry
would give the same result); other errors (network, database) are retried with exponential
back-off.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import (
    CronTriggerTimetable,
    ExceptionRetryPolicy,
    Param,
    RetryAction,
    RetryRule,
    dag,
    task,
)

from flightdelays.catalog import FIRST_YEAR, LAST_YEAR
from flightdelays.errors import FlightDelaysError, OutsideError

DEFAULT_ARGS = {
    "owner": "flightdelays",
    "retries": 3,
    # FLIGHTDELAYS_RETRY_DELAY_SECONDS: a shorter first wait for tests that kill a worker.
    "retry_delay": dt.timedelta(
        seconds=float(os.environ.get("FLIGHTDELAYS_RETRY_DELAY_SECONDS", "60"))
    ),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": dt.timedelta(minutes=20),
    # Bad input and failed checks give the same result when retried: fail at once.
    "retry_policy": ExceptionRetryPolicy(
        rules=[
            RetryRule(
                exception=OutsideError,
                action=RetryAction.RETRY,
                reason="S3 or the database failed or refused: it may answer later",
            ),
            RetryRule(
                exception=FlightDelaysError,
                action=RetryAction.FAIL,
                reason="bad input or a failed check: a retry would give the same result",
            ),
            RetryRule(
                exception=[ImportError, NameError, TypeError, AttributeError],
                action=RetryAction.FAIL,
                reason="an error in the code: a retry would give the same result",
            ),
        ]
    ),
    "execution_timeout": dt.timedelta(minutes=30),
}


@dag(
    dag_id="flight_delays",
    description="US flight delays: raw yearly file to daily airport delays, anomalies, charts.",
    doc_md=__doc__,
    schedule=CronTriggerTimetable("@yearly", timezone="UTC"),
    start_date=dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC),
    end_date=dt.datetime(LAST_YEAR, 12, 31, tzinfo=dt.UTC),
    catchup=True,
    max_active_runs=3,
    dagrun_timeout=dt.timedelta(hours=4),
    default_args=DEFAULT_ARGS,
    params={
        "year": Param(
            None,
            type=["null", "integer"],
            minimum=1987,
            maximum=2100,
            title="Year",
            description="Year to process; empty: the year of the run's logical date.",
        )
    },
    tags=["flightdelays", "etl", "yearly"],
)
def flight_delays() -> None:
    @task(execution_timeout=dt.timedelta(minutes=45))
    def extract_and_aggregate() -> dict[str, int]:
        """
        #### Extract and aggregate
        Checks `<raw>/<YEAR>.csv` (header, types, dates inside the year, airport codes) and
        aggregates it per airport and day into `<lake>/aggregates/<YEAR>.parquet`.
        A malformed file fails the task at once, naming the line and column.
        Returns `flights`, `airport_days`, `airports`.
        """
        from flightdelays.airflow_settings import run_step

        return run_step("aggregate")

    @task(execution_timeout=dt.timedelta(minutes=45))
    def detect() -> dict[str, int]:
        """
        #### Detect anomalous days
        Reads the aggregate, flags each airport's anomalous days with the configured detector,
        explains each flagged day from its delay causes and its carriers' days
        (`<lake>/aggregates/<YEAR>.carriers.parquet`) and writes `<lake>/daily/<YEAR>.parquet`,
        the rows that charts, load and export use, and `<lake>/explanations/<YEAR>.parquet`.
        Returns `anomalies`, `with_cause`.
        """
        from flightdelays.airflow_settings import run_step

        return run_step("detect")

    @task(execution_timeout=dt.timedelta(minutes=5))
    def chart_shards() -> list[dict[str, int]]:
        """
        #### Chart shards
        How many tasks draw the year's charts: one `{shard, shards}` per `charts` task, from the
        Variable `flightdelays_chart_shards` or env `FLIGHTDELAYS_CHART_SHARDS` (default 4).
        """
        from flightdelays.airflow_settings import chart_shard_kwargs

        return chart_shard_kwargs()

    @task(map_index_template="shard {{ task.op_kwargs['shard'] }}")
    def charts(shard: int, shards: int) -> dict[str, int]:
        """
        #### Charts (one task per shard)
        One PNG per airport of the shard at `<lake>/charts/<YEAR>/<AIRPORT>.png` (flights per
        day, anomalous days marked). Shards split the year's airports, balanced by rows, the
        same way in every task. Returns `charts`, this shard's.
        """
        from flightdelays.airflow_settings import run_step

        part = "flightdelays.steps.charts:chart_shard_step"
        return run_step("charts", part, shard=shard, shards=shards)

    @task(execution_timeout=dt.timedelta(minutes=10))
    def chart_index() -> dict[str, int]:
        """
        #### Chart index
        Once every shard is drawn: `index.html` and `index.json` beside the charts, and charts
        of airports no longer in the year removed. Returns `stale_removed`.
        """
        from flightdelays.airflow_settings import run_step

        return run_step("charts", "flightdelays.steps.charts:chart_index_step")

    @task
    def load() -> dict[str, int]:
        """
        #### Load into PostgreSQL
        Replaces the year's rows of `daily_airport_delays` and `anomaly_explanations` in one
        transaction (delete, COPY, record in `yearly_loads`); a failure leaves the previous rows
        of the year in both intact.
        Returns `rows`, `explanations`.
        """
        from flightdelays.airflow_settings import run_step

        return run_step("load")

    @task
    def export() -> dict[str, int]:
        """
        #### Export CSV
        Writes the year's rows as `<lake>/exports/<YEAR>.csv` and its explanations as
        `<lake>/explanation-exports/<YEAR>.csv` for downstream tools.
        Returns `exported`, `explanations_exported`.
        """
        from flightdelays.airflow_settings import run_step

        return run_step("export")

    @task(execution_timeout=dt.timedelta(minutes=10))
    def check() -> dict[str, int]:
        """
        #### Check
        Fails the run unless the table holds exactly one row per aggregated (airport, day),
        without duplicates, one explanation per flagged day as in the lake, and there is
        exactly one chart per airport.
        Returns `rows`, `airports`, `anomalies`.
        """
        from flightdelays.airflow_settings import run_step

        return run_step("check")

    detected, shards = detect(), chart_shards()
    extract_and_aggregate() >> detected >> shards
    indexed, loaded, exported = chart_index(), load(), export()
    # A mapped task does not take its docstring as doc_md by itself.
    charts.override(doc_md=charts.function.__doc__).expand_kwargs(shards) >> indexed
    detected >> [loaded, exported]
    [indexed, loaded, exported] >> check()


flight_delays()
