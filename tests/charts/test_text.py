from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from flightdelays.charts.text import Label, draw_with_matplotlib, rgb_with_labels

X, Y = 100.0, 50.0


def blank_figure_pixels(label: Label) -> np.ndarray:
    """A 200 x 100 px white figure with `label` drawn on it by matplotlib, as RGB."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 1), dpi=100, facecolor="white")
    canvas: Any = FigureCanvasAgg(figure)  # Agg's methods have no type hints
    canvas.draw()
    draw_with_matplotlib(figure, [label])
    return np.asarray(canvas.buffer_rgba())[:, :, :3]


def ink(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the dark pixels."""
    rows, columns = np.nonzero(image.max(axis=2) < 128)
    return rows, columns


@pytest.mark.parametrize("draw", ["matplotlib", "pillow"])
def test_left_baseline_label_is_right_of_and_above_its_point(draw: str) -> None:
    label = Label(X, Y, "Hello", 12.0)
    if draw == "matplotlib":
        image = blank_figure_pixels(label)
    else:
        image = rgb_with_labels(np.full((100, 200, 4), 255, dtype=np.uint8), [label], 100)

    rows, columns = ink(image)

    assert rows.size > 20
    assert columns.min() >= X - 1
    assert rows.max() <= Y + 1  # no descender in "Hello"


def test_right_middle_label_is_left_of_and_around_its_point() -> None:
    rows, columns = ink(blank_figure_pixels(Label(X, Y, "120", 10.0, anchor="rm")))

    assert rows.size > 20
    assert columns.max() <= X + 1
    assert rows.min() < Y < rows.max()


def test_bold_label_has_more_ink() -> None:
    regular = ink(blank_figure_pixels(Label(X, Y, "Title", 14.0)))[0].size
    bold = ink(blank_figure_pixels(Label(X, Y, "Title", 14.0, bold=True)))[0].size

    assert bold > regular
