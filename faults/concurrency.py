"""Runs at once on one lake and one database: N runs of one year, and one run of each of
several years, all started together on a fresh database (so their migrations race too)."""

from __future__ import annotations

from functools import partial

from faults import checks
from faults.lab import YEAR, YEARS, Lab
from faults.probe import Outcome, Probe, Trial

LOCK_WAIT = "waited"
"""A run that gave up waiting for another's lock says so (exit 3); that is a clean ending."""


def together_trial(lab: Lab, *, years: tuple[int, ...]) -> Outcome:
    place = lab.place()
    runs = [lab.start(place, year) for year in years]
    finished = [run.finish() for run in runs]
    problems: list[str] = []
    for year, ending in zip(years, finished, strict=True):
        waited = ending.status == 3 and LOCK_WAIT in ending.last_line
        if not waited:
            problems += [f"{year}: {p}" for p in checks.ended_as(ending, {0})]
        problems += [f"{year}: {p}" for p in checks.reported(ending) + checks.no_strays(ending)]
    for year in sorted(set(years)):
        problems += checks.one_copy(lab, place, year)
    problems += checks.no_partials(place)
    lab.discard(place)
    statuses = ", ".join(str(ending.status) for ending in finished)
    return Outcome(problems, f"exit statuses {statuses}")


def probes(short: bool) -> list[Probe]:
    same = (YEAR,) * (2 if short else 4)
    several = (YEAR - 1, YEAR) if short else YEARS
    trials = 1
    return [
        Probe(
            "concurrency",
            f"{len(same)} concurrent runs of one year",
            "every run exits 0 (or 3 saying whose lock it waited for), one copy of the year,"
            " no partial file, no process left",
            tuple(Trial(f"#{n + 1}", partial(together_trial, years=same)) for n in range(trials)),
        ),
        Probe(
            "concurrency",
            f"{len(several)} concurrent runs of different years",
            "every run exits 0, one copy of each year, no partial file, no process left",
            tuple(
                Trial(f"#{n + 1}", partial(together_trial, years=several)) for n in range(trials)
            ),
        ),
    ]
