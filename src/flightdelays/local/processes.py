"""Servers this package starts: each in a session of its own, its output in a log file.

A session of its own keeps Ctrl-C from reaching the servers directly (the command that started
them stops them, in order), and holds every process a server starts in turn (Airflow's task
processes, Celery's pool), so that stopping the session leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from flightdelays.errors import FlightDelaysError

# Ctrl-C first (Airflow's servers and Celery's warm shutdown finish what they are doing), then
# SIGTERM, then SIGKILL; seconds to wait after each.
STOP_STEPS = ((signal.SIGINT, 30.0), (signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0))


@dataclass
class Server:
    """A started server: its name, its session's leader and where its output goes."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def exited(self) -> bool:
        return self.process.poll() is not None


def start(name: str, argv: Sequence[str], env: Mapping[str, str], log_path: Path) -> Server:
    """Start `argv` in a new session, its output in `log_path` (the previous one's kept as
    `<log>.1`), so that the log tells of this run only."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    if log_path.exists():
        log_path.replace(log_path.with_name(log_path.name + ".1"))
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(argv),
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Server(name, process, log_path)


def session_processes(session_id: int) -> list[int]:
    """Process ids of the live (not zombie) processes of the session `session_id`."""
    import psutil

    found = []
    for process in psutil.process_iter(["status"]):
        try:
            if (
                process.info["status"] != psutil.STATUS_ZOMBIE
                and os.getsid(process.pid) == session_id
            ):
                found.append(process.pid)
        except (OSError, psutil.Error):
            continue
    return found


def signal_session(session_id: int, sig: signal.Signals) -> None:
    """Send `sig` to every live process of the session `session_id`."""
    for pid in session_processes(session_id):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def stop_sessions(
    leaders: Sequence[subprocess.Popen[bytes]], steps: Sequence[tuple[int, float]] = STOP_STEPS
) -> None:
    """Stop every process of the sessions `leaders` started, all at once, step by step."""
    live = list(leaders)
    for sig, wait in steps:
        live = [leader for leader in live if session_processes(leader.pid)]
        for leader in live:
            signal_session(leader.pid, signal.Signals(sig))
        deadline = time.monotonic() + wait
        while live and time.monotonic() < deadline:
            for leader in live:
                leader.poll()  # reap the leader, or it lingers as a zombie of this process
            if not any(session_processes(leader.pid) for leader in live):
                break
            time.sleep(0.2)
    for leader in leaders:
        leader.wait()
    survivors = [leader.pid for leader in leaders if session_processes(leader.pid)]
    if survivors:
        raise FlightDelaysError(f"processes of sessions {survivors} survived SIGKILL")
