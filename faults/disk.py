"""A full disk: the lake on a small tmpfs (mounted by the suite, which needs root) that fills
up part-way through the run; then the tmpfs is enlarged and the year re-run."""

from __future__ import annotations

import os
import subprocess
from functools import partial
from pathlib import Path

from faults import checks
from faults.lab import YEAR, Lab, Place
from faults.probe import Outcome, Probe, Trial

ROOMY = "64m"


def _mount(folder: Path, size: str, *, remount: bool = False) -> None:
    options = f"{'remount,' if remount else ''}size={size}"
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        check=True,
        capture_output=True,
    )


def full_disk_trial(lab: Lab, *, size: str) -> Outcome:
    folder = lab.work / "tmpfs" / size
    folder.mkdir(parents=True, exist_ok=True)
    _mount(folder, size)
    try:
        lake = folder / "lake"
        lake.mkdir()
        place = lab.place(lake_url=lake.as_uri())
        place = Place(lake.as_uri(), lake, place.database, place.raw_url)
        finished = lab.run(place)
        problems = checks.ended_as(finished, {3}) + checks.one_error_line(finished)
        problems += checks.no_strays(finished) + checks.no_partials(place)
        problems += checks.one_copy(lab, place, YEAR, or_none=True)
        _mount(folder, ROOMY, remount=True)
        problems += checks.restored(lab, place, YEAR)
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True)
    return Outcome(problems, finished.last_line[:150])


def can_mount() -> bool:
    return os.geteuid() == 0


def probes(short: bool) -> list[Probe]:
    sizes = ("1m",) if short else ("100k", "1m")
    if not can_mount():
        return []
    return [
        Probe(
            "disk",
            "disk full (lake on a small tmpfs)",
            "exit 3 naming the file it could not write, one error line, no partial file,"
            " rows absent or one copy; re-run on an enlarged tmpfs restores one copy",
            tuple(Trial(f"tmpfs {size}", partial(full_disk_trial, size=size)) for size in sizes),
        )
    ]
