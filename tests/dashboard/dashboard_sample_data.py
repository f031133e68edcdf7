"""Loads the dashboard's test data into a PostgreSQL database.

Prefers the project's own pipeline: `flightdelays generate` writes a small raw year, then the
pipeline's aggregate, detect and load steps (the Airflow DAG's tasks, in one process) fill the
table. The chart step is left out: rendering ~350 PNGs is the pipeline's business, not the
dashboard's, and costs a minute. Without the pipeline, it creates the tables from
src/flightdelays/warehouse/migrations/ and inserts a year of synthetic but plausible rows: eight
airports, every day of 2013, seasonal delays and a few anomalous days of each signal.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import subprocess
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "src" / "flightdelays" / "warehouse" / "migrations"
CLI = ROOT / ".venv" / "bin" / "flightdelays"
YEAR = 2013

# airport: (daily departures, typical delay in minutes)
AIRPORTS = {
    "ATL": (1000, 9.0),
    "ORD": (850, 14.0),
    "DFW": (700, 11.0),
    "DEN": (620, 12.0),
    "LAX": (600, 10.0),
    "JFK": (400, 15.0),
    "SFO": (380, 13.0),
    "BOS": (330, 11.5),
}


# The pipeline's own steps, as the DAG runs them, less `charts_step`.
PIPELINE_STEPS = f"""
from flightdelays.pipeline import step_named
from flightdelays.settings import Settings

settings = Settings.from_env()
for name in ("aggregate", "detect", "load"):
    print(name, step_named(name)(settings, {YEAR}), flush=True)
"""


def pipeline_available() -> bool:
    """Whether the project's CLI can `generate` and its pipeline module has the steps."""
    if not CLI.exists():
        return False
    result = subprocess.run([str(CLI), "--help"], capture_output=True, text=True, check=False)
    if result.returncode != 0 or "generate" not in result.stdout:
        return False
    probe = (
        "from flightdelays.pipeline import step_named; "
        "[step_named(name).function() for name in ('aggregate', 'detect', 'load')]"
    )
    python = CLI.with_name("python")
    return (
        subprocess.run([str(python), "-c", probe], capture_output=True, check=False).returncode == 0
    )


def load_with_pipeline(url: str, workdir: Path) -> None:
    """Generate a small raw year and run the pipeline's aggregate, detect and load into `url`."""
    raw = workdir / "raw"
    subprocess.run(
        [str(CLI), "generate", "--years", str(YEAR), "--scale", "0.02", "--out", str(raw)],
        check=True,
    )
    env = dict(
        os.environ,
        FLIGHTDELAYS_RAW_URL=raw.as_uri(),
        FLIGHTDELAYS_LAKE_URL=(workdir / "lake").as_uri(),
        FLIGHTDELAYS_DATABASE_URL=url,
    )
    subprocess.run([str(CLI.with_name("python")), "-c", PIPELINE_STEPS], check=True, env=env)


def sample_rows(seed: int = 2013) -> list[tuple[Any, ...]]:
    """One row per (airport, day) of YEAR in the column order of daily_airport_delays."""
    rng = random.Random(seed)
    rows: list[tuple[Any, ...]] = []
    day = dt.date(YEAR, 1, 1)
    days = [day + dt.timedelta(days=i) for i in range(365)]
    for airport, (traffic, typical) in AIRPORTS.items():
        anomalous = {
            d: rng.choice(["delay", "delay", "cancellations", "both"]) for d in rng.sample(days, 6)
        }
        for d in days:
            season = 1 + 0.35 * math.sin((d.timetuple().tm_yday - 100) / 365 * 2 * math.pi)
            flights = max(
                1, round(traffic * (0.9 + 0.2 * rng.random()) * (0.85 if d.weekday() == 5 else 1))
            )
            expected = typical * season
            signal = anomalous.get(d)
            delay = expected + rng.gauss(0, 3) + (45 if signal in ("delay", "both") else 0)
            cancel_share = (
                0.015 + (0.2 if signal in ("cancellations", "both") else 0) * rng.random()
            )
            cancelled = round(flights * cancel_share)
            diverted = round(flights * 0.002)
            departed = flights - cancelled
            rows.append(
                (
                    airport,
                    d,
                    YEAR,
                    flights,
                    cancelled,
                    diverted,
                    departed,
                    round(delay, 2),
                    round(min(1.0, max(0.0, 0.12 + delay / 120)), 4),
                    signal is not None,
                    signal,
                    round((delay - expected) / 3, 3),
                    round(expected, 2),
                    round((cancel_share - 0.015) / 0.01, 3),
                    0.015,
                    True,
                    "sample",
                )
            )
    return rows


def load_sample(url: str) -> None:
    """Create the tables from the migrations and insert sample_rows() and one yearly_loads row."""
    rows = sample_rows()
    with psycopg.connect(url) as conn:
        for migration in sorted(MIGRATIONS.glob("*.sql")):
            conn.execute(migration.read_text(encoding="utf-8"))  # type: ignore[arg-type]
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO daily_airport_delays VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
            cur.execute(
                "INSERT INTO yearly_loads (year, rows, airports, anomalies, source) "
                "VALUES (%s, %s, %s, %s, 'sample')",
                (YEAR, len(rows), len(AIRPORTS), sum(1 for r in rows if r[9])),
            )


def load(url: str, workdir: Path) -> str:
    """Fill `url` with a year of data; which loader did it ("pipeline" or "sample")."""
    if os.environ.get("FLIGHTDELAYS_DASHBOARD_SAMPLE") != "1" and pipeline_available():
        load_with_pipeline(url, workdir)
        return "pipeline"
    load_sample(url)
    return "sample"
