"""The check step: the warehouse, the aggregate, the explanations and the charts of a year agree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.errors import CheckError
from flightdelays.warehouse.postgres import YearInTable, read_year

if TYPE_CHECKING:
    from flightdelays.settings import Settings


def check_step(settings: Settings, year: int) -> dict[str, int]:
    """Fail unless table rows equal the aggregated groups, the loaded explanations the lake's
    (one per flagged day), one chart per airport, no duplicates."""
    stores = Stores.from_settings(settings)
    aggregated = stores.read_parquet(catalog.aggregate(year))
    explained = stores.read_parquet(catalog.explanations(year)).height
    charts = stores.charts(year)
    table = read_year(settings.resolved_database_url(), year)
    airports = aggregated["airport"].n_unique()
    problems = []
    if table.rows != aggregated.height:
        problems.append(f"table has {table.rows} rows, aggregate has {aggregated.height} groups")
    if table.duplicate_keys:
        problems.append(f"table has {table.duplicate_keys} duplicate (airport, day) keys")
    problems += explanation_problems(table, explained)
    if len(charts) != airports:
        problems.append(f"{len(charts)} charts for {airports} airports")
    if problems:
        raise CheckError(f"check of {year} failed: " + "; ".join(problems))
    return {"rows": table.rows, "airports": airports, "anomalies": table.anomalies}


def explanation_problems(table: YearInTable, explained: int) -> list[str]:
    """What is wrong with the loaded explanations: not the lake's count, or not one per
    flagged day."""
    problems = []
    if table.explanations != explained:
        problems.append(f"table has {table.explanations} explanations, the lake has {explained}")
    if table.explanations != table.anomalies:
        problems.append(
            f"table has {table.explanations} explanations for {table.anomalies} flagged days"
        )
    return problems
