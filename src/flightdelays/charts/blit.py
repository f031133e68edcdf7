"""Cheap redraws of one matplotlib canvas: a y axis drawn as two artists, legends kept as pixels.

Both serve a figure that is drawn once as a background and then redrawn for many data sets by
restoring that background and drawing only what changed (blitting).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from flightdelays.charts.text import LABEL_POINTS, Label

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.lines import Line2D

TICK_POINTS = 3.5
TICK_LABEL_GAP = 7.0
"""Points between the axis line and its tick labels: the tick's length plus matplotlib's pad."""


class FastYAxis:
    """An axes' y grid lines, tick marks and tick labels, without matplotlib's `Axis.draw`.

    The ticks come from the axis' own locator and formatter; the grid and tick marks are one
    artist each (not two per tick), and the labels are `Label`s for Pillow to draw.
    """

    def __init__(self, ax: Axes, grid_color: str, figure_height_px: int) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.markers import TICKLEFT, MarkerStyle

        self.ax = ax
        self.height = figure_height_px
        ax.yaxis.set_animated(True)  # never part of a background: this class draws it
        self.grid: Line2D = Line2D([], [], color=grid_color, lw=0.8, animated=True)
        self.marks: Line2D = Line2D(
            [],
            [],
            ls="",
            marker=MarkerStyle(TICKLEFT),
            ms=TICK_POINTS,
            mew=0.8,
            color="black",
            animated=True,
        )
        self.marks.set_transform(ax.get_yaxis_transform())  # x in axes fractions, y in data
        self.marks.set_clip_on(False)
        self.grid.set_transform(ax.get_yaxis_transform())
        ax.add_line(self.grid)
        ax.add_line(self.marks)

    def update(self) -> list[Label]:
        """Set grid and marks for the axes' current y limits; the tick labels to draw."""
        low, high = self.ax.get_ylim()
        ticks = [
            float(t)
            for t in self.ax.yaxis.get_major_locator().tick_values(low, high)
            if low - 1e-9 <= t <= high + 1e-9
        ]
        texts = self.ax.yaxis.get_major_formatter().format_ticks(ticks)
        grid_x = np.tile([0.0, 1.0, np.nan], len(ticks))
        grid_y = np.repeat(ticks, 3)
        self.grid.set_data(grid_x, grid_y)
        self.marks.set_data(np.zeros(len(ticks)), ticks)
        to_pixels = self.ax.transData.transform
        dpi = self.ax.get_figure(root=True).dpi  # type: ignore[union-attr]
        x = self.ax.bbox.x0 - TICK_LABEL_GAP * dpi / 72
        return [
            Label(
                x, self.height - float(to_pixels((0.0, tick))[1]), text, LABEL_POINTS, anchor="rm"
            )
            for tick, text in zip(ticks, texts, strict=True)
        ]


class LegendPixels:
    """Legends in a canvas' right margin, composed of rows: each (handle, label) row is drawn
    once by matplotlib, kept as pixels and then copied into place, so a legend of any mix of
    rows costs no text rendering (a 9-row legend drawn by matplotlib costs ~60 ms).

    Every legend sits at the same x (left edge of the margin, `anchor_x` in axes fractions of
    the panels, which share their width); rows are `pitch` pixels apart, as matplotlib spaces
    them. The margin right of the panels must hold nothing but these legends.
    """

    def __init__(self, canvas: FigureCanvasAgg, anchor_x: float, **style: Any) -> None:
        self.canvas: Any = canvas  # Agg's blitting methods have no type hints
        self.anchor_x = anchor_x
        self.style = style
        self._rows: dict[tuple[int, str], np.ndarray] = {}
        self._pitch = 0
        self._first_middle = 0.0

    def _pixels(self) -> np.ndarray:
        """The canvas' RGBA pixels (a writable view), row 0 at the top."""
        pixels: np.ndarray = np.asarray(self.canvas.buffer_rgba())
        return pixels

    def _drawn(self, ax: Axes, entries: list[tuple[Artist, str]]) -> list[tuple[float, float]]:
        """Draw a legend of `entries` beside `ax`, as matplotlib would; the vertical pixel span
        (top, bottom, from the image's top) of each label."""
        from matplotlib.legend import Legend

        legend = Legend(
            ax,
            [handle for handle, _ in entries],
            [label for _, label in entries],
            loc="upper left",
            bbox_to_anchor=(self.anchor_x, 1.0),
            **self.style,
        )
        renderer = self.canvas.get_renderer()
        legend.draw(renderer)
        height = self.canvas.figure.bbox.height
        spans = []
        for text in legend.get_texts():
            box = text.get_window_extent(renderer)
            spans.append((height - box.y1, height - box.y0))
        return spans

    def _left(self, ax: Axes) -> int:
        return int(ax.bbox.x0 + self.anchor_x * ax.bbox.width) - 2

    def _measure(self, ax: Axes, handle: Artist) -> None:
        """Row pitch and where the first row's middle sits below a panel's top, in pixels."""
        pixels = self._pixels()
        saved = pixels.copy()
        (top, bottom), (next_top, _) = self._drawn(ax, [(handle, "Xg"), (handle, "Xg")])
        pixels[...] = saved
        self._pitch = round(next_top - top)
        self._first_middle = (top + bottom) / 2 - (self.canvas.figure.bbox.height - ax.bbox.y1)

    def _row(self, ax: Axes, handle: Artist, label: str) -> np.ndarray:
        """The pixels of the row (handle, label): the margin's width, `pitch` high."""
        key = (id(handle), label)
        row = self._rows.get(key)
        if row is None:
            if not self._pitch:
                self._measure(ax, handle)
            pixels = self._pixels()
            saved = pixels.copy()
            ((top, bottom),) = self._drawn(ax, [(handle, label)])
            first = round((top + bottom) / 2 - self._pitch / 2)
            row = pixels[first : first + self._pitch, self._left(ax) :].copy()
            pixels[...] = saved
            self._rows[key] = row
        return row

    def prepare(self, ax: Axes, entries: list[tuple[Artist, str]]) -> None:
        """Draw and keep the rows of `entries` now (say, before worker processes fork)."""
        for handle, label in entries:
            self._row(ax, handle, label)

    def draw(self, ax: Axes, entries: list[tuple[Artist, str]]) -> tuple[str, ...]:
        """Copy the legend of `entries` (handle, label), top to bottom, into the margin right
        of `ax`; its labels."""
        rows = [self._row(ax, handle, label) for handle, label in entries]
        pixels = self._pixels()
        panel_top = self.canvas.figure.bbox.height - ax.bbox.y1
        top = round(panel_top + self._first_middle - self._pitch / 2)
        left = self._left(ax)
        for index, row in enumerate(rows):
            first = top + index * self._pitch
            pixels[first : first + self._pitch, left:] = row
        return tuple(label for _, label in entries)
