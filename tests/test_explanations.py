"""The explanation of flagged days: causes against the airport's usual mix, and carriers."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flightdelays.errors import FlightDelaysError
from flightdelays.explanations import explain, usual_mix
from flightdelays.frame_types import CARRIER_DAY_TYPES
from flightdelays.schema import (
    CANCELLED_BY_CAUSE_COLUMNS,
    CAUSE_MINUTES_COLUMNS,
    CAUSES,
    DETECTED_COLUMNS,
    EXPLANATION_COLUMNS,
    NO_CAUSE_DATA,
    TABLE_COLUMNS,
)

YEAR = 2013
FIRST = dt.date(YEAR, 3, 1)

Minutes = tuple[float, float, float, float, float]
"""Delay minutes by cause, in `CAUSES` order (carrier, weather, nas, security, late_aircraft)."""
USUAL: Minutes = (300.0, 100.0, 300.0, 0.0, 300.0)  # weather 10% usually


def airport_day(
    day: int,
    *,
    airport: str = "ORD",
    signal: str | None = None,
    minutes: Minutes | None = USUAL,
    codes: tuple[int, int, int, int] = (0, 0, 0, 0),
    avg_dep_delay: float | None = 10.0,
) -> dict[str, object]:
    """One detected row; flagged when `signal` is given; `minutes=None`: no cause data."""
    cancelled = sum(codes)
    row: dict[str, object] = {
        "airport": airport,
        "flight_date": FIRST + dt.timedelta(days=day),
        "year": YEAR,
        "flights": 100,
        "cancelled": cancelled,
        "diverted": 0,
        "departed": 100 - cancelled,
        "avg_dep_delay": avg_dep_delay,
        "share_delayed_15": 0.2,
        "cause_reported": 0 if minutes is None else 20,
        "is_anomaly": signal is not None,
        "anomaly_signal": signal,
        "delay_score": 1.0,
        "expected_dep_delay": 10.0,
        "cancellation_score": 0.0,
        "expected_cancelled_share": 0.01,
        "judged": True,
        "detector": "test",
    }
    row |= dict(zip(CAUSE_MINUTES_COLUMNS, minutes or (None,) * 5, strict=True))
    row |= dict(zip(CANCELLED_BY_CAUSE_COLUMNS, codes, strict=True))
    return row


def detected_frame(rows: Sequence[dict[str, object]]) -> pl.DataFrame:
    schema = {
        **dict.fromkeys(CAUSE_MINUTES_COLUMNS, pl.Float64),
        "avg_dep_delay": pl.Float64,
        "anomaly_signal": pl.String,
        "year": pl.Int16,
    }
    return pl.DataFrame(list(rows), schema_overrides=schema).select(DETECTED_COLUMNS)


def carrier_frame(rows: Sequence[tuple[str, int, str, int, int, float | None]]) -> pl.DataFrame:
    """(airport, day, carrier, flights, cancelled, avg_dep_delay) rows as carrier days."""
    return pl.DataFrame(
        [
            {
                "airport": airport,
                "flight_date": FIRST + dt.timedelta(days=day),
                "year": YEAR,
                "carrier": carrier,
                "flights": flights,
                "cancelled": cancelled,
                "departed": flights - cancelled,
                "avg_dep_delay": delay,
            }
            for airport, day, carrier, flights, cancelled, delay in rows
        ],
        schema=CARRIER_DAY_TYPES,
    )


NO_CARRIERS = carrier_frame([])


def ordinary_days(airport: str = "ORD", count: int = 4) -> list[dict[str, object]]:
    return [airport_day(day, airport=airport) for day in range(1, count + 1)]


def only(frame: pl.DataFrame) -> dict[str, object]:
    assert frame.height == 1
    return frame.row(0, named=True)


def test_the_dominant_cause_is_the_one_most_above_its_usual_share() -> None:
    # late aircraft has the largest share (40%), but it usually has 30%: weather (30% vs 10%)
    # is the one most above its usual share
    stormy: Minutes = (100.0, 300.0, 200.0, 0.0, 400.0)
    detected = detected_frame([airport_day(0, signal="delay", minutes=stormy), *ordinary_days()])
    explained = only(explain(detected, NO_CARRIERS).explanations)
    assert explained["dominant_cause"] == "weather"
    assert explained["weather_share"] == pytest.approx(0.3)
    assert explained["late_aircraft_share"] == pytest.approx(0.4)
    assert explained["weather_usual_share"] == pytest.approx(0.1)
    assert explained["late_aircraft_usual_share"] == pytest.approx(0.3)
    assert explained["explanation"] == "weather 30% of delay minutes vs 10% usually"


def test_usual_shares_pool_the_minutes_of_days_not_flagged() -> None:
    quiet: Minutes = (10.0, 0.0, 0.0, 0.0, 0.0)  # few minutes: weighs little
    busy: Minutes = (0.0, 0.0, 990.0, 0.0, 0.0)
    flagged_day: Minutes = (0.0, 1000.0, 0.0, 0.0, 0.0)  # flagged: not part of the usual mix
    detected = detected_frame(
        [
            airport_day(0, minutes=quiet),
            airport_day(1, minutes=busy),
            airport_day(2, signal="delay", minutes=flagged_day),
            airport_day(3, minutes=None),  # no cause data: not part of it either
        ]
    )
    usual = only(usual_mix(detected))
    assert usual["carrier_usual_share"] == pytest.approx(0.01)
    assert usual["nas_usual_share"] == pytest.approx(0.99)
    assert usual["weather_usual_share"] == 0.0
    assert usual["usual_dep_delay"] == pytest.approx(10.0)


def test_ties_go_to_the_first_cause_in_bts_order() -> None:
    even: Minutes = (100.0, 100.0, 100.0, 100.0, 100.0)
    detected = detected_frame([airport_day(0, signal="delay", minutes=even), *ordinary_days()])
    detected = detected.with_columns(  # every usual share 20%, like the day's: all tie at 0
        pl.when(~pl.col("is_anomaly")).then(100.0).otherwise(pl.col(c)).alias(c)
        for c in CAUSE_MINUTES_COLUMNS
    )
    assert only(explain(detected, NO_CARRIERS).explanations)["dominant_cause"] == CAUSES[0]


def test_on_a_cancellations_day_the_coded_cancellations_decide() -> None:
    # the minutes point at the carrier, but 30 of the 40 coded cancellations are weather's
    minutes: Minutes = (900.0, 0.0, 100.0, 0.0, 0.0)
    day = airport_day(0, signal="cancellations", minutes=minutes, codes=(5, 30, 5, 0))
    explained = only(explain(detected_frame([day, *ordinary_days()]), NO_CARRIERS).explanations)
    assert explained["dominant_cause"] == "weather"
    assert explained["top_cancellation_cause"] == "weather"
    assert explained["top_cancellation_share"] == pytest.approx(0.75)
    assert explained["carrier_share"] == pytest.approx(0.9)  # the shares are still reported
    assert explained["explanation"] == "cancellations mostly weather (code B)"


def test_a_day_with_both_signals_is_decided_by_its_minutes_and_names_its_cancellations() -> None:
    minutes: Minutes = (100.0, 500.0, 400.0, 0.0, 0.0)
    day = airport_day(0, signal="both", minutes=minutes, codes=(4, 4, 2, 0))
    explained = only(explain(detected_frame([day, *ordinary_days()]), NO_CARRIERS).explanations)
    assert explained["dominant_cause"] == "weather"
    assert explained["top_cancellation_cause"] == "carrier"  # A and B tie: code order
    assert explained["explanation"] == (
        "weather 50% of delay minutes vs 10% usually;"
        " cancellations most often carrier (code A, 40%)"
    )


def test_a_cancellations_day_without_codes_has_no_cause_data() -> None:
    day = airport_day(0, signal="cancellations", codes=(0, 0, 0, 0))
    explained = only(explain(detected_frame([day, *ordinary_days()]), NO_CARRIERS).explanations)
    assert explained["dominant_cause"] is None
    assert explained["top_cancellation_cause"] is None
    assert explained["top_cancellation_share"] is None
    assert explained["explanation"] == NO_CAUSE_DATA


def test_a_day_without_cause_data_names_no_cause_but_still_its_carriers() -> None:
    day = airport_day(0, signal="delay", minutes=None, avg_dep_delay=60.0)
    carriers = carrier_frame(
        [
            ("ORD", 0, "UA", 40, 0, 120.0),  # 40 departed x 110 min above usual
            ("ORD", 0, "AA", 60, 0, 15.0),  # 60 x 5
        ]
    )
    explained = explain(detected_frame([day, *ordinary_days()]), carriers)
    row = only(explained.explanations)
    assert row["dominant_cause"] is None
    assert all(row[f"{cause}_share"] is None for cause in CAUSES)
    assert row["top_carrier"] == "UA"
    assert row["top_carrier_share"] == pytest.approx(4400 / 4700)
    assert row["top_carrier_usual_share"] == pytest.approx(0.4)
    assert row["explanation"] == (
        "no cause data; UA 94% of delay minutes above usual vs 40% of flights"
    )


def test_an_airport_whose_usual_days_have_no_cause_data_has_no_cause_data() -> None:
    days = [airport_day(day, minutes=None) for day in range(1, 5)]
    flagged = airport_day(0, signal="delay", minutes=(0.0, 500.0, 0.0, 0.0, 0.0))
    row = only(explain(detected_frame([flagged, *days]), NO_CARRIERS).explanations)
    assert row["weather_share"] == 1.0
    assert row["weather_usual_share"] is None
    assert row["dominant_cause"] is None
    assert row["explanation"] == NO_CAUSE_DATA


def test_a_day_reporting_zero_minutes_has_no_shares() -> None:
    zero: Minutes = (0.0, 0.0, 0.0, 0.0, 0.0)
    row = only(
        explain(
            detected_frame([airport_day(0, signal="delay", minutes=zero), *ordinary_days()]),
            NO_CARRIERS,
        ).explanations
    )
    assert all(row[f"{cause}_share"] is None for cause in CAUSES)
    assert row["explanation"] == NO_CAUSE_DATA


def test_carriers_are_named_by_their_excess_largest_first() -> None:
    day = airport_day(0, signal="cancellations", codes=(20, 0, 0, 0))
    carriers = carrier_frame(
        [
            ("ORD", 0, "AA", 15, 10, 10.0),  # 25% of cancellations vs 15% of flights: +10
            ("ORD", 0, "UA", 22, 16, 10.0),  # 40% vs 22%: +18
            ("ORD", 0, "DL", 29, 14, 10.0),  # 35% vs 29%: +6 points, but odds only 1.3 times
            ("ORD", 0, "WN", 34, 0, 10.0),  # 0% vs 34%
            ("ORD", 1, "UA", 50, 50, 10.0),  # another day, not flagged
        ]
    )
    row = only(explain(detected_frame([day, *ordinary_days()]), carriers).explanations)
    assert (row["top_carrier"], row["top_carrier_share"]) == ("UA", pytest.approx(0.4))
    assert row["top_carrier_usual_share"] == pytest.approx(0.22)
    assert row["top_carriers"] == "UA 40% of cancellations vs 22% of flights; AA 25% vs 15%"
    assert row["explanation"] == (
        "cancellations mostly carrier (code A); "
        "UA 40% of cancellations vs 22% of flights; AA 25% vs 15%"
    )


def test_a_carrier_with_most_flights_is_named_when_it_has_nearly_all_that_went_wrong() -> None:
    day = airport_day(0, signal="cancellations", codes=(50, 0, 0, 0))
    carriers = carrier_frame([("ORD", 0, "UA", 85, 49, 10.0), ("ORD", 0, "OO", 15, 1, 10.0)])
    row = only(explain(detected_frame([day, *ordinary_days()]), carriers).explanations)
    assert row["top_carriers"] == "UA 98% of cancellations vs 85% of flights"


def test_no_carrier_is_named_where_a_blizzard_hits_all_alike() -> None:
    day = airport_day(0, signal="cancellations", codes=(0, 40, 0, 0))
    carriers = carrier_frame([("ORD", 0, "EV", 40, 18, 10.0), ("ORD", 0, "UA", 60, 22, 10.0)])
    row = only(explain(detected_frame([day, *ordinary_days()]), carriers).explanations)
    assert row["top_carrier"] is None  # EV: 45% of cancellations vs 40% of flights
    assert row["explanation"] == "cancellations mostly weather (code B)"


def test_no_carrier_is_named_alone_or_without_excess() -> None:
    days = [
        airport_day(0, signal="cancellations", codes=(0, 9, 0, 0)),
        airport_day(1, signal="delay", avg_dep_delay=40.0),
        airport_day(2, signal="delay", avg_dep_delay=40.0),
        *[airport_day(day) for day in range(3, 7)],
    ]
    carriers = carrier_frame(
        [
            ("ORD", 0, "UA", 100, 9, 10.0),  # the only carrier: 100% vs 100%
            ("ORD", 1, "UA", 50, 0, 5.0),  # nobody later than usual (10 min): nothing to share
            ("ORD", 1, "AA", 50, 0, 8.0),
            ("ORD", 2, "UA", 50, 0, None),  # none departed
            ("ORD", 2, "AA", 50, 50, None),
        ]
    )
    explained = explain(detected_frame(days), carriers).explanations
    assert explained["top_carrier"].to_list() == [None, None, None]
    assert explained["top_carriers"].to_list() == [None, None, None]


def test_all_days_flagged_gives_no_cause_data_and_no_nan() -> None:
    days = [airport_day(day, signal="delay", avg_dep_delay=30.0) for day in range(3)]
    carriers = carrier_frame([("ORD", 0, "UA", 10, 0, 50.0), ("ORD", 0, "AA", 90, 0, 0.0)])
    explained = explain(detected_frame(days), carriers).explanations
    assert explained["explanation"].to_list() == [
        "no cause data; UA 100% of delay minutes above usual vs 10% of flights",
        NO_CAUSE_DATA,
        NO_CAUSE_DATA,
    ]
    assert not explained.select(pl.selectors.float().is_nan().any()).row(0).count(True)


def test_rows_keep_their_order_and_only_flagged_days_are_explained() -> None:
    days = [
        airport_day(0, airport="LGA"),
        airport_day(0, airport="JFK", signal="delay", minutes=(0.0, 900.0, 100.0, 0.0, 0.0)),
        *ordinary_days("JFK"),
        airport_day(0, airport="EWR", signal="cancellations", minutes=None),
    ]
    detected = detected_frame(days)
    explained = explain(detected, NO_CARRIERS)
    assert explained.rows.columns == list(TABLE_COLUMNS)
    assert explained.rows.select(DETECTED_COLUMNS).equals(detected)
    assert explained.rows["dominant_cause"].to_list() == [None, "weather"] + [None] * 5
    assert explained.rows["explanation"].null_count() == 5
    assert explained.explanations.columns == list(EXPLANATION_COLUMNS)
    assert explained.explanations.select("airport", "explanation").rows() == [
        ("EWR", NO_CAUSE_DATA),
        ("JFK", "weather 90% of delay minutes vs 10% usually"),
    ]


def test_a_year_with_nothing_flagged_has_no_explanations() -> None:
    explained = explain(detected_frame(ordinary_days()), NO_CARRIERS)
    assert explained.explanations.is_empty()
    assert explained.explanations.columns == list(EXPLANATION_COLUMNS)
    assert explained.rows["explanation"].null_count() == explained.rows.height


@pytest.mark.parametrize("bad", [math.nan, math.inf, -5.0])
def test_cause_minutes_that_cannot_be_real_are_refused(bad: float) -> None:
    day = airport_day(0, signal="delay", minutes=(0.0, bad, 0.0, 0.0, 0.0))
    with pytest.raises(FlightDelaysError, match="cannot be real at ORD on 2013-03-01"):
        explain(detected_frame([day, *ordinary_days()]), NO_CARRIERS)


_minutes = st.one_of(st.none(), st.tuples(*[st.floats(0, 5000, allow_nan=False)] * 5))


@settings(max_examples=60, deadline=None)
@given(
    days=st.lists(
        st.tuples(
            st.sampled_from([None, "delay", "cancellations", "both"]),
            _minutes,
            st.tuples(*[st.integers(0, 30)] * 4),
        ),
        min_size=1,
        max_size=6,
    ),
    carriers=st.lists(
        st.tuples(
            st.integers(0, 5),
            st.sampled_from(["AA", "UA", "9E"]),
            st.integers(1, 60),
            st.integers(0, 60),
            st.one_of(st.none(), st.floats(-30, 600, allow_nan=False)),
        ),
        max_size=8,
        unique_by=lambda row: (row[0], row[1]),
    ),
)
def test_any_year_gives_shares_between_0_and_1_and_never_nan(
    days: list[tuple[str | None, Minutes | None, tuple[int, int, int, int]]],
    carriers: list[tuple[int, str, int, int, float | None]],
) -> None:
    detected = detected_frame(
        [
            airport_day(day, signal=signal, minutes=minutes, codes=codes)
            for day, (signal, minutes, codes) in enumerate(days)
        ]
    )
    carrier_days = carrier_frame(
        [
            ("ORD", day, carrier, flights, min(cancelled, flights), delay)
            for day, carrier, flights, cancelled, delay in carriers
        ]
    )
    explained = explain(detected, carrier_days)
    explanations = explained.explanations
    assert explanations.height == sum(signal is not None for signal, _, _ in days)
    shares = explanations.select(pl.selectors.ends_with("_share"))
    assert not any(shares.select(pl.all().is_nan().any()).row(0))
    assert not any(shares.select(((pl.all() < 0) | (pl.all() > 1 + 1e-9)).any()).row(0))
    assert set(explanations["dominant_cause"].drop_nulls()) <= set(CAUSES)
    assert explanations["explanation"].null_count() == 0
    no_data = explanations.filter(pl.col("dominant_cause").is_null())
    assert no_data["explanation"].str.starts_with(NO_CAUSE_DATA).all()
