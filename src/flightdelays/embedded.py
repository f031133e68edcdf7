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


def embedded_database_url(data_dir: Path) -> str:
    """A URL of the `flightdelays` database on the embedded server, started if need be."""
    import psycopg

    folder = (data_dir / "postgres").resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    if folder not in _servers:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            from pgserver import get_server  # type: ignore[attr-defined]

            _servers[folder] = get_server(folder)
    admin_url: str = _servers[folder].get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
        if found is None:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    url: str = _servers[folder].get_uri(DATABASE)
    return url
