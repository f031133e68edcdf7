"""The start of a chart worker process: imported once by the forkserver that forks the workers.

Importing it loads matplotlib and Pillow and builds this process's `ChartFigure` with the
backgrounds of both year lengths and its fonts, so every worker forked afterwards inherits a
ready figure instead of importing and building its own.
"""

from __future__ import annotations

from flightdelays.charts.figure import chart_figure

chart_figure().prepare()
