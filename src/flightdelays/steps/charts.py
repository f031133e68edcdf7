"""The charts step: one chart per airport of a year, an index, no stale chart left.

`charts_step` does it all in one process (`flightdelays run`); under Airflow, one mapped task per
shard runs `chart_shard_step` and `chart_index_step` finishes the year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flightdelays import catalog
from flightdelays.catalog import Stores

if TYPE_CHECKING:
    from flightdelays.settings import Settings


def charts_step(settings: Settings, year: int) -> dict[str, int]:
    """One chart per airport into the year's charts folder; charts left from before removed."""
    from flightdelays.charts.publish import publish_charts

    stores = Stores.from_settings(settings)
    detected = stores.read_parquet(catalog.detected(year))
    return publish_charts(stores, year, detected, workers=settings.chart_workers)


def chart_shard_step(settings: Settings, year: int, shard: int, shards: int) -> dict[str, int]:
    """The charts of shard `shard` of `shards` of the year's airports (one Airflow mapped task);
    no index, nothing removed. Returns `charts`, how many this shard wrote."""
    from flightdelays.charts.publish import draw_charts, shard_rows

    stores = Stores.from_settings(settings)
    detected = stores.read_parquet(catalog.detected(year))
    rows = shard_rows(detected, shard, shards)
    return {"charts": draw_charts(stores, year, rows, workers=settings.chart_workers)}


def chart_index_step(settings: Settings, year: int) -> dict[str, int]:
    """After every shard: the year's index, and charts of airports no longer in the year
    removed. Returns `stale_removed`."""
    from flightdelays.charts.publish import finish_charts

    stores = Stores.from_settings(settings)
    detected = stores.read_parquet(catalog.detected(year))
    return {"stale_removed": finish_charts(stores, year, detected)["stale_removed"]}
