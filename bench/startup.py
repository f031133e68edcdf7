"""Benchmark: what a user waits for besides the work itself, measured as whole processes.

- `flightdelays --help`: the whole command, interpreter start-up included;
- each DAG task's start: a fresh interpreter importing what that task imports before its step
  runs (`flightdelays.airflow_settings` and the step's module), next to a bare interpreter;
- a full-scale year through `flightdelays run` as a process, next to the sum of the steps' own
  times that the same process reports: what start-up, imports and the summary cost on top.

Targets (issue "One data catalog…"): help under 0.5 s, a task's module under 1 s, the whole
process within 1 s of its steps. Writes bench/results/startup.json and startup.md.

    .venv/bin/python -m bench.startup [--year 2013] [--scale 1.0] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
BIN = Path(sys.executable).parent
TARGETS = {"help": 0.5, "task_import": 1.0, "process_overhead": 1.0}
_STEP_LINE = re.compile(r"^\[(\d{4})\] (\w+)\s+.*\(([\d.]+) s\)$")


def _timed(command: list[str], environ: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall seconds of `command` as a process, and what it wrote to stderr."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=environ, check=True)
    return time.perf_counter() - started, done.stderr


def _median(command: list[str], repeats: int) -> dict[str, Any]:
    runs = [round(_timed(command)[0], 3) for _ in range(repeats)]
    return {"median": statistics.median(runs), "runs": runs}


def task_imports(repeats: int) -> dict[str, Any]:
    """Seconds to start a fresh interpreter and import what each DAG task imports."""
    from flightdelays.pipeline import STEPS

    python = sys.executable
    found: dict[str, Any] = {"bare interpreter": _median([python, "-c", "pass"], repeats)}
    for step in STEPS:
        module = step.function_path.partition(":")[0]
        code = f"import flightdelays.airflow_settings, {module}"
        found[step.task_id] = _median([python, "-c", code], repeats)
    return found


def whole_year(year: int, scale: float) -> dict[str, Any]:
    """`flightdelays run --year` as a process vs the steps' own seconds it reports."""
    from flightdelays.research.generate import write_year
    from flightdelays.settings import Settings

    raw = Path(".data/bench").resolve() / f"raw-{scale}"
    if not (raw / f"{year}.csv").exists():
        write_year(raw, year, scale=scale)
    database_url = Settings.from_env().resolved_database_url()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as lake:
        environ = {
            **os.environ,
            "FLIGHTDELAYS_RAW_URL": raw.as_uri(),
            "FLIGHTDELAYS_LAKE_URL": Path(lake).as_uri(),
            "FLIGHTDELAYS_DATABASE_URL": database_url,
        }
        command = [str(BIN / "flightdelays"), "run", "--year", str(year)]
        _timed(command, environ)  # warm the page cache and the lake, as a second run would be
        seconds, stderr = _timed(command, environ)
    steps = {
        match.group(2): float(match.group(3))
        for match in map(_STEP_LINE.match, stderr.splitlines())
        if match
    }
    total = sum(steps.values())
    return {
        "process_seconds": round(seconds, 2),
        "steps_seconds": round(total, 2),
        "overhead_seconds": round(seconds - total, 2),
        "steps": steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2013)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    report = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_before": [round(value, 2) for value in os.getloadavg()],
        "help": _median([str(BIN / "flightdelays"), "--help"], args.repeats),
        "task_import": task_imports(args.repeats),
        "year": {"year": args.year, "scale": args.scale, **whole_year(args.year, args.scale)},
        "targets": TARGETS,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "startup.md").write_text(_markdown(report))
    print(_markdown(report))


def _markdown(report: dict[str, Any]) -> str:
    year = report["year"]
    imports = report["task_import"]
    slowest = max(value["median"] for key, value in imports.items() if key != "bare interpreter")
    lines = [
        f"Start-up costs on {report['machine']}, load average {report['load_average_before']}"
        " before the runs; medians of fresh processes.",
        "",
        "| what | seconds | target |",
        "|---|---:|---:|",
        f"| `flightdelays --help` | {report['help']['median']} | < {TARGETS['help']} |",
    ]
    for task, value in imports.items():
        target = "" if task == "bare interpreter" else f"< {TARGETS['task_import']}"
        label = "bare interpreter (`python -c pass`)" if target == "" else f"task `{task}` imports"
        lines.append(f"| {label} | {value['median']} | {target} |")
    lines += [
        f"| `flightdelays run --year {year['year']}` (scale {year['scale']}), whole process |"
        f" {year['process_seconds']} | |",
        f"| its steps' own seconds | {year['steps_seconds']} | |",
        f"| **process overhead** | **{year['overhead_seconds']}** |"
        f" < {TARGETS['process_overhead']} |",
        "",
        "A task's imports are those of `flightdelays.airflow_settings` and its step's module;"
        " the step loads its own libraries (polars, matplotlib, the chosen detector) as it"
        " starts, inside the step's time.",
        "",
        f"Met: help {report['help']['median'] < TARGETS['help']}, task imports"
        f" {slowest < TARGETS['task_import']} (slowest {slowest} s), process overhead"
        f" {year['overhead_seconds'] < TARGETS['process_overhead']}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
