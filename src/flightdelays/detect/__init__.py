"""Anomaly detectors: each flags the abnormal (airport, day) rows of a year's aggregate.

Pick one by name with `get_detector(name)`; `DEFAULT_DETECTOR` is the one the pipeline uses.
"""

from __future__ import annotations

from flightdelays.detect.base import Detector, add_verdict, available, get_detector, register
from flightdelays.detect.robust import RobustZScore

register(RobustZScore())

DEFAULT_DETECTOR = RobustZScore.name

__all__ = ["DEFAULT_DETECTOR", "Detector", "add_verdict", "available", "get_detector", "register"]
