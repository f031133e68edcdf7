import datetime as dt
import threading

import polars as pl
import psycopg
import pytest

from flightdelays.schema import TABLE_COLUMNS
from flightdelays.warehouse.postgres import connect, migrate, replace_year, year_in_table


def _rows(year: int, airports: list[str], days: int, *, delay: float = 5.0) -> pl.DataFrame:
    records = [
        {
            "airport": airport,
            "flight_date": dt.date(year, 1, 1) + dt.timedelta(days=day),
            "year": year,
            "flights": 10,
            "cancelled": 1,
            "diverted": 0,
            "departed": 9,
            "avg_dep_delay": delay,
            "share_delayed_15": 0.1,
            "is_anomaly": day == 0,
            "anomaly_signal": "delay" if day == 0 else None,
            "delay_score": 1.0,
            "expected_dep_delay": 4.0,
            "cancellation_score": None,
            "expected_cancelled_share": 0.1,
            "judged": True,
            "detector": "test",
        }
        for airport in airports
        for day in range(days)
    ]
    return pl.DataFrame(records).select(TABLE_COLUMNS)


def _table(url: str) -> list[tuple[object, ...]]:
    with connect(url) as conn:
        return conn.execute(
            "SELECT airport, flight_date, avg_dep_delay FROM daily_airport_delays ORDER BY 1, 2"
        ).fetchall()


def test_migrate_applies_each_migration_once(database_url: str) -> None:
    with connect(database_url) as conn:
        first = migrate(conn)
        second = migrate(conn)
    assert first[0].startswith("001_")
    assert second == []


def test_replacing_a_year_twice_leaves_one_copy(database_url: str) -> None:
    replace_year(database_url, 2013, _rows(2013, ["JFK", "LGA"], 5), "test")
    replace_year(database_url, 2014, _rows(2014, ["JFK"], 3), "test")
    loaded = replace_year(database_url, 2013, _rows(2013, ["JFK"], 4, delay=7.0), "test")
    assert (loaded.rows, loaded.airports, loaded.anomalies, loaded.duplicate_keys) == (4, 1, 1, 0)
    table = _table(database_url)
    assert len(table) == 4 + 3  # LGA's 2013 rows are gone, 2014 untouched
    assert {row[2] for row in table if row[1].year == 2013} == {7.0}  # type: ignore[attr-defined]


def test_a_failed_load_leaves_the_previous_copy(database_url: str) -> None:
    replace_year(database_url, 2013, _rows(2013, ["JFK"], 5), "test")
    before = _table(database_url)
    broken = pl.concat([_rows(2013, ["EWR"], 3), _rows(2013, ["EWR"], 1)])  # duplicate key
    with pytest.raises(psycopg.errors.UniqueViolation):
        replace_year(database_url, 2013, broken, "test")
    assert _table(database_url) == before


def test_rows_of_another_year_are_refused(database_url: str) -> None:
    with pytest.raises(Exception, match="belong to another year"):
        replace_year(database_url, 2013, _rows(2012, ["JFK"], 2), "test")


def test_concurrent_loads_of_one_year_leave_one_copy(database_url: str) -> None:
    rows = _rows(2013, ["JFK", "LGA", "EWR"], 200)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            replace_year(database_url, 2013, rows, "test")
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
    assert (in_table.rows, in_table.duplicate_keys) == (600, 0)
