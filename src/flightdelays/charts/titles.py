"""The texts above a chart: who, when and how many anomalous days; then totals and gaps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flightdelays.charts.series import AirportYear, missing_runs

EN_DASH = "\N{EN DASH}"
NAME_LENGTHS = (60, 40, 25, 0)
"""Longest airport name tried in a title, longest first, until the title fits."""
GAPS_LISTED = (3, 1, 0)
"""Most file gaps listed by date in a subtitle, most first, until the subtitle fits."""


def plural(count: int, word: str) -> str:
    """`1 day`, `2 days`, `1,234 flights`."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _day(year: int, day: int) -> str:
    date = dt.date(year, 1, 1) + dt.timedelta(days=day)
    return f"{date.day} {date:%b}"


def _gaps(year: int, runs: list[tuple[int, int]], listed: int) -> str:
    shown = [
        _day(year, first) if first == last else f"{_day(year, first)}{EN_DASH}{_day(year, last)}"
        for first, last in runs[:listed]
    ]
    days = sum(last - first + 1 for first, last in runs)
    if not shown:
        return plural(days, "day")
    more = len(runs) - listed
    return ", ".join(shown) + (f" and {plural(more, 'other gap')}" if more > 0 else "")


def _name(name: str, length: int) -> str:
    if len(name) <= length:
        return name
    return name[: max(0, length - 1)].rstrip() + "…" if length else ""


def chart_title(data: AirportYear, name_length: int = NAME_LENGTHS[0]) -> str:
    """`ATL · <name> (<city>, <state>) · 2013 · 12 anomalous days`, the name cut (with an
    ellipsis) to `name_length` characters, or left out at 0."""
    who = data.airport
    name = _name(data.name.name, name_length)
    if name:
        who += f" · {name}"
    if data.name.place and name_length:
        who += f" ({data.name.place})"
    return f"{who} · {data.year} · {plural(data.anomalous_days, 'anomalous day')}"


def chart_subtitle(data: AirportYear, gaps_listed: int = GAPS_LISTED[0]) -> str:
    """Flights and days with data, the signals that fired (or why none could), the days absent
    from the year's file (the first `gaps_listed` gaps by date) and days without flights."""
    parts = [f"{data.total_flights:,} flights on {plural(data.days_with_data, 'day')}"]
    if not data.judged:
        parts.append("too few flights a day to judge")
    elif data.anomalous_days:
        parts.append(
            f"flagged for delay on {plural(int(data.delay_flag.sum()), 'day')}, "
            f"for cancellations on {plural(int(data.cancellation_flag.sum()), 'day')}"
        )
    file_gaps = missing_runs(data.file_missing)
    if file_gaps:
        parts.append(f"not in the file: {_gaps(data.year, file_gaps, gaps_listed)}")
    no_flights = int(data.no_flight_days.sum())
    if no_flights:
        parts.append(f"no flights on {plural(no_flights, 'other day')}")
    return " · ".join(parts)


def chart_titles(data: AirportYear, fits: Callable[[str, bool], bool]) -> tuple[str, str]:
    """(title, subtitle) of the chart of `data`, each the longest variant that `fits`
    (called with a text and whether it is the title) or else the shortest."""
    titles = [chart_title(data, length) for length in NAME_LENGTHS]
    subtitles = [chart_subtitle(data, listed) for listed in GAPS_LISTED]
    title = next((text for text in titles if fits(text, True)), titles[-1])
    subtitle = next((text for text in subtitles if fits(text, False)), subtitles[-1])
    return title, subtitle
