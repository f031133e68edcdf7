"""How right the explanations are: on labelled generated years, does a flagged event's dominant
cause match the cause the generator planted, and an airport disruption's top carrier the carrier
whose outage it planted?

Only labelled days the detector flagged are judged (an unflagged day has no explanation; the
detector's recall says how many those are). A flagged day that names no cause counts as wrong:
generated years always carry cause data. Counts are summed over every year and seed before the
rates are computed, overall and at airports with 50+ flights on their median day (the target:
90% there).
"""

from __future__ import annotations

import polars as pl

CAUSE_TARGET = 0.9
"""The share of busy airports' labelled events whose cause and top carrier must be right."""
BUSY_BANDS = ("50-200", ">200")
"""Traffic bands (research.evaluate.BANDS) of airports with 50+ flights on their median day."""
DAY = ("airport", "flight_date")


def labelled_explanations(
    explanations: pl.DataFrame, labels: pl.DataFrame, bands: pl.DataFrame
) -> pl.DataFrame:
    """One row per labelled (airport, day) that was flagged, i.e. explained: the label's `kind`,
    planted `cause` and `carrier` (null when it names none), the explanation's `dominant_cause`
    and `top_carrier`, and the airport's traffic `band`.

    `explanations` has EXPLANATION_COLUMNS (and any column telling runs apart, e.g. `detector`),
    `labels` airport, flight_date, kind, cause, carrier (an empty carrier is none), `bands`
    airport and band (research.evaluate.traffic_bands).
    """
    planted = labels.select(
        *DAY,
        "kind",
        "cause",
        pl.when(pl.col("carrier").str.len_chars() > 0).then(pl.col("carrier")).alias("carrier"),
    ).unique(DAY, keep="first", maintain_order=True)
    return explanations.join(planted, on=DAY, how="inner").join(
        bands.select("airport", "band"), on="airport", how="left"
    )


def accuracy(rows: pl.DataFrame, by: tuple[str, ...] = ("detector",)) -> pl.DataFrame:
    """Per group of `by`: `causes` (explained days with a planted cause), `cause_right_rate`
    (the share naming it as dominant), `carriers` (those with a planted carrier) and
    `carrier_right_rate` (the share whose top carrier is it); a rate of no day is null."""
    has_cause, has_carrier = pl.col("cause").is_not_null(), pl.col("carrier").is_not_null()
    cause_right = has_cause & (pl.col("dominant_cause") == pl.col("cause")).fill_null(False)
    carrier_right = has_carrier & (pl.col("top_carrier") == pl.col("carrier")).fill_null(False)

    def rate(of: str) -> pl.Expr:
        return pl.when(pl.col(of) > 0).then(pl.col(f"{of}_right") / pl.col(of))

    return (
        rows.group_by(list(by))
        .agg(
            causes=has_cause.sum(),
            causes_right=cause_right.sum(),
            carriers=has_carrier.sum(),
            carriers_right=carrier_right.sum(),
        )
        .with_columns(
            cause_right_rate=rate("causes"),
            carrier_right_rate=rate("carriers"),
        )
        .select(*by, "causes", "cause_right_rate", "carriers", "carrier_right_rate")
        .sort(list(by))
    )


def accuracy_table(rows: pl.DataFrame) -> pl.DataFrame:
    """`accuracy` per detector, for all airports (`group` "all") and for airports with 50+
    flights a day ("band 50+"); a group without explained days has counts 0 and null rates."""
    groups = {
        "all": accuracy(rows),
        "band 50+": accuracy(rows.filter(pl.col("band").is_in(BUSY_BANDS))),
    }
    grid = rows.select(pl.col("detector").unique()).join(
        pl.DataFrame({"group": list(groups)}), how="cross"
    )
    measured = pl.concat([table.with_columns(group=pl.lit(name)) for name, table in groups.items()])
    return (
        grid.join(measured, on=["detector", "group"], how="left")
        .with_columns(pl.col("causes", "carriers").fill_null(0))
        .sort("detector", "group")
    )
