"""The order of a year's steps, for the command line and the Airflow DAG alike.

extract + aggregate -> detect -> charts, load, export -> check. Each step is keyed on the year
and can be re-run: it replaces what an earlier run of the same year wrote. `run_year` runs them
in one process; the DAG runs each as a task (`Step.task_id`), except charts, which it fans out:
`chart_shards` -> one mapped `charts` task per shard of the year's airports -> `chart_index`
(`Step.task_ids`). A step's module is imported only when the step runs, so a task pays for its
own libraries alone.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from flightdelays.settings import Settings

Progress = Callable[[str], None]
"""Where a run reports one line per step (the command prints them to stderr)."""

StepFunction = Callable[["Settings", int], dict[str, int]]


def load_function(path: str) -> Callable[..., dict[str, int]]:
    """The function at `module:function`, its module imported now."""
    module, _, name = path.partition(":")
    found: Callable[..., dict[str, int]] = getattr(importlib.import_module(module), name)
    return found


@dataclass(frozen=True)
class Step:
    """One step of a year: its name, the DAG task that runs it, and its function."""

    name: str
    task_id: str
    function_path: str
    """`module:function`, imported when the step runs."""
    tasks: tuple[str, ...] = ()
    """The DAG's tasks of this step when it has more than `task_id` (in order)."""
    own_process: bool = False
    """Run in a child process when one process runs many years (`child_process`)."""

    @property
    def task_ids(self) -> tuple[str, ...]:
        """Every DAG task that runs part of this step."""
        return self.tasks or (self.task_id,)

    def function(self) -> StepFunction:
        found: StepFunction = load_function(self.function_path)
        return found

    def __call__(
        self, settings: Settings, year: int, *, many_years: bool = False
    ) -> dict[str, int]:
        """Run the step; `many_years`: this process runs other years too (see `own_process`)."""
        if many_years and self.own_process:
            from flightdelays.child_process import call_in_child

            return call_in_child(self.function_path, settings, year)
        return self.function()(settings, year)


STEPS: tuple[Step, ...] = (
    Step(
        "aggregate",
        "extract_and_aggregate",
        "flightdelays.steps.aggregate:aggregate_step",
        own_process=True,
    ),
    Step("detect", "detect", "flightdelays.steps.detect:detect_step"),
    Step(
        "charts",
        "charts",
        "flightdelays.steps.charts:charts_step",
        tasks=("chart_shards", "charts", "chart_index"),
    ),
    Step("load", "load", "flightdelays.steps.load:load_step"),
    Step("export", "export", "flightdelays.steps.export:export_step"),
    Step("check", "check", "flightdelays.steps.check:check_step"),
)


def step_named(name: str) -> Step:
    """The step called `name` (e.g. `aggregate`)."""
    return next(step for step in STEPS if step.name == name)


@dataclass
class YearSummary:
    """What a run of one year did, step by step."""

    year: int
    figures: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def record(self, step: str, figures: dict[str, int], seconds: float) -> str:
        """Add a step's figures and time; the progress line that reports it."""
        self.seconds[step] = seconds
        self.figures.update(figures)
        counts = ", ".join(f"{key} {value:,}" for key, value in figures.items())
        return f"[{self.year}] {step:<9} {counts} ({seconds:.1f} s)"


def run_year(
    settings: Settings, year: int, progress: Progress | None = None, *, many_years: bool = False
) -> YearSummary:
    """Run every step of one year in order; the first failing step raises. `many_years`: this
    process runs other years too, so a step with `own_process` runs in a child."""
    summary = YearSummary(year)
    for step in STEPS:
        started = time.perf_counter()
        figures = step(settings, year, many_years=many_years)
        line = summary.record(step.name, figures, time.perf_counter() - started)
        if progress:
            progress(line)
    return summary


def summary_table(summaries: list[YearSummary]) -> pl.DataFrame:
    """One row per year: the figures a person checks after a run."""
    import polars as pl

    return pl.DataFrame(
        [
            {
                "year": str(s.year),
                "flights": s.figures.get("flights"),
                "airport_days": s.figures.get("rows"),
                "airports": s.figures.get("airports"),
                "anomalous_days": s.figures.get("anomalies"),
                "charts": s.figures.get("charts"),
                "seconds": round(s.total_seconds, 1),
            }
            for s in summaries
        ]
    )
