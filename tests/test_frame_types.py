"""The declared frame types are the ones the aggregate's read produces, column for column."""

from __future__ import annotations

from pathlib import Path

from flightdelays.catalog import Stores
from flightdelays.frame_types import CARRIER_DAY_TYPES, DAILY_TYPES
from flightdelays.schema import CARRIER_DAY_COLUMNS, DAILY_COLUMNS
from flightdelays.steps import extract
from flightdelays.steps.aggregate import read_year


def test_the_types_are_those_of_a_real_read(sample_raw_dir: Path) -> None:
    assert tuple(DAILY_TYPES) == DAILY_COLUMNS
    assert tuple(CARRIER_DAY_TYPES) == CARRIER_DAY_COLUMNS
    read = read_year(extract.open_raw(Stores.in_folder(sample_raw_dir), 2013))
    assert dict(read.daily.schema) == DAILY_TYPES
    assert dict(read.carrier_days.schema) == CARRIER_DAY_TYPES
