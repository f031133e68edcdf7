"""The warehouse: PostgreSQL table `daily_airport_delays`, replaced a year at a time.

The schema is created and migrated by the project itself (SQL files in `migrations/`, applied in
order and recorded in `schema_migrations`). A year is replaced in one transaction: delete the
year's rows, COPY the new ones, record the load. Concurrent loads of the same year queue on an
advisory lock, so each leaves exactly one copy; a failure leaves the previous copy intact.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib import resources

import polars as pl
import psycopg

from flightdelays.errors import FlightDelaysError
from flightdelays.schema import TABLE_COLUMNS

TABLE = "daily_airport_delays"
_LOCK_NAMESPACE = 72_620  # pg_advisory_xact_lock(namespace, key): ours, apart from other apps
_MIGRATION_LOCK = 0


def connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(url, connect_timeout=10, application_name="flightdelays")


def migrate(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """Apply the migrations this database lacks, in order; the names of those applied."""
    files = sorted(
        (entry.name, entry.read_text())
        for entry in resources.files("flightdelays.warehouse.migrations").iterdir()
        if entry.name.endswith(".sql")
    )
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_LOCK_NAMESPACE, _MIGRATION_LOCK))
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


@dataclass(frozen=True)
class YearInTable:
    """What the table holds for one year."""

    rows: int
    airports: int
    anomalies: int
    duplicate_keys: int


def replace_year(url: str, year: int, rows: pl.DataFrame, source: str) -> YearInTable:
    """Replace the year's rows with `rows` (columns `TABLE_COLUMNS`) in one transaction."""
    outside = rows.filter(pl.col("year") != year).height
    if outside:
        raise FlightDelaysError(f"{outside} rows to load for {year} belong to another year")
    payload = io.BytesIO()
    rows.select(TABLE_COLUMNS).write_csv(payload, include_header=False)
    columns = ", ".join(TABLE_COLUMNS)
    with connect(url) as conn:
        migrate(conn)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_LOCK_NAMESPACE, year))
            conn.execute(f"DELETE FROM {TABLE} WHERE year = %s", (year,))
            with conn.cursor().copy(f"COPY {TABLE} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(payload.getvalue())
            conn.execute(
                "INSERT INTO yearly_loads (year, rows, airports, anomalies, source)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (year) DO UPDATE SET"
                " rows = EXCLUDED.rows, airports = EXCLUDED.airports,"
                " anomalies = EXCLUDED.anomalies, source = EXCLUDED.source, loaded_at = now()",
                (
                    year,
                    rows.height,
                    rows["airport"].n_unique(),
                    int(rows["is_anomaly"].sum()),
                    source,
                ),
            )
        return year_in_table(conn, year)


def year_in_table(conn: psycopg.Connection[tuple[object, ...]], year: int) -> YearInTable:
    row = conn.execute(
        f"SELECT count(*), count(DISTINCT airport), count(*) FILTER (WHERE is_anomaly),"
        f" count(*) - count(DISTINCT (airport, flight_date)) FROM {TABLE} WHERE year = %s",
        (year,),
    ).fetchone()
    assert row is not None
    rows, airports, anomalies, duplicates = (int(value) for value in row)  # type: ignore[call-overload]
    return YearInTable(rows, airports, anomalies, duplicates)
