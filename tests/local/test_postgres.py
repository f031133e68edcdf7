"""The embedded PostgreSQL: a real server under the data folder, stopped by its last user."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

OPEN_AND_WAIT = """
import sys, time
from pathlib import Path
from flightdelays.local.postgres import embedded_database_url
print(embedded_database_url(Path(sys.argv[1])), flush=True)
time.sleep(600)
"""

OPEN_AND_EXIT = """
import sys
from pathlib import Path
from flightdelays.local.postgres import embedded_database_url
print(embedded_database_url(Path(sys.argv[1])), flush=True)
"""


def _answers(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def test_server_stops_after_a_user_was_killed(tmp_path: Path) -> None:
    environ = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    killed = subprocess.Popen(
        [sys.executable, "-c", OPEN_AND_WAIT, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env=environ,
    )
    assert killed.stdout is not None
    url = killed.stdout.readline().strip()
    assert _answers(url)
    killed.send_signal(signal.SIGKILL)  # no atexit: its pid stays on pgserver's list
    killed.wait(timeout=30)
    killed.stdout.close()
    assert _answers(url)  # the server outlives a killed user

    last = subprocess.run(
        [sys.executable, "-c", OPEN_AND_EXIT, str(tmp_path)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=True,
    )
    assert last.stdout.strip() == url
    # the last live user exited, so the server stopped, the killed one notwithstanding
    assert not _answers(url)


@pytest.mark.parametrize("pids", [[], [os.getpid()]])
def test_live_handles_are_kept(tmp_path: Path, pids: list[int]) -> None:
    from flightdelays.local.postgres import forget_dead_handles

    handles = tmp_path / ".handle_pids.json"
    handles.write_text(repr([*pids, 2**22 + 12345]))  # above Linux's largest pid: never alive
    forget_dead_handles(tmp_path)
    assert handles.read_text().replace(" ", "") == repr(pids).replace(" ", "")
