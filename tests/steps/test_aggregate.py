import datetime as dt
import socket
from pathlib import Path

import boto3
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flightdelays import storage
from flightdelays.catalog import Stores
from flightdelays.errors import OutsideError
from flightdelays.steps.aggregate import aggregate_raw, aggregate_year, daily_airport_delays
from flightdelays.steps.extract import open_raw
from flightdelays.storage import S3Options, open_store


def _flights(rows: list[tuple[str, str, float | None, float, float]]) -> pl.LazyFrame:
    return pl.LazyFrame(
        rows,
        schema={
            "FL_DATE": pl.String,
            "ORIGIN": pl.String,
            "DEP_DELAY": pl.Float64,
            "CANCELLED": pl.Float64,
            "DIVERTED": pl.Float64,
        },
        orient="row",
    ).with_columns(pl.col("FL_DATE").str.to_date())


def test_aggregates_per_airport_and_day() -> None:
    flights = _flights(
        [
            ("2013-01-02", "JFK", -4.0, 0.0, 0.0),
            ("2013-01-02", "JFK", 30.0, 0.0, 1.0),
            ("2013-01-02", "JFK", None, 1.0, 0.0),
            ("2013-01-01", "JFK", 10.0, 0.0, 0.0),
            ("2013-01-01", "EWR", None, 1.0, 0.0),
        ]
    )
    result = daily_airport_delays(flights, 2013).collect()
    expected = pl.DataFrame(
        {
            "airport": ["EWR", "JFK", "JFK"],
            "flight_date": [dt.date(2013, 1, 1), dt.date(2013, 1, 1), dt.date(2013, 1, 2)],
            "year": pl.Series([2013] * 3, dtype=pl.Int16),
            "flights": pl.Series([1, 1, 3], dtype=pl.Int32),
            "cancelled": pl.Series([1, 0, 1], dtype=pl.Int32),
            "diverted": pl.Series([0, 0, 1], dtype=pl.Int32),
            "departed": pl.Series([0, 1, 2], dtype=pl.Int32),
            "avg_dep_delay": [None, 10.0, 13.0],
            "share_delayed_15": [None, 0.0, 0.5],
        }
    )
    assert_frame_equal(result, expected)


_SECRET = "not-to-be-shown-0123456789"


def _s3_stores(endpoint: str, bucket: str) -> Stores:
    options = S3Options(
        access_key_id="fd-test-key",
        secret_access_key=_SECRET,
        region="us-east-1",
        endpoint_url=endpoint,
    )
    store = open_store(f"s3://{bucket}/raw", options)
    return Stores(store, store)


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """One quick retry instead of the production back-off of about 15 s."""
    monkeypatch.setattr(
        storage,
        "_RETRY",
        {
            "max_retries": 1,
            "backoff": {
                "init_backoff": dt.timedelta(milliseconds=10),
                "max_backoff": dt.timedelta(milliseconds=20),
                "base": 2.0,
            },
            "retry_timeout": dt.timedelta(seconds=2),
        },
    )


@pytest.mark.usefixtures("fast_retries")
def test_dead_s3_endpoint_is_an_outside_error(sample_raw_dir: Path) -> None:
    """Nothing listens there: retryable (exit 3), naming the file, never the secret."""
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stores = _s3_stores(f"http://127.0.0.1:{port}", "fd-dead")
    with pytest.raises(OutsideError) as caught:
        aggregate_year(stores, 2013)
    message = str(caught.value)
    assert "s3://fd-dead/raw/2013.csv" in message
    assert _SECRET not in message
    assert caught.value.exit_status == 3


@pytest.mark.usefixtures("fast_retries")
def test_s3_gone_while_polars_reads_is_an_outside_error(sample_raw_dir: Path) -> None:
    """The server answers the header checks, then is gone when polars scans the file."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    stores = _s3_stores(f"http://{host}:{port}", "fd-going")
    try:
        boto3.client(
            "s3",
            endpoint_url=f"http://{host}:{port}",
            aws_access_key_id="fd-test-key",
            aws_secret_access_key=_SECRET,
            region_name="us-east-1",
        ).create_bucket(Bucket="fd-going")
        stores.raw.write_bytes("2013.csv", (sample_raw_dir / "2013.csv").read_bytes(), "text/csv")
        raw = open_raw(stores, 2013)
    finally:
        server.stop()
    with pytest.raises(OutsideError) as caught:
        aggregate_raw(raw)
    message = str(caught.value)
    assert message.startswith("could not read s3://fd-going/raw/2013.csv: ")
    assert _SECRET not in message
