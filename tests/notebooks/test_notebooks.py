"""Both notebooks run from top to bottom on a sample year's export (through jupytext and
nbclient, in a real kernel) and leave their results in the lake; a failing cell fails."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.detectors import DEFAULT_DETECTOR, get_detector
from flightdelays.explanations import explain
from flightdelays.sagemaker.notebook import side_by_side
from flightdelays.schema import TABLE_COLUMNS
from flightdelays.steps.aggregate import YearAggregates

ROOT = Path(__file__).resolve().parents[2]
YEAR = 2013
MODELS = ("random_cut_forest", "xgboost_expected")


@pytest.fixture(scope="module")
def aggregates(hub_raw_dir: Path) -> YearAggregates:
    from flightdelays.steps import extract
    from flightdelays.steps.aggregate import read_year

    return read_year(extract.open_raw(Stores.in_folder(hub_raw_dir), YEAR))


def execute(notebook: Path, lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jupytext
    from nbclient import NotebookClient

    monkeypatch.setenv("FLIGHTDELAYS_LAKE_URL", lake.as_uri())
    monkeypatch.setenv("FLIGHTDELAYS_NOTEBOOK_YEAR", str(YEAR))
    client = NotebookClient(
        jupytext.read(notebook), timeout=300, kernel_name="python3", allow_errors=False
    )
    client.execute(cwd=str(lake.parent))


@pytest.mark.parametrize("model", MODELS)
def test_the_notebook_runs_and_writes_its_results(
    model: str, aggregates: YearAggregates, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores = Stores.in_folder(tmp_path / "lake")
    detected = get_detector(DEFAULT_DETECTOR).detect(aggregates.daily)
    exported = explain(detected, aggregates.carrier_days).rows.select(TABLE_COLUMNS)
    stores.write_csv(catalog.export(YEAR), exported)
    execute(ROOT / "notebooks" / f"{model}.py", tmp_path / "lake", monkeypatch)
    flags = pl.read_csv(
        io.BytesIO(stores.read_bytes(catalog.notebook_flags(YEAR, model))), try_parse_dates=True
    )
    expected = side_by_side(get_detector(model).detect(aggregates.daily), detected)
    assert flags.columns == expected.columns
    assert flags.height == expected.height > 0
    assert stores.read_bytes(catalog.notebook_plot(YEAR, model)).startswith(b"\x89PNG")


def test_a_failing_cell_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nbclient.exceptions import CellExecutionError

    broken = tmp_path / "broken.py"
    broken.write_text("# %%\nraise RuntimeError('a cell failed')\n")
    with pytest.raises(CellExecutionError, match="a cell failed"):
        execute(broken, tmp_path / "lake", monkeypatch)
