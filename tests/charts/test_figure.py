from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest
from PIL import Image

from flightdelays.charts.figure import (
    ANOMALY_COLOR,
    HEIGHT_PX,
    LABEL_ANOMALY,
    LABEL_DELAY_FLAG,
    LABEL_FILE_MISSING,
    LABEL_NO_FLIGHTS,
    LABEL_SHARE_FLAG,
    WIDTH_PX,
    chart_marks,
    render_chart,
)
from flightdelays.charts.png import png_size
from flightdelays.charts.series import AirportYear, airport_years

MakeYear = Callable[..., pl.DataFrame]
ALL_YEAR = list(range(365))


def one_airport(rows: pl.DataFrame, year: int, code: str = "ATL") -> AirportYear:
    return next(item for item in airport_years(rows, year) if item.airport == code)


def anomaly_pixels(png: bytes) -> int:
    """How many pixels have exactly the (opaque) anomaly colour."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    red = tuple(int(ANOMALY_COLOR[i : i + 2], 16) for i in (1, 3, 5))
    return int((pixels == red).all(axis=2).sum())


@pytest.mark.parametrize(
    ("flags", "legend_labels"),
    [
        ({}, set()),
        ({200: "delay"}, {LABEL_ANOMALY, LABEL_DELAY_FLAG}),
        ({10: "cancellations"}, {LABEL_ANOMALY, LABEL_SHARE_FLAG}),
        ({10: "both", 11: "delay"}, {LABEL_ANOMALY, LABEL_DELAY_FLAG, LABEL_SHARE_FLAG}),
    ],
)
def test_anomaly_marks_exactly_when_days_are_flagged(
    make_year: MakeYear, flags: dict[int, str], legend_labels: set[str]
) -> None:
    item = one_airport(make_year(2013, {"ATL": ALL_YEAR}, {"ATL": flags}), 2013)

    marks = chart_marks(item)
    png = render_chart(item)

    labels = {label for legend in marks.legends for label in legend}
    flag_labels = {LABEL_ANOMALY, LABEL_DELAY_FLAG, LABEL_SHARE_FLAG}
    assert labels & flag_labels == legend_labels
    assert marks.anomaly_days == tuple(sorted(flags))
    assert (anomaly_pixels(png) > 0) == bool(flags)


def test_missing_days_are_marked_as_such(make_year: MakeYear) -> None:
    july = set(range(181, 212))
    days = [d for d in ALL_YEAR if d not in july]
    rows = make_year(2011, {"ATL": days, "TNY": days[::3]})

    big = chart_marks(one_airport(rows, 2011, "ATL"))
    tiny = chart_marks(one_airport(rows, 2011, "TNY"))

    assert LABEL_FILE_MISSING in big.legends[0]
    assert LABEL_NO_FLIGHTS not in big.legends[0]
    assert {LABEL_FILE_MISSING, LABEL_NO_FLIGHTS} <= set(tiny.legends[0])


def test_chart_is_a_png_of_the_expected_size(make_year: MakeYear) -> None:
    png = render_chart(one_airport(make_year(2012, {"ATL": [0, 100, 365]}), 2012))

    assert png_size(png) == (WIDTH_PX, HEIGHT_PX)
    image = Image.open(io.BytesIO(png))
    image.verify()


def test_a_chart_does_not_depend_on_the_charts_drawn_before(make_year: MakeYear) -> None:
    rows = make_year(
        2013,
        {"ATL": ALL_YEAR, "TNY": ALL_YEAR[::5]},
        {"ATL": {50: "both"}},
    )
    atl, tiny = one_airport(rows, 2013, "ATL"), one_airport(rows, 2013, "TNY")
    leap = one_airport(make_year(2012, {"ATL": [1, 2, 3]}, {"ATL": {2: "delay"}}), 2012)

    first = render_chart(atl)
    render_chart(tiny)
    render_chart(leap)

    assert render_chart(atl) == first


def test_sample_charts_mark_their_anomalous_airports(
    few_airports: dict[int, pl.DataFrame],
) -> None:
    for item in airport_years(few_airports[2013], 2013):
        png = render_chart(item)
        assert png_size(png) == (WIDTH_PX, HEIGHT_PX)
        assert (anomaly_pixels(png) > 0) == (item.anomalous_days > 0), item.airport
