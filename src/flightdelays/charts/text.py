"""Texts that change with every chart (titles, y tick labels), drawn onto the pixels by Pillow.

matplotlib 3.11 lays out and renders text glyph by glyph in Python (about 0.2 ms a glyph here),
which made a title cost more than all of a chart's data. Pillow draws the same DejaVu fonts
that matplotlib ships about fifteen times faster, so the figure leaves these texts to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from PIL.ImageFont import FreeTypeFont


_HORIZONTAL: dict[str, Literal["left", "center", "right"]] = {
    "l": "left",
    "m": "center",
    "r": "right",
}
_VERTICAL: dict[str, Literal["top", "center", "baseline", "bottom"]] = {
    "a": "top",
    "t": "top",
    "m": "center",
    "s": "baseline",
    "b": "bottom",
    "d": "bottom",
}
"""Pillow's anchor letters as matplotlib's alignments."""

TITLE_POINTS = 14.0
LABEL_POINTS = 10.0
NOTE_POINTS = 8.0


@dataclass(frozen=True)
class Label:
    """A text at pixel (x, y) from the image's top left, in `points` at the chart's DPI.

    `anchor` is Pillow's: `ls` left-baseline, `rm` right-middle, ...
    """

    x: float
    y: float
    text: str
    points: float
    bold: bool = False
    color: str = "#000000"
    anchor: str = "ls"


@cache
def _font(points: float, bold: bool, dpi: float) -> FreeTypeFont:
    from matplotlib import font_manager
    from PIL import ImageFont

    weight = "bold" if bold else "normal"
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight=weight))
    return ImageFont.truetype(path, size=points * dpi / 72.0)


def text_width(text: str, points: float, bold: bool, dpi: float) -> float:
    """How many pixels wide `text` is drawn."""
    return float(_font(points, bold, dpi).getlength(text))


def load_fonts(dpi: float) -> None:
    """Load the fonts of the sizes charts use, so the first chart does not pay for it."""
    for points in (TITLE_POINTS, LABEL_POINTS, NOTE_POINTS):
        for bold in (False, True):
            _font(points, bold, dpi)


def rgb_with_labels(rgba: np.ndarray, labels: list[Label], dpi: float) -> np.ndarray:
    """The (height, width, 4) uint8 RGBA image `rgba` (such as a view of an Agg canvas'
    buffer) as a new (height, width, 3) uint8 RGB array with `labels` drawn on it."""
    from PIL import Image, ImageDraw

    image = Image.fromarray(rgba).convert("RGB")
    draw = ImageDraw.Draw(image)
    for label in labels:
        font = _font(label.points, label.bold, dpi)
        draw.text((label.x, label.y), label.text, font=font, fill=label.color, anchor=label.anchor)
    return np.asarray(image)


def draw_with_matplotlib(figure: Figure, labels: list[Label]) -> None:
    """Draw `labels` onto `figure`'s canvas as matplotlib texts (the plain way, for
    `Tricks(pillow_text=False)`), without adding them to the figure."""
    from matplotlib.text import Text
    from matplotlib.transforms import IdentityTransform

    height = figure.bbox.height
    for label in labels:
        text = Text(
            label.x,
            height - label.y,  # matplotlib's pixels count from the bottom
            label.text,
            color=label.color,
            fontfamily="DejaVu Sans",
            fontsize=label.points,
            fontweight="bold" if label.bold else "normal",
            horizontalalignment=_HORIZONTAL[label.anchor[0]],
            verticalalignment=_VERTICAL[label.anchor[1]],
            transform=IdentityTransform(),
        )
        text.set_figure(figure)
        figure.draw_artist(text)
