"""Signals during a run: SIGKILL at a spread of moments in each step, SIGTERM (as `kill` or a
scheduler sends it), SIGINT to the whole process group (as Ctrl-C in a terminal)."""

from __future__ import annotations

import signal
import time
from functools import partial

from faults import checks
from faults.lab import YEAR, Lab
from faults.probe import Outcome, Probe, Trial
from faults.runs import Run

STEPS = ("aggregate", "detect", "charts", "load", "export", "check")
FRACTIONS = (0.5,)
"""Moments within a step, as fractions of its length in a clean run."""
SHORT_MOMENTS = (("charts", 0.5),)


def wait_until_within(lab: Lab, run: Run, step: str, fraction: float) -> str:
    """Wait until `fraction` of the way through `step` (timed on the clean run); the step the
    run is actually in then."""
    ends = lab.reference(YEAR).step_ends
    index = STEPS.index(step)
    begins = ends[STEPS[index - 1]] if index else 0.0
    if index and not run.wait_for_line(f"] {STEPS[index - 1]} "):
        return "finished"
    time.sleep(fraction * max(ends[step] - begins, 0.0))
    if not run.running:
        return "finished"
    done = run.steps_done()
    return STEPS[len(done)] if len(done) < len(STEPS) else "summary"


def signal_trial(
    lab: Lab, moment: tuple[str, float], signum: int, *, group: bool = False
) -> Outcome:
    """Send `signum` at `moment` (step, fraction); check every invariant, then a re-run."""
    step, fraction = moment
    place = lab.place()
    run = lab.start(place)
    landed = wait_until_within(lab, run, step, fraction)
    run.signal(signum, group=group)
    finished = run.finish()
    expected = {-9} if signum == signal.SIGKILL else {128 + signum}
    if landed == "finished":
        expected = {0}
    left = len(list(place.lake_dir.rglob("*.partial"))) if place.lake_dir else 0
    note = f"aimed at {step} {fraction:.0%}, landed in {landed}, {left} partial files left"
    problems = checks.after_fault(lab, place, finished, expected, YEAR)
    lab.discard(place)
    return Outcome(problems, note)


def probes(short: bool) -> list[Probe]:
    spread = (*((step, f) for step in STEPS for f in FRACTIONS), ("charts", 0.2), ("charts", 0.8))
    moments = SHORT_MOMENTS if short else spread
    later = (("aggregate", 0.5), ("charts", 0.5))
    interrupt = (("charts", 0.5),) if short else later

    def trials(
        signum: int, chosen: tuple[tuple[str, float], ...], *, group: bool = False
    ) -> tuple[Trial, ...]:
        return tuple(
            Trial(
                f"{step} {f:.0%}", partial(_attempt, moment=(step, f), signum=signum, group=group)
            )
            for step, f in chosen
        )

    return [
        Probe(
            "signals",
            "SIGKILL in each step",
            "rows absent or one copy; no process of the run left; the re-run exits 0 with one"
            " copy and removes the killed run's partial files",
            trials(signal.SIGKILL, moments),
        ),
        Probe(
            "signals",
            "SIGTERM during a run",
            "exit 143, one error line, no traceback, no process left; re-run restores one copy",
            () if short else trials(signal.SIGTERM, later),
        ),
        Probe(
            "signals",
            "Ctrl-C (SIGINT to the process group)",
            "exit 130, one error line, no traceback (workers' included), no process left;"
            " re-run restores one copy",
            trials(signal.SIGINT, interrupt, group=True),
        ),
    ]


def _attempt(lab: Lab, *, moment: tuple[str, float], signum: int, group: bool) -> Outcome:
    return signal_trial(lab, moment, signum, group=group)
