"""The short fault suite (`python -m faults --short`, a few trials of each probe family against
real servers): every trial of every probe holds."""

from __future__ import annotations

import pytest
from faults.probe import ProbeResult
from faults.suite import all_probes, run_probes

SHORT = all_probes(short=True)
KNOWN_FINDINGS: dict[str, set[str]] = {}
"""Trials that fail today, to be fixed elsewhere. Listed, not skipped: once fixed, the test fails
until the entry goes."""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ProbeResult]:
    work = tmp_path_factory.mktemp("faults")
    return {result.probe.name: result for result in run_probes(SHORT, work, lambda _: None)}


@pytest.mark.slow
@pytest.mark.parametrize("name", [probe.name for probe in SHORT])
def test_every_trial_holds(results: dict[str, ProbeResult], name: str) -> None:
    result = results[name]
    broken = {
        label: f"{outcome.note}: {'; '.join(outcome.failures)}"
        for label, outcome in result.outcomes
        if not outcome.held
    }
    assert len(result.outcomes) == len(result.probe.trials)
    assert set(broken) == KNOWN_FINDINGS.get(name, set()), broken
