"""How right the explanations are, on tiny labelled frames."""

from __future__ import annotations

import datetime as dt

import polars as pl

from flightdelays.research.explanation_accuracy import (
    accuracy,
    accuracy_table,
    labelled_explanations,
)

DAY = dt.date(2013, 3, 1)
NEXT = DAY + dt.timedelta(days=1)


def explanations() -> pl.DataFrame:
    """The default detector's explanations of five flagged days (one not labelled)."""
    return pl.DataFrame(
        {
            "detector": ["traffic_aware"] * 5,
            "airport": ["ORD", "ORD", "BIG", "TNY", "TNY"],
            "flight_date": [DAY, NEXT, DAY, DAY, NEXT],
            "dominant_cause": ["weather", "carrier", None, "nas", "weather"],
            "top_carrier": [None, "UA", "AA", "UA", None],
        }
    )


def labels() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "airport": ["ORD", "ORD", "BIG", "TNY", "ORD"],
            "flight_date": [DAY, NEXT, DAY, DAY, DAY + dt.timedelta(days=5)],  # last: not flagged
            "kind": [
                "regional_storm",
                "airport_disruption",
                "airport_disruption",
                "regional_storm",
                "blizzard",
            ],
            "cause": ["weather", "carrier", "carrier", "weather", "weather"],
            "carrier": ["", "UA", "DL", None, ""],
        }
    )


def bands() -> pl.DataFrame:
    return pl.DataFrame({"airport": ["ORD", "BIG", "TNY"], "band": [">200", "50-200", "<10"]})


def test_only_flagged_labelled_days_are_judged_with_their_planted_cause_and_carrier() -> None:
    rows = labelled_explanations(explanations(), labels(), bands())
    assert rows.select("airport", "flight_date", "cause", "carrier", "band").rows() == [
        ("ORD", DAY, "weather", None, ">200"),  # an empty carrier names none
        ("ORD", NEXT, "carrier", "UA", ">200"),
        ("BIG", DAY, "carrier", "DL", "50-200"),
        ("TNY", DAY, "weather", None, "<10"),
    ]


def test_accuracy_counts_a_missing_cause_as_wrong() -> None:
    rows = labelled_explanations(explanations(), labels(), bands())
    result = accuracy(rows).row(0, named=True)
    # ORD twice right, BIG names no cause, TNY says nas for a storm planted as weather
    assert (result["causes"], result["cause_right_rate"]) == (4, 0.5)
    # UA at ORD right, AA at BIG where DL was out
    assert (result["carriers"], result["carrier_right_rate"]) == (2, 0.5)


def test_accuracy_table_has_all_airports_and_the_busy_ones() -> None:
    rows = labelled_explanations(explanations(), labels(), bands())
    table = accuracy_table(rows)
    assert table.select("group", "causes", "cause_right_rate", "carriers").rows() == [
        ("all", 4, 0.5, 2),
        ("band 50+", 3, 2 / 3, 2),
    ]


def test_a_rate_without_labelled_days_is_null() -> None:
    rows = labelled_explanations(explanations(), labels().with_columns(carrier=pl.lit("")), bands())
    result = accuracy(rows).row(0, named=True)
    assert result["carriers"] == 0
    assert result["carrier_right_rate"] is None


def test_the_busy_group_is_reported_even_without_busy_airports() -> None:
    rows = labelled_explanations(explanations(), labels(), bands().with_columns(band=pl.lit("<10")))
    table = accuracy_table(rows)
    assert table.select("group", "causes", "cause_right_rate", "carriers").rows() == [
        ("all", 4, 0.5, 2),
        ("band 50+", 0, None, 0),
    ]
