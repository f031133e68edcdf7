from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flightdelays.charts.shards import split_airports

codes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=3, max_size=3)


@given(rows=st.dictionaries(codes, st.integers(1, 10_000), max_size=40), shards=st.integers(1, 9))
def test_every_airport_is_in_exactly_one_shard_and_the_split_is_stable(
    rows: dict[str, int], shards: int
) -> None:
    split = split_airports(rows, shards)

    assert len(split) == shards
    assert sorted(code for shard in split for code in shard) == sorted(rows)
    assert all(shard == sorted(shard) for shard in split)
    assert split_airports(dict(reversed(list(rows.items()))), shards) == split


@given(rows=st.dictionaries(codes, st.integers(1, 10_000), min_size=1, max_size=40))
def test_no_shard_holds_more_rows_than_another_plus_the_largest_airport(
    rows: dict[str, int],
) -> None:
    loads = [sum(rows[code] for code in shard) for shard in split_airports(rows, 3)]

    assert max(loads) - min(loads) <= max(rows.values())


def test_airports_are_dealt_largest_first_to_the_lightest_shard() -> None:
    rows = {"ATL": 365, "BOS": 300, "DEN": 200, "JFK": 120, "SFO": 100, "AAA": 10}

    assert split_airports(rows, 2) == [["ATL", "JFK", "SFO"], ["AAA", "BOS", "DEN"]]
    assert split_airports(rows, 8)[6:] == [[], []]


def test_a_year_needs_at_least_one_shard() -> None:
    with pytest.raises(ValueError, match="at least one"):
        split_airports({"ATL": 1}, 0)
