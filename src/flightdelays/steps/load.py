"""The load step: the year's detected rows and explanations replace its rows in the warehouse,
in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.warehouse.postgres import replace_year

if TYPE_CHECKING:
    from flightdelays.settings import Settings


def load_step(settings: Settings, year: int) -> dict[str, int]:
    """Replace the year's rows in `daily_airport_delays` and `anomaly_explanations`; rows and
    explanations now in the tables."""
    stores = Stores.from_settings(settings)
    detected = stores.read_parquet(catalog.detected(year))
    explanations = stores.read_parquet(catalog.explanations(year))
    source = stores.location(catalog.raw_file(year))
    loaded = replace_year(
        settings.resolved_database_url(), year, detected, source, explanations=explanations
    )
    return {"rows": loaded.rows, "explanations": loaded.explanations}
