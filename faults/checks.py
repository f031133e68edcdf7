"""The invariants a trial checks; each returns the ways it was broken (empty: it held)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faults.lab import Lab, Place
    from faults.runs import Finished


def ended_as(finished: Finished, statuses: set[int]) -> list[str]:
    if finished.hung:
        return [f"hung: killed after {len(finished.stderr)} stderr lines"]
    if finished.status in statuses:
        return []
    wanted = " or ".join(map(str, sorted(statuses)))
    return [f"exit status {finished.status}, wanted {wanted}: {finished.last_line[:160]!r}"]


def no_traceback(finished: Finished) -> list[str]:
    if any("Traceback" in line for line in finished.stderr):
        first = next(i for i, line in enumerate(finished.stderr) if "Traceback" in line)
        tail = " | ".join(finished.stderr[first:][-2:])
        return [f"a traceback on stderr: {tail[:200]!r}"]
    return []


def one_error_line(finished: Finished) -> list[str]:
    """Stderr ends in the one `error: …` line, with no traceback anywhere."""
    problems = no_traceback(finished)
    errors = [line for line in finished.stderr if line.startswith("error: ")]
    if not finished.last_line.startswith("error: "):
        problems.append(f"last stderr line is not an error line: {finished.last_line[:160]!r}")
    elif len(errors) > 1:
        problems.append(f"{len(errors)} error lines")
    return problems


def reported(finished: Finished) -> list[str]:
    """What any ending must show: no traceback, and an error line unless it succeeded or was
    killed outright."""
    if finished.status <= 0:
        return no_traceback(finished)
    return one_error_line(finished)


def one_copy(lab: Lab, place: Place, year: int, *, or_none: bool = False) -> list[str]:
    """The year's rows in the place's database equal a clean run's (or, with `or_none`, are
    absent)."""
    found = lab.rows(place, year)
    clean = lab.reference(year).rows
    if found == clean or (or_none and found.rows == 0):
        return []
    if found.rows != found.keys:
        return [f"{year}: {found.rows} rows for {found.keys} keys (duplicates)"]
    return [f"{year}: {found.rows} rows, a clean run loads {clean.rows} (or rows differ)"]


def no_partials(place: Place) -> list[str]:
    if place.lake_dir is None:
        return []
    partials = sorted(path.name for path in place.lake_dir.rglob("*.partial"))
    return [f"{len(partials)} partial files left, e.g. {partials[0]}"] if partials else []


def no_strays(finished: Finished) -> list[str]:
    return [f"stray process: {stray}" for stray in finished.strays]


def restored(lab: Lab, place: Place, year: int) -> list[str]:
    """A plain re-run succeeds and leaves one copy, no partial file, no process."""
    again = lab.run(place, year)
    problems = ended_as(again, {0}) + no_traceback(again) + no_strays(again)
    problems += one_copy(lab, place, year) + no_partials(place)
    return [f"re-run: {problem}" for problem in problems]


def after_fault(
    lab: Lab, place: Place, finished: Finished, statuses: set[int], year: int
) -> list[str]:
    """Every invariant of a run that met a fault: its ending, the year's rows absent or one
    copy, its processes gone, then a re-run restoring one copy. Partial files left by a run
    killed outright are judged after the re-run (which must remove them)."""
    problems = ended_as(finished, statuses) + reported(finished) + no_strays(finished)
    problems += one_copy(lab, place, year, or_none=True)
    if finished.status != -9:
        problems += no_partials(place)
    return problems + restored(lab, place, year)
