"""A year's airports split into chart shards: the unit one Airflow task (or pod) draws.

The split is pure and stable: the same rows and shard count give the same shards in every task
of a run, so each mapped task computes its own share and no list travels through XCom.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_CHART_SHARDS = 4
MAX_CHART_SHARDS = 64


def split_airports(rows: Mapping[str, int], shards: int) -> list[list[str]]:
    """`shards` lists of airport codes, each sorted, together holding every key of `rows`
    (airport to its number of rows) exactly once, balanced by rows.

    Airports are dealt largest first (ties by code) to the shard with the fewest rows so far
    (ties to the lowest shard number): the same input always gives the same shards. A shard may
    be empty when there are fewer airports than shards.
    """
    if shards < 1:
        raise ValueError(f"a year needs at least one chart shard, not {shards}")
    loads = [0] * shards
    split: list[list[str]] = [[] for _ in range(shards)]
    for airport, count in sorted(rows.items(), key=lambda item: (-item[1], item[0])):
        lightest = min(range(shards), key=lambda shard: (loads[shard], shard))
        split[lightest].append(airport)
        loads[lightest] += count
    return [sorted(airports) for airports in split]
