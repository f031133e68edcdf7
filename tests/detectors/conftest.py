"""A small hand-made year for the detectors: four airports over 120 days, with known events.

- BIG (300 flights a day): a very late day (`SPIKE`) and a day of early departures (`EARLY`);
- MID (60 flights a day): a blizzard (`BLIZZARD`): 60% cancelled, the rest barely late;
- SML (8 flights a day, enough to be judged): a day only one flight left, 60 minutes late
  (`ONE_FLIGHT`);
- TNY (2 flights a day, too few to judge): a day averaging 150 minutes late (`TINY_NOISE`);
- every airport: `GAP` days with no rows at all, like the months missing from the real files.
Everything else is ordinary: a weekly pattern and noise the size a mean of that many flights
would have (deterministic, seeded).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
import pytest

from flightdelays.schema import CANCELLED_BY_CAUSE_COLUMNS, CAUSE_MINUTES_COLUMNS

START = dt.date(2013, 1, 7)  # a Monday
DAYS = 120
SIZES = {"BIG": 300, "MID": 60, "SML": 8, "TNY": 2}
WEEKLY = np.array([0.5, -1.5, -1.0, 1.5, 2.0, -2.5, 0.0])


def day(index: int) -> dt.date:
    return START + dt.timedelta(days=index)


@dataclass(frozen=True)
class Events:
    spike: tuple[str, dt.date]
    early: tuple[str, dt.date]
    blizzard: tuple[str, dt.date]
    one_flight: tuple[str, dt.date]
    tiny_noise: tuple[str, dt.date]
    gap: tuple[dt.date, ...]
    after_gap: dt.date


EVENTS = Events(
    spike=("BIG", day(40)),
    early=("BIG", day(50)),
    blizzard=("MID", day(70)),
    one_flight=("SML", day(75)),
    tiny_noise=("TNY", day(60)),
    gap=tuple(day(n) for n in range(85, 100)),
    after_gap=day(100),
)


def _no_cause_data(days: int) -> dict[str, pl.Series]:
    """The aggregate's cause columns for days whose files had none: detectors pass them on."""
    columns = {"cause_reported": pl.Series([0] * days, dtype=pl.Int32)}
    columns |= {name: pl.Series([None] * days, dtype=pl.Float64) for name in CAUSE_MINUTES_COLUMNS}
    return columns | {
        name: pl.Series([0] * days, dtype=pl.Int32) for name in CANCELLED_BY_CAUSE_COLUMNS
    }


def ordinary_year(seed: int = 0, days: int = DAYS) -> pl.DataFrame:
    """The aggregate's columns and types, ordinary days only, no gap."""
    rng = np.random.default_rng(seed)
    frames = []
    for airport, size in SIZES.items():
        weekday = (np.arange(days) + START.weekday()) % 7
        flights = np.maximum(rng.poisson(size, days), 1)
        cancelled = rng.binomial(flights, 0.015)
        departed = flights - cancelled
        noise = rng.normal(0.0, np.sqrt(3.0**2 + 40.0**2 / np.maximum(departed, 1)))
        delay = np.where(departed > 0, 10.0 + WEEKLY[weekday] + noise, np.nan)
        frames.append(
            pl.DataFrame(
                {
                    "airport": airport,
                    "flight_date": [day(n) for n in range(days)],
                    "year": pl.Series([day(n).year for n in range(days)], dtype=pl.Int16),
                    "flights": pl.Series(flights, dtype=pl.Int32),
                    "cancelled": pl.Series(cancelled, dtype=pl.Int32),
                    "diverted": pl.Series(np.zeros(days), dtype=pl.Int32),
                    "departed": pl.Series(departed, dtype=pl.Int32),
                    "avg_dep_delay": pl.Series(delay).fill_nan(None),
                    "share_delayed_15": pl.Series(np.clip(0.2 + delay / 100, 0, 1)).fill_nan(None),
                    **_no_cause_data(days),
                }
            )
        )
    return pl.concat(frames)


def set_day(daily: pl.DataFrame, where: tuple[str, dt.date], **values: float) -> pl.DataFrame:
    """`daily` with the named columns of one (airport, day) replaced."""
    airport, date = where
    row = (pl.col("airport") == airport) & (pl.col("flight_date") == date)
    return daily.with_columns(
        pl.when(row)
        .then(pl.lit(value))
        .otherwise(pl.col(name))
        .cast(daily.schema[name])
        .alias(name)
        for name, value in values.items()
    )


def with_events(daily: pl.DataFrame) -> pl.DataFrame:
    """The ordinary year with every event of `EVENTS` in it."""
    daily = set_day(daily, EVENTS.spike, avg_dep_delay=75.0)
    daily = set_day(daily, EVENTS.early, avg_dep_delay=-25.0)
    daily = set_day(
        daily, EVENTS.blizzard, flights=60, cancelled=36, departed=24, avg_dep_delay=12.0
    )
    daily = set_day(
        daily, EVENTS.one_flight, flights=8, cancelled=0, departed=1, avg_dep_delay=70.0
    )
    daily = set_day(
        daily, EVENTS.tiny_noise, flights=2, cancelled=0, departed=2, avg_dep_delay=150.0
    )
    return daily.filter(~pl.col("flight_date").is_in(EVENTS.gap))


@pytest.fixture(scope="session")
def events() -> Events:
    return EVENTS


@pytest.fixture(scope="session")
def daily() -> pl.DataFrame:
    """The hand-made year: ordinary days, the events, and the gap (see the module docstring)."""
    return with_events(ordinary_year())


@pytest.fixture(scope="session")
def helpers() -> type[Helpers]:
    return Helpers


class Helpers:
    """What the detector tests share, handed out as a fixture (tests are not a package)."""

    set_day = staticmethod(set_day)
    ordinary_year = staticmethod(ordinary_year)

    @staticmethod
    def row(detected: pl.DataFrame, where: tuple[str, dt.date]) -> dict[str, object]:
        airport, date = where
        return detected.filter(
            (pl.col("airport") == airport) & (pl.col("flight_date") == date)
        ).row(0, named=True)

    @staticmethod
    def flagged(detected: pl.DataFrame) -> dict[tuple[str, dt.date], str]:
        hits = detected.filter("is_anomaly")
        return {
            (airport, date): signal
            for airport, date, signal in hits.select(
                "airport", "flight_date", "anomaly_signal"
            ).iter_rows()
        }
