"""Which of the chart's speed tricks are on: each can be switched off alone, for the benchmark.

Off means the plain library way. Every trick is on in production; `bench/charts.py` times the
charts step with each switched off on its own, and a trick stays only while it pays.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tricks:
    """`own_png`: our PNG writer (`png.encode_png`), else Pillow's at the same zlib level.
    `pillow_text`: titles and tick labels drawn by Pillow (`text`), else by matplotlib.
    `fast_y_axis`: the y grid, ticks and labels as two artists (`blit.FastYAxis`), else
    matplotlib's own y axis."""

    own_png: bool = True
    pillow_text: bool = True
    fast_y_axis: bool = True


ALL_ON = Tricks()
