"""A year's chart index: every airport with its anomaly count and a link to its chart, and each
airport's flagged days with their dominant cause and the explain step's one-line text.

`index.json` is for programs, `index.html` for a person browsing the lake; both sit next to the
charts in `charts/<year>/` and link to them by relative name (`ATL.png`). Neither ends in
`.png`, so the pipeline's check still counts exactly one `.png` per airport.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import asdict, dataclass

from flightdelays.catalog import chart_name
from flightdelays.charts.causes import cause_color, cause_name
from flightdelays.charts.series import AirportYear, FlaggedDay

TOP_AIRPORTS = 10
"""How many airports the HTML index lists first, by anomalous days."""


@dataclass(frozen=True)
class IndexDay:
    """A flagged day in the index: ISO `date`, the `signal` that fired, `dominant_cause` (one
    of `schema.CAUSES`, None without cause data) and the `explanation` text."""

    date: str
    signal: str
    dominant_cause: str | None
    explanation: str | None


@dataclass(frozen=True)
class IndexEntry:
    """One airport's line in the index; `chart` is the chart's file name in the same folder,
    `flagged_days` its flagged days in date order."""

    airport: str
    name: str
    city: str
    state: str
    chart: str
    flights: int
    cancelled: int
    days_with_data: int
    anomalous_days: int
    delay_days: int
    cancellation_days: int
    judged: bool
    flagged_days: tuple[IndexDay, ...] = ()


def _index_day(day: FlaggedDay) -> IndexDay:
    return IndexDay(day.flight_date.isoformat(), day.signal, day.dominant_cause, day.explanation)


def index_entry(data: AirportYear) -> IndexEntry:
    """The index line of one airport's year."""
    return IndexEntry(
        airport=data.airport,
        name=data.name.name,
        city=data.name.city,
        state=data.name.subdivision,
        chart=chart_name(data.airport),
        flights=data.total_flights,
        cancelled=data.total_cancelled,
        days_with_data=data.days_with_data,
        anomalous_days=data.anomalous_days,
        delay_days=int(data.delay_flag.sum()),
        cancellation_days=int(data.cancellation_flag.sum()),
        judged=data.judged,
        flagged_days=tuple(_index_day(day) for day in data.flagged_days),
    )


def index_json(year: int, detector: str, entries: list[IndexEntry]) -> bytes:
    """UTF-8 JSON: `{"year", "detector", "airports": [entry, ...]}`, airports sorted by code."""
    document = {
        "year": year,
        "detector": detector,
        "airports": [asdict(entry) for entry in sorted(entries, key=lambda e: e.airport)],
    }
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode()


_STYLE = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e5e5e5; text-align: left; }
th { background: #f4f4f4; position: sticky; top: 0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.flagged td.a { color: #d62728; font-weight: 600; }
tr.unjudged { color: #888; }
.bar { display: inline-block; height: 9px; background: #d62728; vertical-align: middle; }
.cause { display: inline-block; width: 10px; height: 10px; margin-right: 5px; }
h2 { margin-top: 2em; }
"""


def _anchor(airport: str) -> str:
    """The id of an airport's first row in the flagged days' table."""
    return f"flagged-{airport}"


def _cause(cause: str | None) -> str:
    """A flagged day's dominant cause, with the colour its chart marks it in."""
    return (
        f'<span class="cause" style="background:{cause_color(cause)}"></span>'
        f"{html.escape(cause_name(cause))}"
    )


def _count(entry: IndexEntry) -> str:
    """The airport's anomalous days, linked to its flagged days when it has any."""
    if not entry.flagged_days:
        return str(entry.anomalous_days)
    return f'<a href="#{_anchor(entry.airport)}">{entry.anomalous_days}</a>'


def _flagged_rows(entry: IndexEntry) -> list[str]:
    """The rows of an airport's flagged days: date, signal, dominant cause, explanation."""
    rows = []
    for number, day in enumerate(entry.flagged_days):
        where = f' id="{_anchor(entry.airport)}"' if number == 0 else ""
        airport = f'<a href="{html.escape(entry.chart)}">{html.escape(entry.airport)}</a>'
        cells = [
            f"<td>{airport if number == 0 else ''}</td>",
            f"<td>{day.date}</td>",
            f"<td>{html.escape(day.signal)}</td>",
            f"<td>{_cause(day.dominant_cause)}</td>",
            f"<td>{html.escape(day.explanation or '')}</td>",
        ]
        rows.append(f"<tr{where}>" + "".join(cells) + "</tr>")
    return rows


def _cause_counts(entries: list[IndexEntry]) -> str:
    """How many flagged days each dominant cause accounts for, most first."""
    counts = Counter(day.dominant_cause for entry in entries for day in entry.flagged_days)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], cause_name(item[0])))
    return ", ".join(f"{_cause(cause)} {count:,}" for cause, count in ranked)


def _row(entry: IndexEntry, widest: int) -> str:
    flagged = "flagged" if entry.anomalous_days else ("" if entry.judged else "unjudged")
    place = ", ".join(part for part in (entry.city, entry.state) if part)
    width = round(120 * entry.anomalous_days / widest) if widest else 0
    detail = (
        f"{entry.delay_days} delay, {entry.cancellation_days} cancellations"
        if entry.judged
        else "too few flights to judge"
    )
    cells = [
        f'<td><a href="{html.escape(entry.chart)}">{html.escape(entry.airport)}</a></td>',
        f"<td>{html.escape(entry.name)}</td>",
        f"<td>{html.escape(place)}</td>",
        f'<td class="n">{entry.flights:,}</td>',
        f'<td class="n">{entry.days_with_data}</td>',
        f'<td class="n a">{_count(entry)}</td>',
        f'<td><span class="bar" style="width:{width}px"></span> {detail}</td>',
    ]
    return f'<tr class="{flagged}">' + "".join(cells) + "</tr>"


FLAGGED_HEADER = (
    "<tr><th>Airport</th><th>Date</th><th>Signal</th><th>Dominant cause</th>"
    "<th>Explanation</th></tr>"
)


def index_html(year: int, detector: str, entries: list[IndexEntry]) -> bytes:
    """UTF-8 HTML page: the most anomalous airports first, every airport by code, then every
    flagged day by airport and date with its dominant cause and explanation."""
    by_code = sorted(entries, key=lambda e: e.airport)
    top = sorted(
        (e for e in entries if e.anomalous_days), key=lambda e: (-e.anomalous_days, e.airport)
    )[:TOP_AIRPORTS]
    widest = max((e.anomalous_days for e in entries), default=0)
    flagged = sum(e.anomalous_days for e in entries)
    header = (
        "<tr><th>Airport</th><th>Name</th><th>Place</th><th>Flights</th>"
        "<th>Days with data</th><th>Anomalous days</th><th>Signals</th></tr>"
    )
    top_links = ", ".join(
        f'<a href="{html.escape(e.chart)}">{html.escape(e.airport)}</a> ({e.anomalous_days})'
        for e in top
    )
    lines = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Flight delays {year}: charts by airport</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Flight delays {year}: charts by airport</h1>",
        f"<p>{len(entries)} airports, {flagged:,} anomalous airport-days"
        f" (detector <code>{html.escape(detector)}</code>)."
        ' Machine-readable list: <a href="index.json">index.json</a>.</p>',
        f"<p>Most anomalous days: {top_links or 'none'}.</p>",
        f"<p>Dominant cause of the flagged days: {_cause_counts(entries) or 'none flagged'}.</p>",
        f"<table><thead>{header}</thead><tbody>",
        *(_row(entry, widest) for entry in by_code),
        "</tbody></table>",
        '<h2 id="flagged">Flagged days</h2>',
        f"<table><thead>{FLAGGED_HEADER}</thead><tbody>",
        *(row for entry in by_code for row in _flagged_rows(entry)),
        "</tbody></table></body></html>",
    ]
    return ("\n".join(lines) + "\n").encode()
