"""What both notebooks (notebooks/*.py) show: a model's flagged airport-days beside the
default detector's, as a table and as a plot."""

from __future__ import annotations

import io

import polars as pl


def side_by_side(model: pl.DataFrame, default: pl.DataFrame) -> pl.DataFrame:
    """The airport-days either detector flagged (both outputs of the same aggregate, in its row
    order): the day's figures and, per detector, the signal it fired (null if it did not)."""
    model_name, default_name = model["detector"][0], default["detector"][0]
    rows = model.select(
        "airport",
        "flight_date",
        "flights",
        "avg_dep_delay",
        "cancelled",
        pl.col("anomaly_signal").alias(model_name),
    ).with_columns(default["anomaly_signal"].alias(default_name))
    return rows.filter(pl.col(model_name).is_not_null() | pl.col(default_name).is_not_null()).sort(
        "flight_date", "airport"
    )


def plot_flags(flagged: pl.DataFrame, title: str) -> bytes:
    """PNG of `side_by_side`'s days: each detector's flagged days by date and mean delay."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4))
    axis = figure.subplots()
    for name, marker in zip(flagged.columns[5:], ("x", "o"), strict=True):
        days = flagged.filter(pl.col(name).is_not_null())
        axis.scatter(
            days["flight_date"].to_list(),
            days["avg_dep_delay"].to_list(),
            marker=marker,
            label=f"{name} ({days.height})",
        )
    axis.set_ylabel("mean departure delay (min)")
    axis.set_title(title)
    axis.legend()
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=80)
    return png.getvalue()
