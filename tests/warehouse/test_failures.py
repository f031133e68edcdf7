"""What the warehouse says when the database is wrong, away, locked or refuses: one line each."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import polars as pl
import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from flightdelays.errors import ConfigError, OutsideError
from flightdelays.schema import (
    CANCELLED_BY_CAUSE_COLUMNS,
    CAUSE_MINUTES_COLUMNS,
    EXPLANATION_COLUMNS,
    TABLE_COLUMNS,
)
from flightdelays.warehouse import postgres
from flightdelays.warehouse.postgres import connect, redacted, replace_year


def _rows(year: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "airport": ["JFK"],
            "flight_date": [dt.date(year, 1, 1)],
            "year": [year],
            "flights": [10],
            "cancelled": [0],
            "diverted": [0],
            "departed": [10],
            "avg_dep_delay": [5.0],
            "share_delayed_15": [0.1],
            "is_anomaly": [False],
            "anomaly_signal": [None],
            "delay_score": [0.1],
            "expected_dep_delay": [4.0],
            "cancellation_score": [0.1],
            "expected_cancelled_share": [0.0],
            "judged": [True],
            "detector": ["test"],
            "cause_reported": [0],
            **{column: [None] for column in CAUSE_MINUTES_COLUMNS},
            **{column: [0] for column in CANCELLED_BY_CAUSE_COLUMNS},
            "dominant_cause": [None],
            "explanation": [None],
        },
        schema_overrides={"year": pl.Int16, "anomaly_signal": pl.String},
    ).select(TABLE_COLUMNS)


NO_EXPLANATIONS = pl.DataFrame(schema=dict.fromkeys(EXPLANATION_COLUMNS, pl.String)).with_columns(
    year=pl.lit(None, dtype=pl.Int16)
)


def _load(url: str, year: int) -> postgres.YearInTable:
    return replace_year(url, year, _rows(year), "test", explanations=NO_EXPLANATIONS)


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "ATTEMPTS", 2)
    monkeypatch.setattr(postgres, "BACKOFF_SECONDS", 0.01)


@pytest.fixture
def reader(database_url: str) -> Iterator[str]:
    """A URL of a role that may only read the project's tables, like the dashboard's."""
    _load(database_url, 2013)
    role = f"fd_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(
            f"GRANT SELECT ON daily_airport_delays, anomaly_explanations, yearly_loads TO {role}"
        )
    yield make_conninfo(database_url, user=role)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"DROP OWNED BY {role}")
        conn.execute(f"DROP ROLE {role}")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://etl@db:3306/flightdelays", "is a mysql:// URL"),
        ("host=db port=notaport dbname", "not a PostgreSQL URL"),
    ],
)
def test_a_url_that_is_not_postgresql_is_a_setting_to_fix(url: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        connect(url)


def test_a_missing_database_is_named_without_its_password(database_url: str) -> None:
    url = make_conninfo(database_url, dbname="fd_no_such_database", password="sentinel-pw")
    with pytest.raises(ConfigError, match="does not exist") as caught:
        connect(url)
    assert "fd_no_such_database" in str(caught.value)
    assert "sentinel-pw" not in str(caught.value)


@pytest.mark.usefixtures("quick_retries")
def test_a_server_that_is_not_there_is_retried_then_named() -> None:
    url = "postgresql://etl:sentinel-pw@127.0.0.1:9/flightdelays"
    with pytest.raises(OutsideError, match="after 2 attempts") as caught:
        _load(url, 2013)
    assert "flightdelays on 127.0.0.1:9 as etl" in str(caught.value)
    assert "sentinel-pw" not in str(caught.value)
    assert caught.value.exit_status == 3


def test_redacted_drops_the_password() -> None:
    assert redacted("postgresql://u:secret@h:5433/d") == "d on h:5433 as u"


def test_a_read_only_role_cannot_hold_up_a_load(database_url: str, reader: str) -> None:
    with psycopg.connect(reader) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(72620, 2013)")  # the lock loads once took
        conn.execute("SELECT count(*) FROM daily_airport_delays").fetchone()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT year FROM yearly_loads WHERE year = 2013 FOR UPDATE")
        conn.rollback()
        conn.execute("SELECT pg_advisory_xact_lock(72620, 2013)")
        loaded = _load(database_url, 2013)  # does not wait
        assert loaded.rows == 1


def test_a_lock_held_too_long_names_who_holds_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load(database_url, 2013)
    monkeypatch.setattr(postgres, "LOCK_TIMEOUT", "300ms")
    holder_url = make_conninfo(database_url, application_name="stuck-loader")
    with psycopg.connect(holder_url) as holder:
        holder.execute("SELECT year FROM yearly_loads WHERE year = 2013 FOR UPDATE")
        pid = holder.info.backend_pid
        with pytest.raises(OutsideError, match="waited 300ms for a lock") as caught:
            _load(database_url, 2013)
    assert f"pid {pid}" in str(caught.value)
    assert "application stuck-loader" in str(caught.value)


def test_a_table_without_its_migrations_record_is_named(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE daily_airport_delays (airport text)")
    with pytest.raises(ConfigError, match="already exists"):
        _load(database_url, 2013)


def test_a_role_without_create_rights_is_named(database_url: str, reader: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "DROP TABLE anomaly_explanations, daily_airport_delays, yearly_loads, schema_migrations"
        )
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    with pytest.raises(ConfigError, match="permission denied"):
        _load(reader, 2013)


def test_a_server_lost_while_a_year_is_read_is_retried_then_named(
    database_url: str, quick_retries: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load(database_url, 2013)
    failures = iter([psycopg.OperationalError("server closed the connection unexpectedly")])
    real = postgres.year_in_table

    def once_lost(conn: postgres.Connection, year: int) -> postgres.YearInTable:
        for failure in failures:
            raise failure
        return real(conn, year)

    monkeypatch.setattr(postgres, "year_in_table", once_lost)
    assert postgres.read_year(database_url, 2013).rows == 1

    def always_lost(conn: postgres.Connection, year: int) -> postgres.YearInTable:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(postgres, "year_in_table", always_lost)
    with pytest.raises(OutsideError, match="read 2013 failed after 2 attempts"):
        postgres.read_year(database_url, 2013)
