"""The versioned Superset bundle (dashboard/bundle/) and provision.py's pure helpers.

Fast checks that need no Superset: every reference between the YAML files resolves, the dashboard
has what issue 6 asks for, no password is committed, and the zip that provision.py uploads is
the shape Superset's assets import expects.
"""

from __future__ import annotations

import importlib.util
import io
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from flightdelays.schema import CAUSES, TABLE_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dashboard" / "bundle"


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


@pytest.fixture(scope="module")
def provision() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "dashboard_provision", ROOT / "dashboard" / "provision.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["dashboard_provision"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bundle() -> dict[str, list[dict[str, Any]]]:
    return {
        kind: [load_yaml(p) for p in sorted((BUNDLE / kind).rglob("*.yaml"))]
        for kind in ("databases", "datasets", "charts", "dashboards")
    }


def test_metadata_declares_an_assets_bundle() -> None:
    assert load_yaml(BUNDLE / "metadata.yaml")["type"] == "assets"


def test_uuids_are_unique_and_references_resolve(bundle: dict[str, list[dict[str, Any]]]) -> None:
    uuids = [obj["uuid"] for objs in bundle.values() for obj in objs]
    assert len(uuids) == len(set(uuids))
    databases = {db["uuid"] for db in bundle["databases"]}
    datasets = {ds["uuid"] for ds in bundle["datasets"]}
    assert all(ds["database_uuid"] in databases for ds in bundle["datasets"])
    assert all(chart["dataset_uuid"] in datasets for chart in bundle["charts"])


def test_no_password_in_the_database_yaml(bundle: dict[str, list[dict[str, Any]]]) -> None:
    (database,) = bundle["databases"]
    assert "password" not in database
    assert ":XXXXXXXXXX@" in database["sqlalchemy_uri"]
    assert database["extra"] is not None
    assert database["allow_dml"] is False


def test_dashboard_places_every_chart_once(bundle: dict[str, list[dict[str, Any]]]) -> None:
    (dashboard,) = bundle["dashboards"]
    nodes = [n for n in dashboard["position"].values() if isinstance(n, dict)]
    placed = [n["meta"] for n in nodes if n["type"] == "CHART"]
    assert all({"chartId", "uuid"} <= meta.keys() for meta in placed)
    assert sorted(meta["uuid"] for meta in placed) == sorted(c["uuid"] for c in bundle["charts"])
    ids = {node["id"] for node in nodes}
    for node in nodes:
        assert set(node.get("children", [])) <= ids, node["id"]


def test_dashboard_has_the_charts_and_filters_of_issue_6(
    bundle: dict[str, list[dict[str, Any]]],
) -> None:
    viz = sorted(chart["viz_type"] for chart in bundle["charts"])
    assert viz.count("big_number_total") >= 3  # headline numbers
    for wanted in ("mixed_timeseries", "table", "heatmap_v2", "echarts_timeseries_bar"):
        assert wanted in viz
    (table,) = [c for c in bundle["charts"] if c["viz_type"] == "table"]
    assert table["params"]["all_columns"] == [
        "airport",
        "flight_date",
        "avg_dep_delay",
        "expected_dep_delay",
        "flights",
        "anomaly_signal",
        "dominant_cause",
        "explanation",
    ]
    (dashboard,) = bundle["dashboards"]
    filters = dashboard["metadata"]["native_filter_configuration"]
    targets = {f["targets"][0]["column"]["name"] for f in filters}
    assert {"year", "airport"} <= targets
    datasets = {ds["uuid"] for ds in bundle["datasets"]}
    assert all(f["targets"][0]["datasetUuid"] in datasets for f in filters)


def test_the_dataset_has_every_column_of_the_table(
    bundle: dict[str, list[dict[str, Any]]],
) -> None:
    (dataset,) = bundle["datasets"]
    physical = [c["column_name"] for c in dataset["columns"] if not c["expression"]]
    assert physical == list(TABLE_COLUMNS)


def test_a_chart_stacks_every_cause_by_month(
    bundle: dict[str, list[dict[str, Any]]],
) -> None:
    (dataset,) = bundle["datasets"]
    metrics = {m["metric_name"]: m for m in dataset["metrics"]}
    (causes,) = [
        c for c in bundle["charts"] if c["slice_name"].startswith("Delay minutes by cause")
    ]
    params = causes["params"]
    assert (causes["viz_type"], params["x_axis"], params["time_grain_sqla"], params["stack"]) == (
        "echarts_timeseries_bar",
        "flight_date",
        "P1M",
        "Stack",
    )
    assert sorted(params["metrics"]) == sorted(f"{cause}_minutes" for cause in CAUSES)
    for cause in CAUSES:
        assert metrics[f"{cause}_minutes"]["expression"] == f"SUM({cause}_delay_minutes)"


def test_metric_and_column_references_exist(bundle: dict[str, list[dict[str, Any]]]) -> None:
    (dataset,) = bundle["datasets"]
    metrics = {m["metric_name"] for m in dataset["metrics"]}
    columns = {c["column_name"] for c in dataset["columns"]}
    for chart in bundle["charts"]:
        params = chart["params"]
        used = [params.get("metric"), *params.get("metrics", []), *params.get("metrics_b", [])]
        assert {m for m in used if m} <= metrics, chart["slice_name"]
        grouped = [params.get("x_axis"), *params.get("all_columns", [])]
        for key in ("groupby", "groupby_b"):
            value = params.get(key, [])
            grouped += [value] if isinstance(value, str) else value
        assert {g for g in grouped if g} <= columns, chart["slice_name"]


def test_bundle_zip_has_one_top_folder_and_this_sites_uri(provision: ModuleType) -> None:
    uri = "postgresql+psycopg2://reader:XXXXXXXXXX@db.example:5433/flights"
    with zipfile.ZipFile(io.BytesIO(provision.bundle_zip(uri))) as archive:
        names = archive.namelist()
        assert {name.split("/")[0] for name in names} == {"flightdelays_bundle"}
        assert "flightdelays_bundle/metadata.yaml" in names
        database = yaml.safe_load(archive.read("flightdelays_bundle/databases/flightdelays.yaml"))
    assert database["sqlalchemy_uri"] == uri
    assert len(names) == len(list(BUNDLE.rglob("*.yaml")))


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        (
            "postgresql://postgres@127.0.0.1:5432/flightdelays",
            "postgresql+psycopg2://flightdelays_reader:XXXXXXXXXX@127.0.0.1:5432/flightdelays",
        ),
        (
            "postgresql+psycopg://owner:secret@db:5432/fd?sslmode=require",
            "postgresql+psycopg2://flightdelays_reader:XXXXXXXXXX@db:5432/fd?sslmode=require",
        ),
        (
            "postgresql://postgres@/flightdelays?host=/srv/data/pg",
            "postgresql+psycopg2://flightdelays_reader:XXXXXXXXXX@/flightdelays?host=/srv/data/pg",
        ),
    ],
)
def test_reader_uri_keeps_the_server_and_masks_the_password(
    provision: ModuleType, owner: str, expected: str
) -> None:
    assert provision.reader_uri(owner, "flightdelays_reader") == expected


def test_kept_secret_is_generated_once_private_and_env_wins(
    provision: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FD_TEST_SECRET", raising=False)
    first = provision.kept_secret(tmp_path, "admin_password", "FD_TEST_SECRET")
    assert provision.kept_secret(tmp_path, "admin_password", "FD_TEST_SECRET") == first
    assert (tmp_path / "admin_password").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("FD_TEST_SECRET", "from-env")
    assert provision.kept_secret(tmp_path, "admin_password", "FD_TEST_SECRET") == "from-env"


def test_multipart_body_carries_fields_and_file(provision: ModuleType) -> None:
    body, content_type = provision.multipart(
        {"passwords": '{"databases/x.yaml": "pw"}'}, {"bundle": ("b.zip", b"PK\x03\x04zip")}
    )
    boundary = content_type.split("boundary=")[1]
    assert body.count(f"--{boundary}".encode()) == 3
    assert b'name="passwords"\r\n\r\n{"databases/x.yaml": "pw"}\r\n' in body
    assert b'filename="b.zip"' in body
    assert b"PK\x03\x04zip" in body
