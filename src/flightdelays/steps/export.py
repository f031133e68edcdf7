"""The export step: the year's rows as loaded, as CSV in the lake for downstream tools."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.schema import TABLE_COLUMNS

if TYPE_CHECKING:
    from flightdelays.settings import Settings


def export_step(settings: Settings, year: int) -> dict[str, int]:
    """Write the year's rows (the table's columns) as the year's export; rows written."""
    stores = Stores.from_settings(settings)
    detected = stores.read_parquet(catalog.detected(year))
    stores.write_csv(catalog.export(year), detected.select(TABLE_COLUMNS))
    return {"exported": detected.height}
