"""The suite's own PostgreSQL: a pgserver instance that probes may stop (as `pg_ctl -m immediate`
does, as a crash or a pulled plug would) and start again.

pgserver refuses to run the server as root; as root it runs it as its system user `pgserver`,
so `pg_ctl` is run as that user too. The server listens on a Unix socket only.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import psycopg

START_SECONDS = 180


@dataclass(frozen=True)
class YearRows:
    """What a database holds for one year: rows, distinct (airport, day) keys, and a digest of
    the rows in key order (equal digests: the same rows, value for value)."""

    rows: int
    keys: int
    digest: str | None


class SuitePostgres:
    """A PostgreSQL server in `folder` for this suite alone; a fresh database per trial."""

    def __init__(self, folder: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            from pgserver import get_server  # type: ignore[attr-defined]

        folder.parent.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._server: Any = get_server(folder)
        self.socket_folder = str(self._server.get_uri()).rsplit("host=", 1)[1]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:@/{database}?host={self.socket_folder}"

    def new_database(self) -> str:
        """The name of a new, empty database."""
        name = f"fault_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def execute(self, database: str, statement: str) -> None:
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement.encode())

    def stop_immediately(self) -> None:
        """Stop the server as a crash would: no checkpoint, every session cut. This is what
        `pg_ctl -m immediate stop` does (SIGQUIT to the postmaster), sent directly so that it
        lands within milliseconds of the moment chosen; then wait until the server is gone."""
        postmaster = int((self.folder / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGQUIT)
        while psutil.pid_exists(postmaster) and psutil.Process(postmaster).status() != "zombie":
            time.sleep(0.02)

    def start(self) -> None:
        """Start the server again on the same socket, once crash recovery is done (pgserver's
        own start gives up after 10 s, which recovery can take on a loaded machine)."""
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        pg_ctl(
            [
                "-w",
                "-t",
                str(START_SECONDS),
                "-o",
                '-h ""',
                "-o",
                f"-k {self.socket_folder}",
                "-l",
                str(self.folder / "log"),
                "start",
            ],
            pgdata=self.folder,
            user=self._server.system_user,
            timeout=START_SECONDS + 10,
        )

    def close(self) -> None:
        self._server.cleanup()

    def year_rows(self, database: str, year: int) -> YearRows:
        """The year's rows in `daily_airport_delays` (none when the table does not exist)."""
        with psycopg.connect(self.url(database)) as conn:
            exists = conn.execute("SELECT to_regclass('daily_airport_delays')").fetchone()
            if exists is None or exists[0] is None:
                return YearRows(0, 0, None)
            row = conn.execute(
                "SELECT count(*), count(DISTINCT (airport, flight_date)),"
                " md5(string_agg(t::text, '|' ORDER BY airport, flight_date))"
                " FROM daily_airport_delays t WHERE year = %s",
                (year,),
            ).fetchone()
        assert row is not None
        return YearRows(int(str(row[0])), int(str(row[1])), None if row[2] is None else str(row[2]))
