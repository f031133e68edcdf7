"""The chart of one airport's year, drawn on one reused figure: `AirportYear` in, PNG bytes out.

Three panels share a day axis labelled by month: flights per day (departed, with cancelled
flights stacked on top), the mean departure delay against the detector's expected delay, and
the cancelled share against its expected share. An anomalous day is a red column through all
panels, a triangle over its flights in the colour of its dominant delay cause (grey: no cause
data) and a red dot on each signal that fired. Days absent from the year's file are grey
columns; days the airport has no flights are a grey rug under the flights; both are gaps in
every series, never zeros.

Speed: a process builds the figure once and renders the parts every chart shares (frame,
months, axis labels) into a background image. A chart restores that image, replaces the
artists' data (each series is one artist, not one per day) and draws only them, the y grid
and ticks (`blit`) and the legends (each row drawn once, then copied as pixels); Pillow
adds the texts that change (`text`) and the PNG is written by `png`. Each of these tricks
can be switched off on its own (`tricks.Tricks`), for the benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from flightdelays.charts.blit import FastYAxis, LegendPixels
from flightdelays.charts.causes import cause_color, cause_name
from flightdelays.charts.png import encode_png, pillow_png
from flightdelays.charts.series import AirportYear
from flightdelays.charts.shapes import day_bars
from flightdelays.charts.text import (
    LABEL_POINTS,
    NOTE_POINTS,
    TITLE_POINTS,
    Label,
    draw_with_matplotlib,
    load_fonts,
    rgb_with_labels,
    text_width,
)
from flightdelays.charts.titles import chart_titles
from flightdelays.charts.tricks import ALL_ON, Tricks
from flightdelays.schema import CAUSES, NO_CAUSE_DATA

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.lines import Line2D
    from matplotlib.patches import PathPatch

WIDTH_PX = 1280
HEIGHT_PX = 720
DPI = 100
LEFT, RIGHT, TOP, BOTTOM = 0.065, 0.84, 0.875, 0.06
"""Where the panels sit, as fractions of the figure; the right margin holds the legends."""
TITLE_Y, SUBTITLE_Y = 34.0, 62.0
"""Baselines of the title and subtitle, in pixels from the top."""
NOTE_AT = (WIDTH_PX - 10.0, HEIGHT_PX - 8.0)
"""Where the detector's name ends: the bottom right corner, below the legends."""
TEXT_MARGIN_PX = 12.0

ANOMALY_COLOR = "#d62728"
"""Only anomaly marks use this colour opaque, so its pixels are present iff a day is flagged."""
DEPARTED_COLOR = "#4c78a8"
CANCELLED_COLOR = "#f58518"
DELAY_COLOR = "#2f4b7c"
EXPECTED_COLOR = "#222222"
MISSING_COLOR = "#b0b0b0"
NOTE_COLOR = "#444444"
GRID_COLOR = "#e3e3e3"
RUG_HEIGHT = 0.035
"""Height of the no-flights rug, as a fraction of the flights panel."""
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

LABEL_DEPARTED = "departed"
LABEL_CANCELLED = "cancelled"
LABEL_ANOMALY = "anomalous day"
LABEL_CAUSES: dict[str, str] = {cause: f"cause: {cause_name(cause)}" for cause in CAUSES}
"""The legend entry of each dominant cause's triangle."""
LABEL_NO_CAUSE = NO_CAUSE_DATA
LABEL_FILE_MISSING = "not in the file"
LABEL_NO_FLIGHTS = "no flights recorded"
LABEL_DELAY = "daily mean"
LABEL_SHARE = "daily share"
LABEL_EXPECTED = "expected"
LABEL_DELAY_FLAG = "flagged: delay"
LABEL_SHARE_FLAG = "flagged: cancellations"


@dataclass(frozen=True)
class ChartMarks:
    """What one chart shows besides its series.

    `legends`: each panel's legend labels, top to bottom. `anomaly_days`, `delay_flag_days`,
    `cancellation_flag_days`: day indexes (0 = 1 January) drawn as anomalous, with a red dot on
    the delay, with a red dot on the cancelled share. `cause_days`: the anomalous days by the
    cause their triangle shows (a `schema.CAUSES` name, or None for no cause data), causes in
    `CAUSES` order and only those shown.
    """

    title: str
    subtitle: str
    legends: tuple[tuple[str, ...], ...]
    anomaly_days: tuple[int, ...]
    delay_flag_days: tuple[int, ...]
    cancellation_flag_days: tuple[int, ...]
    cause_days: tuple[tuple[str | None, tuple[int, ...]], ...]


def cause_days(data: AirportYear, cause: str | None) -> np.ndarray:
    """True on the anomalous days of `data` whose dominant cause is `cause` (one of
    `schema.CAUSES`), or, for None, that have no cause data."""
    if cause is None:
        return data.cause_unknown
    shows: np.ndarray = data.is_anomaly & (data.dominant_cause == CAUSES.index(cause))
    return shows


def month_starts(year: int) -> np.ndarray:
    """Day index (0 = 1 January) of the first day of each month of `year`."""
    starts = np.arange(f"{year}-01", f"{year + 1}-01", dtype="datetime64[M]")
    return (starts.astype("datetime64[D]") - np.datetime64(f"{year}-01-01")).astype(int)


def _nan_range(*series: np.ndarray, default: tuple[float, float]) -> tuple[float, float]:
    finite = [s[np.isfinite(s)] for s in series]
    values = [s for s in finite if s.size]
    if not values:
        return default
    return min(float(s.min()) for s in values), max(float(s.max()) for s in values)


def _fits(text: str, title: bool) -> bool:
    """Whether a title (or subtitle) fits between the left margin and the figure's edge."""
    points = TITLE_POINTS if title else LABEL_POINTS
    return text_width(text, points, title, DPI) <= (1 - LEFT) * WIDTH_PX - TEXT_MARGIN_PX


def _isolated(values: np.ndarray) -> bool:
    """Whether some value has no neighbour, so a line alone would not show it."""
    present = np.isfinite(values)
    before = np.concatenate([[False], present[:-1]])
    after = np.concatenate([present[1:], [False]])
    return bool((present & ~before & ~after).any())


_MARKS: dict[str, Any] = {"ls": "", "markeredgewidth": 0}
"""Style of marks without a line: red triangles and dots on flagged days."""
PANEL_LABELS = ("flights per day", "mean departure\ndelay (min)", "cancelled (%)")


def _panels() -> tuple[FigureCanvasAgg, tuple[Axes, Axes, Axes]]:
    """An Agg canvas whose figure holds the three styled panels sharing the day axis."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(figure)
    figure.subplots_adjust(left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM, hspace=0.1)
    axes = figure.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [2.2, 1.5, 1.1]})
    for ax, label in zip(axes, PANEL_LABELS, strict=True):
        _style_panel(ax, label)
    axes[2].tick_params(which="minor", axis="x", labelbottom=True, labelsize=10)
    axes[0].yaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True))
    return canvas, (axes[0], axes[1], axes[2])


def _style_panel(ax: Axes, label: str) -> None:
    """A panel's y label, grid, ticks and frame; its limits are set by each chart."""
    ax.text(-0.058, 0.5, label, transform=ax.transAxes, rotation=90, ha="center", va="center")
    ax.set_autoscale_on(False)
    ax.grid(axis="x", which="major", color=GRID_COLOR, lw=0.8)
    ax.grid(axis="y", which="major", color=GRID_COLOR, lw=0.8)  # drawn only without FastYAxis
    ax.set_axisbelow(True)
    ax.tick_params(which="minor", length=0)
    ax.tick_params(which="major", axis="x", length=4, labelbottom=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


class ChartFigure:
    """A figure with every artist of the chart, redrawn for one airport-year at a time."""

    def __init__(self) -> None:
        canvas, self.axes = _panels()
        self.canvas: Any = canvas  # Agg's blitting methods have no type hints
        self.figure = canvas.figure
        self._days = 0
        self._backgrounds: dict[int, Any] = {}
        self._dynamic: list[list[Artist]] = [[], [], []]
        self._idle: set[Artist] = set()
        """Artists with nothing to draw in the current chart (cause marks no day shows)."""
        self.labels: list[Label] = []
        self.y_axes = [FastYAxis(ax, GRID_COLOR, HEIGHT_PX) for ax in self.axes]
        self.legends = LegendPixels(
            self.canvas,
            anchor_x=1.005,
            frameon=False,
            fontsize=9,
            handlelength=1.6,
            borderaxespad=0.0,
        )
        self._add_spans()
        self._add_flights()
        self._add_signals()
        self._add_legend_handles()

    def _bars(self, panel: int, color: str, alpha: float = 1.0, spans: bool = False) -> PathPatch:
        """An empty bar series (one path) of `panel`, redrawn with every chart."""
        from matplotlib.patches import PathPatch

        ax = self.axes[panel]
        patch = PathPatch(day_bars(np.zeros(0)), color=color, alpha=alpha, lw=0)
        patch.set_animated(True)
        if spans:  # x in days, y in axes fractions: a column or rug through the panel
            patch.set_transform(ax.get_xaxis_transform())
        ax.add_patch(patch)
        self._dynamic[panel].append(patch)
        return patch

    def _line(self, panel: int, color: str, **style: Any) -> Line2D:
        """An empty line (or marks, without a line style) of `panel`, redrawn with every chart."""
        from matplotlib.lines import Line2D

        artist = Line2D([], [], color=color, animated=True, **style)
        self.axes[panel].add_line(artist)
        self._dynamic[panel].append(artist)
        return artist

    def _add_spans(self) -> None:
        """Columns through every panel: days absent from the file, anomalous days."""
        self.file_missing = [
            self._bars(panel, MISSING_COLOR, 0.4, spans=True) for panel in range(3)
        ]
        self.anomaly_spans = [
            self._bars(panel, ANOMALY_COLOR, 0.2, spans=True) for panel in range(3)
        ]

    def _add_flights(self) -> None:
        """The flights panel: the no-flights rug, departed and cancelled bars, and a triangle
        per dominant cause (and one for no cause data) over anomalous days."""
        self.no_flights = self._bars(0, MISSING_COLOR, spans=True)
        self.departed = self._bars(0, DEPARTED_COLOR)
        self.cancelled = self._bars(0, CANCELLED_COLOR)
        self.cause_marks: list[tuple[str | None, Line2D]] = [
            (cause, self._line(0, cause_color(cause), marker="v", ms=8, **_MARKS))
            for cause in (*CAUSES, None)
        ]

    def _add_signals(self) -> None:
        """The delay and cancelled-share panels: the series, its expected value, flagged days."""
        self.delay = self._line(1, DELAY_COLOR, lw=1.0, ms=3)
        self.expected_delay = self._line(1, EXPECTED_COLOR, lw=1.3, ls="--")
        self.delay_marks = self._line(1, ANOMALY_COLOR, marker="o", ms=5, **_MARKS)
        self.share = self._line(2, CANCELLED_COLOR, lw=1.0, ms=3)
        self.expected_share = self._line(2, EXPECTED_COLOR, lw=1.3, ls="--")
        self.share_marks = self._line(2, ANOMALY_COLOR, marker="o", ms=5, **_MARKS)

    def _add_legend_handles(self) -> None:
        """Fixed stand-ins for legends: their pixels are reused, whatever the artists look like."""
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        self.anomaly_handle = Patch(color=ANOMALY_COLOR, alpha=0.2, lw=0)
        self.file_missing_handle = Patch(color=MISSING_COLOR, alpha=0.5, lw=0)
        self.no_flights_handle = Patch(color=MISSING_COLOR, lw=0)
        self.delay_handle = Line2D([], [], color=DELAY_COLOR, lw=1.0)
        self.share_handle = Line2D([], [], color=CANCELLED_COLOR, lw=1.0)

    def _use_year(self, year: int, days: int) -> None:
        """Set the month axis for a year of `days` days; render its background once."""
        if days == self._days:
            return
        starts = month_starts(year)
        middles = (starts + np.append(starts[1:], days)) / 2
        share_ax = self.axes[2]
        share_ax.set_xticks(starts)
        share_ax.set_xticks(middles, labels=list(MONTHS), minor=True)
        share_ax.set_xlim(0, days)
        self._days = days
        if days not in self._backgrounds:
            self.canvas.draw()
            self._backgrounds[days] = self.canvas.copy_from_bbox(self.figure.bbox)

    def prepare(self) -> None:
        """Render the backgrounds of both year lengths, load the fonts and draw every legend
        row, ahead of any chart."""
        self._use_year(2004, 366)
        self._use_year(2001, 365)
        load_fonts(DPI)
        for ax, entries in zip(self.axes, self._legends_of(None), strict=True):
            self.legends.prepare(ax, entries)

    def _set_series(self, data: AirportYear) -> None:
        days = data.days
        x = np.arange(days, dtype=float) + 0.5
        column = np.ones(days)
        file_missing = day_bars(np.where(data.file_missing, column, np.nan))
        anomalous = day_bars(np.where(data.is_anomaly, column, np.nan))
        for panel in range(3):
            self.file_missing[panel].set_path(file_missing)
            self.anomaly_spans[panel].set_path(anomalous)
        self.no_flights.set_path(day_bars(np.where(data.no_flight_days, RUG_HEIGHT, np.nan)))

        departed = data.flights - data.cancelled
        self.departed.set_path(day_bars(departed))
        self.cancelled.set_path(day_bars(data.flights, departed))
        _, top = _nan_range(data.flights, default=(0.0, 1.0))
        top = max(top, 1.0)
        self._idle.clear()
        for cause, marks in self.cause_marks:
            shown = cause_days(data, cause)
            marks.set_data(x[shown], data.flights[shown] + 0.045 * top)
            if not shown.any():
                self._idle.add(marks)
        self.axes[0].set_ylim(0, top * 1.12)

        delay, expected = data.avg_dep_delay, data.expected_dep_delay
        self.delay.set_data(x, delay)
        self.delay.set_marker("o" if _isolated(delay) else "None")
        self.expected_delay.set_data(x, expected)
        flagged = data.delay_flag
        self.delay_marks.set_data(x[flagged], delay[flagged])
        low, high = _nan_range(delay, expected, default=(0.0, 10.0))
        low, high = min(low, 0.0), max(high, min(low, 0.0) + 10.0)
        self.axes[1].set_ylim(low - 0.06 * (high - low), high + 0.06 * (high - low))

        share = 100 * data.cancelled_share
        expected_share = 100 * data.expected_cancelled_share
        self.share.set_data(x, share)
        self.share.set_marker("o" if _isolated(share) else "None")
        self.expected_share.set_data(x, expected_share)
        flagged = data.cancellation_flag
        self.share_marks.set_data(x[flagged], share[flagged])
        _, high = _nan_range(share, expected_share, default=(0.0, 1.0))
        self.axes[2].set_ylim(0, max(high, 1.0) * 1.1)

    def _legends_of(self, data: AirportYear | None) -> list[list[tuple[Artist, str]]]:
        """Each panel's legend entries (handle, label) for `data`, top to bottom; with None,
        every entry a chart may show."""

        def shown(flags: Callable[[AirportYear], np.ndarray]) -> bool:
            return data is None or bool(flags(data).any())

        flights = [
            (self.departed, LABEL_DEPARTED, True),
            (self.cancelled, LABEL_CANCELLED, True),
            (self.anomaly_handle, LABEL_ANOMALY, shown(lambda d: d.is_anomaly)),
            *(
                (
                    marks,
                    LABEL_CAUSES[cause] if cause else LABEL_NO_CAUSE,
                    shown(partial(cause_days, cause=cause)),
                )
                for cause, marks in self.cause_marks
            ),
            (self.file_missing_handle, LABEL_FILE_MISSING, shown(lambda d: d.file_missing)),
            (self.no_flights_handle, LABEL_NO_FLIGHTS, shown(lambda d: d.no_flight_days)),
        ]
        delay = [
            (self.delay_handle, LABEL_DELAY, True),
            (
                self.expected_delay,
                LABEL_EXPECTED,
                shown(lambda d: np.isfinite(d.expected_dep_delay)),
            ),
            (self.delay_marks, LABEL_DELAY_FLAG, shown(lambda d: d.delay_flag)),
        ]
        share = [
            (self.share_handle, LABEL_SHARE, True),
            (
                self.expected_share,
                LABEL_EXPECTED,
                shown(lambda d: np.isfinite(d.expected_cancelled_share)),
            ),
            (self.share_marks, LABEL_SHARE_FLAG, shown(lambda d: d.cancellation_flag)),
        ]
        return [
            [(handle, label) for handle, label, show in panel if show]
            for panel in (flights, delay, share)
        ]

    def _draw_panels(self, fast_y_axis: bool) -> list[Label]:
        """Draw each panel's y axis, series and frame over the background; the y tick labels
        left for Pillow (none with matplotlib's own y axis, which draws its labels)."""
        tick_labels: list[Label] = []
        for ax, y_axis, artists in zip(self.axes, self.y_axes, self._dynamic, strict=True):
            if fast_y_axis:
                tick_labels += y_axis.update()
                ax.draw_artist(y_axis.grid)
                ax.draw_artist(y_axis.marks)
            else:
                ax.draw_artist(ax.yaxis)
            for artist in artists:
                if artist not in self._idle:
                    ax.draw_artist(artist)
            ax.draw_artist(ax.spines["left"])
            ax.draw_artist(ax.spines["bottom"])
        return tick_labels

    def _draw_legends(self, data: AirportYear) -> tuple[tuple[str, ...], ...]:
        """Draw each panel's legend in the right margin; their labels, top to bottom."""
        return tuple(
            self.legends.draw(ax, entries)
            for ax, entries in zip(self.axes, self._legends_of(data), strict=True)
        )

    @staticmethod
    def _headings(data: AirportYear, title: str, subtitle: str) -> list[Label]:
        """The title and subtitle above the panels, the detector's name in the bottom corner."""
        labels = [
            Label(LEFT * WIDTH_PX, TITLE_Y, title, TITLE_POINTS, bold=True),
            Label(LEFT * WIDTH_PX, SUBTITLE_Y, subtitle, LABEL_POINTS, color=NOTE_COLOR),
        ]
        if data.detector:
            note = f"detector: {data.detector}"
            labels.append(Label(*NOTE_AT, note, NOTE_POINTS, color=NOTE_COLOR, anchor="rs"))
        return labels

    def draw(self, data: AirportYear, tricks: Tricks = ALL_ON) -> ChartMarks:
        """Draw `data` onto the canvas (texts wait for `png` when Pillow draws them); what the
        chart marks."""
        self._use_year(data.year, data.days)
        self._set_series(data)
        self.canvas.restore_region(self._backgrounds[data.days])
        tick_labels = self._draw_panels(tricks.fast_y_axis)
        legends = self._draw_legends(data)
        title, subtitle = chart_titles(data, _fits)
        self.labels = [*self._headings(data, title, subtitle), *tick_labels]
        if not tricks.pillow_text:
            draw_with_matplotlib(self.figure, self.labels)
            self.labels = []

        def days(flags: np.ndarray) -> tuple[int, ...]:
            return tuple(int(day) for day in np.flatnonzero(flags))

        return ChartMarks(
            title=title,
            subtitle=subtitle,
            legends=legends,
            anomaly_days=days(data.is_anomaly),
            delay_flag_days=days(data.delay_flag),
            cancellation_flag_days=days(data.cancellation_flag),
            cause_days=tuple(
                (cause, days(cause_days(data, cause)))
                for cause, _ in self.cause_marks
                if cause_days(data, cause).any()
            ),
        )

    def png(self, tricks: Tricks = ALL_ON) -> bytes:
        """The chart as drawn by the last `draw`: PNG bytes, `WIDTH_PX` x `HEIGHT_PX`, RGB."""
        rgba = np.asarray(self.canvas.buffer_rgba())  # a view of the canvas: no copy
        rgb = rgb_with_labels(rgba, self.labels, DPI) if self.labels else rgba[:, :, :3]
        return encode_png(rgb) if tricks.own_png else pillow_png(rgb)


_chart: ChartFigure | None = None


def chart_figure() -> ChartFigure:
    """This process's one `ChartFigure`, built on first use."""
    global _chart  # noqa: PLW0603 - one figure per process, reused for every chart
    if _chart is None:
        _chart = ChartFigure()
    return _chart


def chart_marks(data: AirportYear) -> ChartMarks:
    """What the chart of `data` marks (titles, legend labels, flagged days), without a PNG."""
    return chart_figure().draw(data)


def render_chart(data: AirportYear, tricks: Tricks = ALL_ON) -> bytes:
    """The chart of one airport's year as PNG bytes (`WIDTH_PX` x `HEIGHT_PX`, RGB), drawn with
    the speed `tricks` switched on (all, unless benchmarking)."""
    chart = chart_figure()
    chart.draw(data, tricks)
    return chart.png(tricks)
