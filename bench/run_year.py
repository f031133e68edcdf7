"""Benchmark: one full-scale year through the whole pipeline vs the typical course-project way.

Each approach runs in a fresh process on the same generated file, so peak memory is its own:
- ours: `flightdelays.pipeline.run_year` (polars streaming aggregate, detector, charts on 2 cores,
  COPY load, CSV export), each step timed;
- typical: pandas reads the whole file, `groupby().mean()`, a scikit-learn IsolationForest per
  airport, a fresh matplotlib bar chart per airport, and row-by-row INSERTs.
Writes the figures to bench/results/run_year.json and a Markdown table beside it.

    .venv/bin/python -m bench.run_year [--scale 1.0] [--year 2013]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.peaks import DescendantPeaks

RESULTS = Path(__file__).parent / "results"


def _peak_mb(descendants: DescendantPeaks) -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"peak_mb": round(own, 1), "peak_worker_mb": descendants.stop()}


def ours(raw: str, lake: str, database_url: str, year: int, out: Any) -> None:
    from flightdelays.pipeline import run_year
    from flightdelays.settings import Settings

    settings = Settings(raw, lake, database_url, Path(lake))
    descendants = DescendantPeaks()
    started = time.perf_counter()
    summary = run_year(settings, year)
    total = time.perf_counter() - started
    out.put(
        {
            "seconds": round(total, 2),
            "steps": {name: round(value, 2) for name, value in summary.seconds.items()},
            "figures": summary.figures,
            **_peak_mb(descendants),
        }
    )


def typical(raw: str, folder: str, database_url: str, year: int, out: Any) -> None:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import psycopg
    from sklearn.ensemble import IsolationForest

    steps: dict[str, float] = {}
    descendants = DescendantPeaks()
    started = time.perf_counter()
    flights = pd.read_csv(f"{raw}/{year}.csv")
    daily = flights.groupby(["ORIGIN", "FL_DATE"]).agg(
        flights=("FL_DATE", "size"), avg_dep_delay=("DEP_DELAY", "mean")
    )
    daily = daily.reset_index()
    steps["aggregate"] = time.perf_counter() - started

    mark = time.perf_counter()
    daily["is_anomaly"] = False
    for _airport, rows in daily.groupby("ORIGIN"):
        values = rows[["avg_dep_delay"]].fillna(0.0)
        model = IsolationForest(contamination=0.01, random_state=0).fit(values)
        daily.loc[rows.index, "is_anomaly"] = model.predict(values) == -1
    steps["detect"] = time.perf_counter() - mark

    mark = time.perf_counter()
    for airport, rows in daily.groupby("ORIGIN"):
        figure, axes = plt.subplots(figsize=(11, 4))
        axes.bar(pd.to_datetime(rows["FL_DATE"]), rows["flights"])
        axes.set_title(f"{airport} {year}")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        plt.close(figure)
        (Path(folder) / f"{airport}.png").write_bytes(buffer.getvalue())
    steps["charts"] = time.perf_counter() - mark

    mark = time.perf_counter()
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_typical (airport text, flight_date date,"
            " flights int, avg_dep_delay float8, is_anomaly bool)"
        )
        conn.execute("DELETE FROM bench_typical")
        for row in daily.itertuples(index=False):
            conn.execute(
                "INSERT INTO bench_typical VALUES (%s, %s, %s, %s, %s)",
                (row.ORIGIN, row.FL_DATE, row.flights, row.avg_dep_delay, row.is_anomaly),
            )
        conn.commit()
        conn.execute("DROP TABLE bench_typical")
        conn.commit()
    steps["load"] = time.perf_counter() - mark
    out.put(
        {
            "seconds": round(time.perf_counter() - started, 2),
            "steps": {name: round(value, 2) for name, value in steps.items()},
            **_peak_mb(descendants),
        }
    )


def _in_fresh_process(target: Any, *args: Any) -> dict[str, Any]:
    """`target`'s figures, plus `process_seconds`: the whole fresh process as a user waits for
    it, interpreter start-up and imports included."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    started = time.perf_counter()
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    result["process_seconds"] = round(time.perf_counter() - started, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2013)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--skip-typical", action="store_true", help="keep the typical figures of the last run"
    )
    args = parser.parse_args()

    from flightdelays.research.generate import write_year
    from flightdelays.settings import Settings

    data = Path(".data/bench").resolve()
    raw = data / f"raw-{args.scale}"
    if not (raw / f"{args.year}.csv").exists():
        write_year(raw, args.year, scale=args.scale)
    database_url = Settings.from_env().resolved_database_url()
    size_mb = (raw / f"{args.year}.csv").stat().st_size / 1e6
    print(f"benchmark: {args.year} at scale {args.scale} ({size_mb:,.0f} MB)", flush=True)

    load_average = [round(value, 2) for value in os.getloadavg()]
    with tempfile.TemporaryDirectory() as lake:
        result_ours = _in_fresh_process(ours, raw.as_uri(), lake, database_url, args.year)
    print(f"ours: {result_ours}", flush=True)
    result_typical = None
    previous = RESULTS / "run_year.json"
    if args.skip_typical and previous.exists():  # keep the last measured typical figures
        result_typical = json.loads(previous.read_text()).get("typical")
    if result_typical is None or "process_seconds" not in result_typical:
        with tempfile.TemporaryDirectory() as charts:
            result_typical = _in_fresh_process(typical, str(raw), charts, database_url, args.year)
        print(f"typical: {result_typical}", flush=True)

    report = {
        "year": args.year,
        "scale": args.scale,
        "raw_mb": round(size_mb),
        "rows": result_ours["figures"]["flights"],
        "machine": f"{platform.machine()}, {multiprocessing.cpu_count()} cores",
        "load_average_before": load_average,
        "ours": result_ours,
        "typical": result_typical,
        "speedup": round(result_typical["process_seconds"] / result_ours["process_seconds"], 1)
        if result_typical
        else None,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "run_year.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "run_year.md").write_text(_markdown(report))
    print(_markdown(report))


def _markdown(report: dict[str, Any]) -> str:
    ours, typical = report["ours"], report["typical"] or {}
    lines = [
        f"One full year ({report['year']}, scale {report['scale']}: {report['rows']:,} flights, "
        f"{report['raw_mb']:,} MB) on {report['machine']}, load average"
        f" {report['load_average_before']} before the runs. Each side runs in a fresh process;"
        " the whole year is that process's wall time (start-up and imports included), the"
        " steps are timed inside it.",
        "",
        "| step | ours (s) | typical (s) |",
        "|---|---:|---:|",
    ]
    for step in ours["steps"]:
        lines.append(
            f"| {step} | {ours['steps'][step]} | {typical.get('steps', {}).get(step, '')} |"
        )
    lines += [
        f"| steps together | {ours['seconds']} | {typical.get('seconds', '')} |",
        f"| **whole year, as a process** | **{ours['process_seconds']}** |"
        f" **{typical.get('process_seconds', '')}** |",
        f"| peak memory, main process (MB) | {ours['peak_mb']} | {typical.get('peak_mb', '')} |",
        f"| peak memory, largest worker process (MB) | {ours['peak_worker_mb']} | |",
        "",
        f"Speed-up: {report['speedup']}x.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
