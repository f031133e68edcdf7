"""The export step: the year's rows and explanations as loaded, as CSV in the lake for
downstream tools."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.schema import EXPLANATION_COLUMNS, TABLE_COLUMNS

if TYPE_CHECKING:
    from flightdelays.settings import Settings


def export_step(settings: Settings, year: int) -> dict[str, int]:
    """Write the year's rows (the table's columns) and its explanations (`anomaly_explanations`'
    columns) as the year's exports; rows and explanations written."""
    stores = Stores.from_settings(settings)
    detected = stores.read_parquet(catalog.detected(year))
    explanations = stores.read_parquet(catalog.explanations(year))
    stores.write_csv(catalog.export(year), detected.select(TABLE_COLUMNS))
    stores.write_csv(catalog.explanations_export(year), explanations.select(EXPLANATION_COLUMNS))
    return {"exported": detected.height, "explanations_exported": explanations.height}
