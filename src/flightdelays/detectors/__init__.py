"""Anomaly detectors: each flags the abnormal (airport, day) rows of a year's aggregate.

Pick one by name with `get_detector(name)`; only the chosen one's module (and its libraries:
statsmodels, scikit-learn, krcf, xgboost) is imported. `DEFAULT_DETECTOR` is the one the
pipeline uses.
`flightdelays evaluate` measures them all on labelled generated years (docs/detection.md):
- `traffic_aware` (default): seasonal expectation, flight-count-aware delay and cancellation
  scores; the best F1 overall and in every traffic band (tied with the forest at 50+ flights a
  day) and by far the fewest false alarms.
- `robust_zscore`: the airport's median day and MAD, the usual baseline.
- `stl_seasonal`: STL (statsmodels) removes trend and weekly pattern, then a robust z-score.
- `isolation_forest`: one scikit-learn IsolationForest over per-airport robust z-scores.
- `random_cut_forest`: AWS's Random Cut Forest (krcf) on week-long shingles, one-sided by the
  attribution of each day's own entries.
- `xgboost_expected`: XGBoost's expected delay and cancelled share, scored as the default is.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from flightdelays.errors import ConfigError

if TYPE_CHECKING:
    from flightdelays.detectors.base import Detector

DEFAULT_DETECTOR = "traffic_aware"

# name -> the class that implements it, as "module:Class" (imported when chosen)
_BUILT_IN = {
    "isolation_forest": "flightdelays.detectors.isolation_forest:IsolationForestDetector",
    "random_cut_forest": "flightdelays.detectors.random_cut_forest:RandomCutForestDetector",
    "robust_zscore": "flightdelays.detectors.robust_zscore:RobustZScore",
    "stl_seasonal": "flightdelays.detectors.stl_seasonal:SeasonalSTL",
    "traffic_aware": "flightdelays.detectors.traffic_aware:TrafficAware",
    "xgboost_expected": "flightdelays.detectors.xgboost_expected:XGBoostExpected",
}
_REGISTERED: dict[str, Callable[[], Detector]] = {}


def register(name: str, factory: Callable[[], Detector]) -> None:
    """Make the detector `factory()` makes available under `name` (replacing one of that name)."""
    _REGISTERED[name] = factory


def unregister(name: str) -> None:
    """Forget a detector added with `register`."""
    _REGISTERED.pop(name, None)


def available() -> list[str]:
    """Names of the detectors one can choose, sorted."""
    return sorted({*_BUILT_IN, *_REGISTERED})


def get_detector(name: str) -> Detector:
    """A detector of the kind called `name`; a `ConfigError` listing the choices otherwise."""
    if name in _REGISTERED:
        return _REGISTERED[name]()
    if name not in _BUILT_IN:
        raise ConfigError(f"unknown detector {name!r}; choose one of {available()}")
    module, _, cls = _BUILT_IN[name].partition(":")
    detector: Detector = getattr(importlib.import_module(module), cls)()
    return detector


__all__ = ["DEFAULT_DETECTOR", "available", "get_detector", "register", "unregister"]
