"""How charts and the chart index show a flagged day's dominant delay cause: colour and name.

The causes are `schema.CAUSES`; a flagged day without cause data shows as such, never as a guess.
"""

from __future__ import annotations

from flightdelays.schema import CAUSE_NAMES, NO_CAUSE_DATA

CAUSE_COLORS: dict[str, str] = {
    "carrier": "#9467bd",
    "weather": "#17becf",
    "nas": "#8c564b",
    "security": "#e377c2",
    "late_aircraft": "#bcbd22",
}
"""The mark of a flagged day by its dominant cause; no other mark of a chart uses these colours
opaque."""
NO_CAUSE_COLOR = "#77778c"
"""The mark of a flagged day without cause data: a bluish grey, as antialiased text and lines
leave neutral greys."""


def cause_name(cause: str | None) -> str:
    """`cause` (one of `schema.CAUSES`) as people read it; `no cause data` for None."""
    return NO_CAUSE_DATA if cause is None else CAUSE_NAMES[cause]


def cause_color(cause: str | None) -> str:
    """The colour that marks `cause` (None: no cause data)."""
    return NO_CAUSE_COLOR if cause is None else CAUSE_COLORS[cause]
