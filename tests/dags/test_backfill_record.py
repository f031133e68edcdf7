"""`flightdelays airflow backfill` leaves what `airflow backfill create` would: a Backfill row and
runs of type backfill with their real start and end."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from flightdelays.local.airflow import LocalAirflow, backfill, logical_date

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("airflow"),
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
]


def test_a_backfill_is_recorded_with_its_runs_real_start_and_end(
    airflow_db: LocalAirflow,
    hub_raw_dir: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from airflow.models.backfill import Backfill, BackfillDagRun
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.types import DagRunTriggeredByType, DagRunType
    from sqlalchemy import select

    monkeypatch.setenv("FLIGHTDELAYS_RAW_URL", hub_raw_dir.as_uri())
    monkeypatch.setenv("FLIGHTDELAYS_LAKE_URL", (tmp_path / "lake").as_uri())
    monkeypatch.setenv("FLIGHTDELAYS_DATABASE_URL", database_url)
    for connection in ("AIRFLOW_CONN_FLIGHTDELAYS_AWS", "AIRFLOW_CONN_FLIGHTDELAYS_POSTGRES"):
        monkeypatch.delenv(connection, raising=False)
    before = dt.datetime.now(dt.UTC)

    runs = backfill(airflow_db, [2011, 2013])

    after = dt.datetime.now(dt.UTC)
    assert [run.state for run in runs] == ["success", "success"]
    with create_session() as session:
        dag_runs = [
            session.scalars(select(DagRun).where(DagRun.run_id == run.run_id)).one() for run in runs
        ]
        assert {dag_run.run_type for dag_run in dag_runs} == {DagRunType.BACKFILL_JOB}
        assert {dag_run.triggered_by for dag_run in dag_runs} == {DagRunTriggeredByType.BACKFILL}
        assert [dag_run.run_id.split("__")[0] for dag_run in dag_runs] == ["backfill"] * 2
        spans = [(dag_run.start_date, dag_run.end_date) for dag_run in dag_runs]
        for start, end in spans:
            assert start is not None
            assert end is not None
            assert before <= start <= end <= after
        (_, first_end), (second_start, second_end) = spans
        assert first_end is not None
        assert second_start is not None
        assert first_end <= second_start  # one after the other
        (backfill_id,) = {dag_run.backfill_id for dag_run in dag_runs}
        row = session.get(Backfill, backfill_id)
        assert row is not None
        assert (row.from_date, row.to_date) == (logical_date(2011), logical_date(2013))
        assert row.completed_at is not None
        assert second_end is not None
        assert row.completed_at >= second_end
        links = session.scalars(
            select(BackfillDagRun)
            .where(BackfillDagRun.backfill_id == backfill_id)
            .order_by(BackfillDagRun.sort_ordinal)
        ).all()
        assert [(link.dag_run_id, link.sort_ordinal) for link in links] == [
            (dag_runs[0].id, 1),
            (dag_runs[1].id, 2),
        ]
