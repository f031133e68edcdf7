from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.charts.figure import HEIGHT_PX, WIDTH_PX, render_chart
from flightdelays.charts.png import png_size
from flightdelays.charts.publish import (
    draw_charts,
    finish_charts,
    publish_charts,
    shard_rows,
)
from flightdelays.charts.series import airport_years
from flightdelays.charts.tricks import Tricks
from flightdelays.storage import open_store


def chart_keys(stores: Stores, year: int) -> list[str]:
    """What the pipeline's check counts: `charts/<year>/*.png`."""
    return [key for key in stores.lake.list(f"charts/{year}/") if key.endswith(".png")]


def test_one_chart_per_airport_and_an_index(
    tmp_path: Path, few_airports: dict[int, pl.DataFrame]
) -> None:
    detected = few_airports[2011]
    stores = Stores.in_folder(tmp_path)
    store = stores.lake

    figures = publish_charts(stores, 2011, detected, workers=1)

    airports = sorted(detected["airport"].unique().to_list())
    assert figures == {"charts": len(airports), "stale_removed": 0}
    assert chart_keys(stores, 2011) == [f"charts/2011/{code}.png" for code in airports]
    for key in chart_keys(stores, 2011):
        assert png_size(store.read_bytes(key)) == (WIDTH_PX, HEIGHT_PX)
    html_key, json_key = "charts/2011/index.html", "charts/2011/index.json"
    index = json.loads(store.read_bytes(json_key))
    counts = detected.group_by("airport").agg(pl.col("is_anomaly").sum()).sort("airport")
    assert [(e["airport"], e["anomalous_days"]) for e in index["airports"]] == counts.rows()
    assert all(f'href="{code}.png"' in store.read_bytes(html_key).decode() for code in airports)


def test_rerun_replaces_the_year_and_removes_stale_objects(
    tmp_path: Path, few_airports: dict[int, pl.DataFrame]
) -> None:
    detected = few_airports[2013]
    stores = Stores.in_folder(tmp_path)
    store = stores.lake
    publish_charts(stores, 2013, detected, workers=1)
    gone = detected["airport"].unique().sort()[0]
    store.write_bytes("charts/2013/notes.txt", b"left over", "text/plain")
    store.write_bytes("charts/2011/KEEP.png", b"another year", "image/png")

    figures = publish_charts(stores, 2013, detected.filter(pl.col("airport") != gone), workers=1)

    assert figures["stale_removed"] == 1  # the airport without data
    assert not store.exists(f"charts/2013/{gone}.png")
    assert store.exists("charts/2013/notes.txt")  # a person's file stays
    assert store.exists("charts/2011/KEEP.png")
    assert len(chart_keys(stores, 2013)) == figures["charts"]


def test_workers_draw_the_same_charts_as_one_process(
    tmp_path: Path, few_airports: dict[int, pl.DataFrame]
) -> None:
    detected = few_airports[2013]
    one, two = Stores.in_folder(tmp_path / "one"), Stores.in_folder(tmp_path / "two")

    publish_charts(one, 2013, detected, workers=1)
    publish_charts(two, 2013, detected, workers=2)

    keys = one.lake.list("charts/2013/")
    assert keys == two.lake.list("charts/2013/")
    assert all(one.lake.read_bytes(key) == two.lake.read_bytes(key) for key in keys)


@pytest.mark.usefixtures("s3_endpoint")
def test_s3_objects_have_their_content_types(
    s3_bucket: str, few_airports: dict[int, pl.DataFrame]
) -> None:
    import boto3

    detected = few_airports[2013]
    lake = open_store(f"s3://{s3_bucket}/lake")
    stores = Stores(lake, lake)
    store = stores.lake
    store.write_bytes("charts/2013/ZZZ.png", b"stale", "image/png")

    figures = publish_charts(stores, 2013, detected, workers=1)

    client = boto3.client("s3")

    def content_type(key: str) -> str:
        return client.head_object(Bucket=s3_bucket, Key=f"lake/{key}")["ContentType"]

    html_key, json_key = "charts/2013/index.html", "charts/2013/index.json"
    airport = detected["airport"].min()
    assert content_type(catalog.chart(2013, str(airport)).key) == "image/png"
    assert content_type(html_key).startswith("text/html")
    assert content_type(json_key) == "application/json"
    assert figures["stale_removed"] == 1
    assert len(chart_keys(stores, 2013)) == detected["airport"].n_unique()


def test_tricks_switched_off_reach_the_workers(
    tmp_path: Path, few_airports: dict[int, pl.DataFrame]
) -> None:
    detected = few_airports[2013]
    stores = Stores.in_folder(tmp_path)
    plain = Tricks(own_png=False, pillow_text=False, fast_y_axis=False)

    publish_charts(stores, 2013, detected, workers=2, tricks=plain)

    for item in airport_years(detected, 2013):
        written = stores.lake.read_bytes(catalog.chart(2013, item.airport).key)
        assert written == render_chart(item, plain)
        assert written != render_chart(item)


@pytest.mark.parametrize("shards", [1, 4, 9])
def test_shards_drawn_then_finished_give_what_publish_charts_gives(
    tmp_path: Path, few_airports: dict[int, pl.DataFrame], shards: int
) -> None:
    detected = few_airports[2013]
    whole, fanned = Stores.in_folder(tmp_path / "whole"), Stores.in_folder(tmp_path / "fanned")
    for stores in (whole, fanned):
        stores.lake.write_bytes("charts/2013/ZZZ.png", b"stale", "image/png")

    expected = publish_charts(whole, 2013, detected, workers=1)
    drawn = [
        draw_charts(fanned, 2013, shard_rows(detected, shard, shards), workers=1)
        for shard in range(shards)
    ]
    figures = finish_charts(fanned, 2013, detected)

    assert figures == expected == {"charts": sum(drawn), "stale_removed": 1}
    assert sum(drawn) == detected["airport"].n_unique()
    keys = whole.lake.list("charts/2013/")
    assert fanned.lake.list("charts/2013/") == keys
    assert all(whole.lake.read_bytes(key) == fanned.lake.read_bytes(key) for key in keys)


def test_a_shard_outside_the_count_is_an_error(few_airports: dict[int, pl.DataFrame]) -> None:
    with pytest.raises(ValueError, match="not one of 0-3"):
        shard_rows(few_airports[2013], 4, 4)
