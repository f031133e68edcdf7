"""Benchmark: how long each detector takes to score one full-scale year.

Generates a year (default 2013 at scale 1.0: ~360 airports, ~110k airport-days), aggregates it
as the pipeline does, then times `detect()` of every registered detector on that aggregate in
this process, several times (once for a detector slower than 10 s). The target: the default
detector scores a full year in 3 s or less on a 2-core machine. The load average is recorded
too: the machine may be shared. Writes bench/results/detect.json and a Markdown table beside it.

    .venv/bin/python -m bench.detect [--scale 1.0] [--year 2013] [--repeat 5] [--raw FOLDER]

`--raw FOLDER` aggregates the year's file already in FOLDER (e.g. .data/bench/raw-1.0, which
`make bench` generates) instead of generating one; the file is only read.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
TARGET_SECONDS = 3.0
SLOW_SECONDS = 10.0


def aggregate(year: int, scale: float, seed: int, raw: Path | None = None) -> tuple[Any, float]:
    """A generated year's aggregate and the seconds generating and aggregating took (only
    aggregating, when `raw` holds the year's file)."""
    from flightdelays.catalog import Stores
    from flightdelays.research.generate import write_year
    from flightdelays.steps.aggregate import aggregate_year

    started = time.perf_counter()
    if raw is not None:
        return aggregate_year(Stores.in_folder(raw), year), time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="bench-detect-") as folder:
        write_year(Path(folder), year, scale=scale, seed=seed)
        daily = aggregate_year(Stores.in_folder(Path(folder)), year)
    return daily, time.perf_counter() - started


def time_detector(name: str, daily: Any, repeat: int) -> dict[str, Any]:
    """Seconds per call (every call, best, median) and how many rows it flagged."""
    from flightdelays.detectors import get_detector

    detector = get_detector(name)
    seconds: list[float] = []
    flagged = 0
    for _ in range(repeat):
        started = time.perf_counter()
        detected = detector.detect(daily)
        seconds.append(time.perf_counter() - started)
        flagged = int(detected["is_anomaly"].sum())
        if seconds[-1] > SLOW_SECONDS:
            break
    return {
        "seconds": [round(value, 3) for value in seconds],
        "best_seconds": round(min(seconds), 3),
        "median_seconds": round(statistics.median(seconds), 3),
        "flagged": flagged,
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Detector speed: one year at scale {report['scale']:g} "
        f"({report['airport_days']:,} airport-days, {report['airports']} airports)",
        "",
        f"Machine: {report['machine']['cpus']} CPUs, load average "
        f"{report['machine']['load_before']} before and {report['machine']['load_after']} after "
        "(the machine is shared; the best of several runs is the fairest figure).",
        "",
        "| detector | best s | median s | runs | flagged |",
        "|---|---|---|---|---|",
    ]
    for name, figures in report["detectors"].items():
        mark = " (default)" if name == report["default"] else ""
        lines.append(
            f"| {name}{mark} | {figures['best_seconds']:.2f} | {figures['median_seconds']:.2f}"
            f" | {len(figures['seconds'])} | {figures['flagged']:,} |"
        )
    verdict = "meets" if report["default_meets_target"] else "misses"
    slow = [
        name
        for name, figures in report["detectors"].items()
        if figures["best_seconds"] > SLOW_SECONDS
    ]
    lines += ["", f"The default detector {verdict} the {TARGET_SECONDS:g} s target."]
    lines += [
        f"Over {SLOW_SECONDS:g} s a year: {', '.join(slow)}."
        if slow
        else f"Every detector scores the year in under {SLOW_SECONDS:g} s."
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--year", type=int, default=2013)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--raw", type=Path, help="folder holding the year's file (not generated)")
    args = parser.parse_args()

    from flightdelays.detectors import DEFAULT_DETECTOR, available

    load_before = [round(value, 2) for value in os.getloadavg()]
    daily, prepare = aggregate(args.year, args.scale, args.seed, args.raw)
    detectors = {name: time_detector(name, daily, args.repeat) for name in available()}
    default = detectors[DEFAULT_DETECTOR]
    report = {
        "year": args.year,
        "scale": args.scale,
        "seed": args.seed,
        "airport_days": daily.height,
        "airports": daily["airport"].n_unique(),
        "generate_and_aggregate_seconds": round(prepare, 1),
        "default": DEFAULT_DETECTOR,
        "target_seconds": TARGET_SECONDS,
        "default_meets_target": default["best_seconds"] <= TARGET_SECONDS,
        "detectors": detectors,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_before": load_before,
            "load_after": [round(value, 2) for value in os.getloadavg()],
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "detect.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "detect.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
