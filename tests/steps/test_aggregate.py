import datetime as dt
import random
import socket
from pathlib import Path

import boto3
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flightdelays import storage
from flightdelays.catalog import Stores
from flightdelays.errors import OutsideError, RawFileError
from flightdelays.schema import (
    CANCELLED_BY_CAUSE_COLUMNS,
    CARRIER_DAY_COLUMNS,
    CAUSE_MINUTES_COLUMNS,
    CAUSE_RAW_COLUMNS,
    DAILY_COLUMNS,
    HEADER_LINE,
    RAW_COLUMNS,
)
from flightdelays.steps.aggregate import (
    YearAggregates,
    aggregate_raw,
    aggregate_year,
    daily_airport_delays,
    read_year,
)
from flightdelays.steps.extract import open_raw
from flightdelays.storage import S3Options, open_store


def _flights(rows: list[tuple[str, str, str, float | None, float, float]]) -> pl.LazyFrame:
    """Flights of (date, airport, carrier, DEP_DELAY, CANCELLED, DIVERTED), no cause columns."""
    return pl.LazyFrame(
        rows,
        schema={
            "FL_DATE": pl.String,
            "ORIGIN": pl.String,
            "OP_CARRIER": pl.String,
            "DEP_DELAY": pl.Float64,
            "CANCELLED": pl.Float64,
            "DIVERTED": pl.Float64,
        },
        orient="row",
    ).with_columns(pl.col("FL_DATE").str.to_date())


def test_aggregates_per_airport_and_day() -> None:
    flights = _flights(
        [
            ("2013-01-02", "JFK", "AA", -4.0, 0.0, 0.0),
            ("2013-01-02", "JFK", "B6", 30.0, 0.0, 1.0),
            ("2013-01-02", "JFK", "AA", None, 1.0, 0.0),
            ("2013-01-01", "JFK", "AA", 10.0, 0.0, 0.0),
            ("2013-01-01", "EWR", "UA", None, 1.0, 0.0),
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
            "cause_reported": pl.Series(
                [0, 0, 0], dtype=pl.Int32
            ),  # the frame has no cause columns
            **{column: pl.Series([None] * 3, dtype=pl.Float64) for column in CAUSE_MINUTES_COLUMNS},
            **{
                column: pl.Series([0, 0, 0], dtype=pl.Int32)
                for column in CANCELLED_BY_CAUSE_COLUMNS
            },
        }
    )
    assert_frame_equal(result, expected)


_CARRIERS = ("AA", "B6", "UA", "9E")


def _random_lines(seed: int, count: int) -> list[str]:
    """Valid raw lines over 3 airports, 4 days and 4 carriers: departed (early, late, with and
    without cause minutes), cancelled (with each code or none) and diverted flights."""
    rng = random.Random(seed)
    lines = []
    for number in range(1, count + 1):
        fields = dict.fromkeys(RAW_COLUMNS, "")
        fields.update(
            FL_DATE=f"2013-03-0{rng.randint(1, 4)}",
            OP_CARRIER=rng.choice(_CARRIERS),
            OP_CARRIER_FL_NUM=str(number),
            ORIGIN=rng.choice(["JFK", "LGA", "EWR"]),
            DEST="BOS",
            CRS_DEP_TIME=str(rng.randint(5, 22) * 100 + rng.randint(0, 59)),
            CANCELLED="0.0",
            DIVERTED="0.0",
        )
        if rng.random() < 0.15:
            code = rng.choice(["A", "B", "C", "D", ""])
            fields.update(CANCELLED="1.0", CANCELLATION_CODE=code)
        else:
            fields["DEP_DELAY"] = f"{rng.choice([-7, -1, 0, 3, 14, 15, 16, 44, 120, 300])}.0"
            fields["DIVERTED"] = "1.0" if rng.random() < 0.05 else "0.0"
            # no cause data at EWR; elsewhere for about half the flights
            if fields["ORIGIN"] != "EWR" and rng.random() < 0.5:
                for column in CAUSE_RAW_COLUMNS:
                    fields[column] = f"{rng.choice([0, 0, 3, 12.5, 40])}"
        lines.append(",".join(fields.values()) + ",")
    return lines


def _naive(lines: list[str], keys: tuple[str, ...]) -> pl.DataFrame:
    """The aggregate of `lines` per `keys` (raw column names), computed row by row."""
    groups: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for line in lines:
        row = dict(zip(RAW_COLUMNS, line.split(","), strict=False))
        groups.setdefault(tuple(row[key] for key in keys), []).append(row)
    out = []
    for key, rows in sorted(groups.items()):
        delays = [float(row["DEP_DELAY"]) for row in rows if row["DEP_DELAY"]]
        cancelled = [row for row in rows if row["CANCELLED"] == "1.0"]
        reported = [row for row in rows if row["CARRIER_DELAY"]]
        record = {
            **dict(zip(keys, key, strict=True)),
            "flights": len(rows),
            "cancelled": len(cancelled),
            "diverted": sum(row["DIVERTED"] == "1.0" for row in rows),
            "departed": len(delays),
            "avg_dep_delay": sum(delays) / len(delays) if delays else None,
            "share_delayed_15": sum(d >= 15 for d in delays) / len(delays) if delays else None,
            "cause_reported": len(reported),
        }
        for raw, column in zip(CAUSE_RAW_COLUMNS, CAUSE_MINUTES_COLUMNS, strict=True):
            record[column] = sum(float(row[raw]) for row in reported) if reported else None
        for code, column in zip("ABCD", CANCELLED_BY_CAUSE_COLUMNS, strict=True):
            record[column] = sum(row["CANCELLATION_CODE"] == code for row in cancelled)
        out.append(record)
    return pl.DataFrame(out).rename(
        {"ORIGIN": "airport", "FL_DATE": "flight_date", "OP_CARRIER": "carrier"}, strict=False
    )


def _read(tmp_path: Path, lines: list[str]) -> YearAggregates:
    (tmp_path / "2013.csv").write_text("\n".join([HEADER_LINE, *lines]) + "\n")
    return read_year(open_raw(Stores.in_folder(tmp_path), 2013))


@pytest.mark.parametrize("seed", [1, 2])
def test_one_read_gives_what_a_row_by_row_count_gives(tmp_path: Path, seed: int) -> None:
    lines = _random_lines(seed, 400)
    aggregates = _read(tmp_path, lines)
    daily = aggregates.daily
    assert daily.columns == list(DAILY_COLUMNS)
    naive = _naive(lines, ("ORIGIN", "FL_DATE"))
    dates = pl.col("flight_date").str.to_date()
    expected = naive.with_columns(dates, year=pl.lit(2013, pl.Int16)).select(DAILY_COLUMNS)
    assert_frame_equal(daily, expected, check_dtypes=False)
    assert daily.filter(pl.col("airport") == "EWR")["cause_reported"].sum() == 0
    assert (daily.filter(pl.col("airport") != "EWR")["cause_reported"] > 0).all()

    carriers = aggregates.carrier_days
    assert carriers.columns == list(CARRIER_DAY_COLUMNS)
    naive_carriers = _naive(lines, ("ORIGIN", "FL_DATE", "OP_CARRIER"))
    expected_carriers = naive_carriers.with_columns(dates, year=pl.lit(2013, pl.Int16))
    assert_frame_equal(carriers, expected_carriers.select(CARRIER_DAY_COLUMNS), check_dtypes=False)
    assert carriers["carrier"].dtype == pl.String


def test_carrier_days_add_up_to_the_airport_days(tmp_path: Path) -> None:
    aggregates = _read(tmp_path, _random_lines(3, 300))
    summed = (
        aggregates.carrier_days.group_by("airport", "flight_date")
        .agg(pl.col("flights", "cancelled", "departed").sum())
        .sort("airport", "flight_date")
    )
    daily = aggregates.daily.select("airport", "flight_date", "flights", "cancelled", "departed")
    assert_frame_equal(summed, daily, check_dtypes=False)


def test_the_same_flight_twice_is_found_within_its_carrier(tmp_path: Path) -> None:
    """The repeat check counts distinct flights per carrier: a line twice is still seen."""
    lines = _random_lines(4, 50)
    with pytest.raises(RawFileError) as caught:
        _read(tmp_path, [*lines[:30], lines[12], *lines[30:]])
    assert caught.value.line == 32
    assert "is also on line 14" in caught.value.problem


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
