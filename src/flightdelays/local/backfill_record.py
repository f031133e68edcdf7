"""The one-process backfill recorded as Airflow records one: a Backfill row and backfill runs.

`airflow backfill create` (models.backfill._create_backfill) leaves a `backfill` row, one
`backfill_dag_run` row per logical date, and runs of type `backfill` (run id `backfill__…`,
triggered by `backfill`, started when created) that the UI lists under Backfills; the scheduler
sets the row's `completed_at` when its last run ends. `dag.test()` instead makes a `manual` run
whose start is its logical date. Here the years run with `dag.test()` all the same (one process,
no scheduler), but each run is made the way a backfill makes it, and the row is completed at the
end, so that the metadata database tells what happened.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from unittest import mock

if TYPE_CHECKING:
    from airflow.models.dagrun import DagRun


@contextmanager
def backfill_row(dag_id: str, first: dt.datetime, last: dt.datetime) -> Iterator[int]:
    """A new Backfill row over [first, last], one run at a time; completed on leaving."""
    from airflow.models.backfill import Backfill, ReprocessBehavior
    from airflow.utils.session import create_session

    with create_session() as session:
        backfill = Backfill(
            dag_id=dag_id,
            from_date=first,
            to_date=last,
            max_active_runs=1,
            dag_run_conf={},
            reprocess_behavior=ReprocessBehavior.COMPLETED,
            triggering_user_name=getpass.getuser(),
        )
        session.add(backfill)
        session.flush()
        backfill_id = backfill.id
    try:
        yield backfill_id
    finally:
        with create_session() as session:
            row = session.get(Backfill, backfill_id)
            if row is not None:
                row.completed_at = dt.datetime.now(dt.UTC)


@contextmanager
def runs_made_as_backfill(backfill_id: int, sort_ordinal: int) -> Iterator[None]:
    """Within: the run `dag.test()` makes is a run of the backfill `backfill_id`.

    `dag.test()` gets its run from `airflow.models.dagrun.get_or_create_dagrun`, which it imports
    when called: that function is replaced by one that makes the run as `_create_backfill` does.
    """
    import airflow.models.dagrun

    def make_run(**options: Any) -> DagRun:
        return _backfill_run(backfill_id, sort_ordinal, **options)

    with mock.patch.object(airflow.models.dagrun, "get_or_create_dagrun", make_run):
        yield


def _backfill_run(backfill_id: int, sort_ordinal: int, **options: Any) -> DagRun:
    """A run of type backfill for `options["logical_date"]`, replacing an earlier one."""
    from airflow.models.backfill import BackfillDagRun
    from airflow.models.dagrun import DagRun
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType
    from sqlalchemy import select

    dag, session = options["dag"], options["session"]
    logical_date, run_after = options["logical_date"], options["run_after"]
    earlier = session.scalar(
        select(DagRun).where(DagRun.dag_id == dag.dag_id, DagRun.logical_date == logical_date)
    )
    if earlier is not None:  # as dag.test() does: one run per logical date
        session.delete(earlier)
        session.commit()
    run: DagRun = dag.create_dagrun(
        run_id=DagRun.generate_run_id(
            run_type=DagRunType.BACKFILL_JOB, logical_date=logical_date, run_after=run_after
        ),
        logical_date=logical_date,
        data_interval=options["data_interval"],
        run_after=run_after,
        conf=options["conf"],
        run_type=DagRunType.BACKFILL_JOB,
        triggered_by=DagRunTriggeredByType.BACKFILL,
        triggering_user_name=getpass.getuser(),
        state=DagRunState.RUNNING,
        start_date=dt.datetime.now(dt.UTC),
        backfill_id=backfill_id,
        session=session,
    )
    session.add(
        BackfillDagRun(
            backfill_id=backfill_id,
            dag_run_id=run.id,
            logical_date=logical_date,
            sort_ordinal=sort_ordinal,
        )
    )
    session.commit()
    return run
