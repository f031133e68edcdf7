from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from flightdelays import lake
from flightdelays.charts import index_keys, publish_charts
from flightdelays.charts.figure import HEIGHT_PX, WIDTH_PX
from flightdelays.charts.png import png_size
from flightdelays.storage import LocalStore, ObjectStore, S3Store


def chart_keys(store: ObjectStore, year: int) -> list[str]:
    """What the pipeline's check counts: `charts/<year>/*.png`."""
    return [key for key in store.list(lake.charts_prefix(year)) if key.endswith(".png")]


def test_one_chart_per_airport_and_an_index(
    tmp_path: Path, few_airports: dict[int, pl.DataFrame]
) -> None:
    detected = few_airports[2011]
    store = LocalStore(tmp_path)

    figures = publish_charts(store, 2011, detected, workers=1)

    airports = sorted(detected["airport"].unique().to_list())
    assert figures == {"charts": len(airports), "stale_removed": 0}
    assert chart_keys(store, 2011) == [lake.chart_key(2011, code) for code in airports]
    for key in chart_keys(store, 2011):
        assert png_size(store.read_bytes(key)) == (WIDTH_PX, HEIGHT_PX)
    html_key, json_key = index_keys(2011)
    index = json.loads(store.read_bytes(json_key))
    counts = detected.group_by("airport").agg(pl.col("is_anomaly").sum()).sort("airport")
    assert [(e["airport"], e["anomalous_days"]) for e in index["airports"]] == counts.rows()
    assert all(f'href="{code}.png"' in store.read_bytes(html_key).decode() for code in airports)


def test_rerun_replaces_the_year_and_removes_stale_objects(
    tmp_path: Path, few_airports: dict[int, pl.DataFrame]
) -> None:
    detected = few_airports[2013]
    store = LocalStore(tmp_path)
    publish_charts(store, 2013, detected, workers=1)
    gone = detected["airport"].unique().sort()[0]
    store.write_bytes("charts/2013/notes.txt", b"left over", "text/plain")
    store.write_bytes("charts/2011/KEEP.png", b"another year", "image/png")

    figures = publish_charts(store, 2013, detected.filter(pl.col("airport") != gone), workers=1)

    assert figures["stale_removed"] == 2  # the airport without data, and the leftover
    assert not store.exists(lake.chart_key(2013, gone))
    assert not store.exists("charts/2013/notes.txt")
    assert store.exists("charts/2011/KEEP.png")
    assert len(chart_keys(store, 2013)) == figures["charts"]


def test_workers_draw_the_same_charts_as_one_process(
    tmp_path: Path, few_airports: dict[int, pl.DataFrame]
) -> None:
    detected = few_airports[2013]
    one, two = LocalStore(tmp_path / "one"), LocalStore(tmp_path / "two")

    publish_charts(one, 2013, detected, workers=1)
    publish_charts(two, 2013, detected, workers=2)

    keys = one.list("charts/2013/")
    assert keys == two.list("charts/2013/")
    assert all(one.read_bytes(key) == two.read_bytes(key) for key in keys)


@pytest.mark.usefixtures("s3_endpoint")
def test_s3_objects_have_their_content_types(
    s3_bucket: str, few_airports: dict[int, pl.DataFrame]
) -> None:
    import boto3

    detected = few_airports[2013]
    store = S3Store(s3_bucket, "lake")
    store.write_bytes("charts/2013/ZZZ.png", b"stale", "image/png")

    figures = publish_charts(store, 2013, detected, workers=1)

    client = boto3.client("s3")

    def content_type(key: str) -> str:
        return client.head_object(Bucket=s3_bucket, Key=f"lake/{key}")["ContentType"]

    html_key, json_key = index_keys(2013)
    airport = detected["airport"].min()
    assert content_type(lake.chart_key(2013, str(airport))) == "image/png"
    assert content_type(html_key).startswith("text/html")
    assert content_type(json_key) == "application/json"
    assert figures["stale_removed"] == 1
    assert len(chart_keys(store, 2013)) == detected["airport"].n_unique()
