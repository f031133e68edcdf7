"""How a year's daily delays are shaped, so generated years can be set beside real ones.

Two things make anomaly detection hard and both are measured here per airport: how far the
seasons move an airport's ordinary day (`month_swing`), and how heavy the upper tail of
ordinary day-to-day variation is (how far days run above the airport's running median).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

RUNNING_DAYS = 29
"""The running median spans four weeks and the day itself, centred on the day."""

LATE_MINUTES = 25.0
"""`late_days_share` counts days at least this many minutes above the running median."""


def delay_shape(daily: pl.DataFrame, airports: Sequence[str], source: str) -> pl.DataFrame:
    """One row per airport of `airports` found in `daily` (the pipeline's aggregate): its
    median day's flights, the spread between its latest and earliest month (monthly medians of
    the daily mean delay, minutes), quantiles of the days' distance above the running median,
    and the share of days `LATE_MINUTES` or more above it."""
    above = pl.col("avg_dep_delay") - pl.col("avg_dep_delay").rolling_median(
        RUNNING_DAYS, center=True, min_samples=RUNNING_DAYS // 3
    )
    days = (
        daily.filter(pl.col("airport").is_in(list(airports)))
        .sort("airport", "flight_date")
        .with_columns(above=above.over("airport"), month=pl.col("flight_date").dt.month())
    )
    months = days.group_by("airport", "month").agg(pl.col("avg_dep_delay").median())
    swing = months.group_by("airport").agg(
        month_swing=pl.col("avg_dep_delay").max() - pl.col("avg_dep_delay").min()
    )
    quantiles = [
        pl.col("above").quantile(q, interpolation="linear").alias(f"p{round(100 * q)}")
        for q in (0.1, 0.5, 0.9, 0.95, 0.99)
    ]
    tails = days.group_by("airport").agg(
        pl.col("flights").median(),
        *quantiles,
        late_days_share=(pl.col("above") >= LATE_MINUTES).mean(),
    )
    return (
        tails.join(swing, on="airport")
        .select(
            pl.lit(source).alias("source"),
            "airport",
            "flights",
            "month_swing",
            *[f"p{p}" for p in (10, 50, 90, 95, 99)],
            "late_days_share",
        )
        .sort("airport")
    )
