"""The detect step writes the table's rows and the year's explanations; export writes both."""

from __future__ import annotations

import io

import polars as pl

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.schema import EXPLANATION_COLUMNS, TABLE_COLUMNS
from flightdelays.settings import Settings
from flightdelays.steps.detect import detect_step
from flightdelays.steps.export import export_step

from .conftest import STORM, YEAR


def test_detect_writes_the_rows_and_an_explanation_per_flagged_day(
    aggregated_year: Settings,
) -> None:
    assert detect_step(aggregated_year, YEAR) == {"anomalies": 2, "with_cause": 2}
    stores = Stores.from_settings(aggregated_year)
    rows = stores.read_parquet(catalog.detected(YEAR))
    explanations = stores.read_parquet(catalog.explanations(YEAR))
    assert rows.columns == list(TABLE_COLUMNS)
    assert rows.height == 60
    flagged = rows.filter("is_anomaly")
    assert flagged["flight_date"].to_list() == [STORM, STORM]
    assert flagged["dominant_cause"].to_list() == ["weather", "weather"]
    assert rows.filter(~pl.col("is_anomaly"))["explanation"].null_count() == 58
    assert explanations.columns == list(EXPLANATION_COLUMNS)
    assert explanations["explanation"].to_list() == flagged["explanation"].to_list()
    assert explanations["explanation"][0] == (
        "weather 83% of delay minutes vs 20% usually;"
        " UA 100% of delay minutes above usual vs 30% of flights"
    )


def test_export_writes_the_rows_and_the_explanations(aggregated_year: Settings) -> None:
    detect_step(aggregated_year, YEAR)
    assert export_step(aggregated_year, YEAR) == {"exported": 60, "explanations_exported": 2}
    stores = Stores.from_settings(aggregated_year)
    rows = pl.read_csv(io.BytesIO(stores.read_bytes(catalog.export(YEAR))))
    explained = pl.read_csv(io.BytesIO(stores.read_bytes(catalog.explanations_export(YEAR))))
    assert rows.columns == list(TABLE_COLUMNS)
    assert explained.columns == list(EXPLANATION_COLUMNS)
    assert explained.select("airport", "top_carrier").rows() == [("JFK", "UA"), ("LGA", "UA")]
