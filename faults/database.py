"""The database goes away: the suite's PostgreSQL stopped with `pg_ctl -m immediate` around the
load step, for good (the run gives up after its retries) or for a moment (the retries carry it)."""

from __future__ import annotations

import threading
import time
from functools import partial

from faults import checks
from faults.lab import YEAR, Lab
from faults.probe import Outcome, Probe, Trial

RESTART_AFTER_SECONDS = 1.0
"""A blip: shorter than the run's back-off before its last try (1 + 2 + 4 s)."""
RETRY_WINDOW_SECONDS = 7.0
"""The run's retries span this long; a server back later (crash recovery on a loaded machine
can take longer) is no blip, and the run may rightly give up with exit 3."""


def stop_trial(lab: Lab, *, delay: float, blip: bool) -> Outcome:
    """Stop the server `delay` s after the charts step ended (the load step begins), then start
    it again: at once after the run ended, or `RESTART_AFTER_SECONDS` later (`blip`)."""
    place = lab.place()
    run = lab.start(place)
    reached = run.wait_for_line("] charts ")
    time.sleep(delay)
    lab.postgres.stop_immediately()
    stopped = time.monotonic()
    back: list[float] = []

    def start_again() -> None:
        lab.postgres.start()
        back.append(time.monotonic() - stopped)

    restart = threading.Timer(RESTART_AFTER_SECONDS, start_again)
    if blip:
        restart.start()
    finished = run.finish()
    if blip:
        restart.join()
    else:
        lab.postgres.start()
    landed = run.steps_done()
    note = f"stopped after {landed[-1] if landed else 'start'}" if reached else "run ended first"
    expected = {0} if blip or not reached else {3, 0}
    if blip and back and back[0] > RETRY_WINDOW_SECONDS:
        expected = {0, 3}
        note += f", server back after {back[0]:.1f} s, past the retries"
    problems = checks.after_fault(lab, place, finished, expected, YEAR)
    if blip and finished.status == 0:
        problems += checks.one_copy(lab, place, YEAR)
    lab.discard(place)
    return Outcome(problems, note)


def probes(short: bool) -> list[Probe]:
    delays = (0.0,) if short else (0.0, 0.2)
    return [
        Probe(
            "database",
            "database stopped mid-load (pg_ctl -m immediate)",
            "exit 3 after the retries (0 if the load was done), one error line naming the"
            " database, rows absent or one copy, no process left; re-run after a restart"
            " restores one copy",
            tuple(
                Trial(f"+{d:.2f} s", partial(stop_trial, delay=d, blip=False))
                for d in (() if short else delays)
            ),
        ),
        Probe(
            "database",
            "database down for 1 s mid-load",
            "the run's retries carry it: exit 0 with one copy",
            tuple(
                Trial(f"+{d:.2f} s", partial(stop_trial, delay=d, blip=True)) for d in delays[:1]
            ),
        ),
    ]
