"""The registry, and the contract every registered detector keeps."""

from __future__ import annotations

import subprocess
import sys

import polars as pl
import pytest

from flightdelays.detectors import (
    DEFAULT_DETECTOR,
    available,
    get_detector,
    register,
    unregister,
)
from flightdelays.detectors.base import VerdictRule, add_verdict
from flightdelays.errors import ConfigError
from flightdelays.frame_types import DAILY_TYPES
from flightdelays.schema import DAILY_COLUMNS, DETECTED_COLUMNS


def test_every_detector_of_the_issue_is_registered() -> None:
    assert available() == [
        "isolation_forest",
        "random_cut_forest",
        "robust_zscore",
        "stl_seasonal",
        "traffic_aware",
        "xgboost_expected",
    ]
    assert DEFAULT_DETECTOR in available()


def test_unknown_name_lists_the_choices() -> None:
    with pytest.raises(ConfigError, match="robust_zscore"):
        get_detector("zscore")


def test_register_makes_a_detector_available_by_name() -> None:
    class Never:
        name = "test_never"

        def detect(self, daily: pl.DataFrame) -> pl.DataFrame:
            return daily

    try:
        register("test_never", Never)
        assert "test_never" in available()
        assert isinstance(get_detector("test_never"), Never)
    finally:
        unregister("test_never")
    assert "test_never" not in available()


def test_choosing_a_detector_imports_only_its_module() -> None:
    code = (
        "import sys; from flightdelays.detectors import get_detector; "
        "get_detector('robust_zscore'); "
        "heavy = ('sklearn', 'statsmodels', 'scipy', 'krcf', 'xgboost'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]"


@pytest.mark.parametrize("name", available())
def test_an_empty_aggregate_gives_an_empty_table(name: str) -> None:
    empty = pl.DataFrame(schema=DAILY_TYPES)
    assert list(empty.columns) == list(DAILY_COLUMNS)
    detected = get_detector(name).detect(empty)
    assert detected.columns == list(DETECTED_COLUMNS)
    assert detected.is_empty()


def scored(delay: list[float | None], cancellations: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            **{column: [None] * len(delay) for column in DAILY_COLUMNS},
            "delay_score": delay,
            "expected_dep_delay": [0.0] * len(delay),
            "cancellation_score": cancellations,
            "expected_cancelled_share": [0.0] * len(delay),
            "judged": [True] * len(delay),
        }
    )


def test_verdict_names_the_signal_and_ignores_missing_scores() -> None:
    verdict = add_verdict(
        scored([5.0, 0.0, 5.0, None, 3.5], [0.0, 5.0, 5.0, None, 3.5]),
        "test",
        VerdictRule(delay_threshold=4.0, cancellation_threshold=4.0),
    )
    assert verdict["anomaly_signal"].to_list() == ["delay", "cancellations", "both", None, None]
    assert verdict["is_anomaly"].to_list() == [True, True, True, False, False]


def test_joint_threshold_makes_two_moderate_signals_both() -> None:
    verdict = add_verdict(
        scored([3.5, 3.5], [3.5, 1.0]),
        "test",
        VerdictRule(delay_threshold=4.0, cancellation_threshold=4.0, joint_threshold=3.0),
    )
    assert verdict["anomaly_signal"].to_list() == ["both", None]


def test_a_signal_that_does_not_matter_never_fires() -> None:
    verdict = add_verdict(
        scored([9.0, 9.0], [0.0, 0.0]).with_columns(extra=pl.Series([20.0, 5.0])),
        "test",
        VerdictRule(
            delay_threshold=4.0, cancellation_threshold=4.0, delay_matters=pl.col("extra") >= 15
        ),
    )
    assert verdict["is_anomaly"].to_list() == [True, False]


def test_unjudged_rows_never_fire() -> None:
    frame = scored([9.0], [9.0]).with_columns(judged=pl.lit(False))
    verdict = add_verdict(
        frame, "test", VerdictRule(delay_threshold=4.0, cancellation_threshold=4.0)
    )
    assert verdict["is_anomaly"].to_list() == [False]
