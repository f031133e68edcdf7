import datetime as dt
import threading
import uuid
from collections.abc import Callable
from importlib import resources

import polars as pl
import psycopg
import pytest

from flightdelays.warehouse import postgres
from flightdelays.warehouse.postgres import connect, migrate, replace_year, year_in_table

Frames = tuple[pl.DataFrame, pl.DataFrame]
MakeFrames = Callable[..., Frames]


def _load(url: str, year: int, frames: Frames) -> postgres.YearInTable:
    rows, explanations = frames
    return replace_year(url, year, rows, "test", explanations=explanations)


def _table(url: str) -> list[tuple[object, ...]]:
    with connect(url) as conn:
        return conn.execute(
            "SELECT airport, flight_date, avg_dep_delay FROM daily_airport_delays ORDER BY 1, 2"
        ).fetchall()


def _explanations(url: str) -> list[tuple[object, ...]]:
    with connect(url) as conn:
        return conn.execute(
            "SELECT airport, flight_date, dominant_cause, explanation FROM anomaly_explanations"
            " ORDER BY 1, 2"
        ).fetchall()


def test_migrate_applies_each_migration_once(database_url: str) -> None:
    with connect(database_url) as conn:
        first = migrate(conn)
        second = migrate(conn)
    assert [name[:4] for name in first] == ["001_", "002_"]
    assert second == []


def test_replacing_a_year_twice_leaves_one_copy(database_url: str, frames: MakeFrames) -> None:
    _load(database_url, 2013, frames(2013, ["JFK", "LGA"], 5))
    _load(database_url, 2014, frames(2014, ["JFK"], 3))
    loaded = _load(database_url, 2013, frames(2013, ["JFK"], 4, delay=7.0))
    assert (loaded.rows, loaded.airports, loaded.anomalies, loaded.duplicate_keys) == (4, 1, 1, 0)
    assert loaded.explanations == 1
    table = _table(database_url)
    assert len(table) == 4 + 3  # LGA's 2013 rows are gone, 2014 untouched
    assert {row[2] for row in table if row[1].year == 2013} == {7.0}  # type: ignore[attr-defined]
    assert [(row[0], row[1]) for row in _explanations(database_url)] == [
        ("JFK", dt.date(2013, 1, 1)),  # LGA's 2013 explanation is gone too
        ("JFK", dt.date(2014, 1, 1)),
    ]


def test_the_explanations_and_the_day_rows_say_the_same(
    database_url: str, frames: MakeFrames
) -> None:
    rows, explanations = frames(2013, ["JFK"], 3)
    _load(database_url, 2013, (rows, explanations))
    with connect(database_url) as conn:
        loaded = conn.execute(
            "SELECT d.dominant_cause, d.explanation, e.weather_share, e.weather_usual_share"
            " FROM daily_airport_delays d JOIN anomaly_explanations e USING (airport, flight_date)"
        ).fetchall()
        recorded = conn.execute("SELECT explanations FROM yearly_loads").fetchall()
    expected = explanations.row(0, named=True)
    assert loaded == [
        (
            "weather",
            expected["explanation"],
            expected["weather_share"],
            expected["weather_usual_share"],
        )
    ]
    assert str(expected["explanation"]).startswith("weather 69% of delay minutes vs 20% usually")
    assert recorded == [(1,)]


def test_a_failed_load_leaves_the_previous_copy(database_url: str, frames: MakeFrames) -> None:
    _load(database_url, 2013, frames(2013, ["JFK"], 5))
    before = _table(database_url), _explanations(database_url)
    rows, explanations = frames(2013, ["EWR"], 3)
    broken = pl.concat([rows, rows.head(1)])  # duplicate key
    with pytest.raises(psycopg.errors.UniqueViolation):
        replace_year(database_url, 2013, broken, "test", explanations=explanations)
    assert (_table(database_url), _explanations(database_url)) == before


def test_a_failure_loading_the_explanations_leaves_both_tables_as_they_were(
    database_url: str, frames: MakeFrames
) -> None:
    _load(database_url, 2013, frames(2013, ["JFK"], 5))
    before = _table(database_url), _explanations(database_url)
    rows, _ = frames(2013, ["EWR"], 3)
    _, of_another_airport = frames(2013, ["LGA"], 3)  # explains a day that is not loaded
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        replace_year(database_url, 2013, rows, "test", explanations=of_another_airport)
    assert (_table(database_url), _explanations(database_url)) == before


def test_rows_or_explanations_of_another_year_are_refused(
    database_url: str, frames: MakeFrames
) -> None:
    rows, explanations = frames(2013, ["JFK"], 2)
    other_rows, other_explanations = frames(2012, ["JFK"], 2)
    with pytest.raises(Exception, match="2 rows to load for 2013 belong to another year"):
        replace_year(database_url, 2013, other_rows, "test", explanations=explanations)
    with pytest.raises(Exception, match="1 explanations to load for 2013 belong to another"):
        replace_year(database_url, 2013, rows, "test", explanations=other_explanations)


def test_a_reader_of_the_days_before_the_migration_may_read_the_explanations(
    database_url: str, frames: MakeFrames
) -> None:
    """A deployment upgraded in place: its dashboard role, granted SELECT on the table by hand
    (docs/deploy.md), reads the new table without a new grant."""
    first = resources.files("flightdelays.warehouse.migrations") / "001_daily_airport_delays.sql"
    role = f"fd_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(first.read_text().encode())  # 001 only, recorded as applied
        conn.execute(
            "CREATE TABLE schema_migrations ("
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (first.name,))
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT SELECT ON daily_airport_delays, yearly_loads TO {role}")
    try:
        _load(database_url, 2013, frames(2013, ["JFK"], 2))  # applies 002
        reader = psycopg.conninfo.make_conninfo(database_url, user=role)
        with psycopg.connect(reader) as conn:
            explained = conn.execute("SELECT count(*) FROM anomaly_explanations").fetchone()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("DELETE FROM anomaly_explanations")
        assert explained == (1,)
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def test_concurrent_loads_of_one_year_leave_one_copy(database_url: str, frames: MakeFrames) -> None:
    rows, explanations = frames(2013, ["JFK", "LGA", "EWR"], 200)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            replace_year(database_url, 2013, rows, "test", explanations=explanations)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with connect(database_url) as conn:
        in_table = year_in_table(conn, 2013)
    assert (in_table.rows, in_table.duplicate_keys, in_table.explanations) == (600, 0, 3)
