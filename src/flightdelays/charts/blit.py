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
    """Legends in a canvas' margin, each variant drawn once and then restored as pixels."""

    def __init__(self, canvas: FigureCanvasAgg, **style: Any) -> None:
        self.canvas: Any = canvas  # Agg's blitting methods have no type hints
        self.style = style
        self._regions: dict[tuple[int, tuple[str, ...]], Any] = {}

    def draw(self, ax: Axes, key: int, entries: list[tuple[Artist, str]]) -> tuple[str, ...]:
        """Draw the legend of `entries` (handle, label) beside `ax`; its labels.

        `key` names the legend's place: the same key must always mean the same spot, which
        must hold nothing else (the pixels are copied with their background).
        """
        from matplotlib.legend import Legend

        labels = tuple(label for _, label in entries)
        region = self._regions.get((key, labels))
        if region is None:
            legend = Legend(ax, [handle for handle, _ in entries], list(labels), **self.style)
            renderer = self.canvas.get_renderer()
            legend.draw(renderer)
            box = legend.get_window_extent(renderer).padded(2)
            region = self.canvas.copy_from_bbox(box)
            self._regions[(key, labels)] = region
        else:
            self.canvas.restore_region(region)
        return labels
