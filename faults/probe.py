"""A probe: a named fault with what "held" means, tried a number of times."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faults.lab import Lab


@dataclass(frozen=True)
class Outcome:
    """One trial's verdict: the invariants it broke (none: it held) and what happened."""

    failures: list[str]
    note: str = ""
    kind: str = ""
    """A class of outcome for probes that sort them (the corrupted-file corpus)."""

    @property
    def held(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Trial:
    label: str
    attempt: Callable[[Lab], Outcome]


@dataclass(frozen=True)
class Probe:
    family: str
    name: str
    held_means: str
    trials: tuple[Trial, ...]


@dataclass
class ProbeResult:
    probe: Probe
    outcomes: list[tuple[str, Outcome]] = field(default_factory=list)

    @property
    def held(self) -> int:
        return sum(outcome.held for _, outcome in self.outcomes)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.held
