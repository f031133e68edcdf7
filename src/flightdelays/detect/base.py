"""The detector Protocol, the registry, and the verdict every detector ends with."""

from __future__ import annotations

from typing import Protocol

import polars as pl

from flightdelays.errors import ConfigError
from flightdelays.schema import TABLE_COLUMNS


class Detector(Protocol):
    """Scores every (airport, day) row of one year's aggregate."""

    name: str

    def detect(self, daily: pl.DataFrame) -> pl.DataFrame:
        """`daily` (the aggregate, all airports of one year) with `DETECTION_COLUMNS` added.

        Only abnormally *high* delay or cancellations make an anomaly; days missing from
        `daily` stay missing (never filled in). Rows stay in their order.
        """
        ...


_REGISTRY: dict[str, Detector] = {}


def register(detector: Detector) -> None:
    _REGISTRY[detector.name] = detector


def available() -> list[str]:
    return sorted(_REGISTRY)


def get_detector(name: str) -> Detector:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown detector {name!r}; choose one of {available()}") from None


def add_verdict(
    scored: pl.DataFrame, name: str, *, delay_threshold: float, cancellation_threshold: float
) -> pl.DataFrame:
    """The rows as stored (`TABLE_COLUMNS`): which signal fired, if any, on judged rows.

    `scored` has delay_score, expected_dep_delay, cancellation_score,
    expected_cancelled_share and judged (null scores never fire).
    """
    delay = pl.col("judged") & (pl.col("delay_score") > delay_threshold).fill_null(False)
    cancellations = pl.col("judged") & (
        pl.col("cancellation_score") > cancellation_threshold
    ).fill_null(False)
    signal = (
        pl.when(delay & cancellations)
        .then(pl.lit("both"))
        .when(delay)
        .then(pl.lit("delay"))
        .when(cancellations)
        .then(pl.lit("cancellations"))
    )
    return scored.with_columns(
        is_anomaly=delay | cancellations,
        anomaly_signal=signal,
        detector=pl.lit(name),
    ).select(TABLE_COLUMNS)
