from __future__ import annotations

from collections.abc import Callable

import polars as pl

from flightdelays.charts.airports import AirportName
from flightdelays.charts.series import airport_years
from flightdelays.charts.titles import chart_title, chart_titles

MakeYear = Callable[..., pl.DataFrame]


def fits_any(text: str, title: bool) -> bool:
    return True


def test_title_names_code_airport_city_year_and_anomalous_days(make_year: MakeYear) -> None:
    rows = make_year(2013, {"ATL": list(range(365))}, {"ATL": {3: "delay", 40: "both"}})
    (item,) = airport_years(rows, 2013)

    title, subtitle = chart_titles(item, fits_any)

    assert title.startswith("ATL · Hartsfield")
    assert "(Atlanta, Georgia)" in title
    assert title.endswith("· 2013 · 2 anomalous days")
    assert "36,500 flights on 365 days" in subtitle
    assert "flagged for delay on 2 days, for cancellations on 1 day" in subtitle


def test_subtitle_names_the_months_missing_from_the_file(make_year: MakeYear) -> None:
    july = set(range(181, 212))
    rows = make_year(2011, {"ZZZ": [d for d in range(365) if d not in july]})
    (item,) = airport_years(rows, 2011)

    title, subtitle = chart_titles(item, fits_any)

    assert title == "ZZZ · 2011 · 0 anomalous days"  # unknown code: no name, no place
    assert "not in the file: 1 Jul\N{EN DASH}31 Jul" in subtitle


def test_titles_shrink_until_they_fit(make_year: MakeYear) -> None:
    rows = make_year(2011, {"ATL": list(range(0, 365, 2)), "SFO": list(range(0, 365, 3))})
    item = next(airport_years(rows, 2011))

    title, subtitle = chart_titles(item, lambda text, _: len(text) <= 40)

    assert title == "ATL · 2011 · 0 anomalous days"  # the name went first
    assert "not in the file: 121 days" in subtitle  # then the list of gaps
    assert len(subtitle) > 40  # nothing shorter to try: the shortest is kept


def test_long_names_are_cut_with_an_ellipsis(make_year: MakeYear) -> None:
    (item,) = airport_years(make_year(2013, {"ATL": [0]}), 2013)
    long = type(item)(**{**item.__dict__, "name": AirportName("A" * 100, "City", "State")})

    title = chart_title(long, 25)

    assert f"ATL · {'A' * 24}… (City, State) · 2013" in title
