"""Loads the dashboard's test data into a PostgreSQL database.

Prefers the project's own pipeline: `flightdelays generate` writes a small raw year, then the
pipeline's aggregate, detect and load steps (the Airflow DAG's tasks, in one process) fill the
table. The chart step is left out: rendering ~350 PNGs is the pipeline's business, not the
dashboard's, and costs a minute. Without the pipeline, it creates the tables from
src/flightdelays/warehouse/migrations/ and inserts a year of synthetic but plausible rows: eight
airports, every day of 2013, seasonal delays, delay minutes by cause, and a few anomalous days of
each signal with their dominant cause and explanation.
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
from psycopg import sql

from flightdelays.schema import EXPLANATION_COLUMNS, TABLE_COLUMNS

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


USUAL_MIX = {"carrier": 0.3, "weather": 0.05, "nas": 0.3, "security": 0.005, "late_aircraft": 0.345}
"""Each cause's usual share of a day's delay minutes."""
CAUSE_OF_SIGNAL = {"delay": "weather", "both": "weather", "cancellations": "carrier"}
"""The dominant cause planted with each signal: storms delay, one carrier's outage cancels."""


def _cause_columns(flights: int, late_share: float, signal: str | None) -> dict[str, Any]:
    """The aggregate's cause columns of a day; a flagged day's dominant cause takes 60%."""
    minutes = flights * late_share * 45.0
    mix = dict(USUAL_MIX)
    if signal is not None:
        cause = CAUSE_OF_SIGNAL[signal]
        mix = {name: share * 0.4 for name, share in mix.items()}
        mix[cause] += 0.6
    cancelled_cause = CAUSE_OF_SIGNAL[signal] if signal in ("cancellations", "both") else None
    return {
        "cause_reported": round(flights * late_share),
        **{f"{name}_delay_minutes": round(minutes * share, 1) for name, share in mix.items()},
        **{f"cancelled_{name}": 0 for name in ("carrier", "weather", "nas", "security")},
        **({f"cancelled_{cancelled_cause}": 5} if cancelled_cause else {}),
    }


def _explanation(signal: str | None) -> tuple[str | None, str | None]:
    """(dominant cause, explanation) of a day: none unless flagged."""
    if signal is None:
        return None, None
    cause = CAUSE_OF_SIGNAL[signal]
    usual = round(100 * USUAL_MIX[cause])
    share = round(100 * (0.6 + 0.4 * USUAL_MIX[cause]))
    return cause, f"{cause} {share}% of delay minutes vs {usual}% usually"


def sample_rows(seed: int = 2013) -> list[dict[str, Any]]:
    """One row (`TABLE_COLUMNS`) per (airport, day) of YEAR."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
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
            late_share = round(min(1.0, max(0.0, 0.12 + delay / 120)), 4)
            cause, explanation = _explanation(signal)
            rows.append(
                {
                    "airport": airport,
                    "flight_date": d,
                    "year": YEAR,
                    "flights": flights,
                    "cancelled": cancelled,
                    "diverted": round(flights * 0.002),
                    "departed": flights - cancelled,
                    "avg_dep_delay": round(delay, 2),
                    "share_delayed_15": late_share,
                    **_cause_columns(flights, late_share, signal),
                    "is_anomaly": signal is not None,
                    "anomaly_signal": signal,
                    "delay_score": round((delay - expected) / 3, 3),
                    "expected_dep_delay": round(expected, 2),
                    "cancellation_score": round((cancel_share - 0.015) / 0.01, 3),
                    "expected_cancelled_share": 0.015,
                    "judged": True,
                    "detector": "sample",
                    "dominant_cause": cause,
                    "explanation": explanation,
                }
            )
    return rows


def explanation_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The `anomaly_explanations` rows (`EXPLANATION_COLUMNS`) of the flagged sample rows."""
    explained = []
    for row in (r for r in rows if r["is_anomaly"]):
        minutes = {cause: row[f"{cause}_delay_minutes"] for cause in USUAL_MIX}
        total = sum(minutes.values())
        explained.append(
            {
                "airport": row["airport"],
                "flight_date": row["flight_date"],
                "year": row["year"],
                "dominant_cause": row["dominant_cause"],
                **{f"{cause}_share": minutes[cause] / total for cause in USUAL_MIX},
                **{f"{cause}_usual_share": share for cause, share in USUAL_MIX.items()},
                "top_cancellation_cause": None,
                "top_cancellation_share": None,
                "top_carrier": None,
                "top_carrier_share": None,
                "top_carrier_usual_share": None,
                "top_carriers": None,
                "explanation": row["explanation"],
            }
        )
    return explained


def _insert(
    cur: psycopg.Cursor[Any], table: str, columns: tuple[str, ...], rows: list[Any]
) -> None:
    statement = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(map(sql.Placeholder, columns)),
    )
    cur.executemany(statement, rows)


def load_sample(url: str) -> None:
    """Create the tables from the migrations and insert sample_rows(), their explanations and
    one yearly_loads row."""
    rows = sample_rows()
    with psycopg.connect(url) as conn:
        for migration in sorted(MIGRATIONS.glob("*.sql")):
            conn.execute(migration.read_text(encoding="utf-8"))  # type: ignore[arg-type]
        with conn.cursor() as cur:
            _insert(cur, "daily_airport_delays", TABLE_COLUMNS, rows)
            _insert(cur, "anomaly_explanations", EXPLANATION_COLUMNS, explanation_rows(rows))
            cur.execute(
                "INSERT INTO yearly_loads (year, rows, airports, anomalies, source) "
                "VALUES (%s, %s, %s, %s, 'sample')",
                (YEAR, len(rows), len(AIRPORTS), sum(1 for r in rows if r["is_anomaly"])),
            )


def load(url: str, workdir: Path) -> str:
    """Fill `url` with a year of data; which loader did it ("pipeline" or "sample")."""
    if os.environ.get("FLIGHTDELAYS_DASHBOARD_SAMPLE") != "1" and pipeline_available():
        load_with_pipeline(url, workdir)
        return "pipeline"
    load_sample(url)
    return "sample"
