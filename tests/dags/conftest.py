"""Airflow for the DAG tests: its home in a temporary folder, configured before Airflow is imported.

Airflow reads its configuration once, on first import; so test modules here import it only inside
tests and fixtures, after `airflow_home` has set the environment. `airflow_db` migrates the
SQLite metadata database once per session (~12 s); only the real-run tests need it.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from flightdelays.local.airflow import LocalAirflow, configure

if TYPE_CHECKING:
    from airflow.sdk import DAG

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="session", autouse=True)
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAirflow]:
    """This session's Airflow: home and data in a temporary folder, the repository's DAGs."""
    if "airflow" in sys.modules:
        pytest.fail("Airflow was imported before the DAG tests configured it")
    folder = tmp_path_factory.mktemp("airflow")
    local = LocalAirflow(home=folder / "home", dags_folder=DAGS_FOLDER, data_dir=folder / "data")
    saved = {key: os.environ.get(key) for key in local.environ()}
    root_handlers, root_level = list(logging.root.handlers), logging.root.level
    configure(local)
    yield local
    # Airflow's logging set-up writes to this session's captured streams, closed by now: give
    # the root logger back, or later log calls (at exit too) fail on a closed file.
    logging.root.handlers[:] = root_handlers
    logging.root.setLevel(root_level)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def airflow_db(airflow_home: LocalAirflow) -> LocalAirflow:
    """The metadata database, migrated once for the session."""
    from flightdelays.local.airflow import migrate

    migrate()
    return airflow_home


@pytest.fixture(scope="session")
def flight_dag(airflow_db: LocalAirflow) -> DAG:
    """The DAG as the DAG processor loads it from the repository's `dags/` folder."""
    from flightdelays.local.airflow import load_dag

    return load_dag(airflow_db.dags_folder)
