"""The evaluation's Markdown page."""

import datetime as dt

import polars as pl

from flightdelays.research.evaluation_report import markdown_table, nyc_day_lists


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
