"""Day series as single matplotlib paths, built with numpy (no Python loop over days or gaps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.path import Path


def day_bars(top: np.ndarray, bottom: np.ndarray | float = 0.0) -> Path:
    """One path holding a rectangle from x=i to i+1, y=bottom to top, for every day i where
    both are numbers; NaN days get no rectangle (a gap). Adjacent days share edges, and one
    path is filled in one pass, so a run of days reads as a seamless area.
    """
    from matplotlib.path import Path

    low = np.broadcast_to(np.asarray(bottom, dtype=float), top.shape)
    days = np.flatnonzero(np.isfinite(top) & np.isfinite(low))
    if not days.size:
        return Path(np.zeros((0, 2)))
    left = days.astype(float)
    right = left + 1.0
    high, base = top[days], low[days]
    corners = [(left, base), (left, high), (right, high), (right, base)]
    polygons = np.stack([np.column_stack(corner) for corner in corners], axis=1)
    return Path.make_compound_path_from_polys(polygons)
