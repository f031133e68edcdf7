import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from flightdelays.research.generate import (
    airport_profiles,
    holidays,
    plan_year,
    unique_flight_numbers,
    write_year,
)
from flightdelays.schema import HEADER_LINE, RAW_COLUMNS


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
