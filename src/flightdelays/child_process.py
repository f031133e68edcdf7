"""A step of a year in a child process, so that a process running many years keeps one year's peak.

The aggregate's streaming read of a full-scale year peaks at 0.6-0.8 GB and polars' allocator keeps
much of it, so ten years in one process reached 1.06 GB (`flightdelays run`) and 1.26 GB
(`flightdelays airflow backfill`, Airflow's own memory included). In a child, all of it goes back
when the step ends. The child is forked from the chart workers' forkserver (cheap: it is already
running, or starts importing at once) and dies with the run (`charts.lifeline`); an error comes
back as the step raised it.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flightdelays.settings import Settings


def call_in_child(function_path: str, settings: Settings, year: int) -> dict[str, int]:
    """What `module:function(settings, year)` returns, run in a child process."""
    from flightdelays.charts.publish import die_with_parent, worker_context

    # The embedded server is started here, not in the child: pgserver keeps a list of the
    # processes using it and stops it when the last one exits, but a pool's child ends without
    # taking itself off the list, so the server would outlive the run.
    settings = settings.with_overrides(database_url=settings.resolved_database_url())
    with ProcessPoolExecutor(
        max_workers=1, mp_context=worker_context(), initializer=die_with_parent
    ) as pool:
        return pool.submit(_call, function_path, settings, year).result()


def _call(function_path: str, settings: Settings, year: int) -> dict[str, int]:
    from flightdelays.pipeline import load_function

    return load_function(function_path)(settings, year)
