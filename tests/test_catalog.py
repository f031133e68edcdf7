"""The catalog: every dataset's key, in one module, read and written the same on file:// and S3."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.storage import S3Options, open_store

ROOT = Path(__file__).resolve().parents[1]
# A year-keyed file name, or a lake folder, spelled outside the catalog.
_STRAY = re.compile(
    r"\{[^}]*year[^}]*\}[^\"'\n]*\.(csv|parquet|png|json|html)"
    r"|[\"'](aggregates|daily|charts|exports|sagemaker)/"
    r"|\{[^}]*airport[^}]*\}\.png",
    re.IGNORECASE,
)


def test_the_keys_are_the_documented_layout() -> None:
    assert catalog.raw_file(2013).key == "2013.csv"
    assert catalog.labels(2013).key == "2013.labels.csv"
    assert catalog.aggregate(2013).key == "aggregates/2013.parquet"
    assert catalog.detected(2013).key == "daily/2013.parquet"
    assert catalog.chart(2013, "JFK").key == "charts/2013/JFK.png"
    assert catalog.chart_index_page(2013).key == "charts/2013/index.html"
    assert catalog.chart_index_json(2013).key == "charts/2013/index.json"
    assert catalog.export(2013).key == "exports/2013.csv"
    # QuickSight reads every file under exports/ as one table's rows (deploy/quicksight/)
    assert catalog.explanations_export(2013).key == "explanation-exports/2013.csv"
    assert catalog.explanations(2013).key == "explanations/2013.parquet"
    assert catalog.rcf_train(2013).key == "sagemaker/2013/rcf/train/train.csv"
    assert catalog.xgboost_train(2013).key == "sagemaker/2013/xgboost/train/train.csv"
    assert catalog.xgboost_validation(2013).key.startswith("sagemaker/2013/xgboost/validation/")
    assert catalog.sagemaker_output(2013) == "sagemaker/2013/output/"
    assert catalog.notebook_flags(2013, "xgboost_expected").key.startswith("sagemaker/2013/")
    assert catalog.notebook_plot(2013, "random_cut_forest").content_type == "image/png"
    assert {catalog.raw_file(1).store, catalog.labels(1).store} == {"raw"}
    assert catalog.is_chart(catalog.chart(2013, "JFK").key)
    assert not catalog.is_chart(catalog.chart_index_json(2013).key)


def test_no_dataset_key_is_spelled_outside_the_catalog() -> None:
    sources = [*ROOT.joinpath("src").rglob("*.py"), *ROOT.joinpath("dags").rglob("*.py")]
    stray = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        if path.name != "catalog.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if _STRAY.search(line)
    ]
    assert len(sources) > 30
    assert stray == []


def test_the_stray_key_search_finds_a_spelled_key() -> None:
    assert _STRAY.search('path = folder / f"{year}.csv"')
    assert _STRAY.search('prefix = "charts/"')
    assert _STRAY.search('prefix = "sagemaker/"')
    assert not _STRAY.search("path = folder / catalog.raw_file(year).key")


def _exercise(stores: Stores) -> None:
    frame = pl.DataFrame({"airport": ["JFK", "LGA"], "flights": [10, 20]})
    assert not stores.exists(catalog.aggregate(2013))
    stores.write_parquet(catalog.aggregate(2013), frame)
    assert stores.exists(catalog.aggregate(2013))
    assert_frame_equal(stores.read_parquet(catalog.aggregate(2013)), frame)
    for airport in ("JFK", "LGA"):
        stores.write_bytes(catalog.chart(2013, airport), b"\x89PNG")
    stores.write_bytes(catalog.chart_index_json(2013), b"{}")
    stores.write_bytes(catalog.chart(2012, "JFK"), b"\x89PNG")
    assert stores.charts(2013) == ["charts/2013/JFK.png", "charts/2013/LGA.png"]
    stores.lake.delete(["charts/2013/LGA.png", "charts/2013/none.png"])
    assert stores.charts(2013) == ["charts/2013/JFK.png"]
    assert stores.lake.read_head(catalog.chart(2013, "JFK").key, 2) == b"\x89P"
    assert stores.lake.read_tail(catalog.chart(2013, "JFK").key, 2) == b"NG"
    # polars reads the dataset where the catalog says it is, with the store's options
    location = stores.location(catalog.aggregate(2013))
    read = pl.read_parquet(location, storage_options=stores.lake.storage_options())
    assert_frame_equal(read, frame)


def test_a_local_lake(tmp_path: Path) -> None:
    stores = Stores.in_folder(tmp_path / "lake")
    assert stores.lake.list("charts/") == []  # nothing created by looking
    assert not (tmp_path / "lake").exists()
    _exercise(stores)
    leftovers = [path.name for path in (tmp_path / "lake").rglob("*") if "#" in path.name]
    assert leftovers == []  # obstore's staging files are renamed into place


@pytest.mark.usefixtures("s3_endpoint")
def test_a_lake_on_the_s3_api_server(s3_bucket: str) -> None:
    import boto3

    lake = open_store(f"s3://{s3_bucket}/lake")
    _exercise(Stores(lake, lake))
    head = boto3.client("s3").head_object(Bucket=s3_bucket, Key="lake/charts/2013/index.json")
    assert head["ContentType"] == "application/json"


def test_explicit_s3_options_need_no_environment(
    s3_endpoint: str, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    options = S3Options("testing", "testing", None, "us-east-1", s3_endpoint)
    lake = open_store(f"s3://{s3_bucket}/explicit", options)
    _exercise(Stores(lake, lake))
    assert "testing" not in repr(lake) + repr(options) + lake.url


def test_a_url_of_another_kind_is_refused() -> None:
    from flightdelays.errors import ConfigError

    with pytest.raises(ConfigError, match="only file:// folders and s3://"):
        open_store("gs://bucket/lake")
    with pytest.raises(ConfigError, match="needs a bucket"):
        open_store("s3:///lake")
