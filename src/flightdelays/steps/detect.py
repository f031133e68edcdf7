"""The detect step: the configured detector's verdict on every (airport, day) of a year."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.detectors import get_detector

if TYPE_CHECKING:
    from flightdelays.settings import Settings


def detect_step(settings: Settings, year: int) -> dict[str, int]:
    """Flag anomalous days of the aggregate into the detected rows; how many were flagged."""
    stores = Stores.from_settings(settings)
    daily = stores.read_parquet(catalog.aggregate(year))
    detected = get_detector(settings.detector).detect(daily)
    stores.write_parquet(catalog.detected(year), detected)
    return {"anomalies": int(detected["is_anomaly"].sum())}
