"""Benchmark: ten full-scale sample years through the three ways a user runs them.

- `flightdelays run --years 2009-2018`: the pipeline in one process (charts on its own pool);
- `flightdelays airflow backfill` (what `make run` runs): the real DAG, every task in one process;
- `flightdelays airflow cluster --workers 2` (what `make cluster` runs): scheduler, dag-processor,
  api-server and two Celery workers, started, run and stopped by the command.

Each is a whole command as a process, start-up and shut-down included, on the same raw files (scale
1.0, ~6 million rows a year, generated once into .data/bench/raw-1.0), with a fresh data folder
(lake, embedded PostgreSQL, Airflow home) of its own. Peak memory is sampled for every process
below the command, however deep. Targets (issue 13): both Airflow paths within 1.5x of the
pipeline; the cluster's ten years in 3 minutes or less; no process above 1 GB.
Writes bench/results/ten_years.json and ten_years.md.

    .venv/bin/python -m bench.ten_years [--years 2009-2018] [--only run,airflow,cluster]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.peaks import DescendantPeaks

RESULTS = Path(__file__).parent / "results"
BIN = Path(sys.executable).parent
DATA = Path(".data/bench").resolve()
RAW = DATA / "raw-1.0"
TARGETS = {"airflow_ratio": 1.5, "cluster_seconds": 180.0, "peak_mb": 1024.0}
_BACKFILL_ENDED = re.compile(r"backfill \d+ ended in (\d+) s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def commands(years: str) -> dict[str, list[str]]:
    """The three commands, as a user types them (the cluster on a free port)."""
    flightdelays = str(BIN / "flightdelays")
    return {
        "run": [flightdelays, "run", "--years", years],
        "airflow": [flightdelays, "airflow", "backfill", "--years", years, "--scale", "1.0"],
        "cluster": [
            flightdelays,
            "airflow",
            "cluster",
            "--years",
            years,
            "--scale",
            "1.0",
            "--workers",
            "2",
            "--port",
            str(_free_port()),
        ],
    }


def measure(name: str, command: list[str]) -> dict[str, Any]:
    """Wall seconds, exit status and peak memory of one command, in a fresh data folder."""
    data_dir = DATA / "ten-years" / name
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    environ = os.environ | {
        "FLIGHTDELAYS_DATA_DIR": str(data_dir),
        "FLIGHTDELAYS_RAW_URL": RAW.as_uri(),
    }
    for inherited in ("FLIGHTDELAYS_LAKE_URL", "FLIGHTDELAYS_DATABASE_URL"):
        environ.pop(inherited, None)
    log = data_dir / "output.log"
    load_before = [round(value, 2) for value in os.getloadavg()]
    started = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=environ)
        peaks = DescendantPeaks(process.pid, with_root=True)
        status = process.wait()
    seconds = time.perf_counter() - started
    peak_mb = peaks.stop()
    text = log.read_text(errors="replace")
    backfill = _BACKFILL_ENDED.search(text)
    found = {
        "command": re.sub(
            r"--port \d+", "--port <free>", " ".join([Path(command[0]).name, *command[1:]])
        ),
        "exit_status": status,
        "seconds": round(seconds, 1),
        "backfill_seconds": float(backfill.group(1)) if backfill else None,
        "peak_mb": peak_mb,
        "largest_process": peaks.largest(),
        "load_average_before": load_before,
        "log": str(log),
    }
    if status != 0:
        found["last_lines"] = text.splitlines()[-5:]
    print(f"{name}: {found}", flush=True)
    return found


def _ensure_raw(years: list[int]) -> int:
    """Generate the missing full-scale years; the raw files' total size in MB."""
    from flightdelays.research.generate import write_year

    for year in years:
        if not (RAW / f"{year}.csv").exists():
            print(f"generating {year} at scale 1.0 ...", flush=True)
            write_year(RAW, year, scale=1.0)
    return round(sum((RAW / f"{year}.csv").stat().st_size for year in years) / 1e6)


def _years(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", default="2009-2018")
    parser.add_argument("--only", default="run,airflow,cluster", help="which paths to measure")
    args = parser.parse_args()
    raw_mb = _ensure_raw(_years(args.years))
    previous = RESULTS / "ten_years.json"
    report: dict[str, Any] = json.loads(previous.read_text()) if previous.exists() else {}
    if report.get("years") != args.years:
        report = {}
    report |= {
        "years": args.years,
        "raw_mb": raw_mb,
        "machine": f"{platform.machine()}, {multiprocessing.cpu_count()} cores",
        "targets": TARGETS,
    }
    paths = report.setdefault("paths", {})
    for name, command in commands(args.years).items():
        if name in args.only.split(","):
            paths[name] = measure(name, command)
    RESULTS.mkdir(exist_ok=True)
    previous.write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "ten_years.md").write_text(markdown(report))
    print(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    """The README's table of the three paths."""
    paths = report["paths"]
    base = paths.get("run", {}).get("seconds")
    lines = [
        f"Ten full-scale sample years ({report['years']}, scale 1.0, {report['raw_mb']:,} MB of"
        f" raw CSV) on {report['machine']}. Each path is one command as a process, start-up and"
        " shut-down included, with a fresh data folder; peak memory is the largest of any"
        " process under it.",
        "",
        "| path | command | whole command (s) | vs `run` | backfill only (s) | peak process (MB)"
        " | load before |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for name, found in paths.items():
        ratio = f"{found['seconds'] / base:.2f}x" if base else ""
        status = "" if found["exit_status"] == 0 else f" (exit {found['exit_status']})"
        lines.append(
            f"| {name} | `{found['command']}` | {found['seconds']}{status} | {ratio}"
            f" | {found['backfill_seconds'] or ''} | {found['peak_mb']}"
            f" | {found['load_average_before']} |"
        )
    lines += [
        "",
        f"Targets: Airflow paths within {TARGETS['airflow_ratio']}x of `run`; the cluster's ten"
        f" years in {TARGETS['cluster_seconds']:.0f} s or less; every process under"
        f" {TARGETS['peak_mb']:.0f} MB.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
