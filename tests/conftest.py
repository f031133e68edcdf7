"""Shared fixtures: a real PostgreSQL, a real S3 API (moto's server) and small sample years.

PostgreSQL: the server at 127.0.0.1:5432 when it answers (CI has one), else the embedded one;
each test that asks for `database_url` gets a fresh database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings

from flightdelays.research.generate import HUBS, write_year

# Hypothesis draws the same examples on every run, so that `make test` passes or fails the same
# way for everyone; `HYPOTHESIS_PROFILE=explore` draws new ones to look for more failures.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

SAMPLE_SCALE = 0.02
SAMPLE_YEARS = (2011, 2013)
HUB_AIRPORTS = HUBS[:8]


def _server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get(
        "FLIGHTDELAYS_TEST_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    try:
        with psycopg.connect(url, connect_timeout=3):
            return url
    except psycopg.OperationalError:
        if os.environ.get("CI"):
            raise
    from flightdelays.local.postgres import embedded_database_url

    return embedded_database_url(tmp_path_factory.getbasetemp().parent / "embedded-pg")


@pytest.fixture(scope="session")
def postgres_server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A URL of a database on a real PostgreSQL server where we may create databases."""
    return _server_url(tmp_path_factory)


@pytest.fixture
def database_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty database on the test server; dropped after the test."""
    name = f"fd_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield psycopg.conninfo.make_conninfo(postgres_server_url, dbname=name)
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 API server on a free loopback port; AWS_* variables point at it."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = {key: os.environ.get(key) for key in _AWS_VARIABLES}
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    yield endpoint
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    server.stop()


_AWS_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
)


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new, empty bucket on the S3 API server."""
    import boto3

    name = f"fd-test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="session")
def sample_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated raw files (with labels) for `SAMPLE_YEARS` at `SAMPLE_SCALE`; do not modify."""
    folder = tmp_path_factory.mktemp("raw")
    for year in SAMPLE_YEARS:
        write_year(folder, year, scale=SAMPLE_SCALE, seed=7)
    return folder


@pytest.fixture(scope="session")
def hub_raw_dir(sample_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample raw years with only the flights leaving `HUB_AIRPORTS`: a run costs seconds."""
    folder = tmp_path_factory.mktemp("hub-raw")
    for source in sample_raw_dir.glob("????.csv"):
        header, *rows = source.read_text().splitlines(keepends=True)
        origin = header.split(",").index("ORIGIN")
        kept = [row for row in rows if row.split(",", origin + 1)[origin] in HUB_AIRPORTS]
        (folder / source.name).write_text(header + "".join(kept))
    return folder


@pytest.fixture(scope="session")
def hub_airports() -> tuple[str, ...]:
    """The airports `hub_raw_dir` keeps."""
    return tuple(HUB_AIRPORTS)


def _places_holding(
    secrets: list[str], files: Iterable[Path] = (), texts: Mapping[str, str] | None = None
) -> list[str]:
    """The files (by path) and named texts that hold any of `secrets`, in the order given."""
    needles = [secret.encode() for secret in secrets]
    found = [str(path) for path in files if any(needle in path.read_bytes() for needle in needles)]
    found += [name for name, text in (texts or {}).items() if any(s in text for s in secrets)]
    return found


@pytest.fixture(scope="session")
def find_secrets() -> Callable[..., list[str]]:
    """`find_secrets(secrets, files=..., texts={name: text})`: where any of them was found."""
    return _places_holding
