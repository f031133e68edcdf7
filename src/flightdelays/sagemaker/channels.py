"""A year's export as SageMaker training channels (pure, but for `read_export`).

- Random Cut Forest: headerless CSV, one row per judged airport-day, its week-long shingle of
  standard units (the same features the `random_cut_forest` detector streams into krcf).
- XGBoost: headerless CSV, the label (the day's mean departure delay) in the first column,
  the instance weight (its departures; the job sets `csv_weights=1`) in the second, then the
  `xgboost_expected` detector's features, none of which holds the day's own outcome. Even days
  train, odd days validate (the detector's own two halves).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import polars as pl

from flightdelays import catalog
from flightdelays.errors import RawFileError
from flightdelays.frame_types import DAILY_TYPES
from flightdelays.schema import DAILY_COLUMNS

if TYPE_CHECKING:
    from flightdelays.catalog import Stores


def read_export(stores: Stores, year: int) -> pl.DataFrame:
    """The year's export (the loaded rows) as the aggregate the detectors read.

    A missing export, one without the aggregate's columns, or one of another year raises an
    error naming the file and what is wrong; nothing is written.
    """
    dataset = catalog.export(year)
    where = stores.location(dataset)
    if not stores.exists(dataset):
        raise RawFileError(where, f"no export: run `flightdelays run --year {year}` first")
    try:
        frame = pl.read_csv(io.BytesIO(stores.read_bytes(dataset)), infer_schema=False)
    except pl.exceptions.PolarsError as error:
        raise RawFileError(where, f"not a CSV export: {error}") from None
    missing = [column for column in DAILY_COLUMNS if column not in frame.columns]
    if missing:
        raise RawFileError(where, f"not an export of this pipeline: no column {', '.join(missing)}")
    try:
        daily = frame.select(
            pl.col(name).str.to_date("%Y-%m-%d") if kind == pl.Date() else pl.col(name).cast(kind)
            for name, kind in DAILY_TYPES.items()
        )
    except pl.exceptions.PolarsError as error:
        raise RawFileError(where, f"a column is not of the export's type: {error}") from None
    other_years = daily.filter(pl.col("year") != year)
    if daily.is_empty() or not other_years.is_empty():
        raise RawFileError(where, f"holds no rows of {year} alone")
    return daily


def rcf_channel(daily: pl.DataFrame) -> pl.DataFrame:
    """SageMaker RCF's training rows: each judged airport-day's shingle (columns named by the
    day they come from and the feature; the CSV is written without them)."""
    from flightdelays.detectors.grid import Grid
    from flightdelays.detectors.random_cut_forest import FEATURES, SHINGLE_DAYS, shingled_year

    year = shingled_year(Grid.of(daily), daily)
    names = [
        f"{feature}_{SHINGLE_DAYS - 1 - back}_days_before"
        for back in range(SHINGLE_DAYS)
        for feature in ("delay_units", "cancelled_units")[:FEATURES]
    ]
    return pl.DataFrame(year.shingles[year.judged_rows], schema=names, orient="row")


XGBOOST_FEATURES = (
    "airport_code",
    "log_typical_flights",
    "weekday",
    "month",
    "holiday",
    "airport_recent_delay",
    "airport_recent_cancelled_share",
    "national_delay_around",
    "national_cancelled_share_around",
    "flights_over_typical",
)
"""The `xgboost_expected` detector's features, in its order."""


def xgboost_channels(daily: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(train, validation) rows for SageMaker XGBoost: delay, weight, then the features, for
    the days with departures; even days train, odd days validate."""
    from flightdelays.detectors.grid import Grid
    from flightdelays.detectors.xgboost_expected import features

    grid = Grid.of(daily)
    table = pl.DataFrame(features(grid, daily), schema=list(XGBOOST_FEATURES), orient="row").select(
        daily["avg_dep_delay"].alias("avg_dep_delay"),
        daily["departed"].cast(pl.Float64).alias("weight"),
        pl.all(),
    )
    usable = (daily["departed"] > 0) & daily["avg_dep_delay"].is_not_null()
    even = pl.Series(grid.day_of_row % 2 == 0)
    return table.filter(usable & even), table.filter(usable & ~even)


def headerless_csv(frame: pl.DataFrame) -> bytes:
    """`frame` as the built-in algorithms read CSV: no header, numbers only, empty for NaN."""
    buffer = io.BytesIO()
    frame.with_columns(pl.selectors.float().fill_nan(None)).write_csv(
        buffer, include_header=False, float_precision=6
    )
    return buffer.getvalue()


def prepare_channels(stores: Stores, year: int) -> dict[str, int]:
    """Write the year's channels to the lake from its export; rows per channel."""
    daily = read_export(stores, year)
    rcf = rcf_channel(daily)
    train, validation = xgboost_channels(daily)
    written = {
        catalog.rcf_train(year): rcf,
        catalog.xgboost_train(year): train,
        catalog.xgboost_validation(year): validation,
    }
    for dataset, frame in written.items():
        stores.write_bytes(dataset, headerless_csv(frame))
    return {dataset.key: frame.height for dataset, frame in written.items()}
