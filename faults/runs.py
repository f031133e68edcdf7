"""`flightdelays run` as a process: its progress lines as they come, a signal at a chosen
moment, and what it left behind (its exit status, its stderr, processes still running).

Each run starts in a session of its own, so every process it starts (the forkserver, chart
workers) carries the run's pid as its session id, even once orphaned; a process still carrying
it after the run ended is a stray.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

COMMAND = str(Path(sys.executable).with_name("flightdelays"))
STRAY_GRACE_SECONDS = 30.0
"""How long a run's processes may take to go once it ended: a worker goes at once, but a
forkserver still importing its preload (10 s and more on a loaded machine) exits only then."""
RUN_LIMIT_SECONDS = 300.0
"""A run still going after this long is a hang: it is killed and reported."""


@dataclass(frozen=True)
class Finished:
    """How a run ended: its exit status (negative: the signal that killed it), its stderr
    lines, the processes of its session still alive after the grace period, and whether it
    had to be killed as a hang."""

    status: int
    stderr: list[str]
    strays: list[str]
    hung: bool = False

    @property
    def last_line(self) -> str:
        return self.stderr[-1] if self.stderr else ""


class Run:
    """One `flightdelays <arguments>` process with `environment`."""

    def __init__(self, arguments: list[str], environment: dict[str, str]) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [COMMAND, *arguments],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        self.lines: list[tuple[float, str]] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for_line(self, fragment: str) -> bool:
        """Wait until a stderr line contains `fragment`; False if the run ended first."""
        with self._changed:
            while not any(fragment in line for _, line in self.lines):
                if not self._reader.is_alive():
                    return False
                self._changed.wait(0.2)
        return True

    def steps_done(self) -> list[str]:
        """Names of the steps whose progress line has appeared (`[2013] aggregate …`)."""
        with self._changed:
            return [line.split()[1] for _, line in self.lines if line.startswith("[")]

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def signal(self, signum: int, *, group: bool = False) -> None:
        """Send `signum` to the run, or to its whole process group as a terminal's Ctrl-C."""
        if not self.running:
            return
        if group:
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)

    def finish(self) -> Finished:
        """Wait for the run to end, then for its processes to go; the strays are killed."""
        hung = False
        try:
            status = self.process.wait(timeout=RUN_LIMIT_SECONDS)
        except subprocess.TimeoutExpired:
            hung = True
            os.killpg(self.process.pid, signal.SIGKILL)
            status = self.process.wait()
        strays = _session_members(self.process.pid, STRAY_GRACE_SECONDS)
        for pid, _ in strays:
            _kill(pid)
        self._reader.join()  # a stray holding stderr open is gone by now
        assert self.process.stderr is not None
        self.process.stderr.close()
        return Finished(status, [line for _, line in self.lines], [cmd for _, cmd in strays], hung)


def run_to_end(arguments: list[str], environment: dict[str, str]) -> Finished:
    return Run(arguments, environment).finish()


def _session_members(session: int, grace: float) -> list[tuple[int, str]]:
    """Processes whose session id is `session`, waiting up to `grace` seconds for them to go."""
    deadline = time.monotonic() + grace
    while True:
        members = [
            (pid, _command_line(pid))
            for pid in _pids()
            if pid != os.getpid() and _sid(pid) == session
        ]
        if not members or time.monotonic() > deadline:
            return members
        time.sleep(0.1)


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _sid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state ppid pgrp session …
    return None if fields[0] == "Z" else int(fields[3])


def _command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return f"pid {pid}"
    return f"pid {pid}: " + raw.replace(b"\0", b" ").decode(errors="replace").strip()[:120]


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
