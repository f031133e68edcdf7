"""The evaluation's Markdown page."""

import datetime as dt

import polars as pl

from flightdelays.research.evaluation_report import (
    explanation_lines,
    markdown_table,
    nyc_cause_lines,
    nyc_day_lists,
)


def test_markdown_table_formats_rates_as_percent() -> None:
    frame = pl.DataFrame({"name": ["a"], "f1": [0.6667], "holiday FP rate": [0.0123], "n": [None]})
    assert markdown_table(frame).splitlines() == [
        "| name | f1 | holiday FP rate | n |",
        "|---|---|---|---|",
        "| a | 0.67 | 1.23% | - |",
    ]


def test_nyc_day_lists_letter_each_signal() -> None:
    flags = pl.DataFrame(
        {
            "airport": ["EWR", "EWR"],
            "flight_date": [dt.date(2013, 2, 8), dt.date(2013, 3, 8)],
            "a": ["cancellations", None],
            "b": ["both", "delay"],
        }
    )
    assert nyc_day_lists(flags, ["a", "b", "c"]) == [
        "- **EWR**",
        "  - a (1): Feb 8 C",
        "  - b (2): Feb 8 B, Mar 8 D",
        "  - c (0)",
    ]


def test_explanation_lines_give_the_rates_as_percent_and_the_target() -> None:
    table = pl.DataFrame(
        {
            "detector": ["traffic_aware"],
            "group": ["band 50+"],
            "causes": [40],
            "cause_right_rate": [0.925],
            "carriers": [8],
            "carrier_right_rate": [0.875],
        }
    )
    kinds = table.rename({"group": "kind"}).with_columns(kind=pl.lit("blizzard"))
    page = "\n".join(explanation_lines(table, kinds)).splitlines()
    assert "| traffic_aware | band 50+ | 40 | 92.50% | 8 | 87.50% |" in page
    assert "| traffic_aware | blizzard | 40 | 92.50% | 8 | 87.50% |" in page
    assert any("Target: 90% at airports with 50+ flights a day" in line for line in page)
    assert explanation_lines(table.clear(), kinds) == []


def test_nyc_cause_lines_show_the_count_of_named_causes() -> None:
    causes = pl.DataFrame(
        {"detector": ["traffic_aware"], "flagged": [12], "no_cause_data": [12], "cause_named": [0]}
    )
    assert "| traffic_aware | 12 | 12 | 0 |" in "\n".join(nyc_cause_lines(causes)).splitlines()
    assert nyc_cause_lines(None) == []
