"""The training channels in the built-in algorithms' formats, from a year's export."""

from __future__ import annotations

import io

import polars as pl
import pytest

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.detectors.random_cut_forest import FEATURES, SHINGLE_DAYS
from flightdelays.errors import RawFileError
from flightdelays.sagemaker.channels import (
    XGBOOST_FEATURES,
    prepare_channels,
    read_export,
)

YEAR = 2013


def read_headerless(stores: Stores, dataset: catalog.Dataset) -> pl.DataFrame:
    return pl.read_csv(io.BytesIO(stores.read_bytes(dataset)), has_header=False)


def test_the_export_reads_back_as_the_aggregate(
    exported_lake: Stores, exported_year: pl.DataFrame
) -> None:
    daily = read_export(exported_lake, YEAR)
    assert daily.height == exported_year.height
    assert daily.schema["flight_date"] == pl.Date


def test_rcf_channel_is_headerless_shingles(exported_lake: Stores) -> None:
    counts = prepare_channels(exported_lake, YEAR)
    rcf = read_headerless(exported_lake, catalog.rcf_train(YEAR))
    assert rcf.width == SHINGLE_DAYS * FEATURES
    assert rcf.height == counts[catalog.rcf_train(YEAR).key] > 300
    assert all(dtype == pl.Float64 for dtype in rcf.dtypes)  # no header row, no text


def test_xgboost_channels_have_the_label_first_and_split_the_days(
    exported_lake: Stores, exported_year: pl.DataFrame
) -> None:
    prepare_channels(exported_lake, YEAR)
    train = read_headerless(exported_lake, catalog.xgboost_train(YEAR))
    validation = read_headerless(exported_lake, catalog.xgboost_validation(YEAR))
    assert train.width == validation.width == 2 + len(XGBOOST_FEATURES)
    departed = exported_year.filter(pl.col("departed") > 0)
    assert train.height + validation.height == departed.height
    assert abs(train.height - validation.height) < 0.1 * departed.height
    label = pl.concat([train, validation])["column_0"].sort()
    assert label.to_list() == pytest.approx(departed["avg_dep_delay"].sort().to_list(), abs=1e-5)


def test_a_missing_export_is_named_and_nothing_is_written(tmp_path: object) -> None:
    stores = Stores.in_folder(f"{tmp_path}/lake")
    with pytest.raises(RawFileError, match=r"exports/2013\.csv: no export: run"):
        prepare_channels(stores, YEAR)
    assert stores.lake.list(catalog.sagemaker_folder(YEAR)) == []


def test_an_export_of_another_schema_is_refused(
    exported_lake: Stores, exported_year: pl.DataFrame
) -> None:
    exported_lake.write_csv(catalog.export(YEAR), exported_year.drop("departed"))
    with pytest.raises(RawFileError, match="not an export of this pipeline: no column departed"):
        prepare_channels(exported_lake, YEAR)
    assert exported_lake.lake.list(catalog.sagemaker_folder(YEAR)) == []


def test_an_export_of_another_year_is_refused(
    exported_lake: Stores, exported_year: pl.DataFrame
) -> None:
    exported_lake.write_csv(catalog.export(YEAR), exported_year.with_columns(year=pl.lit(2012)))
    with pytest.raises(RawFileError, match="no rows of 2013 alone"):
        prepare_channels(exported_lake, YEAR)
