"""Small sample years for the probes: generated years cut down to their busiest airports.

A year at scale 0.02 has ~350 airports, so its charts step alone takes 15 s here; the probes
need many runs, so they keep the busiest `AIRPORTS` of each (~40,000 flights, a 5 s run with
every step, chart workers included).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

SCALE = 0.02
AIRPORTS = 12
SEED = 7


def write_small_year(folder: Path, year: int) -> Path:
    """`<folder>/<year>.csv`: a generated year holding only its busiest `AIRPORTS` origins,
    its header and line format untouched."""
    from flightdelays.research.generate import write_year

    path = write_year(folder, year, scale=SCALE, seed=SEED)
    header, *rows = path.read_text().splitlines(keepends=True)
    origin = Counter(_origin(row) for row in rows)
    busiest = {airport for airport, _ in origin.most_common(AIRPORTS)}
    path.write_text(header + "".join(row for row in rows if _origin(row) in busiest))
    return path


def _origin(row: str) -> str:
    return row.split(",", 4)[3]  # FL_DATE, OP_CARRIER, OP_CARRIER_FL_NUM, ORIGIN, …
