"""The load and check steps: both tables loaded, and the check holds them to the lake."""

from __future__ import annotations

import dataclasses

import psycopg
import pytest

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.errors import CheckError
from flightdelays.settings import Settings
from flightdelays.steps.check import check_step
from flightdelays.steps.detect import detect_step
from flightdelays.steps.load import load_step

from .conftest import AIRPORTS, YEAR


@pytest.fixture
def loaded_year(aggregated_year: Settings, database_url: str) -> Settings:
    """The year detected, loaded, and one (empty) chart per airport."""
    settings = dataclasses.replace(aggregated_year, database_url=database_url)
    detect_step(settings, YEAR)
    assert load_step(settings, YEAR) == {"rows": 60, "explanations": 2}
    stores = Stores.from_settings(settings)
    for airport in AIRPORTS:
        stores.lake.write_bytes(f"charts/{YEAR}/{airport}.png", b"", "image/png")
    return settings


def test_a_loaded_year_passes_its_check(loaded_year: Settings) -> None:
    assert check_step(loaded_year, YEAR) == {"rows": 60, "airports": 2, "anomalies": 2}


def test_a_missing_explanation_fails_the_check(loaded_year: Settings) -> None:
    with psycopg.connect(loaded_year.resolved_database_url(), autocommit=True) as conn:
        conn.execute("DELETE FROM anomaly_explanations WHERE airport = 'JFK'")
    with pytest.raises(CheckError) as caught:
        check_step(loaded_year, YEAR)
    assert "table has 1 explanations, the lake has 2" in str(caught.value)
    assert "1 explanations for 2 flagged days" in str(caught.value)


def test_explanations_the_lake_lost_fail_the_check(loaded_year: Settings) -> None:
    stores = Stores.from_settings(loaded_year)
    explanations = stores.read_parquet(catalog.explanations(YEAR))
    stores.write_parquet(catalog.explanations(YEAR), explanations.head(1))
    with pytest.raises(CheckError, match="table has 2 explanations, the lake has 1"):
        check_step(loaded_year, YEAR)
