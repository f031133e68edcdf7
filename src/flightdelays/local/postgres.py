"""The local twin of the warehouse: a real PostgreSQL run from the `pgserver` package.

Its data folder lives under the project's data folder and is reused by the next run; the server
stops when the last process using it exits.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

DATABASE = "flightdelays"

_servers: dict[Path, Any] = {}


def embedded_database_url(data_dir: Path, database: str = DATABASE) -> str:
    """A URL of the database `database` (created if missing) on the embedded server, started if
    need be: `flightdelays` for the warehouse, another name for Airflow's metadata."""
    import psycopg

    folder = (data_dir / "postgres").resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    if folder not in _servers:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            from pgserver import get_server  # type: ignore[attr-defined]

            forget_dead_handles(folder)
            _servers[folder] = get_server(folder)
    admin_url: str = _servers[folder].get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if found is None:
            conn.execute(f'CREATE DATABASE "{database}"')
    url: str = _servers[folder].get_uri(database)
    return url


def forget_dead_handles(folder: Path) -> None:
    """Drop processes that no longer exist from pgserver's list of the server's users.

    pgserver stops the server when the last process on its list (`.handle_pids.json`) exits;
    a process killed with SIGKILL never takes itself off, and the server would then run forever.
    """
    import psutil
    from pgserver.postgres_server import PostgresServer  # type: ignore[import-untyped]
    from pgserver.utils import DiskList  # type: ignore[import-untyped]

    handles = DiskList(folder / ".handle_pids.json")
    with PostgresServer._lock:  # pgserver's own inter-process lock around that list
        pids = handles.get()
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.put(alive)
