"""Carriers and delay causes of the sample generator (`research.generate`): which carriers fly
from each airport, and how a late flight's minutes and a cancelled flight's code are drawn on
ordinary days, in storms and in one carrier's outage.

Carrier mix: a hub's home carrier flies 30-60% of its departures, the rest spread unevenly
over the others; a smaller airport has one to five carriers, regional ones more often.
Cause minutes: a late flight's minutes split by a Dirichlet draw whose weights depend on why it
is late (`PROFILES`): on ordinary days late aircraft and the carrier take most, the air system
a fair part, weather little and security almost nothing; in a storm weather and the air system
take most; in an outage the carrier does.
"""

from __future__ import annotations

import numpy as np

CARRIERS = ("WN", "DL", "AA", "UA", "OO", "EV", "B6", "AS", "MQ", "NK", "9E", "YX", "F9", "OH")
REGIONAL = frozenset({"OO", "EV", "MQ", "9E", "YX", "OH"})
HUB_CARRIERS = {
    "DL": ("ATL", "MSP", "DTW", "SLC", "LGA", "CVG", "RDU"),
    "UA": ("ORD", "DEN", "IAH", "SFO", "EWR", "IAD", "CLE"),
    "AA": ("DFW", "CLT", "PHX", "PHL", "DCA", "MIA", "LAX", "PIT"),
    "WN": (
        *("LAS", "MDW", "BWI", "MCO", "HOU", "DAL", "SAN", "TPA", "STL", "BNA", "AUS"),
        *("OAK", "MSY", "MCI", "SJC", "SMF", "SNA", "IND", "SAT", "CMH", "MKE"),
    ),
    "B6": ("JFK", "BOS", "FLL"),
    "AS": ("SEA", "PDX"),
}
"""Each hub's home carrier (the generator's `HUBS`), after the real airlines' bases."""
HOME_SHARE = (0.3, 0.6)
BIG_CARRIER_SHARE = 0.2
"""An outage hits one of the airport's carriers with at least this share (or its biggest)."""

USUAL, STORM, OUTAGE = 0, 1, 2
PROFILES = np.array(
    [
        # carrier, weather, nas, security, late_aircraft (the order of schema.CAUSES)
        [3.0, 0.5, 2.0, 0.05, 3.5],  # ordinary: about 33%, 6%, 22%, 0.5%, 39%
        [0.4, 4.0, 2.5, 0.02, 0.8],  # storm: weather about 52%, the air system 32%
        [5.0, 0.1, 0.6, 0.02, 1.2],  # one carrier's outage: the carrier about 72%
    ]
)
"""Dirichlet weights of a late flight's cause minutes, per profile (`USUAL`, `STORM`, `OUTAGE`)."""
STORM_PART = 0.9
"""The share of late flights whose minutes follow `STORM` on a labelled storm or blizzard day."""
CODES = np.array(["A", "B", "C", "D"])
USUAL_CODES = np.array([0.4, 0.35, 0.24, 0.01])
"""How often each cancellation code comes on an ordinary day (A carrier, B weather, ...)."""
STORM_CODES = np.array([0.0, 0.75, 0.25, 0.0])
"""In a storm: weather (B), or the air system (C) that the weather slows."""


def carrier_mix(codes: list[str], departures: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shares of `CARRIERS` at each airport (rows sum to 1), from its code and size."""
    home = {airport: carrier for carrier, hubs in HUB_CARRIERS.items() for airport in hubs}
    weights = np.array([2.0 if carrier in REGIONAL else 1.0 for carrier in CARRIERS])
    mix = np.zeros((len(codes), len(CARRIERS)))
    for index, (code, size) in enumerate(zip(codes, departures, strict=True)):
        if code in home:
            share = rng.uniform(*HOME_SHARE)
            rest = rng.dirichlet(np.full(len(CARRIERS) - 1, 0.6)) * (1.0 - share)
            mix[index] = np.insert(rest, CARRIERS.index(home[code]), share)
        else:
            count = int(np.clip(1 + np.log2(1.0 + size / 4.0), 1, 5))
            chosen = rng.choice(len(CARRIERS), count, replace=False, p=weights / weights.sum())
            mix[index, chosen] = rng.dirichlet(np.full(count, 1.5))
    return mix


def outage_carrier(shares: np.ndarray, rng: np.random.Generator) -> int:
    """One of an airport's big carriers (index into `CARRIERS`), likelier the bigger it is."""
    big = np.flatnonzero(shares >= BIG_CARRIER_SHARE)
    if big.size == 0:
        big = np.array([int(np.argmax(shares))])
    return int(rng.choice(big, p=shares[big] / shares[big].sum()))


def draw_carriers(mix: np.ndarray, origin: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A carrier (index into `CARRIERS`) for each flight, after its origin's mix: one search
    over every airport's cumulative shares, each airport's block offset by its index."""
    cumulative = np.cumsum(mix, axis=1)
    cumulative[:, -1] = 1.0
    blocks = (cumulative + np.arange(len(mix))[:, None]).ravel()
    found = np.searchsorted(blocks, origin + rng.random(len(origin)), side="right")
    carriers: np.ndarray = found - origin * mix.shape[1]
    return carriers


def cause_shares(profile: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each flight's split of its minutes over the five causes, drawn after its profile."""
    drawn = rng.gamma(PROFILES[profile])
    shares: np.ndarray = drawn / np.maximum(drawn.sum(axis=1, keepdims=True), 1e-12)
    return shares


def draw_codes(storm: np.ndarray, outage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A cancellation code for each flight (used where it is cancelled): A in an outage of its
    carrier, after `STORM_CODES` in a storm, else after `USUAL_CODES`."""
    drawn = rng.random(len(storm))
    usual = CODES[np.searchsorted(np.cumsum(USUAL_CODES)[:-1], drawn, side="right")]
    stormy = CODES[np.searchsorted(np.cumsum(STORM_CODES)[:-1], drawn, side="right")]
    codes: np.ndarray = np.where(outage, "A", np.where(storm, stormy, usual))
    return codes
