"""The charts step: one chart per airport of a year, an index, no stale chart left."""

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
