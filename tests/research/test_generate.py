import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from flightdelays.catalog import Stores
from flightdelays.research.causes import BIG_CARRIER_SHARE, CARRIERS, HOME_SHARE, HUB_CARRIERS
from flightdelays.research.generate import (
    HUBS,
    airport_profiles,
    holidays,
    plan_year,
    unique_flight_numbers,
    write_year,
)
from flightdelays.schema import (
    CANCELLED_BY_CAUSE_COLUMNS,
    CAUSE_MINUTES_COLUMNS,
    HEADER_LINE,
    RAW_COLUMNS,
)
from flightdelays.steps.aggregate import aggregate_year, read_year
from flightdelays.steps.extract import open_raw


def test_files_have_the_real_shape(sample_raw_dir: Path) -> None:
    path = sample_raw_dir / "2013.csv"
    with path.open() as handle:
        header, first = handle.readline().rstrip("\n"), handle.readline().rstrip("\n")
    assert header == HEADER_LINE
    assert first.count(",") == 27
    assert first.endswith(",")
    frame = pl.read_csv(path, infer_schema=False)
    assert frame.columns == [*RAW_COLUMNS, ""]
    assert frame[""].null_count() == frame.height
    cancelled = frame.filter(pl.col("CANCELLED") == "1.0")
    assert cancelled.height > 0
    assert cancelled["DEP_DELAY"].null_count() == cancelled.height
    assert set(cancelled["CANCELLATION_CODE"].unique().to_list()) <= {"A", "B", "C", "D"}
    assert frame["DEP_DELAY"].drop_nulls().str.contains(r"^-?\d+\.0$").all()
    assert frame["CRS_DEP_TIME"].str.contains(r"^\d{1,4}$").all()
    dates = frame["FL_DATE"].str.to_date()
    assert dates.is_sorted()


@pytest.mark.parametrize("year", [2011, 2013])
def test_no_flight_twice(sample_raw_dir: Path, year: int) -> None:
    """The raw-file rules reject a repeated flight; a carrier never reuses a number in a day."""
    frame = pl.read_csv(sample_raw_dir / f"{year}.csv", infer_schema=False)
    key = ["FL_DATE", "OP_CARRIER", "OP_CARRIER_FL_NUM"]
    assert frame.select(key).is_duplicated().sum() == 0
    assert frame.height > 100_000


def test_flight_numbers_stay_unique_in_a_crowded_group() -> None:
    """More flights in one group than numbers below 7000: they move past it, still distinct."""
    group = np.repeat([5, 2, 9], [8_000, 3, 500])
    numbers = unique_flight_numbers(group, np.random.default_rng(0))
    pairs = pl.DataFrame({"group": group, "number": numbers})
    assert pairs.is_duplicated().sum() == 0
    assert numbers.min() >= 1
    assert numbers.max() <= 99_999
    assert (numbers[group == 5] > 6_999).any()


def test_traffic_is_realistic_at_full_scale() -> None:
    sizes = sorted((p.daily_departures for p in airport_profiles()), reverse=True)
    assert 340 <= len(sizes) <= 370
    assert 16_000 < sum(sizes) < 19_000
    assert 900 < sizes[0] < 1_300
    assert sizes[-1] < 1


def test_missing_month_and_labels(sample_raw_dir: Path) -> None:
    frame = pl.read_csv(sample_raw_dir / "2011.csv", columns=["FL_DATE"])
    months = frame["FL_DATE"].str.slice(5, 2).unique().sort().to_list()
    assert "07" not in months
    assert len(months) == 11
    labels = pl.read_csv(sample_raw_dir / "2011.labels.csv", try_parse_dates=True)
    assert set(labels["kind"].unique()) == {"regional_storm", "airport_disruption", "blizzard"}
    assert labels["flight_date"].dt.month().ne(7).all()


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    first = write_year(tmp_path / "a", 2010, scale=0.005, seed=3).read_bytes()
    again = write_year(tmp_path / "b", 2010, scale=0.005, seed=3).read_bytes()
    other = write_year(tmp_path / "c", 2010, scale=0.005, seed=4).read_bytes()
    assert first == again
    assert first != other


def test_holidays_include_thanksgiving() -> None:
    assert dt.date(2013, 11, 28) in holidays(2013)
    assert dt.date(2013, 3, 5) not in holidays(2013)


def test_storm_strength_scales_only_the_unlabelled_storm_days() -> None:
    calm, usual, strong = (
        plan_year(2013, 0.05, seed=2, storm_strength=strength) for strength in (0.0, 1.0, 2.0)
    )
    assert usual.labels.equals(calm.labels)
    assert strong.labels.equals(calm.labels)
    storm_minutes = usual.mean_delay - calm.mean_delay
    assert (storm_minutes >= 0).all()
    assert (storm_minutes > 10).mean() > 0.01  # storm days exist
    np.testing.assert_allclose(strong.mean_delay - calm.mean_delay, 2 * storm_minutes)


def test_hubs_have_a_home_carrier_and_every_airport_a_mix() -> None:
    profiles = {profile.code: profile for profile in airport_profiles()}
    homes = {airport for hubs in HUB_CARRIERS.values() for airport in hubs}
    assert homes == set(HUBS)
    for carrier, hubs in HUB_CARRIERS.items():
        for hub in hubs:
            shares = profiles[hub].carrier_shares
            assert HOME_SHARE[0] <= shares[CARRIERS.index(carrier)] <= HOME_SHARE[1]
            assert max(shares) == shares[CARRIERS.index(carrier)]
    for profile in profiles.values():
        assert sum(profile.carrier_shares) == pytest.approx(1.0)
        assert 1 <= sum(share > 0 for share in profile.carrier_shares) <= len(CARRIERS)


def test_labels_name_the_planted_cause_and_the_outage_carrier() -> None:
    plan = plan_year(2013, 0.05, seed=2)
    labels = plan.labels
    assert labels.columns == ["airport", "flight_date", "kind", "cause", "carrier"]
    causes = dict(labels.select("kind", "cause").unique().iter_rows())
    assert causes == {
        "regional_storm": "weather",
        "blizzard": "weather",
        "airport_disruption": "carrier",
    }
    outages = labels.filter(pl.col("kind") == "airport_disruption")
    assert outages.height > 10
    assert outages["carrier"].null_count() == 0
    assert labels.filter(pl.col("kind") != "airport_disruption")["carrier"].null_count() == (
        labels.height - outages.height
    )
    profiles = {profile.code: profile for profile in airport_profiles()}
    for airport, carrier in outages.select("airport", "carrier").iter_rows():
        shares = profiles[airport].carrier_shares
        share = shares[CARRIERS.index(carrier)]
        assert share >= BIG_CARRIER_SHARE or share == max(shares)


def test_planted_causes_show_in_the_aggregate(sample_raw_dir: Path) -> None:
    """Labelled days' cause minutes and codes, pooled over their airports: storms are weather
    and the air system's, an outage its carrier's; ordinary days keep the usual mix."""
    daily = aggregate_year(Stores.in_folder(sample_raw_dir), 2013)
    labels = pl.read_csv(sample_raw_dir / "2013.labels.csv", try_parse_dates=True)
    joined = daily.join(labels, on=["airport", "flight_date"], how="left")
    pooled = (
        joined.group_by("kind")
        .agg(pl.col(*CAUSE_MINUTES_COLUMNS, *CANCELLED_BY_CAUSE_COLUMNS).sum())
        .with_columns(minutes=pl.sum_horizontal(CAUSE_MINUTES_COLUMNS))
        .with_columns(pl.col(CAUSE_MINUTES_COLUMNS) / pl.col("minutes"))
    )
    share = {row["kind"]: row for row in pooled.iter_rows(named=True)}
    ordinary = share[None]
    assert ordinary["late_aircraft_delay_minutes"] > ordinary["nas_delay_minutes"]
    assert ordinary["carrier_delay_minutes"] > ordinary["nas_delay_minutes"]
    assert ordinary["nas_delay_minutes"] > ordinary["weather_delay_minutes"]
    assert ordinary["weather_delay_minutes"] > ordinary["security_delay_minutes"]
    for kind in ("regional_storm", "blizzard"):
        minutes = share[kind]
        assert minutes["weather_delay_minutes"] + minutes["nas_delay_minutes"] > 0.7
        assert minutes["weather_delay_minutes"] == max(minutes[c] for c in CAUSE_MINUTES_COLUMNS)
        assert minutes["cancelled_carrier"] == minutes["cancelled_security"] == 0
    outage = share["airport_disruption"]
    assert outage["carrier_delay_minutes"] > 0.5
    assert outage["cancelled_carrier"] > outage["cancelled_weather"] + outage["cancelled_nas"]


def test_an_outage_makes_its_carrier_late_and_leaves_the_others(tmp_path: Path) -> None:
    write_year(tmp_path, 2013, scale=0.2, seed=5)
    labels = pl.read_csv(tmp_path / "2013.labels.csv", try_parse_dates=True)
    carriers = read_year(open_raw(Stores.in_folder(tmp_path), 2013)).carrier_days
    outages = labels.filter(pl.col("kind") == "airport_disruption").select(
        "airport", "flight_date", pl.col("carrier").alias("outage")
    )
    days = carriers.join(outages, on=["airport", "flight_date"])
    latest = (
        days.sort("avg_dep_delay", descending=True, nulls_last=True)
        .group_by("airport", "flight_date")
        .first()
    )
    busy = latest.join(
        days.group_by("airport", "flight_date").agg(pl.col("flights").sum().alias("day")),
        on=["airport", "flight_date"],
    ).filter(pl.col("day") >= 20)
    assert busy.height >= 10
    assert (busy["carrier"] == busy["outage"]).sum() >= 0.9 * busy.height
