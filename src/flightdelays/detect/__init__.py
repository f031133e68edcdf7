"""Anomaly detectors: each flags the abnormal (airport, day) rows of a year's aggregate.

Pick one by name with `get_detector(name)`; `DEFAULT_DETECTOR` is the one the pipeline uses.
`flightdelays evaluate` measures them all on labelled generated years (docs/detection.md):
- `traffic_aware` (default): seasonal expectation, flight-count-aware delay and cancellation
  scores; the best F1 overall and in every traffic band (tied with the forest at 50+ flights a
  day) and by far the fewest false alarms.
- `robust_zscore`: the airport's median day and MAD, the usual baseline.
- `stl_seasonal`: STL (statsmodels) removes trend and weekly pattern, then a robust z-score.
- `isolation_forest`: one scikit-learn IsolationForest over per-airport robust z-scores.
"""

from __future__ import annotations

from flightdelays.detect.base import Detector, add_verdict, available, get_detector, register
from flightdelays.detect.isolation import IsolationForestDetector
from flightdelays.detect.robust import RobustZScore
from flightdelays.detect.stl import SeasonalSTL
from flightdelays.detect.traffic_aware import TrafficAware

register(RobustZScore())
register(SeasonalSTL())
register(IsolationForestDetector())
register(TrafficAware())

DEFAULT_DETECTOR = TrafficAware.name

__all__ = ["DEFAULT_DETECTOR", "Detector", "add_verdict", "available", "get_detector", "register"]
