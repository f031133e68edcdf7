"""Why a flagged day was abnormal: the delay causes and the carriers behind it, as data.

`explain(detected, carrier_days)` is a pure transform of a year's detected rows
(`DETECTED_COLUMNS`) and its carrier days (`CARRIER_DAY_COLUMNS`) into the table's rows
(`TABLE_COLUMNS`) and one `anomaly_explanations` row (`EXPLANATION_COLUMNS`) per flagged day.

The rules, one evidence per day, chosen by the signal that fired:
- a cause's *share* is its part of the day's delay minutes (the five BTS cause columns); its
  *usual share* the same over the airport's days of the year that were not flagged, minutes
  pooled (a busy day weighs more than a quiet one);
- *delay minutes decide* when the delay signal fired (`delay` or `both`): the dominant cause is
  the one whose share most exceeds its usual share (ties: `CAUSES` order). It needs cause minutes
  on the day and on the airport's usual days; without them: no cause data;
- *coded cancellations decide* when only the cancellation signal fired: the dominant cause is
  the one most of the day's coded cancellations name (ties: code order A-D); with no coded
  cancellation: no cause data;
- *carriers*: what made the day abnormal is its cancellations when cancellations decide, else
  its departure-delay minutes above the airport's usual mean delay (per carrier: departed
  flights x how much later than usual they left, when later). A carrier is named when its share
  of that clearly exceeds its share of the day's flights (`CARRIER_MIN_EXCESS`,
  `CARRIER_MIN_ODDS_RATIO`), the largest excess first. The carrier columns exist in every file, so
  carriers are named even where causes are not.
Every ratio has a positive denominator or is null: no NaN, no division by zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from flightdelays.errors import FlightDelaysError
from flightdelays.schema import (
    CANCELLATION_CAUSES,
    CANCELLED_BY_CAUSE_COLUMNS,
    CAUSE_MINUTES_COLUMNS,
    CAUSE_NAMES,
    CAUSES,
    DETECTED_COLUMNS,
    EXPLANATION_COLUMNS,
    NO_CAUSE_DATA,
    TABLE_COLUMNS,
)

CAUSE_CODES: dict[str, str] = {cause: code for code, cause in CANCELLATION_CAUSES.items()}
CANCELLATION_CODE_CAUSES: tuple[str, ...] = tuple(CANCELLATION_CAUSES.values())
"""The causes a cancellation code can name, in code order (A-D), as `CANCELLED_BY_CAUSE_COLUMNS`."""
TOP_CARRIERS_LISTED = 3
"""Carriers the text names at most."""
CARRIER_MIN_EXCESS = 0.05
CARRIER_MIN_ODDS_RATIO = 1.5
"""A carrier is named when its share of what made the day abnormal is at least 5 points above
its share of the day's flights and its odds 1.5 times as high: on a blizzard that cancels
everyone alike, a carrier with 45% of cancellations and 40% of flights (odds 0.82 vs 0.67) is
no part of the why; a carrier with 85% of flights and 99% of cancellations (odds 99 vs 5.7) is."""
DAY = ("airport", "flight_date")


@dataclass(frozen=True)
class Explained:
    """A year's rows as stored (`TABLE_COLUMNS`) and its explanations (`EXPLANATION_COLUMNS`)."""

    rows: pl.DataFrame
    explanations: pl.DataFrame


def explain(detected: pl.DataFrame, carrier_days: pl.DataFrame) -> Explained:
    """The rows with `dominant_cause` and `explanation` (null on days not flagged), and one
    explanation per flagged (airport, day); see the module's rules."""
    reject_unreal(detected)
    flagged = (
        detected.filter("is_anomaly")
        .join(usual_mix(detected), on="airport", how="left")
        .with_columns(cancellations_decide=pl.col("anomaly_signal") == "cancellations")
        .with_columns(_cause_shares())
        .with_columns(_dominant_cause(), *_top_cancellation())
    )
    carriers = top_carriers(flagged, carrier_days)
    explanations = (
        flagged.join(carriers, on=DAY, how="left", maintain_order="left")
        .with_columns(explanation=_text())
        .select(EXPLANATION_COLUMNS)
        .sort(DAY)
    )
    rows = detected.select(DETECTED_COLUMNS).join(
        explanations.select(*DAY, "dominant_cause", "explanation"),
        on=DAY,
        how="left",
        maintain_order="left",
    )
    return Explained(rows.select(TABLE_COLUMNS), explanations)


def reject_unreal(detected: pl.DataFrame) -> None:
    """Fail on cause minutes that cannot be real (NaN, infinite, negative): never averaged."""
    minutes = pl.col(CAUSE_MINUTES_COLUMNS).cast(pl.Float64)
    unreal = detected.filter(
        pl.any_horizontal(minutes.is_nan() | minutes.is_infinite() | (minutes < 0))
    )
    if not unreal.is_empty():
        first = unreal.row(0, named=True)
        raise FlightDelaysError(
            f"cause minutes that cannot be real at {first['airport']} on {first['flight_date']}:"
            f" {', '.join(f'{c}={first[c]}' for c in CAUSE_MINUTES_COLUMNS)}"
        )


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """`numerator / denominator`, null unless the denominator is positive."""
    return pl.when(denominator > 0).then(numerator / denominator)


def usual_mix(detected: pl.DataFrame) -> pl.DataFrame:
    """Per airport, over its days not flagged: each cause's share of the delay minutes
    (`<cause>_usual_share`, null without cause minutes) and the mean departure delay
    (`usual_dep_delay`, over departed flights; null when none departed)."""
    ordinary = detected.filter(~pl.col("is_anomaly"))
    with_causes = pl.col("cause_reported") > 0
    sums = [
        pl.col(column).filter(with_causes).fill_null(0.0).sum().alias(cause)
        for cause, column in zip(CAUSES, CAUSE_MINUTES_COLUMNS, strict=True)
    ]
    departed = pl.col("departed").filter(pl.col("avg_dep_delay").is_not_null())
    late = (pl.col("avg_dep_delay") * pl.col("departed")).filter(
        pl.col("avg_dep_delay").is_not_null()
    )
    total = pl.sum_horizontal(CAUSES)
    return (
        ordinary.group_by("airport")
        .agg(*sums, departed=departed.sum(), late=late.sum())
        .select(
            "airport",
            *(_ratio(pl.col(cause), total).alias(f"{cause}_usual_share") for cause in CAUSES),
            usual_dep_delay=_ratio(pl.col("late"), pl.col("departed")),
        )
    )


def _cause_shares() -> list[pl.Expr]:
    """Each cause's share of the day's delay minutes; null when the day reported none."""
    minutes = [pl.col(column).fill_null(0.0) for column in CAUSE_MINUTES_COLUMNS]
    total = pl.sum_horizontal(minutes)
    reported = pl.col("cause_reported") > 0
    return [
        pl.when(reported).then(_ratio(share, total)).alias(f"{cause}_share")
        for cause, share in zip(CAUSES, minutes, strict=True)
    ]


def _dominant_cause() -> pl.Expr:
    """The dominant cause by the module's rule (null: no cause data)."""
    excess = [pl.col(f"{cause}_share") - pl.col(f"{cause}_usual_share") for cause in CAUSES]
    known = pl.all_horizontal(
        *(pl.col(f"{cause}_share").is_not_null() for cause in CAUSES),
        *(pl.col(f"{cause}_usual_share").is_not_null() for cause in CAUSES),
    )
    by_delay = pl.when(known).then(_named(pl.concat_list(excess).list.arg_max(), CAUSES))
    return (
        pl.when(pl.col("cancellations_decide"))
        .then(_top_cancellation_cause())
        .otherwise(by_delay)
        .alias("dominant_cause")
    )


def _named(index: pl.Expr, names: tuple[str, ...]) -> pl.Expr:
    return index.replace_strict(dict(enumerate(names)), return_dtype=pl.String)


def _coded_cancellations() -> pl.Expr:
    return pl.sum_horizontal(pl.col(CANCELLED_BY_CAUSE_COLUMNS).fill_null(0))


def _top_cancellation_cause() -> pl.Expr:
    """The cause most of the day's coded cancellations name; null when none was coded."""
    counts = pl.concat_list(pl.col(CANCELLED_BY_CAUSE_COLUMNS).fill_null(0))
    return pl.when(_coded_cancellations() > 0).then(
        _named(counts.list.arg_max(), CANCELLATION_CODE_CAUSES)
    )


def _top_cancellation() -> list[pl.Expr]:
    most = pl.max_horizontal(pl.col(CANCELLED_BY_CAUSE_COLUMNS).fill_null(0))
    return [
        _top_cancellation_cause().alias("top_cancellation_cause"),
        _ratio(most.cast(pl.Float64), _coded_cancellations()).alias("top_cancellation_share"),
    ]


def top_carriers(flagged: pl.DataFrame, carrier_days: pl.DataFrame) -> pl.DataFrame:
    """Per flagged day with a carrier over-represented in what made it abnormal: `top_carrier`,
    its share of that (`top_carrier_share`) and of the day's flights
    (`top_carrier_usual_share`), and `top_carriers`, the leading few as text."""
    days = flagged.select(*DAY, "cancellations_decide", "usual_dep_delay")
    late = (pl.col("avg_dep_delay") - pl.col("usual_dep_delay").fill_null(0.0)).clip(0.0)
    abnormal = (
        pl.when(pl.col("cancellations_decide"))
        .then(pl.col("cancelled").cast(pl.Float64))
        .otherwise((pl.col("departed") * late).fill_null(0.0))
    )
    rows = (
        carrier_days.join(days, on=DAY, how="inner")
        .with_columns(abnormal=abnormal)
        .with_columns(
            share=_ratio(pl.col("abnormal"), pl.col("abnormal").sum().over(DAY)),
            flight_share=_ratio(
                pl.col("flights").cast(pl.Float64), pl.col("flights").sum().over(DAY)
            ),
        )
        .filter(_clearly_over())
        .sort(
            *DAY,
            pl.col("share") - pl.col("flight_share"),
            "carrier",
            descending=[False, False, True, False],
        )
    )
    return (
        rows.with_columns(listed=_carrier_text())
        .group_by(DAY, maintain_order=True)
        .agg(
            top_carrier=pl.col("carrier").first(),
            top_carrier_share=pl.col("share").first(),
            top_carrier_usual_share=pl.col("flight_share").first(),
            top_carriers=pl.col("listed").head(TOP_CARRIERS_LISTED).str.join("; "),
        )
    )


def _clearly_over() -> pl.Expr:
    """`CARRIER_MIN_EXCESS` and `CARRIER_MIN_ODDS_RATIO`, the odds multiplied out: no division,
    so a share of 1 (infinite odds) is no special case."""
    share, flights = pl.col("share"), pl.col("flight_share")
    return (share - flights >= CARRIER_MIN_EXCESS) & (
        share * (1.0 - flights) >= CARRIER_MIN_ODDS_RATIO * flights * (1.0 - share)
    )


def _percent(share: pl.Expr) -> pl.Expr:
    return pl.format("{}%", (100 * share).round(0).cast(pl.Int64))


def _carrier_text() -> pl.Expr:
    """'UA 40% of cancellations vs 22% of flights' for a day's first carrier, 'AA 18% vs 15%'
    for the next."""
    first = pl.int_range(pl.len()).over(DAY) == 0
    what = (
        pl.when(pl.col("cancellations_decide"))
        .then(pl.lit(" of cancellations vs "))
        .otherwise(pl.lit(" of delay minutes above usual vs "))
    )
    share, flights = _percent(pl.col("share")), _percent(pl.col("flight_share"))
    return (
        pl.when(first)
        .then(
            pl.concat_str(
                pl.col("carrier"), pl.lit(" "), share, what, flights, pl.lit(" of flights")
            )
        )
        .otherwise(pl.concat_str(pl.col("carrier"), pl.lit(" "), share, pl.lit(" vs "), flights))
    )


def _words(cause: pl.Expr) -> pl.Expr:
    return cause.replace_strict(CAUSE_NAMES, return_dtype=pl.String)


def _of_dominant(suffix: str) -> pl.Expr:
    """The dominant cause's `<cause><suffix>` column."""
    value = pl.lit(None, dtype=pl.Float64)
    for cause in CAUSES:
        value = pl.when(pl.col("dominant_cause") == cause).then(f"{cause}{suffix}").otherwise(value)
    return value


def _cancellations_text() -> pl.Expr:
    """'cancellations mostly weather (code B)', or 'most often ... (code B, 40%)' when under
    half; only where the cancellation signal fired and some cancellation was coded."""
    cause = pl.col("top_cancellation_cause")
    named = pl.concat_str(
        _words(cause),
        pl.lit(" (code "),
        cause.replace_strict(CAUSE_CODES, return_dtype=pl.String),
    )
    share = pl.col("top_cancellation_share")
    return pl.when(pl.col("anomaly_signal").is_in(["cancellations", "both"])).then(
        pl.when(share > 0.5)
        .then(pl.concat_str(pl.lit("cancellations mostly "), named, pl.lit(")")))
        .otherwise(
            pl.concat_str(
                pl.lit("cancellations most often "),
                named,
                pl.lit(", "),
                _percent(share),
                pl.lit(")"),
            )
        )
    )


def _text() -> pl.Expr:
    """The one-line explanation: the deciding evidence, then the carriers; "no cause data"
    in place of a cause where the files have none."""
    by_delay = pl.concat_str(
        _words(pl.col("dominant_cause")),
        pl.lit(" "),
        _percent(_of_dominant("_share")),
        pl.lit(" of delay minutes vs "),
        _percent(_of_dominant("_usual_share")),
        pl.lit(" usually"),
    )
    causes = (
        pl.when(pl.col("dominant_cause").is_null())
        .then(pl.lit(NO_CAUSE_DATA))
        .when(pl.col("cancellations_decide"))
        .then(_cancellations_text())
        .otherwise(
            pl.concat_str(by_delay, _cancellations_text(), separator="; ", ignore_nulls=True)
        )
    )
    return pl.concat_str(causes, pl.col("top_carriers"), separator="; ", ignore_nulls=True)
