"""Credentials never leave the settings: a run with sentinel secrets, searched everywhere it writes.

The database password and the AWS secret key and session token are sentinels; the PostgreSQL
under test trusts local connections and moto's server accepts any key, so the runs work. Every
output of the command (stdout, stderr, with and without `--debug`), every object it wrote to the
lake and every row it loaded is searched for them. The DAG's side is in tests/dags.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import psycopg
import pytest

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from mypy_boto3_s3 import S3Client

SENTINELS = {
    "AWS_SECRET_ACCESS_KEY": "sentinel-aws-secret-Sk9q",
    "AWS_SESSION_TOKEN": "sentinel-aws-token-Tq3z",
}
DATABASE_PASSWORD = "sentinel-db-password-Pw7x"


def _run(*args: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "flightdelays.cli", *args]
    return subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **environ}, check=False
    )


def _lake_objects(client: S3Client, bucket: str) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        for item in listed
    }


@pytest.fixture
def s3_client(s3_endpoint: str) -> S3Client:
    import boto3

    return boto3.client("s3", endpoint_url=s3_endpoint)


@pytest.fixture
def secret_database_url(database_url: str) -> str:
    """The test database, with a password the trusting test server ignores."""
    return psycopg.conninfo.make_conninfo(database_url, password=DATABASE_PASSWORD)


@pytest.fixture
def secret_environ(s3_bucket: str, secret_database_url: str) -> dict[str, str]:
    return {
        **SENTINELS,
        "FLIGHTDELAYS_RAW_URL": f"s3://{s3_bucket}/raw",
        "FLIGHTDELAYS_LAKE_URL": f"s3://{s3_bucket}/lake",
        "FLIGHTDELAYS_DATABASE_URL": secret_database_url,
    }


def test_the_sentinels_are_found_where_they_are(
    find_secrets: Callable[..., list[str]], tmp_path: Path
) -> None:
    # The search itself can fail: a file and a text holding a sentinel are both reported.
    (tmp_path / "leak.log").write_bytes(b"key=" + SENTINELS["AWS_SESSION_TOKEN"].encode())
    places = find_secrets(
        [*SENTINELS.values(), DATABASE_PASSWORD],
        files=[tmp_path / "leak.log"],
        texts={"stderr": f"url ...:{DATABASE_PASSWORD}@host"},
    )
    assert places == [f"{tmp_path / 'leak.log'}", "stderr"]


def test_a_run_with_secrets_writes_them_nowhere(
    hub_raw_dir: Path,
    s3_bucket: str,
    s3_client: S3Client,
    secret_environ: dict[str, str],
    secret_database_url: str,
    find_secrets: Callable[..., list[str]],
) -> None:
    s3_client.put_object(
        Bucket=s3_bucket, Key="raw/2013.csv", Body=(hub_raw_dir / "2013.csv").read_bytes()
    )

    done = _run("run", "--year", "2013", environ=secret_environ)
    shown = _run("db-url", environ=secret_environ)

    assert done.returncode == 0, done.stderr
    lake = _lake_objects(s3_client, s3_bucket)
    assert any(key.endswith(".png") for key in lake)  # the run did write the lake
    with psycopg.connect(secret_database_url) as conn:
        rows = conn.execute("SELECT t::text FROM daily_airport_delays t").fetchall()
    assert rows
    texts = {
        "run stdout": done.stdout,
        "run stderr": done.stderr,
        "db-url": shown.stdout + shown.stderr,
        "table rows": "\n".join(row for (row,) in rows),
        **{f"lake {key}": body.decode("utf-8", "replace") for key, body in lake.items()},
    }
    assert find_secrets([*SENTINELS.values(), DATABASE_PASSWORD], texts=texts) == []


@pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["plain", "debug"])
@pytest.mark.parametrize("outage", ["s3", "database"])
def test_a_failed_run_names_where_without_the_secrets(
    outage: str,
    debug: list[str],
    hub_raw_dir: Path,
    s3_bucket: str,
    s3_client: S3Client,
    secret_environ: dict[str, str],
    find_secrets: Callable[..., list[str]],
) -> None:
    s3_client.put_object(
        Bucket=s3_bucket, Key="raw/2013.csv", Body=(hub_raw_dir / "2013.csv").read_bytes()
    )
    environ = dict(secret_environ)
    if outage == "s3":  # nothing listens on port 9 (discard) here
        environ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
        where = f"s3://{s3_bucket}/raw"
    else:
        environ["FLIGHTDELAYS_DATABASE_URL"] = (
            f"postgresql://etl:{DATABASE_PASSWORD}@127.0.0.1:9/flightdelays"
        )
        where = "127.0.0.1:9"

    done = _run(*debug, "run", "--year", "2013", environ=environ)

    assert done.returncode == 3, done.stderr
    assert where in done.stderr  # the error names what failed
    texts = {"stdout": done.stdout, "stderr": done.stderr}
    assert find_secrets([*SENTINELS.values(), DATABASE_PASSWORD], texts=texts) == []
