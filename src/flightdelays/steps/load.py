"""The load step: the year's detected rows replace its rows in the warehouse, in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.warehouse.postgres import replace_year

if TYPE_CHECKING:
    from flightdelays.settings import Settings


def load_step(settings: Settings, year: int) -> dict[str, int]:
    """Replace the year's rows in `daily_airport_delays`; rows now in the table."""
    stores = Stores.from_settings(settings)
    detected = stores.read_parquet(catalog.detected(year))
    source = stores.location(catalog.raw_file(year))
    loaded = replace_year(settings.resolved_database_url(), year, detected, source)
    return {"rows": loaded.rows}
