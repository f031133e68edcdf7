"""The suite's world: its servers, its sample years, a fresh place (lake + database) per trial,
and the clean run of each year that every trial is compared with."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from faults.postgres import SuitePostgres, YearRows
from faults.runs import Finished, Run, run_to_end
from faults.sample import write_small_year

YEARS = (2011, 2012, 2013, 2014)
YEAR = 2013
"""The year most probes run."""


@dataclass(frozen=True)
class Place:
    """Where one trial's run writes: a lake (a folder, or an S3 URL) and a database."""

    lake_url: str
    lake_dir: Path | None
    database: str
    raw_url: str
    extra: dict[str, str] = field(default_factory=dict)
    """More environment variables for the run (AWS endpoint, a bad setting, …)."""


@dataclass(frozen=True)
class Reference:
    """A clean run of a year: its rows, and when each step's progress line appeared (seconds
    from the start of the process)."""

    rows: YearRows
    step_ends: dict[str, float]


class Lab:
    """Servers, sample years and places under `work`, a folder the suite owns."""

    def __init__(self, work: Path, years: tuple[int, ...] = YEARS) -> None:
        self.work = work
        self.raw_dir = work / "raw"
        for year in years:
            if not (self.raw_dir / f"{year}.csv").exists():
                write_small_year(self.raw_dir, year)
        self.postgres = SuitePostgres(work / "postgres")
        self._references: dict[int, Reference] = {}

    def close(self) -> None:
        self.postgres.close()

    def place(self, *, lake_url: str | None = None, raw_dir: Path | None = None) -> Place:
        """A fresh, empty lake folder (unless `lake_url` is given) and database."""
        name = uuid.uuid4().hex[:10]
        lake_dir = None
        if lake_url is None:
            lake_dir = self.work / "lakes" / name
            lake_dir.mkdir(parents=True)
            lake_url = lake_dir.as_uri()
        raw = (raw_dir or self.raw_dir).as_uri()
        return Place(lake_url, lake_dir, self.postgres.new_database(), raw)

    def environment(self, place: Place) -> dict[str, str]:
        """The run's environment: ours without any FLIGHTDELAYS_* or AWS_* setting, then the
        place's."""
        keep = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("FLIGHTDELAYS_", "AWS_", "PYTEST_", "COV_"))
        }
        data_dir = self.work / "data"
        return {
            **keep,
            "FLIGHTDELAYS_RAW_URL": place.raw_url,
            "FLIGHTDELAYS_LAKE_URL": place.lake_url,
            "FLIGHTDELAYS_DATABASE_URL": self.postgres.url(place.database),
            "FLIGHTDELAYS_DATA_DIR": str(data_dir),
            **place.extra,
        }

    def start(self, place: Place, year: int = YEAR) -> Run:
        return Run(["run", "--year", str(year)], self.environment(place))

    def run(self, place: Place, year: int = YEAR) -> Finished:
        return run_to_end(["run", "--year", str(year)], self.environment(place))

    def rows(self, place: Place, year: int = YEAR) -> YearRows:
        return self.postgres.year_rows(place.database, year)

    def reference(self, year: int = YEAR) -> Reference:
        """The clean run of `year` (made once, in a place of its own)."""
        if year not in self._references:
            place = self.place()
            run = self.start(place, year)
            finished = run.finish()
            if finished.status != 0:
                raise RuntimeError(f"the clean run of {year} failed: {finished.last_line}")
            ends = {
                match.group(1): seconds
                for seconds, line in run.lines
                if (match := re.match(r"\[\d+\] (\w+)", line))
            }
            self._references[year] = Reference(self.rows(place, year), ends)
            self.discard(place)
        return self._references[year]

    def discard(self, place: Place) -> None:
        """Remove a place's lake folder (its database stays until the server goes)."""
        if place.lake_dir is not None:
            shutil.rmtree(place.lake_dir, ignore_errors=True)
