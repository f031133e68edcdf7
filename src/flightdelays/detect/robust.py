"""Robust z-score baseline: distance from the airport's median day, in MADs."""

from __future__ import annotations

import polars as pl

from flightdelays.detect.base import add_verdict

MIN_DEPARTED = 5
"""Fewer departures than this make a day's mean too noisy to judge."""

MIN_TYPICAL_FLIGHTS = 5
"""An airport whose median day has fewer flights has too little data to judge at all."""

_MAD_TO_SIGMA = 1.4826


def robust_z(value: pl.Expr, floor: float) -> tuple[pl.Expr, pl.Expr]:
    """(median, z) of `value` per airport, the spread floored so flat series don't explode."""
    median = value.median().over("airport")
    spread = ((value - median).abs().median().over("airport") * _MAD_TO_SIGMA).clip(floor)
    return median, (value - median) / spread


class RobustZScore:
    """Flags days whose mean delay is more than 3.5 robust standard deviations above the
    airport's median day, or whose cancelled share is more than 5 above its median."""

    name = "robust_zscore"
    delay_threshold = 3.5
    cancellation_threshold = 5.0

    def detect(self, daily: pl.DataFrame) -> pl.DataFrame:
        enough = pl.col("departed") >= MIN_DEPARTED
        delay = pl.when(enough).then(pl.col("avg_dep_delay"))
        expected_delay, delay_score = robust_z(delay, floor=1.0)
        share = pl.col("cancelled") / pl.col("flights")
        expected_share, cancellation_score = robust_z(share, floor=0.02)
        scored = daily.with_columns(
            delay_score=delay_score,
            expected_dep_delay=expected_delay,
            cancellation_score=pl.when(pl.col("flights") >= MIN_DEPARTED).then(cancellation_score),
            expected_cancelled_share=expected_share,
            judged=(pl.col("flights").median().over("airport") >= MIN_TYPICAL_FLIGHTS),
        )
        return add_verdict(
            scored,
            self.name,
            delay_threshold=self.delay_threshold,
            cancellation_threshold=self.cancellation_threshold,
        )
