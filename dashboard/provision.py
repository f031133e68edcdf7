"""Set up Superset for the flightdelays dashboard, import dashboard/bundle/ and (optionally) serve.

Run with Superset's own interpreter, `.venv-superset/bin/python dashboard/provision.py [--serve]`
(`make dashboard`). Every step is idempotent, so re-running it updates everything in place:

1. secrets: Superset's SECRET_KEY, the admin's and the read-only role's passwords, each taken
   from the environment or generated once into the state folder (`.data/superset/`, mode 0600);
2. Superset's metadata database: what `superset db upgrade`, `init` and `fab create-admin` do
   (dashboard/init_metadata.py, in one process), redone only when Superset's version changes;
3. a Superset server (gunicorn) on 127.0.0.1, or the one already answering on that port;
4. the read-only PostgreSQL role (`flightdelays_reader`: LOGIN, SELECT on the project's tables),
   once the tables exist (`--wait-for-data` waits for a first load running alongside);
5. the assets bundle, imported by UUID through `POST /api/v1/assets/import/` with the reader's
   password in its `passwords` field (the YAML holds none): objects are overwritten, never
   duplicated.

Inputs: FLIGHTDELAYS_DATABASE_URL (else the project's embedded PostgreSQL, the URL
`flightdelays db-url` prints, held up while this runs), and optionally
FLIGHTDELAYS_SUPERSET_HOME, SUPERSET_ADMIN_PASSWORD, FLIGHTDELAYS_READER_ROLE,
FLIGHTDELAYS_READER_PASSWORD, SUPERSET_METADATA_URL.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import io
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = Path(__file__).resolve().parent / "bundle"
CONFIG = Path(__file__).resolve().parent / "superset_config.py"
INIT_METADATA = Path(__file__).resolve().parent / "init_metadata.py"
READER_TABLES = ("daily_airport_delays", "yearly_loads", "anomaly_explanations")
PASSWORD_MASK = "XXXXXXXXXX"  # noqa: S105 - what Superset exports in place of a password
ADMIN_USER = "admin"
READY = "SUPERSET READY"  # the line tests wait for


class ProvisionError(RuntimeError):
    """A step failed in a way the user can act on (the message says how)."""


def log(message: str) -> None:
    print(f"[dashboard] {message}", flush=True)


def state_dir() -> Path:
    """The folder of Superset's state: metadata, secrets, server log (never committed)."""
    home = os.environ.get("FLIGHTDELAYS_SUPERSET_HOME")
    path = Path(home) if home else ROOT / ".data" / "superset"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def kept_secret(home: Path, name: str, env: str) -> str:
    """The secret from `env`, else the one stored in `home/name`, generated on first use."""
    if value := os.environ.get(env):
        return value
    path = home / name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(value + "\n", encoding="utf-8")
    log(f"generated {name.replace('_', ' ')} into {path}")
    return value


# Prints what `flightdelays db-url` prints, then holds the embedded PostgreSQL (which stops when
# the last process using it exits) until provision.py closes this helper's stdin by exiting.
EMBEDDED_KEEPER = """
import sys
from flightdelays.settings import Settings
print(Settings.from_env().resolved_database_url(), flush=True)
sys.stdin.read()
"""


@dataclass
class Database:
    """The project's PostgreSQL URL (owner rights) and, for the embedded one, its keeper."""

    url: str
    keeper: subprocess.Popen[str] | None = None

    def release(self) -> None:
        if self.keeper is None or self.keeper.poll() is not None:
            return
        assert self.keeper.stdin is not None
        self.keeper.stdin.close()
        try:
            self.keeper.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.keeper.kill()
            self.keeper.wait()


def database() -> Database:
    """FLIGHTDELAYS_DATABASE_URL, else the project's embedded PostgreSQL, kept up meanwhile."""
    if url := os.environ.get("FLIGHTDELAYS_DATABASE_URL"):
        return Database(url)
    python = ROOT / ".venv" / "bin" / "python"
    hint = "set FLIGHTDELAYS_DATABASE_URL, or run `make setup` for the embedded PostgreSQL"
    try:
        keeper = subprocess.Popen(
            [str(python), "-c", EMBEDDED_KEEPER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,  # Ctrl-C reaches provision.py, which then releases it
        )
    except OSError as exc:
        raise ProvisionError(f"no database: {hint} ({exc})") from exc
    assert keeper.stdout is not None
    url = keeper.stdout.readline().strip()
    if not url:
        keeper.wait()
        raise ProvisionError(f"the embedded PostgreSQL did not start: {hint}")
    log("using the project's embedded PostgreSQL (held while this runs)")
    return Database(url, keeper)


def libpq_url(url: str) -> str:
    """`url` without a SQLAlchemy driver suffix (postgresql+psycopg:// -> postgresql://)."""
    scheme, sep, rest = url.partition("://")
    return scheme.split("+")[0] + sep + rest


def reader_uri(owner_url: str, role: str) -> str:
    """SQLAlchemy URI of the read-only role: same server and database, masked password."""
    parts = urllib.parse.urlsplit(libpq_url(owner_url))
    hostport = parts.netloc.rpartition("@")[2]
    netloc = f"{urllib.parse.quote(role, safe='')}:{PASSWORD_MASK}@{hostport}"
    return urllib.parse.urlunsplit(
        ("postgresql+psycopg2", netloc, parts.path, parts.query, parts.fragment)
    )


def missing_tables(owner_url: str) -> list[str]:
    """Which of the tables the dashboard reads do not exist (yet) in the project's database."""
    import psycopg2

    conn = psycopg2.connect(libpq_url(owner_url))
    try:
        with conn, conn.cursor() as cur:
            missing = []
            for table in READER_TABLES:
                cur.execute("SELECT to_regclass(%s)", (f"public.{table}",))
                if cur.fetchone()[0] is None:
                    missing.append(table)
            return missing
    finally:
        conn.close()


def wait_for_tables(owner_url: str, wait: float) -> None:
    """Return once the tables exist; wait up to `wait` seconds for a first load to create them."""
    deadline = time.monotonic() + wait
    while missing := missing_tables(owner_url):
        if time.monotonic() >= deadline:
            raise ProvisionError(
                f"table(s) {', '.join(missing)} missing: load data first (`make run`, or "
                "`flightdelays run --year YEAR`)"
            )
        log(f"waiting for the first load to create {', '.join(missing)}")
        time.sleep(min(30.0, max(1.0, deadline - time.monotonic())))


def ensure_reader(owner_url: str, role: str, password: str) -> None:
    """Create or update the LOGIN role `role` with SELECT on the project's tables only."""
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(libpq_url(owner_url))
    try:
        with conn, conn.cursor() as cur:
            ident = sql.Identifier(role)
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
            verb = "ALTER" if cur.fetchone() else "CREATE"
            cur.execute(
                sql.SQL(
                    verb + " ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}"
                ).format(ident, sql.Literal(password))
            )
            read_only = sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on")
            cur.execute(read_only.format(ident))
            cur.execute("SELECT current_database()")
            dbname = cur.fetchone()[0]
            cur.execute(
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), ident)
            )
            cur.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident))
            tables = sql.SQL(", ").join(sql.Identifier("public", t) for t in READER_TABLES)
            cur.execute(sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(tables, ident))
    finally:
        conn.close()
    log(f"read-only role {role}: SELECT on {', '.join(READER_TABLES)}")


def superset_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SUPERSET_HOME=str(home),
        SUPERSET_CONFIG_PATH=str(CONFIG),
        FLASK_APP="superset.app:create_app()",
        PYTHONUNBUFFERED="1",
    )
    return env


def superset_bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def run_superset(home: Path, *args: str) -> None:
    """Run one `superset` CLI command; its output goes to the state folder's log."""
    started = time.monotonic()
    with (home / "setup.log").open("a", encoding="utf-8") as out:
        result = subprocess.run(
            [superset_bin("superset"), *args],
            env=superset_env(home),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0:
        raise ProvisionError(f"`superset {args[0]}` failed: see {home / 'setup.log'}")
    log(f"superset {' '.join(args[:2])} ({time.monotonic() - started:.0f} s)")


def superset_version() -> str:
    from importlib.metadata import version

    return version("apache-superset")


def ensure_metadata(home: Path, admin_password: str) -> None:
    """Superset's metadata database, migrated and initialised for the installed version."""
    marker = home / "initialised"
    wanted = superset_version()
    if marker.exists() and marker.read_text(encoding="utf-8").strip() == wanted:
        return
    started = time.monotonic()
    env = superset_env(home)
    env.update(SUPERSET_ADMIN_USER=ADMIN_USER, SUPERSET_ADMIN_PASSWORD=admin_password)
    with (home / "setup.log").open("a", encoding="utf-8") as out:
        result = subprocess.run(
            [sys.executable, str(INIT_METADATA)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0:
        raise ProvisionError(f"initialising Superset failed: see {home / 'setup.log'}")
    marker.write_text(wanted + "\n", encoding="utf-8")
    log(f"Superset {wanted} metadata ready ({time.monotonic() - started:.0f} s)")


@dataclass
class Server:
    """A Superset web server that this run started (None when one was already up)."""

    url: str
    process: subprocess.Popen[bytes] | None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_server(home: Path, host: str, port: int, timeout: float = 180) -> Server:
    """Superset under gunicorn on host:port, or the server already answering there."""
    # A server bound to every interface (in a container) is still reached on the loopback.
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"  # noqa: S104
    if healthy(url):
        log(f"using the Superset already running at {url}")
        return Server(url, None)
    log_path = home / "server.log"
    with log_path.open("ab") as out:
        process = subprocess.Popen(
            [
                superset_bin("gunicorn"),
                "--bind",
                f"{host}:{port}",
                "--workers",
                "1",
                "--worker-class",
                "gthread",
                "--threads",
                "8",
                "--timeout",
                "120",
                "--limit-request-line",
                "0",
                "superset.app:create_app()",
            ],
            env=superset_env(home),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends the workers too
        )
    server = Server(url, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ProvisionError(f"Superset exited with {process.returncode}: see {log_path}")
        if healthy(url):
            log(f"Superset is up at {url}")
            return server
        time.sleep(1)
    server.stop()
    raise ProvisionError(f"Superset did not answer within {timeout:.0f} s: see {log_path}")


class Api:
    """Superset's REST API as a logged-in user (bearer token, session cookie, CSRF token)."""

    def __init__(self, url: str, user: str, password: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.headers: dict[str, str] = {"Referer": url}
        login = self.call(
            "POST",
            "/api/v1/security/login",
            {"username": user, "password": password, "provider": "db", "refresh": True},
        )
        self.headers["Authorization"] = f"Bearer {login['access_token']}"
        self.headers["X-CSRFToken"] = self.call("GET", "/api/v1/security/csrf_token/")["result"]

    def call(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> Any:
        if payload is not None:
            body = json.dumps(payload).encode()
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(  # noqa: S310 - our own server's URL
            self.url + path, data=body, method=method, headers=headers
        )
        try:
            with self.opener.open(request, timeout=120) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:2000]
            raise ProvisionError(f"{method} {path}: HTTP {exc.code}: {detail}") from exc

    def count(self, resource: str) -> int:
        """How many objects of `resource` (chart, dashboard, dataset, database) exist."""
        query = urllib.parse.quote("(page_size:1)")
        return int(self.call("GET", f"/api/v1/{resource}/?q={query}")["count"])


def bundle_zip(database_uri: str, bundle: Path = BUNDLE) -> bytes:
    """The assets bundle as Superset imports it: one top-level folder, this site's database URI."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(bundle.rglob("*.yaml")):
            relative = path.relative_to(bundle).as_posix()
            text = path.read_text(encoding="utf-8")
            if relative.startswith("databases/"):
                uri_line = f"sqlalchemy_uri: {database_uri}"
                text = "\n".join(
                    uri_line if line.startswith("sqlalchemy_uri:") else line
                    for line in text.splitlines()
                )
            archive.writestr(f"flightdelays_bundle/{relative}", text)
    return buffer.getvalue()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, content) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/zip\r\n\r\n'
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def import_bundle(api: Api, database_uri: str, reader_password: str) -> None:
    """Import (overwrite by UUID) the database, dataset, charts and dashboard of the bundle."""
    passwords = {
        f"databases/{path.name}": reader_password for path in (BUNDLE / "databases").glob("*.yaml")
    }
    body, content_type = multipart(
        {"passwords": json.dumps(passwords)},
        {"bundle": ("flightdelays_bundle.zip", bundle_zip(database_uri))},
    )
    api.call("POST", "/api/v1/assets/import/", body=body, content_type=content_type)
    log(
        f"imported dashboard/bundle: {api.count('dashboard')} dashboard(s), "
        f"{api.count('chart')} charts"
    )


def dashboard_url(api: Api) -> str:
    found = api.call("GET", "/api/v1/dashboard/flight-delays")["result"]
    return f"{api.url}/superset/dashboard/{found['slug'] or found['id']}/"


def login(server: Server, home: Path, admin_password: str) -> Api:
    """The admin's API session; a changed SUPERSET_ADMIN_PASSWORD is applied to the stored user."""
    try:
        return Api(server.url, ADMIN_USER, admin_password)
    except ProvisionError:
        reset = ("reset-password", "--username", ADMIN_USER, "--password", admin_password)
        run_superset(home, "fab", *reset)
        return Api(server.url, ADMIN_USER, admin_password)


def provision(host: str, port: int, serve: bool, wait_for_data: float = 0) -> int:
    """Every step of the module docstring; with `serve`, then serve until stopped."""
    home = state_dir()
    kept_secret(home, "secret_key", "SUPERSET_SECRET_KEY")
    admin_password = kept_secret(home, "admin_password", "SUPERSET_ADMIN_PASSWORD")
    reader_password = kept_secret(home, "reader_password", "FLIGHTDELAYS_READER_PASSWORD")
    role = os.environ.get("FLIGHTDELAYS_READER_ROLE", "flightdelays_reader")

    warehouse = database()
    server: Server | None = None
    try:
        if wait_for_data <= 0:
            wait_for_tables(warehouse.url, 0)  # no data: say so before the slow steps
        ensure_metadata(home, admin_password)
        server = start_server(home, host, port)
        wait_for_tables(warehouse.url, wait_for_data)  # a first load may be running meanwhile
        ensure_reader(warehouse.url, role, reader_password)
        api = login(server, home, admin_password)
        import_bundle(api, reader_uri(warehouse.url, role), reader_password)
        print(
            f"\nFlight delays dashboard: {dashboard_url(api)}\n"
            f"  login: {ADMIN_USER} / {admin_password}\n"
            f"  (kept in {home / 'admin_password'} unless SUPERSET_ADMIN_PASSWORD is set)\n",
            flush=True,
        )
        if not serve:
            return 0
        if server.process is None:
            log("the server was already running; leaving it as it is")
            return 0
        print(f"{READY} {server.url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.process.wait()
        return server.process.returncode or 0
    finally:
        if server is not None:
            server.stop()
        warehouse.release()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--serve", action="store_true", help="keep serving after the import")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument(
        "--wait-for-data",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait this long for the pipeline's first load to create the tables",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run `finally`: stop the server
    try:
        return provision(args.host, args.port, args.serve, args.wait_for_data)
    except ProvisionError as exc:
        print(f"[dashboard] error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
