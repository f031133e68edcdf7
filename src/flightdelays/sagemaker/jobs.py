"""SageMaker training jobs for a year's channels: the requests, and creating them.

The built-in algorithms' images are per region. The sagemaker SDK's `image_uris.retrieve`
answers offline (it reads a table shipped inside the SDK), but the SDK is a heavy install for
two strings a region; `IMAGE_REGISTRIES` copies its table for the regions AWS documents for
both algorithms (the SDK's image_uri_config randomcutforest.json and xgboost.json).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flightdelays import catalog
from flightdelays.errors import ConfigError

XGBOOST_VERSION = "1.7-1"
"""SageMaker's XGBoost container (the open-source XGBoost 1.7 algorithm)."""

IMAGE_REGISTRIES: dict[str, tuple[str, str]] = {
    # region: (Random Cut Forest account, XGBoost account)
    "us-east-1": ("382416733822", "683313688378"),
    "us-east-2": ("404615174143", "257758044811"),
    "us-west-1": ("632365934929", "746614075791"),
    "us-west-2": ("174872318107", "246618743249"),
    "ca-central-1": ("469771592824", "341280168497"),
    "eu-west-1": ("438346466558", "141502667606"),
    "eu-west-2": ("644912444149", "764974769150"),
    "eu-west-3": ("749696950732", "659782779980"),
    "eu-central-1": ("664544806723", "492215442770"),
    "eu-north-1": ("669576153137", "662702820516"),
    "ap-northeast-1": ("351501993468", "354813040037"),
    "ap-northeast-2": ("835164637446", "366743142698"),
    "ap-south-1": ("991648021394", "720646828776"),
    "ap-southeast-1": ("475088953585", "121021644041"),
    "ap-southeast-2": ("712309505854", "783357654285"),
    "sa-east-1": ("855470959533", "737474898029"),
}

ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
ROLE_VARIABLE = "FLIGHTDELAYS_SAGEMAKER_ROLE_ARN"
DEFAULT_INSTANCE = "ml.m5.large"
MAX_SECONDS = 3600
"""A job that runs an hour has gone wrong: a year trains in minutes."""


def images(region: str) -> tuple[str, str]:
    """(Random Cut Forest, XGBoost) image URIs of `region`; a ConfigError for another region."""
    if region not in IMAGE_REGISTRIES:
        raise ConfigError(
            f"unknown SageMaker region {region!r} (AWS_REGION / --region); "
            f"choose one of {', '.join(sorted(IMAGE_REGISTRIES))}"
        )
    rcf, xgboost = IMAGE_REGISTRIES[region]
    return (
        f"{rcf}.dkr.ecr.{region}.amazonaws.com/randomcutforest:1",
        f"{xgboost}.dkr.ecr.{region}.amazonaws.com/sagemaker-xgboost:{XGBOOST_VERSION}",
    )


def checked_role(role_arn: str | None) -> str:
    """The execution role's ARN; a ConfigError naming the variable when missing or malformed."""
    if not role_arn:
        raise ConfigError(
            f"no SageMaker execution role: set {ROLE_VARIABLE} (or --role-arn) to the role's ARN"
            " (deploy/ creates it: the SageMakerRoleArn output)"
        )
    if not ROLE_ARN.fullmatch(role_arn):
        raise ConfigError(f"{ROLE_VARIABLE} {role_arn!r} is not an IAM role ARN")
    return role_arn


@dataclass(frozen=True)
class Target:
    """Where and as whom the jobs run."""

    region: str
    role_arn: str
    instance_type: str = DEFAULT_INSTANCE


def _channel(name: str, s3_uri: str, *, for_rcf: bool) -> dict[str, Any]:
    """A CSV channel; RCF wants its training data sharded across instances and told that the
    CSV has no label column."""
    return {
        "ChannelName": name,
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": s3_uri,
                "S3DataDistributionType": "ShardedByS3Key" if for_rcf else "FullyReplicated",
            }
        },
        "ContentType": "text/csv;label_size=0" if for_rcf else "text/csv",
        "InputMode": "File",
    }


def _job(name: str, image: str, target: Target, output: str) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": "File"},
        "RoleArn": target.role_arn,
        "OutputDataConfig": {"S3OutputPath": output},
        "ResourceConfig": {
            "InstanceType": target.instance_type,
            "InstanceCount": 1,
            "VolumeSizeInGB": 5,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": MAX_SECONDS},
        "Tags": [{"Key": "project", "Value": "flightdelays"}],
    }


def training_requests(
    year: int, locate: dict[str, str], target: Target, suffix: str
) -> list[dict[str, Any]]:
    """The two CreateTrainingJob requests of a year. `locate` maps a lake key (or prefix) to
    its s3:// URI; `suffix` makes the job names unique (SageMaker never reuses one)."""
    from flightdelays.detectors.random_cut_forest import (
        FEATURES,
        NUM_TREES,
        SAMPLE_SIZE,
        SHINGLE_DAYS,
    )
    from flightdelays.detectors.xgboost_expected import BOOSTING, ROUNDS

    rcf_image, xgboost_image = images(target.region)
    output = locate[catalog.sagemaker_output(year)]
    rcf = _job(f"flightdelays-rcf-{year}-{suffix}", rcf_image, target, output)
    rcf["HyperParameters"] = {
        "feature_dim": str(FEATURES * SHINGLE_DAYS),
        "num_trees": str(NUM_TREES),
        "num_samples_per_tree": str(SAMPLE_SIZE),
    }
    rcf["InputDataConfig"] = [_channel("train", locate[catalog.rcf_train(year).key], for_rcf=True)]
    xgboost = _job(f"flightdelays-xgboost-{year}-{suffix}", xgboost_image, target, output)
    xgboost["HyperParameters"] = {
        "objective": str(BOOSTING["objective"]),
        "num_round": str(ROUNDS),
        "max_depth": str(BOOSTING["max_depth"]),
        "eta": str(BOOSTING["eta"]),
        "subsample": str(BOOSTING["subsample"]),
        "csv_weights": "1",
    }
    xgboost["InputDataConfig"] = [
        _channel("train", locate[catalog.xgboost_train(year).key], for_rcf=False),
        _channel("validation", locate[catalog.xgboost_validation(year).key], for_rcf=False),
    ]
    return [rcf, xgboost]
