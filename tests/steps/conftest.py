"""A year's lake as the aggregate step leaves it, and a detector that flags chosen days, for the
steps after it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.detectors.base import VerdictRule, add_verdict
from flightdelays.schema import CANCELLED_BY_CAUSE_COLUMNS, CAUSE_MINUTES_COLUMNS, DAILY_COLUMNS
from flightdelays.settings import Settings

YEAR = 2013
AIRPORTS = ("JFK", "LGA")
STORM = dt.date(YEAR, 1, 10)
"""The one day the fake detector flags, at every airport: weather's, and UA's."""


def aggregate() -> pl.DataFrame:
    """Thirty days at each airport; on `STORM` weather holds most delay minutes."""
    days = [dt.date(YEAR, 1, 1) + dt.timedelta(days=n) for n in range(30)]
    return pl.DataFrame(
        [
            {
                "airport": airport,
                "flight_date": day,
                "year": YEAR,
                "flights": 100,
                "cancelled": 2,
                "diverted": 0,
                "departed": 98,
                "avg_dep_delay": 60.0 if day == STORM else 8.0,
                "share_delayed_15": 0.2,
                "cause_reported": 20,
                **dict.fromkeys(CAUSE_MINUTES_COLUMNS, 100.0),
                "weather_delay_minutes": 2000.0 if day == STORM else 100.0,
                **dict.fromkeys(CANCELLED_BY_CAUSE_COLUMNS, 0),
                "cancelled_carrier": 2,
            }
            for airport in AIRPORTS
            for day in days
        ],
        schema_overrides={"year": pl.Int16, "avg_dep_delay": pl.Float64},
    ).select(DAILY_COLUMNS)


def carrier_days(daily: pl.DataFrame) -> pl.DataFrame:
    """Each day split between UA (30 flights) and AA (70); UA far later on `STORM`."""
    ua = daily.select(
        "airport",
        "flight_date",
        "year",
        carrier=pl.lit("UA"),
        flights=pl.lit(30, pl.Int32),
        cancelled=pl.lit(0, pl.Int32),
        departed=pl.lit(30, pl.Int32),
        avg_dep_delay=pl.when(pl.col("flight_date") == STORM).then(150.0).otherwise(8.0),
    )
    aa = ua.with_columns(
        carrier=pl.lit("AA"),
        flights=pl.lit(70, pl.Int32),
        departed=pl.lit(70, pl.Int32),
        avg_dep_delay=pl.lit(8.0),
    )
    return pl.concat([ua, aa]).sort("airport", "flight_date", "carrier")


class StormDetector:
    """Flags `STORM` at every airport, on its delay."""

    name = "storm"

    def detect(self, daily: pl.DataFrame) -> pl.DataFrame:
        storm = pl.col("flight_date") == STORM
        scored = daily.with_columns(
            delay_score=pl.when(storm).then(10.0).otherwise(0.0),
            expected_dep_delay=pl.lit(8.0),
            cancellation_score=pl.lit(0.0),
            expected_cancelled_share=pl.lit(0.02),
            judged=pl.lit(True),
        )
        return add_verdict(
            scored, self.name, VerdictRule(delay_threshold=5.0, cancellation_threshold=5.0)
        )


@pytest.fixture
def aggregated_year(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings of a lake holding `YEAR`'s aggregate and carrier days, whose detector is
    `StormDetector`."""
    import flightdelays.steps.detect

    monkeypatch.setattr(flightdelays.steps.detect, "get_detector", lambda _name: StormDetector())
    settings = Settings(
        raw_url=(tmp_path / "raw").as_uri(),
        lake_url=(tmp_path / "lake").as_uri(),
        database_url=None,
        data_dir=tmp_path,
    )
    stores = Stores.from_settings(settings)
    daily = aggregate()
    stores.write_parquet(catalog.aggregate(YEAR), daily)
    stores.write_parquet(catalog.carrier_days(YEAR), carrier_days(daily))
    return settings
