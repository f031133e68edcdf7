"""A lake holding one year's export, as the pipeline's export step writes it."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.detectors import DEFAULT_DETECTOR, get_detector
from flightdelays.schema import TABLE_COLUMNS

YEAR = 2013


@pytest.fixture(scope="session")
def exported_year(hub_raw_dir: Path) -> pl.DataFrame:
    """The hub airports' sample 2013 as the export holds it (the table's columns: the verdict
    and its explanation)."""
    from flightdelays.explanations import explain
    from flightdelays.steps import extract
    from flightdelays.steps.aggregate import read_year

    aggregated = read_year(extract.open_raw(Stores.in_folder(hub_raw_dir), YEAR))
    detected = get_detector(DEFAULT_DETECTOR).detect(aggregated.daily)
    return explain(detected, aggregated.carrier_days).rows.select(TABLE_COLUMNS)


@pytest.fixture
def exported_lake(tmp_path: Path, exported_year: pl.DataFrame) -> Stores:
    """A local lake with the year's export in it."""
    stores = Stores.in_folder(tmp_path / "lake")
    stores.write_csv(catalog.export(YEAR), exported_year)
    return stores
