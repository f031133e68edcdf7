"""What a cluster's runs cost and where they ran: per task, its worker and its time.

Airflow records a task's machine (`task_instance.hostname`), not its Celery worker: two workers
on one machine look the same there. Each worker's own log names every workload it took (the
Celery executor's "Executing workload in Celery: …" line, with the task, run and try), so the
logs say which worker ran which try. The time a task spends outside its step (process start,
imports, reading connections, reporting back) is its duration less the step's own seconds,
which `run_step` leaves in the XCom `step_seconds`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from flightdelays.airflow_settings import STEP_SECONDS_KEY
from flightdelays.pipeline import STEPS

WORKLOAD_LINE = "Executing workload in Celery:"
_FIELDS = {
    "task_id": re.compile(r"task_id='([^']*)'"),
    "run_id": re.compile(r"run_id='([^']*)'"),
    "try_number": re.compile(r"try_number=(\d+)"),
}

TryKey = tuple[str, str, int]  # run id, task id, try number


def workloads_taken(log_lines: Iterable[str]) -> list[TryKey]:
    """The (run id, task id, try number) of each workload a worker's log says it took."""
    taken = []
    for line in log_lines:
        if WORKLOAD_LINE not in line:
            continue
        found = {name: pattern.search(line) for name, pattern in _FIELDS.items()}
        run, task, tries = found["run_id"], found["task_id"], found["try_number"]
        if run and task and tries:
            taken.append((run.group(1), task.group(1), int(tries.group(1))))
    return taken


def workers_by_try(worker_logs: dict[str, Path]) -> dict[TryKey, str]:
    """Which worker (by name) took each try, from the workers' logs."""
    found: dict[TryKey, str] = {}
    for name, path in worker_logs.items():
        try:
            lines = path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        for key in workloads_taken(lines):
            found[key] = name
    return found


@dataclass(frozen=True)
class TaskCost:
    """One task of one year's run: where its tries ran and what its last try cost."""

    year: int
    task_id: str
    state: str
    workers: tuple[str, ...]  # worker of each try of this cluster's, in order ("?": none found)
    seconds: float | None  # the last try's duration
    in_step: float | None
    queued: float | None  # seconds between being queued and starting

    @property
    def outside_step(self) -> float | None:
        if self.seconds is None or self.in_step is None:
            return None
        return max(self.seconds - self.in_step, 0.0)


def task_costs(dag_id: str, runs: dict[str, int], worker_logs: dict[str, Path]) -> list[TaskCost]:
    """Every task of the runs (run id to year), with its workers and times."""
    from airflow.models.dagrun import DagRun
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    by_try = workers_by_try(worker_logs)
    costs = []
    with create_session() as session:
        for run_id, year in runs.items():
            dag_run = session.scalars(
                select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
            ).one()
            query = XComModel.get_many(run_id=run_id, dag_ids=dag_id, key=STEP_SECONDS_KEY)
            rows = cast("list[XComModel]", session.scalars(query).all())
            step_seconds = {row.task_id: XComModel.deserialize_value(row) for row in rows}
            for instance in dag_run.get_task_instances(session=session):
                tries = range(1, (instance.try_number or 0) + 1)
                # Tries of earlier backfills of the year are not in this cluster's logs.
                found = (by_try.get((run_id, instance.task_id, t)) for t in tries)
                workers = tuple(name for name in found if name) or ("?",)
                recorded = step_seconds.get(instance.task_id)
                queued = None
                if instance.queued_dttm and instance.start_date:
                    queued = (instance.start_date - instance.queued_dttm).total_seconds()
                costs.append(
                    TaskCost(
                        year=year,
                        task_id=instance.task_id,
                        state=str(instance.state),
                        workers=workers,
                        seconds=instance.duration,
                        in_step=recorded.get("in_step") if isinstance(recorded, dict) else None,
                        queued=queued,
                    )
                )
    tasks = [task_id for step in STEPS for task_id in step.task_ids]
    order = {task_id: place for place, task_id in enumerate(tasks)}
    return sorted(costs, key=lambda cost: (cost.year, order.get(cost.task_id, len(order))))


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def cost_table(costs: list[TaskCost]) -> list[str]:
    """The costs as aligned text lines, a total line last."""
    header = f"{'year':<5} {'task':<22} {'state':<8} {'worker(s)':<18}"
    header += f" {'total s':>8} {'in step':>8} {'outside':>8} {'queued':>7}"
    lines = [header]
    for cost in costs:
        lines.append(
            f"{cost.year:<5} {cost.task_id:<22} {cost.state:<8} {' > '.join(cost.workers):<18}"
            f" {_seconds(cost.seconds):>8} {_seconds(cost.in_step):>8}"
            f" {_seconds(cost.outside_step):>8} {_seconds(cost.queued):>7}"
        )
    timed = [cost for cost in costs if cost.outside_step is not None]
    total = sum(cost.seconds or 0.0 for cost in timed)
    inside = sum(cost.in_step or 0.0 for cost in timed)
    if timed:
        lines.append(
            f"{'all':<5} {len(timed):>3} tasks{'':<55} {total:>8.1f} {inside:>8.1f}"
            f" {total - inside:>8.1f}"
        )
    return lines
