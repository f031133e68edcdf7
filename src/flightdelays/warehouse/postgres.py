"""The warehouse: PostgreSQL tables `daily_airport_delays` and `anomaly_explanations`, replaced a
year at a time.

The schema is created and migrated by the project itself (SQL files in `migrations/`, applied in
order and recorded in `schema_migrations`). A year is replaced in one transaction: delete the
year's explanations and rows, COPY the new rows and explanations, record the load. Concurrent
loads of the same year queue on the year's row of `yearly_loads` (`FOR UPDATE`, which needs
UPDATE rights, so a read-only role such as the dashboard's can never hold it), so each leaves
exactly one copy of both tables; a failure leaves the previous copy of both intact. A lock wait
ends after `LOCK_TIMEOUT` with an error naming who holds it.

Connection failures (refused, reset, server shut down) are retried with back-off, the whole
transaction again, since it is idempotent; after the last attempt the error says how many were
made. Errors name the database by its URL without the password.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from flightdelays.errors import ConfigError, FlightDelaysError, OutsideError
from flightdelays.schema import EXPLANATION_COLUMNS, TABLE_COLUMNS

if TYPE_CHECKING:  # imported by replace_year only: the check step needs psycopg, not polars
    import polars as pl

TABLE = "daily_airport_delays"
EXPLANATIONS = "anomaly_explanations"
_LOCK_NAMESPACE = 72_620  # pg_advisory_xact_lock(namespace, key): ours, apart from other apps
_MIGRATION_LOCK = 0
LOCK_TIMEOUT = "60s"
ATTEMPTS = 4
"""Tries of a connection or transaction that failed for a transient reason."""
BACKOFF_SECONDS = 1.0
"""The wait before the second try; it doubles for each try after."""

Result = TypeVar("Result")
Connection = psycopg.Connection[tuple[object, ...]]


def redacted(url: str) -> str:
    """`url` without its password, for messages (a libpq URL or key=value string)."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(a database URL that does not parse)"
    parts.pop("password", None)
    host = parts.get("host") or "local socket"
    return f"{parts.get('dbname') or 'postgres'} on {host}:{parts.get('port') or 5432}" + (
        f" as {parts['user']}" if parts.get("user") else ""
    )


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _refused_setting(url: str, error: psycopg.Error) -> ConfigError | None:
    """The setting to fix, when the server answered and refused it (no retry will help)."""
    text = str(error)
    fixes = (
        ("password authentication failed", "the password is wrong"),
        ("does not exist", "it does not exist"),
        ("no password supplied", "it needs a password"),
        ("role", "the role is refused"),
    )
    for marker, what in fixes:
        if marker in text and "connection refused" not in text.lower():
            return ConfigError(f"database {redacted(url)}: {what} ({_reason(error)})")
    return None


def _with_retries(url: str, action: str, attempt: Callable[[], Result]) -> Result:
    """`attempt()`, tried again with back-off while the server is unreachable or goes away."""
    for number in range(1, ATTEMPTS + 1):
        try:
            return attempt()
        except (pg_errors.InsufficientPrivilege, pg_errors.DuplicateTable) as error:
            raise ConfigError(f"database {redacted(url)}: {action}: {_reason(error)}") from None
        except pg_errors.LockNotAvailable:
            raise
        except psycopg.OperationalError as error:
            refused = _refused_setting(url, error)
            if refused is not None:
                raise refused from None
            if number == ATTEMPTS:
                raise OutsideError(
                    f"database {redacted(url)}: {action} failed after {ATTEMPTS} attempts:"
                    f" {_reason(error)}"
                ) from None
            time.sleep(BACKOFF_SECONDS * 2 ** (number - 1))
    raise AssertionError("unreachable")


def connect(url: str) -> Connection:
    """A connection to the warehouse; a URL that is not PostgreSQL's is a `ConfigError`."""
    if "://" in url and not url.startswith(("postgresql://", "postgres://")):
        scheme = url.split("://", 1)[0]
        raise ConfigError(f"the database URL is a {scheme}:// URL; PostgreSQL's is postgresql://")
    try:
        conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise ConfigError(
            "the database URL is not a PostgreSQL URL (postgresql://user@host:port/database)"
        ) from None
    return _with_retries(
        url,
        "connect",
        lambda: psycopg.connect(
            make_conninfo(url, connect_timeout=10, application_name="flightdelays")
        ),
    )


@contextmanager
def session(url: str) -> Iterator[Connection]:
    """A migrated connection, closed afterwards."""
    with connect(url) as conn:
        migrate(conn)
        yield conn


def migrate(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """Apply the migrations this database lacks, in order; the names of those applied."""
    files = sorted(
        (entry.name, entry.read_text())
        for entry in resources.files("flightdelays.warehouse.migrations").iterdir()
        if entry.name.endswith(".sql")
    )
    if not set(dict(files)) - _applied(conn):
        return []  # the usual case: no lock taken, so nobody's lock can stall a load here
    applied: list[str] = []
    with conn.transaction():
        conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        _locked(conn, "SELECT pg_advisory_xact_lock(%s, %s)", (_LOCK_NAMESPACE, _MIGRATION_LOCK))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
        for name, sql in files:
            if name not in done:
                conn.execute(sql.encode())
                conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
                applied.append(name)
    return applied


def _applied(conn: Connection) -> set[str]:
    """Migrations recorded in `schema_migrations` (none when it does not exist yet)."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        conn.rollback()
        return set()
    names = {str(row[0]) for row in conn.execute("SELECT name FROM schema_migrations")}
    conn.rollback()
    return names


def _locked(conn: Connection, query: str, params: tuple[object, ...]) -> None:
    """Run a locking `query`; past `LOCK_TIMEOUT`, an error naming who holds the lock."""
    try:
        conn.execute(query, params)
    except pg_errors.LockNotAvailable:
        raise OutsideError(
            f"waited {LOCK_TIMEOUT} for a lock on the warehouse; held by {_holders(conn)}"
        ) from None


def _holders(conn: Connection) -> str:
    """Who holds our locks (the year rows of `yearly_loads`, our advisory locks), asked on a
    fresh connection since `conn`'s transaction has failed."""
    info = conn.info
    url = make_conninfo(info.dsn, password=info.password or None)
    with psycopg.connect(url, autocommit=True) as other:
        rows = other.execute(
            "SELECT DISTINCT a.pid, a.usename, a.application_name, a.state"
            " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.granted AND a.pid <> %s AND a.pid <> pg_backend_pid() AND ("
            "  (l.locktype = 'advisory' AND l.classid = %s)"
            "  OR (l.relation = to_regclass('yearly_loads')"
            "      AND l.mode IN ('RowShareLock', 'RowExclusiveLock')))",
            (info.backend_pid, _LOCK_NAMESPACE),
        ).fetchall()
    if not rows:
        return "another session (it has let go since)"
    return "; ".join(
        f"pid {pid} (role {user}, application {app or '-'}, {state})"
        for pid, user, app, state in rows
    )


def check_writable(url: str) -> None:
    """Fail unless the database answers, its schema is migrated and this role may load years."""

    def rights() -> bool:
        with session(url) as conn:
            row = conn.execute(
                "SELECT has_table_privilege(%s, 'INSERT') AND has_table_privilege(%s, 'DELETE')"
                " AND has_table_privilege('yearly_loads', 'INSERT')"
                " AND has_table_privilege('yearly_loads', 'UPDATE')",
                (TABLE, TABLE),
            ).fetchone()
            return bool(row and row[0])

    if not _with_retries(url, "check rights", rights):
        raise ConfigError(f"database {redacted(url)}: this role may not replace rows of {TABLE}")


@dataclass(frozen=True)
class YearInTable:
    """What the tables hold for one year."""

    rows: int
    airports: int
    anomalies: int
    duplicate_keys: int
    explanations: int
    """Rows of `anomaly_explanations`."""


@dataclass(frozen=True)
class _Load:
    """A year's payloads, as headerless CSV, and what they hold."""

    rows: bytes
    explanations: bytes
    counts: tuple[int, int, int, int]
    """rows, airports, anomalies, explanations, as `yearly_loads` records them."""


def _csv(frame: pl.DataFrame, columns: tuple[str, ...]) -> bytes:
    payload = io.BytesIO()
    frame.select(columns).write_csv(payload, include_header=False)
    return payload.getvalue()


def replace_year(
    url: str, year: int, rows: pl.DataFrame, source: str, *, explanations: pl.DataFrame
) -> YearInTable:
    """Replace the year's rows with `rows` (columns `TABLE_COLUMNS`) and its explanations with
    `explanations` (`EXPLANATION_COLUMNS`), both in one transaction."""
    import polars as pl

    for name, frame in (("rows", rows), ("explanations", explanations)):
        outside = frame.filter(pl.col("year") != year).height
        if outside:
            raise FlightDelaysError(f"{outside} {name} to load for {year} belong to another year")
    load = _Load(
        _csv(rows, TABLE_COLUMNS),
        _csv(explanations, EXPLANATION_COLUMNS),
        (
            rows.height,
            rows["airport"].n_unique(),
            int(rows["is_anomaly"].sum()),
            explanations.height,
        ),
    )
    return _with_retries(url, f"load {year}", lambda: _replace(url, year, load, source))


def _replace(url: str, year: int, load: _Load, source: str) -> YearInTable:
    with session(url) as conn:
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            # the year's row exists (a first load inserts it), then this load holds it
            conn.execute(
                "INSERT INTO yearly_loads (year, rows, airports, anomalies, source)"
                " VALUES (%s, 0, 0, 0, '') ON CONFLICT (year) DO NOTHING",
                (year,),
            )
            _locked(conn, "SELECT year FROM yearly_loads WHERE year = %s FOR UPDATE", (year,))
            # explanations first: each refers to a row of the table
            conn.execute(f"DELETE FROM {EXPLANATIONS} WHERE year = %s", (year,))
            conn.execute(f"DELETE FROM {TABLE} WHERE year = %s", (year,))
            _copy(conn, TABLE, TABLE_COLUMNS, load.rows)
            _copy(conn, EXPLANATIONS, EXPLANATION_COLUMNS, load.explanations)
            conn.execute(
                "UPDATE yearly_loads SET rows = %s, airports = %s, anomalies = %s,"
                " explanations = %s, source = %s, loaded_at = now() WHERE year = %s",
                (*load.counts, source, year),
            )
        return year_in_table(conn, year)


def _copy(conn: Connection, table: str, columns: tuple[str, ...], payload: bytes) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(payload)


def read_year(url: str, year: int) -> YearInTable:
    """What the tables hold for `year`, read with the same retries as a load (a server that
    goes away while it is asked is an `OutsideError`, not a crash)."""

    def attempt() -> YearInTable:
        with connect(url) as conn:
            return year_in_table(conn, year)

    return _with_retries(url, f"read {year}", attempt)


def year_in_table(conn: psycopg.Connection[tuple[object, ...]], year: int) -> YearInTable:
    row = conn.execute(
        f"SELECT count(*), count(DISTINCT airport), count(*) FILTER (WHERE is_anomaly),"
        f" count(*) - count(DISTINCT (airport, flight_date)),"
        f" (SELECT count(*) FROM {EXPLANATIONS} WHERE year = %s) FROM {TABLE} WHERE year = %s",
        (year, year),
    ).fetchone()
    assert row is not None
    rows, airports, anomalies, duplicates, explanations = (int(value) for value in row)  # type: ignore[call-overload]
    return YearInTable(rows, airports, anomalies, duplicates, explanations)
