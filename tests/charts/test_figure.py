from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest
from PIL import Image

from flightdelays.charts.causes import CAUSE_COLORS, NO_CAUSE_COLOR
from flightdelays.charts.figure import (
    ANOMALY_COLOR,
    HEIGHT_PX,
    LABEL_ANOMALY,
    LABEL_CAUSES,
    LABEL_DELAY_FLAG,
    LABEL_FILE_MISSING,
    LABEL_NO_CAUSE,
    LABEL_NO_FLIGHTS,
    LABEL_SHARE_FLAG,
    WIDTH_PX,
    chart_figure,
    chart_marks,
    render_chart,
)
from flightdelays.charts.png import png_size
from flightdelays.charts.series import AirportYear, airport_years
from flightdelays.schema import CAUSES

MakeYear = Callable[..., pl.DataFrame]
ALL_YEAR = list(range(365))


def one_airport(rows: pl.DataFrame, year: int, code: str = "ATL") -> AirportYear:
    return next(item for item in airport_years(rows, year) if item.airport == code)


def rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def of_color(image: np.ndarray, color: str) -> np.ndarray:
    """True where a pixel has exactly `color` ("#rrggbb")."""
    wanted = tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))
    found: np.ndarray = (image == wanted).all(axis=2)
    return found


def anomaly_pixels(png: bytes) -> int:
    """How many pixels have exactly the (opaque) anomaly colour."""
    return int(of_color(rgb(png), ANOMALY_COLOR).sum())


def day_x(day: int) -> float:
    """The pixel column of the middle of `day` (0 = 1 January) on the charts' day axis."""
    return float(chart_figure().axes[0].transData.transform((day + 0.5, 0.0))[0])


def panels_right() -> float:
    return float(chart_figure().axes[0].bbox.x1)


@pytest.mark.parametrize(
    ("flags", "legend_labels"),
    [
        ({}, set()),
        ({200: "delay"}, {LABEL_ANOMALY, LABEL_NO_CAUSE, LABEL_DELAY_FLAG}),
        ({10: "cancellations"}, {LABEL_ANOMALY, LABEL_NO_CAUSE, LABEL_SHARE_FLAG}),
        (
            {10: "both", 11: "delay"},
            {LABEL_ANOMALY, LABEL_NO_CAUSE, LABEL_DELAY_FLAG, LABEL_SHARE_FLAG},
        ),
    ],
)
def test_anomaly_marks_exactly_when_days_are_flagged(
    make_year: MakeYear, flags: dict[int, str], legend_labels: set[str]
) -> None:
    item = one_airport(make_year(2013, {"ATL": ALL_YEAR}, {"ATL": flags}), 2013)

    marks = chart_marks(item)
    png = render_chart(item)

    labels = {label for legend in marks.legends for label in legend}
    flag_labels = {LABEL_ANOMALY, LABEL_NO_CAUSE, LABEL_DELAY_FLAG, LABEL_SHARE_FLAG}
    assert labels & flag_labels == legend_labels
    assert marks.anomaly_days == tuple(sorted(flags))
    assert (anomaly_pixels(png) > 0) == bool(flags)


FLAGS = {40: "delay", 100: "cancellations", 200: "both", 300: "delay"}
CAUSES_OF_FLAGS = {40: "weather", 100: "carrier", 300: "weather"}  # day 200: no cause data


@pytest.fixture
def caused(make_year: MakeYear) -> AirportYear:
    """ATL all year, four flagged days: two weather, one carrier, one without cause data."""
    return one_airport(
        make_year(2013, {"ATL": ALL_YEAR}, {"ATL": FLAGS}, {"ATL": CAUSES_OF_FLAGS}), 2013
    )


def test_each_flagged_day_is_marked_with_its_dominant_cause(caused: AirportYear) -> None:
    marks = chart_marks(caused)

    assert marks.cause_days == (("carrier", (100,)), ("weather", (40, 300)), (None, (200,)))
    causes_in_legend = [label for label in marks.legends[0] if label.startswith("cause: ")]
    assert causes_in_legend == [LABEL_CAUSES["carrier"], LABEL_CAUSES["weather"]]
    assert LABEL_NO_CAUSE in marks.legends[0]
    assert LABEL_ANOMALY in marks.legends[0]


@pytest.mark.parametrize(
    ("color", "days"),
    [
        (CAUSE_COLORS["weather"], [40, 300]),
        (CAUSE_COLORS["carrier"], [100]),
        (NO_CAUSE_COLOR, [200]),
    ],
    ids=["weather", "carrier", "no_cause_data"],
)
def test_a_cause_colour_is_drawn_over_its_days_and_in_the_legend(
    caused: AirportYear, color: str, days: list[int]
) -> None:
    image = rgb(render_chart(caused))

    found = of_color(image, color)
    rows, columns = np.nonzero(found)
    in_panel = columns < panels_right()
    assert in_panel.any()
    for day in days:  # a triangle (11 px wide) centred on each of its days
        near = np.abs(columns[in_panel] - day_x(day)) <= 6
        assert near.sum() >= 10, day
    assert (np.abs(columns[in_panel][:, None] - [day_x(d) for d in days]).min(axis=1) <= 6).all()
    swatch_rows = rows[~in_panel]  # the legend's triangle, with its label to its right
    assert swatch_rows.size >= 10
    label = image[swatch_rows.min() : swatch_rows.max() + 1, int(columns[~in_panel].max()) + 3 :]
    assert (label.max(axis=2) < 128).sum() > 30  # dark text pixels: the label is drawn


def test_causes_no_day_shows_are_neither_drawn_nor_in_the_legend(caused: AirportYear) -> None:
    image = rgb(render_chart(caused))
    marks = chart_marks(caused)

    for cause in ("nas", "security", "late_aircraft"):
        assert not of_color(image, CAUSE_COLORS[cause]).any(), cause
        assert LABEL_CAUSES[cause] not in marks.legends[0]


def test_every_cause_at_once_fits_the_legend_margin(make_year: MakeYear) -> None:
    flags = {10 * (day + 1): "delay" for day in range(len(CAUSES) + 1)}
    causes = dict(zip(flags, CAUSES, strict=False))  # the last flagged day: no cause data
    july = set(range(181, 212))
    days = [day for day in ALL_YEAR if day not in july]
    rows = make_year(2011, {"ATL": days, "TNY": days[::2]}, {"ATL": flags}, {"ATL": causes})
    item = one_airport(rows, 2011)

    marks = chart_marks(item)
    image = rgb(render_chart(item))

    wanted = [*(LABEL_CAUSES[cause] for cause in CAUSES), LABEL_NO_CAUSE, LABEL_FILE_MISSING]
    assert [label for label in marks.legends[0] if label in wanted] == wanted
    assert (image[:, -3:] == 255).all()  # no legend row runs off the figure's right edge


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
        {"ATL": {50: "both", 60: "delay"}, "TNY": {5: "delay", 10: "delay"}},
        {"ATL": {50: "weather"}, "TNY": {5: "nas", 10: "security"}},
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
