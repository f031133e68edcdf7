"""Where each output of a year sits in the lake: every key is keyed on the year."""

from __future__ import annotations

import io

import polars as pl

from flightdelays.storage import ObjectStore


def aggregate_key(year: int) -> str:
    return f"aggregates/{year}.parquet"


def detected_key(year: int) -> str:
    return f"daily/{year}.parquet"


def charts_prefix(year: int) -> str:
    return f"charts/{year}/"


def chart_key(year: int, airport: str) -> str:
    return f"{charts_prefix(year)}{airport}.png"


def export_key(year: int) -> str:
    return f"exports/{year}.csv"


def write_parquet(store: ObjectStore, key: str, frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    store.write_bytes(key, buffer.getvalue(), "application/vnd.apache.parquet")


def read_parquet(store: ObjectStore, key: str) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(store.read_bytes(key)))
