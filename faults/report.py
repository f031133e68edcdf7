"""docs/reliability.md: one row per probe (trials, held, failed), what "held" means, and each
failed trial's broken invariants."""

from __future__ import annotations

import platform
from pathlib import Path

from faults.probe import ProbeResult


def markdown_table(results: list[ProbeResult]) -> str:
    lines = ["| probe | trials | held | failed |", "|---|---:|---:|---:|"]
    for result in results:
        lines.append(
            f"| {result.probe.name} | {len(result.outcomes)} | {result.held} | {result.failed} |"
        )
    return "\n".join(lines)


def write_report(results: list[ProbeResult], out: Path, *, short: bool, seconds: float) -> None:
    command = "python -m faults" + (" --short" if short else "")
    sections = [
        "# Reliability: the fault suite",
        "",
        f"Written by `{command}` (`make faults`) in {seconds / 60:.1f} minutes on"
        f" {platform.machine()} Linux, Python {platform.python_version()}. Each trial runs the"
        " real `flightdelays run` as a process on a small generated year against the suite's"
        " own servers, injects a fault, then checks the invariants; the target is every row"
        " held.",
        "",
        markdown_table(results),
        "",
        "## What held means, probe by probe",
        "",
    ]
    for result in results:
        sections.append(f"- **{result.probe.name}**: {result.probe.held_means}.")
    sections += ["", "## Trials", ""]
    for result in results:
        sections.append(f"### {result.probe.name}")
        sections.append("")
        for label, outcome in result.outcomes:
            verdict = "held" if outcome.held else "**failed**: " + "; ".join(outcome.failures)
            note = f" ({outcome.note})" if outcome.note else ""
            sections.append(f"- {label}{note}: {verdict}")
        sections.append("")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(sections))
