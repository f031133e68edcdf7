"""The training jobs: valid requests on moto's SageMaker API, pointing at the written channels;
bad settings refused with one error line before anything is written or created."""

from __future__ import annotations

from pathlib import Path

import boto3
import polars as pl
import pytest

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.cli import main
from flightdelays.errors import ConfigError
from flightdelays.sagemaker.channels import prepare_channels
from flightdelays.sagemaker.command import create_jobs
from flightdelays.sagemaker.jobs import Target, checked_role, images
from flightdelays.schema import TABLE_COLUMNS
from flightdelays.storage import open_store

YEAR = 2013
ROLE = "arn:aws:iam::123456789012:role/flightdelays-sagemaker"


def test_each_region_has_both_images() -> None:
    rcf, xgboost = images("eu-west-1")
    assert rcf == "438346466558.dkr.ecr.eu-west-1.amazonaws.com/randomcutforest:1"
    assert xgboost.startswith("141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:")
    with pytest.raises(ConfigError, match=r"unknown SageMaker region 'mars-1'.*us-east-1"):
        images("mars-1")


def test_a_role_must_be_a_role_arn() -> None:
    assert checked_role(ROLE) == ROLE
    with pytest.raises(ConfigError, match="FLIGHTDELAYS_SAGEMAKER_ROLE_ARN"):
        checked_role(None)
    with pytest.raises(ConfigError, match="is not an IAM role ARN"):
        checked_role("arn:aws:iam::123456789012:user/someone")


@pytest.fixture
def s3_lake(s3_bucket: str, exported_year: pl.DataFrame) -> Stores:
    lake = open_store(f"s3://{s3_bucket}/lake")
    stores = Stores(lake, lake)
    stores.write_csv(catalog.export(YEAR), exported_year.select(TABLE_COLUMNS))
    return stores


def test_the_jobs_read_the_written_channels(s3_lake: Stores) -> None:
    prepare_channels(s3_lake, YEAR)
    started = create_jobs(s3_lake, YEAR, Target("us-east-1", ROLE), "test1")
    assert [name for name, _ in started] == [
        f"flightdelays-rcf-{YEAR}-test1",
        f"flightdelays-xgboost-{YEAR}-test1",
    ]
    client = boto3.client("sagemaker", region_name="us-east-1")
    rcf, xgboost = (client.describe_training_job(TrainingJobName=name) for name, _ in started)
    s3 = boto3.client("s3")
    for job in (rcf, xgboost):
        assert job["RoleArn"] == ROLE
        assert job["OutputDataConfig"]["S3OutputPath"] == s3_lake.lake.location(
            catalog.sagemaker_output(YEAR)
        )
        for channel in job["InputDataConfig"]:
            uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
            bucket, _, key = uri.removeprefix("s3://").partition("/")
            assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 1000
    assert rcf["AlgorithmSpecification"]["TrainingImage"] == images("us-east-1")[0]
    assert rcf["HyperParameters"]["feature_dim"] == "14"
    assert rcf["InputDataConfig"][0]["ContentType"] == "text/csv;label_size=0"
    assert [c["ChannelName"] for c in xgboost["InputDataConfig"]] == ["train", "validation"]
    assert xgboost["HyperParameters"]["csv_weights"] == "1"


def _train(lake_url: str, *extra: str) -> int:
    return main(["sagemaker", "train", "--year", str(YEAR), "--lake-url", lake_url, *extra])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--region", "mars-1", "--role-arn", ROLE), "unknown SageMaker region 'mars-1'"),
        (("--region", "us-east-1"), "no SageMaker execution role: set FLIGHTDELAYS_SAGEMAKER"),
    ],
)
def test_bad_settings_are_one_error_line_and_no_job(
    s3_lake: Stores,
    extra: tuple[str, ...],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FLIGHTDELAYS_SAGEMAKER_ROLE_ARN", raising=False)
    prepare_channels(s3_lake, YEAR)
    client = boto3.client("sagemaker", region_name="us-east-1")
    before = client.list_training_jobs()["TrainingJobSummaries"]
    assert _train(s3_lake.lake.url, *extra) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ")
    assert message in error
    assert len(error.strip().splitlines()) == 1
    assert client.list_training_jobs()["TrainingJobSummaries"] == before


def test_train_before_prepare_names_the_missing_channel(
    s3_lake: Stores, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _train(s3_lake.lake.url, "--region", "us-east-1", "--role-arn", ROLE) == 2
    error = capsys.readouterr().err
    assert "rcf/train/train.csv: no channel: run `flightdelays sagemaker prepare" in error


def test_a_local_lake_cannot_feed_sagemaker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake_url = (tmp_path / "lake").as_uri()
    assert _train(lake_url, "--region", "us-east-1", "--role-arn", ROLE) == 2
    assert "SageMaker reads its channels from S3" in capsys.readouterr().err


def test_prepare_names_a_missing_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lake_url = (tmp_path / "lake").as_uri()
    assert main(["sagemaker", "prepare", "--year", str(YEAR), "--lake-url", lake_url]) == 2
    assert "exports/2013.csv: no export: run `flightdelays run --year 2013` first" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "lake").exists()
