"""Airport names and places for chart titles and the index, from the `airportsdata` tables."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class AirportName:
    """An airport's name and place; empty strings when `airportsdata` does not know the code."""

    name: str
    city: str
    subdivision: str

    @property
    def place(self) -> str:
        """ "City, State" (or whichever of the two is known)."""
        return ", ".join(part for part in (self.city, self.subdivision) if part)


@cache
def _iata() -> dict[str, dict[str, str]]:
    import airportsdata

    return airportsdata.load("IATA")  # type: ignore[return-value]


def airport_name(code: str) -> AirportName:
    """The name, city and state of the airport with IATA `code`."""
    known = _iata().get(code)
    if known is None:
        return AirportName("", "", "")
    return AirportName(
        str(known.get("name", "")), str(known.get("city", "")), str(known.get("subd", ""))
    )
