from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import polars as pl

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
