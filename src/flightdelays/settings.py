"""One typed settings object, filled from flags or the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from flightdelays.charts.shards import DEFAULT_CHART_SHARDS, MAX_CHART_SHARDS
from flightdelays.detectors import DEFAULT_DETECTOR
from flightdelays.errors import ConfigError
from flightdelays.storage import S3Options


@dataclass(frozen=True)
class Settings:
    """Where the raw files are, where outputs go, and which database gets the rows.

    `database_url` None means the embedded PostgreSQL under `data_dir`; `s3` None means S3 is
    reached the standard AWS way.
    """

    raw_url: str
    lake_url: str
    database_url: str | None
    data_dir: Path
    detector: str = DEFAULT_DETECTOR
    chart_workers: int = 2
    chart_shards: int = DEFAULT_CHART_SHARDS
    """How many tasks draw a year's charts under Airflow (`charts.shards`)."""
    s3: S3Options | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Settings from FLIGHTDELAYS_* variables; local folders under the data folder else."""
        env = dict(os.environ if environ is None else environ)
        data_dir = Path(env.get("FLIGHTDELAYS_DATA_DIR", ".data")).resolve()
        return cls(
            raw_url=env.get("FLIGHTDELAYS_RAW_URL") or (data_dir / "raw").as_uri(),
            lake_url=env.get("FLIGHTDELAYS_LAKE_URL") or (data_dir / "lake").as_uri(),
            database_url=env.get("FLIGHTDELAYS_DATABASE_URL") or None,
            data_dir=data_dir,
            detector=env.get("FLIGHTDELAYS_DETECTOR") or DEFAULT_DETECTOR,
            chart_workers=_workers(env.get("FLIGHTDELAYS_CHART_WORKERS", "2")),
            chart_shards=chart_shards(env.get("FLIGHTDELAYS_CHART_SHARDS")),
        )

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the given fields replaced; None values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    def resolved_database_url(self) -> str:
        """The database URL, starting the embedded PostgreSQL when none is set."""
        if self.database_url:
            return self.database_url
        from flightdelays.local.postgres import embedded_database_url

        return embedded_database_url(self.data_dir)


def _workers(text: str) -> int:
    """FLIGHTDELAYS_CHART_WORKERS as a count of processes, 1 to 64."""
    try:
        workers = int(text)
    except ValueError:
        workers = 0
    if not 1 <= workers <= 64:
        raise ConfigError(
            f"FLIGHTDELAYS_CHART_WORKERS={text!r} is not a number of processes (1-64)"
        )
    return workers


def chart_shards(text: str | None) -> int:
    """FLIGHTDELAYS_CHART_SHARDS as a number of chart tasks per year, 1 to 64 (default 4)."""
    if not text:
        return DEFAULT_CHART_SHARDS
    try:
        shards = int(text)
    except ValueError:
        shards = 0
    if not 1 <= shards <= MAX_CHART_SHARDS:
        raise ConfigError(
            f"FLIGHTDELAYS_CHART_SHARDS={text!r} is not a number of chart tasks"
            f" (1-{MAX_CHART_SHARDS})"
        )
    return shards
