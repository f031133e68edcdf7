"""Benchmark: every chart of one full-scale year, ours (with each speed trick switched off on its
own) vs a fresh matplotlib figure per airport.

All draw the same airports (a generated year's detected rows) on the same number of worker
processes and write one PNG per airport into a local folder:
- ours: `flightdelays.charts.publish_charts` (reused figure per process, blitting, index files
  included), once with every trick on and once with each trick of `charts.tricks.Tricks` off
  (Pillow's PNG writer at our zlib level, matplotlib text, matplotlib's y axis);
- naive: for each airport a fresh `pyplot` figure of the same size and panels, flights drawn with
  one bar per day, saved with `savefig` and closed.
Each run is a fresh process, so start-up (forkserver, imports) counts as it would in a pipeline
run; its wall time, its CPU time (its whole process tree, workers included) and how busy the
machine's cores were meanwhile (other people's work included, from /proc/stat) are recorded.
Our configurations run in rounds, each round in a rotated order, so a busy spell on this shared
machine does not fall on one configuration; each row gives the least of its rounds (other work
only ever adds time, so the least is the closest to the configuration's own cost). A trick
saves (step with it off - step with all on) / step with it off. A one-process sample gives the
cost per chart of each way. Writes bench/results/charts.json and charts.md.

    .venv/bin/python -m bench.charts [--year 2013] [--raw DIR] [--workers 2] [--repeats 5]
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import platform
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flightdelays.charts.tricks import Tricks

if TYPE_CHECKING:
    from flightdelays.charts.series import AirportYear

RESULTS = Path(__file__).parent / "results"
ALL_ON = "all tricks on"
CONFIGURATIONS = {
    ALL_ON: Tricks(),
    "own PNG writer off (Pillow's, same zlib level)": Tricks(own_png=False),
    "Pillow text off (matplotlib text)": Tricks(pillow_text=False),
    "fast y axis off (matplotlib's axis)": Tricks(fast_y_axis=False),
}
"""Our chart step with every trick on, then with each trick off on its own."""
KEEP_PERCENT = 10.0
"""A trick stays only if it saves at least this share of the chart step."""
TARGET_SECONDS = 12.0
TARGET_SPEEDUP = 5.0
SAMPLE_EVERY = 12
"""The one-process comparison draws every 12th airport (30 of ~360, hubs to tiny ones)."""


def naive_chart(item: AirportYear) -> bytes:
    """The chart drawn the usual way: a fresh figure, one bar per day, `savefig`, close."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from flightdelays.charts.figure import DPI, HEIGHT_PX, WIDTH_PX
    from flightdelays.charts.titles import chart_subtitle, chart_title

    days = np.arange(item.days)
    present = ~item.missing
    figure, (flights, delay, share) = plt.subplots(
        3, 1, figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, sharex=True
    )
    colors = np.where(item.is_anomaly, "#d62728", "#4c78a8")[present]
    flights.bar(days[present], item.flights[present], width=1.0, color=colors, label="flights")
    delay.plot(days, item.avg_dep_delay, label="daily mean")
    delay.plot(days, item.expected_dep_delay, "--", label="expected")
    share.plot(days, 100 * item.cancelled_share, label="daily share")
    share.plot(days, 100 * item.expected_cancelled_share, "--", label="expected")
    for ax in (flights, delay, share):
        ax.legend(loc="upper right")
    figure.suptitle(f"{chart_title(item)}\n{chart_subtitle(item)}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def _busy() -> tuple[int, int]:
    """(busy, total) jiffies of all cores so far, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _tree_cpu_seconds() -> float:
    """CPU seconds used so far by this process and everything it started, including the
    forkserver's pool workers (the forkserver, a live child, has reaped them)."""
    time.sleep(0.3)  # let the forkserver reap the workers that just exited
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    seconds = sum(u.ru_utime + u.ru_stime for u in usage)
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == os.getpid():  # utime, stime, cutime, cstime
            seconds += sum(int(value) for value in fields[11:15]) / tick
    return seconds


def _items(detected_path: str, year: int) -> list[AirportYear]:
    import polars as pl

    from flightdelays.charts.series import airport_years

    return list(airport_years(pl.read_parquet(detected_path), year))


def _run_ours(detected_path: str, year: int, workers: int, tricks: Tricks, out: Any) -> None:
    import polars as pl

    from flightdelays.catalog import Stores
    from flightdelays.charts.publish import publish_charts

    detected = pl.read_parquet(detected_path)
    with tempfile.TemporaryDirectory(prefix="bench-charts-") as folder:
        started = time.perf_counter()
        figures = publish_charts(Stores.in_folder(folder), year, detected, workers, tricks)
        seconds = time.perf_counter() - started
    out.put({"seconds": seconds, "charts": figures["charts"], "cpu_seconds": _tree_cpu_seconds()})


def _run_naive(detected_path: str, year: int, workers: int, out: Any) -> None:
    from concurrent.futures import ProcessPoolExecutor

    import polars as pl

    from flightdelays.charts.series import airport_years

    detected = pl.read_parquet(detected_path)
    with tempfile.TemporaryDirectory(prefix="bench-naive-") as folder:
        started = time.perf_counter()
        items = list(airport_years(detected, year))
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            chunk = max(1, len(items) // (workers * 6))
            for item, png in zip(items, pool.map(naive_chart, items, chunksize=chunk), strict=True):
                (Path(folder) / f"{item.airport}.png").write_bytes(png)
        seconds = time.perf_counter() - started
    out.put({"seconds": seconds, "charts": len(items), "cpu_seconds": _tree_cpu_seconds()})


def _run_sample(detected_path: str, year: int, repeats: int, out: Any) -> None:
    """Per chart, in one process: each configuration's least ms over `repeats` rounds (in
    rotated order), and the naive way's (one round)."""
    from functools import partial

    from flightdelays.charts.figure import render_chart

    sample = _items(detected_path, year)[::SAMPLE_EVERY]
    render_chart(sample[0])  # imports and first-figure costs aside
    naive_chart(sample[0])
    draws = {name: partial(render_chart, tricks=tricks) for name, tricks in CONFIGURATIONS.items()}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in draws}
    for round_ in range(repeats):
        for name in _rotated(list(draws), round_):
            times[name].append(_per_chart_ms(draws[name], sample))
    result: dict[str, Any] = {"sample": len(sample)}
    for name, runs in times.items():
        result[name] = {
            "ms": min(wall for wall, _ in runs),
            "cpu_ms": min(cpu for _, cpu in runs),
        }
    wall, cpu = _per_chart_ms(naive_chart, sample)
    result["naive"] = {"ms": wall, "cpu_ms": cpu}
    out.put(result)


def _per_chart_ms(
    draw: Callable[[AirportYear], bytes], sample: list[AirportYear]
) -> tuple[float, float]:
    """(wall, CPU) milliseconds per chart of `draw` over `sample`."""
    wall, cpu = time.perf_counter(), time.process_time()
    for item in sample:
        draw(item)
    return (
        round((time.perf_counter() - wall) / len(sample) * 1000, 1),
        round((time.process_time() - cpu) / len(sample) * 1000, 1),
    )


def _rotated(names: list[str], round_: int) -> list[str]:
    """`names` starting at the `round_`-th: each configuration leads a round in turn."""
    shift = round_ % len(names)
    return names[shift:] + names[:shift]


def _measure(target: Any, *args: Any) -> dict[str, Any]:
    """Run `target(*args, queue)` in a fresh process; its result and how busy the cores were."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    before = _busy()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    after = _busy()
    result["machine_busy_percent"] = 100 * (after[0] - before[0]) / max(1, after[1] - before[1])
    return {
        key: round(value, 2) if isinstance(value, float) else value for key, value in result.items()
    }


def _detected(year: int, raw: Path, work: Path) -> Path:
    """The year's detected rows as a parquet file, generating the raw year if needed."""
    from flightdelays.catalog import Stores
    from flightdelays.detectors import DEFAULT_DETECTOR, get_detector
    from flightdelays.research.generate import write_year
    from flightdelays.steps.aggregate import aggregate_year

    if not (raw / f"{year}.csv").exists():
        print(f"generating {year} at full scale into {raw} (about a minute)")
        write_year(raw, year, scale=1.0, seed=0)
    daily = aggregate_year(Stores.in_folder(raw), year)
    detected = get_detector(DEFAULT_DETECTOR).detect(daily)
    path = work / f"detected-{year}.parquet"
    detected.write_parquet(path)
    return path


def _saved_percent(off: float, on: float) -> float:
    """The share of the chart step (as it is with the trick off) that switching it on saves."""
    return round(100 * (off - on) / off, 1)


def _rows(runs: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Each configuration's least wall and CPU seconds over its runs (and the median wall) and,
    for a trick switched off, the share of the chart step the trick saves (by both measures)."""
    rows: dict[str, dict[str, Any]] = {}
    for name, measured in runs.items():
        best = min(measured, key=lambda run: run["seconds"])
        rows[name] = {
            "runs": measured,
            "least_seconds": best["seconds"],
            "median_seconds": round(statistics.median(run["seconds"] for run in measured), 2),
            "least_cpu_seconds": min(run["cpu_seconds"] for run in measured),
            "best_run_busy_percent": round(best["machine_busy_percent"]),
        }
    on = rows[ALL_ON]
    for name, row in rows.items():
        if name != ALL_ON:
            row["saved_percent"] = _saved_percent(row["least_seconds"], on["least_seconds"])
            row["saved_cpu_percent"] = _saved_percent(
                row["least_cpu_seconds"], on["least_cpu_seconds"]
            )
            row["kept"] = row["saved_percent"] >= KEEP_PERCENT
    return rows


def _row_line(name: str, row: dict[str, Any], sample: dict[str, Any]) -> str:
    runs = ", ".join(f"{run['seconds']:.1f}" for run in row["runs"])
    saved = (
        f"{row['saved_percent']:.0f} % / {row['saved_cpu_percent']:.0f} %" if "kept" in row else ""
    )
    per_chart = sample[name]
    return (
        f"| {name} | {row['least_seconds']:.1f} ({runs}) | {row['least_cpu_seconds']:.1f}"
        f" | {row['best_run_busy_percent']} % | {saved}"
        f" | {per_chart['ms']:.0f} ({per_chart['cpu_ms']:.0f}) |"
    )


def _markdown(report: dict[str, Any]) -> str:
    rows, naive, sample = report["rows"], report["naive"], report["one_process"]
    repeats = len(rows[ALL_ON]["runs"])
    return "\n".join(
        [
            f"# Charts of {report['year']}: {report['airports']} airports,"
            f" {report['workers']} worker processes",
            "",
            f"Machine: {report['machine']['cpus']} cores shared with other work;"
            f" load average {report['load_average_before']} before the runs.",
            "",
            f"Our configurations ran in {repeats} rounds, each in a rotated order; seconds are"
            f" the least of the rounds (each round's wall time in brackets; CPU: the least"
            f" CPU seconds; cores busy: during the fastest round). A trick saves (step with it"
            f" off - step with all on) / step with it off; it stays if that is at least"
            f" {KEEP_PERCENT:.0f} % of wall time. Per chart: one process, {sample['sample']}"
            f" sample airports, least ms of the rounds (CPU ms).",
            "",
            "| configuration | wall s | CPU s (workers included) | cores busy meanwhile"
            " (all users) | step saved by the trick (wall / CPU) | ms a chart |",
            "|---|---:|---:|---:|---:|---:|",
            *(_row_line(name, row, sample) for name, row in rows.items()),
            f"| naive: fresh figure, one bar per day (one run) | {naive['seconds']:.1f}"
            f" | {naive['cpu_seconds']:.1f} | {naive['machine_busy_percent']:.0f} % |"
            f" | {sample['naive']['ms']:.0f} ({sample['naive']['cpu_ms']:.0f}) |",
            "",
            f"Speed-up with every trick on: {report['speedup_wall']:.1f}x wall,"
            f" {report['speedup_cpu']:.1f}x CPU (least of the rounds). Target:"
            f" {TARGET_SECONDS:.0f} s and {TARGET_SPEEDUP:.0f}x; met: {report['meets_target']}."
            f" With the cores to itself, ours would take about"
            f" {report['idle_machine_estimate_seconds']:.0f} s (its CPU seconds over"
            f" {report['workers']} cores).",
            "",
        ]
    )


def _measure_rounds(detected: str, year: int, workers: int, repeats: int) -> dict[str, Any]:
    """Every configuration's runs, `repeats` rounds, each round in a rotated order."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in CONFIGURATIONS}
    for round_ in range(repeats):
        for name in _rotated(list(CONFIGURATIONS), round_):
            runs[name].append(_measure(_run_ours, detected, year, workers, CONFIGURATIONS[name]))
            print(f"round {round_ + 1}, {name}: {runs[name][-1]}")
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--year", type=int, default=2013)
    parser.add_argument("--raw", type=Path, default=Path(tempfile.gettempdir()) / "fd-bench-raw")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import matplotlib

    with tempfile.TemporaryDirectory(prefix="bench-charts-") as work:
        detected = str(_detected(args.year, args.raw, Path(work)))
        load_before = [round(value, 2) for value in os.getloadavg()]
        rows = _rows(_measure_rounds(detected, args.year, args.workers, args.repeats))
        naive = _measure(_run_naive, detected, args.year, args.workers)
        print(f"naive: {naive}")
        sample = _measure(_run_sample, detected, args.year, args.repeats)
        print(f"one process: {sample}")

    ours = rows[ALL_ON]
    report = {
        "year": args.year,
        "airports": ours["runs"][0]["charts"],
        "workers": args.workers,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "matplotlib": matplotlib.__version__,
        },
        "load_average_before": load_before,
        "rows": rows,
        "naive": naive,
        "one_process": sample,
        "speedup_wall": round(naive["seconds"] / ours["least_seconds"], 2),
        "speedup_cpu": round(naive["cpu_seconds"] / ours["least_cpu_seconds"], 2),
        "idle_machine_estimate_seconds": round(ours["least_cpu_seconds"] / args.workers, 1),
        "target_seconds": TARGET_SECONDS,
        "meets_target": bool(
            ours["least_seconds"] <= TARGET_SECONDS
            and naive["seconds"] / ours["least_seconds"] >= TARGET_SPEEDUP
        ),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "charts.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "charts.md").write_text(_markdown(report))
    print(_markdown(report))


if __name__ == "__main__":
    main()
