"""`flightdelays sagemaker prepare|train`: a year's channels into the lake, then the jobs.

Only argparse here: the handlers import polars, the detectors and boto3 when they run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flightdelays.catalog import Stores
    from flightdelays.settings import Settings

SettingsOf = Callable[[argparse.Namespace], "Settings"]


def add_commands(commands: Any, settings_of: SettingsOf) -> None:
    """Add `sagemaker prepare` and `sagemaker train` to the command line's subcommands."""
    sagemaker = commands.add_parser(
        "sagemaker", help="train SageMaker's built-in RCF and XGBoost on a year's export"
    )
    actions = sagemaker.add_subparsers(dest="sagemaker_command", required=True)
    prepare = actions.add_parser("prepare", help="write the year's training channels to the lake")
    train = actions.add_parser("train", help="create the year's two training jobs")
    for parser in (prepare, train):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--lake-url", help="file:// folder or s3://bucket/prefix")
    train.add_argument("--region", help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION)")
    train.add_argument(
        "--role-arn", help="execution role (default: FLIGHTDELAYS_SAGEMAKER_ROLE_ARN)"
    )
    train.add_argument("--instance-type", default="ml.m5.large")
    prepare.set_defaults(handler=lambda args: prepare_command(settings_of(args), args.year))
    train.set_defaults(handler=lambda args: train_command(settings_of(args), args))


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def prepare_command(settings: Settings, year: int) -> None:
    """Write the year's RCF and XGBoost channels from its export."""
    from flightdelays.catalog import Stores
    from flightdelays.sagemaker.channels import prepare_channels

    stores = Stores.from_settings(settings)
    for key, rows in prepare_channels(stores, year).items():
        _say(f"[{year}] wrote {stores.lake.location(key)} ({rows:,} rows)")


def train_command(settings: Settings, args: argparse.Namespace) -> None:
    """Create the year's training jobs on the channels `prepare` wrote; print their names."""
    import datetime as dt

    from flightdelays.catalog import Stores
    from flightdelays.sagemaker.jobs import ROLE_VARIABLE, Target, checked_role, images

    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        from flightdelays.errors import ConfigError

        raise ConfigError("no AWS region: set AWS_REGION (or --region)")
    images(region)  # an unknown region fails before anything else
    role_arn = checked_role(args.role_arn or os.environ.get(ROLE_VARIABLE))
    target = Target(region, role_arn, args.instance_type)
    stores = Stores.from_settings(settings)
    suffix = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    for name, state in create_jobs(stores, args.year, target, suffix):
        _say(f"[{args.year}] training job {name}: {state}")


def create_jobs(stores: Stores, year: int, target: Any, suffix: str) -> list[tuple[str, str]]:
    """Create the year's two training jobs; (name, status) of each as SageMaker describes it."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from flightdelays import catalog
    from flightdelays.errors import ConfigError, OutsideError, RawFileError
    from flightdelays.sagemaker.jobs import training_requests

    if not stores.lake.url.startswith("s3://"):
        raise ConfigError(
            f"SageMaker reads its channels from S3, and the lake is {stores.lake.url}: "
            "set FLIGHTDELAYS_LAKE_URL (or --lake-url) to s3://bucket/prefix"
        )
    channels = [catalog.rcf_train(year), catalog.xgboost_train(year)]
    channels.append(catalog.xgboost_validation(year))
    for dataset in channels:
        if not stores.exists(dataset):
            raise RawFileError(
                stores.location(dataset),
                f"no channel: run `flightdelays sagemaker prepare --year {year}` first",
            )
    keys = [dataset.key for dataset in channels] + [catalog.sagemaker_output(year)]
    locate = {key: stores.lake.location(key) for key in keys}
    client = boto3.client("sagemaker", region_name=target.region)
    started = []
    for request in training_requests(year, locate, target, suffix):
        name = request["TrainingJobName"]
        try:
            client.create_training_job(**request)
            described = client.describe_training_job(TrainingJobName=name)
        except (ClientError, BotoCoreError) as error:
            raise OutsideError(f"SageMaker in {target.region}: job {name}: {error}") from None
        started.append((name, str(described["TrainingJobStatus"])))
    return started
