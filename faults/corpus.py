"""The corrupted-file corpus: a small valid year spoiled one way at a time, each run on a fresh
place and sorted by what the run did with it.

- rejected: exit 2 and one error line naming the file (and the line, where there is one: the
  note shows it) (held);
- identical: accepted, and the table equals the clean file's (held);
- absurd: accepted with a different table, i.e. the spoiled values were loaded (failed);
- traceback, or any other ending (failed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

from faults import checks
from faults.lab import YEAR, Lab
from faults.probe import Outcome, Probe, Trial

Spoil = Callable[[list[str]], list[str]]
"""Lines of the file (with their line breaks) -> the spoiled lines."""
ROW = 1000
"""The data row the one-value variants change (line 1001 of the file)."""
DEP_DELAY = 7
FL_DATE = 0
ORIGIN = 3
CANCELLED = 15


def _set(column: int, value: str) -> Spoil:
    def spoil(lines: list[str]) -> list[str]:
        fields = lines[ROW].split(",")
        fields[column] = value
        return [*lines[:ROW], ",".join(fields), *lines[ROW + 1 :]]

    return spoil


def _latin1(lines: list[str]) -> list[str]:
    fields = lines[ROW].split(",")
    fields[1] = "Ü\u00e9"  # written as Latin-1 bytes below: not UTF-8
    return [*lines[:ROW], ",".join(fields), *lines[ROW + 1 :]]


VARIANTS: dict[str, Spoil] = {
    "DEP_DELAY NaN": _set(DEP_DELAY, "NaN"),
    "DEP_DELAY inf": _set(DEP_DELAY, "inf"),
    "DEP_DELAY 1e308": _set(DEP_DELAY, "1e308"),
    "DEP_DELAY -99999": _set(DEP_DELAY, "-99999.0"),
    "FL_DATE garbage": _set(FL_DATE, "2013-13-45"),
    "FL_DATE of another year": _set(FL_DATE, "2012-06-01"),
    "ORIGIN not a code": _set(ORIGIN, "a#1"),
    "CANCELLED 7": _set(CANCELLED, "7.0"),
    "Latin-1 bytes": _latin1,
    "line cut short": lambda lines: [*lines[:ROW], lines[ROW][:40] + "\n", *lines[ROW + 1 :]],
    "line break lost": lambda lines: [
        *lines[:ROW],
        lines[ROW].rstrip("\n") + lines[ROW + 1],
        *lines[ROW + 2 :],
    ],
    "file cut mid-line": lambda lines: [*lines[:-1], lines[-1][:30]],
    "rows repeated twice": lambda lines: [*lines, *lines[1:]],
    "whole file twice": lambda lines: [*lines, *lines],
    "header changed": lambda lines: [lines[0].replace("DEP_DELAY", "DEP_DELAYS"), *lines[1:]],
    "header only": lambda lines: lines[:1],
    "empty file": lambda lines: [],
    "CRLF line breaks": lambda lines: [line.replace("\n", "\r\n") for line in lines],
}
SHORT = ("DEP_DELAY NaN", "line break lost", "empty file")


def write_variant(lab: Lab, name: str) -> Path:
    """A raw folder holding `YEAR`'s small file spoiled by `VARIANTS[name]`."""
    folder = lab.work / "corpus" / re.sub(r"\W+", "-", name)
    folder.mkdir(parents=True, exist_ok=True)
    lines = (lab.raw_dir / f"{YEAR}.csv").read_text().splitlines(keepends=True)
    text = "".join(VARIANTS[name](lines))
    encoding = "latin-1" if name == "Latin-1 bytes" else "utf-8"
    (folder / f"{YEAR}.csv").write_bytes(text.encode(encoding))
    return folder


def classify(lab: Lab, name: str) -> Outcome:
    place = lab.place(raw_dir=write_variant(lab, name))
    finished = lab.run(place)
    traceback = checks.no_traceback(finished) + checks.no_strays(finished)
    last = finished.last_line
    if traceback:
        kind, problems = "traceback", traceback
    elif finished.status == 2 and re.match(rf"error: .*{YEAR}\.csv", last):
        kind, problems = "rejected", []
    elif finished.status == 0 and lab.rows(place) == lab.reference(YEAR).rows:
        kind, problems = "identical", []
    elif finished.status == 0:
        found = lab.rows(place).rows
        kind, problems = "absurd", [f"accepted with a different table ({found} rows)"]
    else:
        kind, problems = "other", [f"exit {finished.status}: {last[:150]!r}"]
    lab.discard(place)
    return Outcome(problems, f"{kind}: {last[:150]}" if kind != "identical" else kind, kind)


def probes(short: bool) -> list[Probe]:
    names = SHORT if short else tuple(VARIANTS)
    return [
        Probe(
            "corpus",
            "corrupted raw files",
            "rejected with exit 2 and an error naming the file (and line), or accepted with the"
            " clean file's table; accepted with another table (absurd) or a traceback fails",
            tuple(Trial(name, partial(classify, name=name)) for name in names),
        )
    ]
