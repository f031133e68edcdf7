"""Each chart speed trick switched off on its own: the same chart, drawn the plain way."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest
from PIL import Image

from flightdelays.charts.figure import HEIGHT_PX, LEFT, TITLE_Y, WIDTH_PX, render_chart
from flightdelays.charts.png import png_size
from flightdelays.charts.series import AirportYear, airport_years
from flightdelays.charts.tricks import ALL_ON, Tricks

MakeYear = Callable[..., pl.DataFrame]
AXES_LEFT = int(LEFT * WIDTH_PX)
TITLE_BAND = (slice(int(TITLE_Y) - 25, int(TITLE_Y) + 5), slice(AXES_LEFT, WIDTH_PX // 2))
"""Rows and columns of the title's first half."""
TICK_LABEL_BAND = (slice(90, HEIGHT_PX - 40), slice(AXES_LEFT - 35, AXES_LEFT - 5))
"""Left of the panels, right of their rotated y labels: only y tick labels are drawn here."""


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def dark_pixels(image: np.ndarray, band: tuple[slice, slice]) -> int:
    """How many pixels of `band` are dark enough to be text."""
    return int((image[band].max(axis=2) < 128).sum())


@pytest.fixture
def airport(make_year: MakeYear) -> AirportYear:
    rows = make_year(2013, {"ATL": list(range(365))}, {"ATL": {40: "both"}})
    return next(airport_years(rows, 2013))


@pytest.mark.parametrize(
    "tricks",
    [Tricks(own_png=False), Tricks(pillow_text=False), Tricks(fast_y_axis=False)],
    ids=["own_png", "pillow_text", "fast_y_axis"],
)
def test_a_trick_switched_off_draws_the_same_chart(airport: AirportYear, tricks: Tricks) -> None:
    with_tricks = pixels(render_chart(airport))

    png = render_chart(airport, tricks)

    assert png_size(png) == (WIDTH_PX, HEIGHT_PX)
    image = pixels(png)
    assert image.shape == with_tricks.shape
    assert dark_pixels(image, TITLE_BAND) > 100
    assert dark_pixels(image, TICK_LABEL_BAND) > 50
    assert dark_pixels(with_tricks, TICK_LABEL_BAND) > 50


def test_pillow_png_writer_stores_the_same_pixels_in_other_bytes(airport: AirportYear) -> None:
    ours = render_chart(airport)

    pillows = render_chart(airport, Tricks(own_png=False))

    assert pillows != ours
    assert np.array_equal(pixels(pillows), pixels(ours))


@pytest.mark.parametrize(
    ("tricks", "band"),
    [
        (Tricks(pillow_text=False), TITLE_BAND),
        (Tricks(pillow_text=False), TICK_LABEL_BAND),
        (Tricks(fast_y_axis=False), TICK_LABEL_BAND),
    ],
    ids=["matplotlib_title", "matplotlib_tick_labels", "matplotlib_axis"],
)
def test_texts_switched_to_matplotlib_are_drawn_by_it(
    airport: AirportYear, tricks: Tricks, band: tuple[slice, slice]
) -> None:
    """Another rasteriser draws them: the same place has ink, but not the same pixels."""
    with_tricks = pixels(render_chart(airport, ALL_ON))

    image = pixels(render_chart(airport, tricks))

    assert not np.array_equal(image[band], with_tricks[band])
