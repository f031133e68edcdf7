"""The cluster workers' Celery configuration: Airflow's own; the pipeline's modules loaded once.

Airflow's Celery worker runs every task in a process forked from the worker, and imports its own
expensive modules once at the worker's start for that reason (`on_celery_import_modules` in the
celery provider). This does the same for ours on Celery's `import_modules` signal, which only a
worker sends: polars, every step's module, the configured detector and a chart figure with its
fonts and backgrounds ready (`charts.worker`). Each task then starts with them imported instead
of paying 0.5-2 s for them. Nothing here runs polars, so no polars thread pool exists before the
fork. The cluster sets `[celery] celery_config_options` to `CELERY_CONFIG` below.
"""

from __future__ import annotations

import importlib
from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import import_modules

CELERY_CONFIG = DEFAULT_CELERY_CONFIG
"""Airflow's configuration unchanged: the module is named only for its signal handler."""


def task_modules() -> list[str]:
    """What a task of the DAG imports: each step's module and the chart figure's."""
    from flightdelays.pipeline import STEPS

    modules = [step.function_path.partition(":")[0] for step in STEPS]
    return [*modules, "flightdelays.charts.publish", "flightdelays.charts.worker"]


def preload_task_modules(*_args: Any, **_kwargs: Any) -> None:
    """Import what every task imports, once, in the worker every task is forked from."""
    from flightdelays.detectors import get_detector
    from flightdelays.settings import Settings

    for module in task_modules():
        importlib.import_module(module)
    get_detector(Settings.from_env().detector)


import_modules.connect(preload_task_modules)
