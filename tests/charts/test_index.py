from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace

import polars as pl

from flightdelays.charts.causes import CAUSE_COLORS
from flightdelays.charts.index import index_entry, index_html, index_json
from flightdelays.charts.series import airport_years

MakeYear = Callable[..., pl.DataFrame]


def test_index_json_lists_every_airport_with_its_anomalies_and_chart(make_year: MakeYear) -> None:
    rows = make_year(2013, {"SFO": [0, 1], "ATL": [0, 1, 2]}, {"ATL": {1: "delay", 2: "both"}})
    entries = [index_entry(item) for item in airport_years(rows, 2013)]

    document = json.loads(index_json(2013, "hand_made", entries))

    assert document["year"] == 2013
    assert document["detector"] == "hand_made"
    atl, sfo = document["airports"]
    assert (atl["airport"], atl["chart"], atl["anomalous_days"]) == ("ATL", "ATL.png", 2)
    assert (atl["delay_days"], atl["cancellation_days"], atl["flights"]) == (2, 1, 300)
    assert atl["city"] == "Atlanta"
    assert (sfo["airport"], sfo["anomalous_days"], sfo["days_with_data"]) == ("SFO", 0, 2)


def test_index_json_lists_each_flagged_day_with_its_cause_and_explanation(
    make_year: MakeYear,
) -> None:
    rows = make_year(
        2013,
        {"SFO": [0, 1], "ATL": [0, 1, 2]},
        {"ATL": {1: "delay", 2: "cancellations"}},
        {"ATL": {2: "carrier"}},
    )
    entries = [index_entry(item) for item in airport_years(rows, 2013)]

    atl, sfo = json.loads(index_json(2013, "hand_made", entries))["airports"]

    assert atl["flagged_days"] == [
        {
            "date": "2013-01-02",
            "signal": "delay",
            "dominant_cause": None,
            "explanation": "no cause data",
        },
        {
            "date": "2013-01-03",
            "signal": "cancellations",
            "dominant_cause": "carrier",
            "explanation": "carrier 75% of delay minutes vs 20% usually",
        },
    ]
    assert sfo["flagged_days"] == []


def test_index_html_lists_flagged_days_with_cause_and_escaped_explanation(
    make_year: MakeYear,
) -> None:
    rows = make_year(
        2013,
        {"SFO": [0, 1], "ATL": [0, 1, 2]},
        {"ATL": {1: "delay", 2: "both"}, "SFO": {1: "delay"}},
        {"ATL": {1: "weather", 2: "nas"}, "SFO": {1: "weather"}},
    )
    entries = [index_entry(item) for item in airport_years(rows, 2013)]
    atl = entries[0]
    odd_day = replace(atl.flagged_days[1], explanation="UA <40%> & more")
    entries[0] = replace(atl, flagged_days=(atl.flagged_days[0], odd_day))

    page = index_html(2013, "hand_made", entries).decode()

    flagged = page[page.index('<h2 id="flagged">') :]
    assert flagged.index(">2013-01-02<") < flagged.index(">2013-01-03<")
    assert flagged.index('id="flagged-ATL"') < flagged.index('id="flagged-SFO"')
    assert "weather 75% of delay minutes vs 20% usually" in flagged
    assert "UA &lt;40%&gt; &amp; more" in flagged
    assert "air traffic system" in flagged
    assert f"background:{CAUSE_COLORS['weather']}" in flagged
    assert 'href="#flagged-ATL">2</a>' in page
    summary = re.sub(r"<[^>]+>", "", page[: page.index("<table>")])
    assert "Dominant cause of the flagged days: weather 2, air traffic system 1." in summary


def test_index_html_links_every_chart_and_escapes_names(make_year: MakeYear) -> None:
    rows = make_year(2013, {"SFO": [0], "ATL": [0, 1]}, {"ATL": {1: "delay"}})
    entries = [index_entry(item) for item in airport_years(rows, 2013)]
    odd = replace(entries[0], airport="ZZZ", chart="ZZZ.png", name="<Tom & Jerry>")

    page = index_html(2013, "hand_made", [*entries, odd]).decode()

    for code in ("ATL", "SFO", "ZZZ"):
        assert f'<a href="{code}.png">{code}</a>' in page
    assert "&lt;Tom &amp; Jerry&gt;" in page
    assert "<Tom" not in page
    assert 'href="index.json"' in page
    table = page[page.index("<tbody>") :]
    assert table.index(">ATL<") < table.index(">SFO<") < table.index(">ZZZ<")
