"""Chart workers' lifeline: interruptions held during a worker's start are delivered after it,
and a worker dies with the run that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from flightdelays.charts.lifeline import interruptions_held


def test_an_interruption_during_a_start_is_delivered_after_it() -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda number, _: seen.append(number))
    try:
        with interruptions_held():
            signal.raise_signal(signal.SIGTERM)
            assert seen == []
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


RUN = """
import sys
from concurrent.futures import ProcessPoolExecutor
from flightdelays.charts.lifeline import RunWorkerContext, start_quiet_forkserver

context = RunWorkerContext()
start_quiet_forkserver()
pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
print(pool.submit(__import__("os").getpid).result(), flush=True)
__import__("time").sleep(60)
"""


def test_a_worker_dies_with_a_run_killed_outright() -> None:
    run = subprocess.Popen([sys.executable, "-c", RUN], stdout=subprocess.PIPE, text=True)
    assert run.stdout is not None
    worker = int(run.stdout.readline())
    run.kill()
    run.wait()
    run.stdout.close()
    for _ in range(100):  # the worker notices within moments; wait up to 10 s on a busy machine
        if not _alive(worker):
            break
        time.sleep(0.1)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
