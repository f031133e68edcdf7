"""Chart workers go with the run that started them, and never speak over its error line.

- A worker's parent is the forkserver, not the run, and the forkserver stays up while any
  worker holds its pipe: the kernel's parent-death signal alone leaves workers (and the
  forkserver) behind a killed run. Each worker therefore watches the run itself.
- A run that is interrupted while the forkserver is still importing can have asked for a worker
  the forkserver forks only after the run has gone; that worker fails to unpickle its start-up
  data and prints a traceback. The forkserver (and so every worker) writes its own stderr to
  /dev/null: a worker's failures reach the run as exceptions through the pool, and the run
  reports them on its one error line.
- Ctrl-C reaches the whole process group; workers leave it to the run, which stops them.
- A signal held while a worker is being started is delivered once the start is done, so the
  pool never loses track of a half-started worker.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.context import ForkServerContext, ForkServerProcess

INTERRUPTIONS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def interruptions_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then deliver them (main thread only:
    Python runs signal handlers there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {
        signum: signal.signal(signum, lambda number, _: held.append(number))
        for signum in INTERRUPTIONS
    }
    try:
        yield
    finally:
        for interruption, handler in previous.items():
            signal.signal(interruption, handler)
        for number in held:
            signal.raise_signal(number)


class _RunWorker(ForkServerProcess):
    """A worker process that dies with the run that started it."""

    run_pid = 0

    def start(self) -> None:
        self.run_pid = os.getpid()  # pickled with the process object, read in `run`
        with interruptions_held():
            super().start()

    def run(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        threading.Thread(target=_exit_when_gone, args=(self.run_pid,), daemon=True).start()
        super().run()


class RunWorkerContext(ForkServerContext):
    """The forkserver context whose workers go with the run (see the module's notes)."""

    Process = _RunWorker


def start_quiet_forkserver() -> None:
    """Start the forkserver, if it is not running, with its stderr on /dev/null."""
    from multiprocessing import forkserver

    saved = os.dup(2)
    quiet = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(quiet, 2)
        forkserver.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(quiet)


def _exit_when_gone(pid: int) -> None:
    """Kill this process once `pid` has exited (at once if it already has)."""
    with contextlib.suppress(ProcessLookupError):
        handle = os.pidfd_open(pid)
        select.select([handle], [], [])  # readable once the process has exited
    os.kill(os.getpid(), signal.SIGKILL)
