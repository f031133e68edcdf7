"""Every probe family, in the order the report lists them, and the loop that runs them."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from faults import concurrency, corpus, database, disk, s3_faults, settings_faults, signals
from faults.lab import Lab
from faults.probe import Outcome, Probe, ProbeResult

FAMILIES: tuple[Callable[[bool], list[Probe]], ...] = (
    settings_faults.probes,
    signals.probes,
    database.probes,
    s3_faults.probes,
    disk.probes,
    concurrency.probes,
    corpus.probes,
)


def all_probes(short: bool) -> list[Probe]:
    """Every probe with trials: a few per family when `short` (the form `make test` runs)."""
    return [probe for family in FAMILIES for probe in family(short) if probe.trials]


def run_probes(
    probes: list[Probe], work: Path | None = None, progress: Callable[[str], None] = print
) -> list[ProbeResult]:
    """Run every trial of `probes` in a lab under `work` (a temporary folder if None)."""
    with tempfile.TemporaryDirectory(prefix="faults-", dir=work) as folder:
        lab = Lab(Path(folder))
        try:
            lab.reference()
            return [_run_probe(lab, probe, progress) for probe in probes]
        finally:
            lab.close()


def _run_probe(lab: Lab, probe: Probe, progress: Callable[[str], None]) -> ProbeResult:
    result = ProbeResult(probe)
    for trial in probe.trials:
        started = time.perf_counter()
        try:
            outcome = trial.attempt(lab)
        except Exception as error:  # the suite's own fault: reported as a failed trial
            outcome = Outcome([f"the probe itself failed: {type(error).__name__}: {error}"])
        result.outcomes.append((trial.label, outcome))
        verdict = "held" if outcome.held else "FAILED " + "; ".join(outcome.failures)
        progress(
            f"{probe.name} [{trial.label}] {verdict}"
            f" ({outcome.note}{', ' if outcome.note else ''}{time.perf_counter() - started:.1f} s)"
        )
    return result
