"""The detect step: the configured detector's verdict on every (airport, day) of a year, and
why each flagged day was abnormal (`flightdelays.explanations`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.detectors import get_detector
from flightdelays.explanations import explain

if TYPE_CHECKING:
    from flightdelays.settings import Settings


def detect_step(settings: Settings, year: int) -> dict[str, int]:
    """Flag anomalous days of the aggregate and explain them: the detected rows (the table's
    columns) and the year's explanations; how many days were flagged, and how many of those
    name a cause."""
    stores = Stores.from_settings(settings)
    daily = stores.read_parquet(catalog.aggregate(year))
    carrier_days = stores.read_parquet(catalog.carrier_days(year))
    explained = explain(get_detector(settings.detector).detect(daily), carrier_days)
    stores.write_parquet(catalog.detected(year), explained.rows)
    stores.write_parquet(catalog.explanations(year), explained.explanations)
    return {
        "anomalies": explained.explanations.height,
        "with_cause": int(explained.explanations["dominant_cause"].is_not_null().sum()),
    }
