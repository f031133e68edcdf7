"""End to end: Superset set up by dashboard/provision.py, the dashboard checked in Chromium.

A fresh database on the PostgreSQL at 127.0.0.1:5432 gets a year of data (the project's pipeline,
or a synthetic sample when the pipeline is missing) while provision.py initialises Superset in a
temporary folder; then provision.py creates the read-only role, serves Superset and imports the
bundle. Debian's Chromium opens the dashboard and every chart must draw rows, the causes chart a
series per cause and the anomalous-days table the stored explanations; re-running provision.py
must update in place; the reader role must read and not write.
Outside CI a missing Superset environment, Chromium or PostgreSQL skips; with CI=true it fails.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
SUPERSET_PYTHON = ROOT / ".venv-superset" / "bin" / "python"
SUPERSET_INSTALLED = ROOT / ".venv-superset" / ".installed"
CHROMIUM = Path("/usr/bin/chromium")
PROVISION = ROOT / "dashboard" / "provision.py"
CHECK = ROOT / "dashboard" / "check_dashboard.py"
BUNDLE_CHARTS = sorted((ROOT / "dashboard" / "bundle" / "charts").glob("*.yaml"))
SCREENSHOT_TO = "FLIGHTDELAYS_SCREENSHOT"
"""Where to keep the dashboard's screenshot (`make dashboard-check` refreshes the README's)."""
POSTGRES = os.environ.get(
    "FLIGHTDELAYS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SAMPLE_DATA = "dashboard_sample_data.py"
START_TIMEOUT = 300.0
CAUSES_CHART = "Delay minutes by cause, per month"
TABLE_CHART = "Anomalous days"
CAUSE_METRICS = (
    "carrier_minutes",
    "weather_minutes",
    "nas_minutes",
    "security_minutes",
    "late_aircraft_minutes",
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("superset")]


def require(ok: bool, why: str) -> None:
    """Skip when something this test needs is missing, but fail under CI."""
    if ok:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{why} (CI=true: missing prerequisites fail)")
    pytest.skip(why)


def load_module(name: str, path: Path) -> ModuleType:
    """A helper module by path (the tests folders are not packages)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def load_provision() -> ModuleType:
    """dashboard/provision.py (stdlib only at import, so the main environment can load it)."""
    return load_module("dashboard_provision", PROVISION)


@dataclass
class Database:
    url: str
    reader_role: str
    loader: str = "none yet"


@dataclass
class Superset:
    url: str
    env: dict[str, str]
    password: str
    output: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    """A fresh, empty database; dropped afterwards with the reader role."""
    name = f"fd_dashboard_{uuid.uuid4().hex[:10]}"
    role = f"fd_reader_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        require(False, f"no PostgreSQL at {POSTGRES}: {exc}")
    parts = urllib.parse.urlsplit(POSTGRES)
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    try:
        yield Database(url, role)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def superset(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Superset]:
    """`provision.py --serve` on a free port (state in a temporary folder) while the data loads.

    Superset's initialisation and the year's load run side by side; provision.py waits for the
    tables (--wait-for-data) before it grants the reader role and imports the bundle.
    """
    require(
        SUPERSET_INSTALLED.exists(),
        f"{SUPERSET_INSTALLED} missing: run `make .venv-superset/.installed`",
    )
    require(CHROMIUM.exists(), f"{CHROMIUM} missing: run `make {CHROMIUM}` (apt-get)")
    password = secrets.token_urlsafe(16)
    env = dict(
        os.environ,
        FLIGHTDELAYS_SUPERSET_HOME=str(tmp_path_factory.mktemp("superset")),
        FLIGHTDELAYS_DATABASE_URL=database.url,
        FLIGHTDELAYS_READER_ROLE=database.reader_role,
        SUPERSET_ADMIN_PASSWORD=password,
    )
    port = free_port()
    process = subprocess.Popen(
        [
            str(SUPERSET_PYTHON),
            str(PROVISION),
            "--serve",
            "--port",
            str(port),
            "--wait-for-data",
            str(START_TIMEOUT),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    output: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip())
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    started = time.monotonic()
    try:
        sample_data = load_module("dashboard_sample_data", Path(__file__).with_name(SAMPLE_DATA))
        database.loader = sample_data.load(database.url, tmp_path_factory.mktemp("pipeline"))
        print(f"data loaded with {database.loader} in {time.monotonic() - started:.0f} s")
        ready = False
        while not ready and time.monotonic() - started < START_TIMEOUT:
            try:
                line = lines.get(timeout=START_TIMEOUT - (time.monotonic() - started))
            except queue.Empty:
                break
            if line is None:
                break
            output.append(line)
            ready = line.startswith("SUPERSET READY")
        log = "\n".join(output)
        assert ready, f"provision.py did not get Superset ready:\n{log}"
        print(log)
        print(f"Superset ready in {time.monotonic() - started:.0f} s (data: {database.loader})")
        yield Superset(f"http://127.0.0.1:{port}", env, password, output)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        reader.join(timeout=10)
        process.stdout.close()


def api_counts(server: Superset) -> dict[str, int]:
    api = load_provision().Api(server.url, "admin", server.password)
    return {kind: int(api.count(kind)) for kind in ("dashboard", "chart", "dataset", "database")}


def check_every_chart_draws_data_in_chromium(
    superset: Superset, tmp_path: Path
) -> list[dict[str, Any]]:
    """Every chart answered with rows and drew them; the browser check's report."""
    report_path = tmp_path / "report.json"
    screenshot = Path(os.environ.get(SCREENSHOT_TO) or tmp_path / "dashboard.png")
    started = time.monotonic()
    result = subprocess.run(
        [
            str(SUPERSET_PYTHON),
            str(CHECK),
            "--url",
            superset.url,
            "--screenshot",
            str(screenshot),
            "--out",
            str(report_path),
        ],
        env=superset.env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    print(f"browser check: {time.monotonic() - started:.0f} s\n{result.stdout}")
    assert report_path.exists(), result.stdout + result.stderr
    report: list[dict[str, Any]] = json.loads(report_path.read_text(encoding="utf-8"))
    assert len(report) == len(BUNDLE_CHARTS), [chart["title"] for chart in report]
    bad = [chart for chart in report if not chart["drew_data"]]
    assert not bad, json.dumps(bad, indent=2)
    assert result.returncode == 0, result.stdout + result.stderr
    # A blank dashboard page compresses to a few KB; drawn ones are 45-80 KB (charts still
    # animating on a loaded machine make it smaller).
    assert screenshot.stat().st_size > 25_000
    return report


def check_causes_and_explanations_are_shown(
    report: list[dict[str, Any]], database: Database
) -> None:
    """The causes chart drew a series per cause, some with minutes; the anomalous-days table
    shows, in its Explanation column, the explanations the warehouse holds."""
    by_title = {chart["title"]: chart for chart in report}
    causes = by_title[CAUSES_CHART]
    minutes = {name: total for name, total in causes["totals"].items() if name in CAUSE_METRICS}
    assert set(minutes) == set(CAUSE_METRICS), causes["totals"]
    assert sum(total > 0 for total in minutes.values()) >= 2, minutes
    assert causes["canvases"] > 0
    table = by_title[TABLE_CHART]
    column = next(i for i, name in enumerate(table["headers"]) if name.startswith("Explanation"))
    shown = [row[column] for row in table["cells"] if len(row) > column]
    with psycopg.connect(database.url) as conn:
        stored = {
            text
            for (text,) in conn.execute(
                "SELECT explanation FROM daily_airport_delays WHERE is_anomaly"
            )
        }
    assert shown, table
    assert all(text and text in stored for text in shown), (shown, sorted(stored)[:5])


def check_rerun_updates_in_place_without_duplicates(superset: Superset) -> None:
    before = api_counts(superset)
    assert before == {"dashboard": 1, "chart": len(BUNDLE_CHARTS), "dataset": 1, "database": 1}
    port = urllib.parse.urlsplit(superset.url).port
    result = subprocess.run(
        [str(SUPERSET_PYTHON), str(PROVISION), "--port", str(port)],
        env=superset.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "using the Superset already running" in result.stdout
    assert api_counts(superset) == before


def check_superset_reads_through_the_read_only_role(superset: Superset, database: Database) -> None:
    api = load_provision().Api(superset.url, "admin", superset.password)
    ids = [found["id"] for found in api.call("GET", "/api/v1/database/")["result"]]
    uris = [
        api.call("GET", f"/api/v1/database/{i}/connection")["result"]["sqlalchemy_uri"] for i in ids
    ]
    assert [urllib.parse.urlsplit(uri).username for uri in uris] == [database.reader_role]
    home = Path(superset.env["FLIGHTDELAYS_SUPERSET_HOME"])
    reader_password = (home / "reader_password").read_text(encoding="utf-8").strip()
    parts = urllib.parse.urlsplit(database.url)
    hostport = parts.netloc.rpartition("@")[2]
    reader_url = urllib.parse.urlunsplit(
        parts._replace(netloc=f"{database.reader_role}:{reader_password}@{hostport}")
    )
    denied = (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)
    with psycopg.connect(reader_url) as conn:
        count = conn.execute("SELECT count(*) FROM daily_airport_delays").fetchone()
        assert count is not None
        assert count[0] > 0
        explained = conn.execute("SELECT count(*) FROM anomaly_explanations").fetchone()
        assert explained is not None
        assert explained[0] > 0
        rights = conn.execute(
            "SELECT has_table_privilege('daily_airport_delays', 'INSERT, UPDATE, DELETE'), "
            "has_table_privilege('yearly_loads', 'INSERT, UPDATE, DELETE, TRUNCATE'), "
            "has_table_privilege('anomaly_explanations', 'INSERT, UPDATE, DELETE, TRUNCATE')"
        ).fetchone()
        assert rights == (False, False, False)
    with psycopg.connect(reader_url) as conn, pytest.raises(denied):
        conn.execute("DELETE FROM daily_airport_delays")
    with psycopg.connect(reader_url) as conn, pytest.raises(denied):
        conn.execute("CREATE TABLE public.not_allowed (x int)")


def test_dashboard_end_to_end(superset: Superset, database: Database, tmp_path: Path) -> None:
    """One test, four checks: the expensive Superset is started once, whatever the scheduler.

    (pytest-xdist 3.8 `--dist loadgroup` does not keep an `xdist_group` together under pytest 9:
    its node-id suffix is ignored, so separate tests here could start two Superset instances.)
    """
    report = check_every_chart_draws_data_in_chromium(superset, tmp_path)
    check_causes_and_explanations_are_shown(report, database)
    check_rerun_updates_in_place_without_duplicates(superset)
    check_superset_reads_through_the_read_only_role(superset, database)
