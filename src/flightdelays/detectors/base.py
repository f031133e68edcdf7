"""The detector Protocol, and the verdict every detector ends with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import polars as pl

from flightdelays.schema import DETECTED_COLUMNS


class Detector(Protocol):
    """Scores every (airport, day) row of one year's aggregate."""

    name: str

    def detect(self, daily: pl.DataFrame) -> pl.DataFrame:
        """`daily` (the aggregate, all airports of one year) with `DETECTION_COLUMNS` added.

        Only abnormally *high* delay or cancellations make an anomaly; days missing from
        `daily` stay missing (never filled in). Rows stay in their order.
        """
        ...


@dataclass(frozen=True)
class VerdictRule:
    """When a score makes an anomaly (see `add_verdict`)."""

    delay_threshold: float
    cancellation_threshold: float
    joint_threshold: float | None = None
    delay_matters: pl.Expr | None = None
    cancellations_matter: pl.Expr | None = None


def add_verdict(scored: pl.DataFrame, name: str, rule: VerdictRule) -> pl.DataFrame:
    """The rows with their verdict (`DETECTED_COLUMNS`): which signal fired, if any, on judged rows.

    `scored` has delay_score, expected_dep_delay, cancellation_score,
    expected_cancelled_share and judged (null scores never fire). A signal fires when its score
    is above its threshold; with `joint_threshold`, both fire together when both scores are above
    it (two unusual signals on one day). `delay_matters` / `cancellations_matter` are optional
    conditions a signal must also meet (e.g. "at least 25 minutes later than expected").
    """
    judged = pl.col("judged").fill_null(False)
    always = pl.lit(True)
    delay_big = (rule.delay_matters if rule.delay_matters is not None else always).fill_null(False)
    cancellations_big = (
        rule.cancellations_matter if rule.cancellations_matter is not None else always
    ).fill_null(False)
    delay_high = (pl.col("delay_score") > rule.delay_threshold).fill_null(False)
    cancellations_high = (pl.col("cancellation_score") > rule.cancellation_threshold).fill_null(
        False
    )
    if rule.joint_threshold is not None:
        together = (
            (pl.col("delay_score") > rule.joint_threshold)
            & (pl.col("cancellation_score") > rule.joint_threshold)
        ).fill_null(False)
        delay_high = delay_high | (together & cancellations_big)
        cancellations_high = cancellations_high | (together & delay_big)
    delay = judged & delay_big & delay_high
    cancellations = judged & cancellations_big & cancellations_high
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
        judged=judged,
        detector=pl.lit(name),
    ).select(DETECTED_COLUMNS)


def no_scores(daily: pl.DataFrame, name: str) -> pl.DataFrame:
    """`daily` as stored with every score null and nothing flagged (e.g. an empty aggregate)."""
    scored = daily.with_columns(
        pl.lit(None, dtype=pl.Float64).alias(column)
        for column in (
            "delay_score",
            "expected_dep_delay",
            "cancellation_score",
            "expected_cancelled_share",
        )
    ).with_columns(judged=pl.lit(False))
    return add_verdict(scored, name, VerdictRule(delay_threshold=0.0, cancellation_threshold=0.0))
