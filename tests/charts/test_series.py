from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
import pytest

from flightdelays.charts.series import NO_CAUSE, airport_years, days_in_year, missing_runs
from flightdelays.schema import CAUSES

MakeYear = Callable[..., pl.DataFrame]


def test_one_year_of_days_per_airport_sorted_by_code(make_year: MakeYear) -> None:
    rows = make_year(2013, {"SFO": [0, 1, 2], "ATL": [1, 2, 300]}, {"ATL": {300: "delay"}})

    items = list(airport_years(rows.sample(fraction=1.0, shuffle=True, seed=1), 2013))

    assert [item.airport for item in items] == ["ATL", "SFO"]
    atl = items[0]
    assert atl.days == 365
    assert np.isnan(atl.flights[0])
    assert atl.flights[1] == 100
    assert atl.days_with_data == 3
    assert atl.total_flights == 300
    assert np.flatnonzero(atl.is_anomaly).tolist() == [300]
    assert np.flatnonzero(atl.delay_flag).tolist() == [300]
    assert not atl.cancellation_flag.any()
    assert atl.cancelled_share[1] == pytest.approx(0.02)
    assert atl.name.city == "Atlanta"


def test_flagged_days_keep_their_dominant_cause_and_explanation(make_year: MakeYear) -> None:
    rows = make_year(
        2013,
        {"ATL": [0, 1, 2, 3], "SFO": [0, 1]},
        {"ATL": {1: "delay", 3: "cancellations"}, "SFO": {0: "both"}},
        {"ATL": {1: "weather"}},
    )

    atl, sfo = airport_years(rows.reverse(), 2013)

    assert atl.dominant_cause[:4].tolist() == [
        NO_CAUSE,
        CAUSES.index("weather"),
        NO_CAUSE,
        NO_CAUSE,
    ]
    assert np.flatnonzero(atl.cause_unknown).tolist() == [3]
    assert [(d.day, d.signal, d.dominant_cause) for d in atl.flagged_days] == [
        (1, "delay", "weather"),
        (3, "cancellations", None),
    ]
    assert atl.flagged_days[0].flight_date.isoformat() == "2013-01-02"
    assert atl.flagged_days[0].explanation == "weather 75% of delay minutes vs 20% usually"
    assert atl.flagged_days[1].explanation == "no cause data"
    assert [(d.day, d.dominant_cause) for d in sfo.flagged_days] == [(0, None)]


def test_a_cause_on_a_day_not_flagged_is_not_shown(make_year: MakeYear) -> None:
    rows = make_year(2013, {"ATL": [0, 1]}).with_columns(dominant_cause=pl.lit("weather"))

    (atl,) = airport_years(rows, 2013)

    assert (atl.dominant_cause == NO_CAUSE).all()
    assert atl.flagged_days == ()


def test_an_unknown_cause_is_refused(make_year: MakeYear) -> None:
    rows = make_year(2013, {"ATL": [0, 1]}, {"ATL": {1: "delay"}}, {"ATL": {1: "weather"}})
    odd = rows.with_columns(dominant_cause=pl.col("dominant_cause").replace("weather", "aliens"))

    with pytest.raises(ValueError, match="'aliens' is not one of carrier, weather"):
        list(airport_years(odd, 2013))


def test_days_absent_for_every_airport_are_file_gaps_not_no_flight_days(
    make_year: MakeYear,
) -> None:
    rows = make_year(2011, {"ATL": [0, 1, 5], "SFO": [0, 2, 5]})

    atl, sfo = airport_years(rows, 2011)

    assert np.flatnonzero(~atl.file_missing[:6]).tolist() == [0, 1, 2, 5]
    assert np.flatnonzero(atl.no_flight_days[:6]).tolist() == [2]  # SFO flew that day
    assert np.flatnonzero(sfo.no_flight_days[:6]).tolist() == [1]


def test_a_leap_year_has_366_days(make_year: MakeYear) -> None:
    (item,) = airport_years(make_year(2012, {"ATL": [365]}), 2012)
    assert item.days == days_in_year(2012) == 366
    assert item.flights[365] == 100


def test_rows_of_another_year_are_refused(make_year: MakeYear) -> None:
    with pytest.raises(ValueError, match="another year"):
        list(airport_years(make_year(2012, {"ATL": [0]}), 2013))


def test_no_rows_no_airports(make_year: MakeYear) -> None:
    assert list(airport_years(make_year(2013, {"ATL": [0]}).clear(), 2013)) == []


@pytest.mark.parametrize(
    ("missing", "runs"),
    [
        ([False, False], []),
        ([True, True, False, True], [(0, 1), (3, 3)]),
        ([False, True, True, True], [(1, 3)]),
    ],
)
def test_missing_runs(missing: list[bool], runs: list[tuple[int, int]]) -> None:
    assert missing_runs(np.array(missing)) == runs


def test_sample_year_keeps_every_airport(detected_years: dict[int, pl.DataFrame]) -> None:
    detected = detected_years[2011]
    items = list(airport_years(detected, 2011))
    assert [item.airport for item in items] == sorted(detected["airport"].unique().to_list())
    assert sum(item.anomalous_days for item in items) == detected["is_anomaly"].sum()
    assert all(item.file_missing[181:212].all() for item in items)  # July 2011 is not in the file
