"""Every dataset of a year, and where it lives: the one module that spells a key or file name.

Two stores hold them: `raw` (the yearly source files and, for generated years, their labels)
and `lake` (everything the pipeline writes). Every key is keyed on the year, so a step of one
year never touches another year's data. `Stores` reads and writes the datasets of a run.

| dataset | store | key |
|---|---|---|
| `raw_file` | raw | `<YEAR>.csv` |
| `labels` | raw | `<YEAR>.labels.csv` (generated years: the planted anomalies) |
| `aggregate` | lake | `aggregates/<YEAR>.parquet` |
| `carrier_days` | lake | `aggregates/<YEAR>.carriers.parquet` (per airport, day and carrier) |
| `detected` | lake | `daily/<YEAR>.parquet` |
| `explanations` | lake | `explanations/<YEAR>.parquet` (why each flagged day was abnormal) |
| `chart` | lake | `charts/<YEAR>/<AIRPORT>.png` |
| `chart_index_page`, `chart_index_json` | lake | `charts/<YEAR>/index.html`, `index.json` |
| `export` | lake | `exports/<YEAR>.csv` |
| `explanations_export` | lake | `explanation-exports/<YEAR>.csv` (QuickSight reads `exports/`) |
| `probe` | lake | `_probes/<YEAR>-<TOKEN>` (written and deleted at once, before a run rewrites) |
| `rcf_train` | lake | `sagemaker/<YEAR>/rcf/train/train.csv` (SageMaker RCF's training channel) |
| `xgboost_train`, `_validation` | lake | `sagemaker/<YEAR>/xgboost/{train,validation}/…csv` |
| `sagemaker_output` | lake | `sagemaker/<YEAR>/output/` (the training jobs' model artifacts) |
| `notebook_flags`, `notebook_plot` | lake | `sagemaker/<YEAR>/notebooks/<DETECTOR>.csv`, `.png` |
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from os import PathLike
from typing import TYPE_CHECKING, Literal

from flightdelays.errors import FlightDelaysError

if TYPE_CHECKING:
    import polars as pl

    from flightdelays.settings import Settings
    from flightdelays.storage import Store

FIRST_YEAR, LAST_YEAR = 2009, 2018
"""The years of the source dataset (Kaggle's 2009-2018 files)."""

CSV, PARQUET, PNG = "text/csv", "application/vnd.apache.parquet", "image/png"
HTML, JSON = "text/html; charset=utf-8", "application/json"

Year = int | str
"""A year, or a placeholder such as `<YEAR>` where a key is shown as a pattern."""


@dataclass(frozen=True)
class Dataset:
    """One object of a year: the store it sits in, its key there, and its content type."""

    store: Literal["raw", "lake"]
    key: str
    content_type: str


def raw_file(year: Year) -> Dataset:
    """The year's on-time file as published (Kaggle's `<YEAR>.csv`)."""
    return Dataset("raw", f"{year}.csv", CSV)


def labels(year: Year) -> Dataset:
    """The anomalies planted in a generated year: airport, flight_date, kind."""
    return Dataset("raw", f"{year}.labels.csv", CSV)


def aggregate(year: Year) -> Dataset:
    """Per (airport, day) counts and delays, before detection."""
    return Dataset("lake", f"aggregates/{year}.parquet", PARQUET)


def carrier_days(year: Year) -> Dataset:
    """Per (airport, day, carrier) flights, cancellations and delay, from the aggregate's read."""
    return Dataset("lake", f"aggregates/{year}.carriers.parquet", PARQUET)


def explanations(year: Year) -> Dataset:
    """Why each flagged (airport, day) was abnormal: causes, carriers (`anomaly_explanations`)."""
    return Dataset("lake", f"explanations/{year}.parquet", PARQUET)


def detected(year: Year) -> Dataset:
    """The aggregate with the detector's verdict: the rows charts, load and export use."""
    return Dataset("lake", f"daily/{year}.parquet", PARQUET)


def charts_folder(year: Year) -> str:
    """The lake folder of a year's charts and their index."""
    return f"charts/{year}/"


def chart_name(airport: str) -> str:
    """A chart's file name inside its year's folder (the index links to it by this name)."""
    return f"{airport}.png"


def chart(year: Year, airport: str) -> Dataset:
    """One airport's chart of the year."""
    return Dataset("lake", charts_folder(year) + chart_name(airport), PNG)


def is_chart(key: str) -> bool:
    """Whether a key is an airport's chart as the pipeline names it (not the index, nor a file
    a person put in the folder)."""
    return re.fullmatch(r"charts/\d{4}/[A-Z0-9]{3}\.png", key) is not None


def is_output(key: str) -> bool:
    """Whether a key in a charts folder is one the charts step writes (and so may remove)."""
    year = key.split("/")[1] if key.count("/") == 2 else ""
    indexes = {chart_index_page(year).key, chart_index_json(year).key}
    return is_chart(key) or key in indexes


def chart_index_page(year: Year) -> Dataset:
    """The year's chart index for a person browsing the lake."""
    return Dataset("lake", charts_folder(year) + "index.html", HTML)


def chart_index_json(year: Year) -> Dataset:
    """The year's chart index for programs."""
    return Dataset("lake", charts_folder(year) + "index.json", JSON)


def export(year: Year) -> Dataset:
    """The year's rows as loaded, as CSV for SageMaker, QuickSight and the like."""
    return Dataset("lake", f"exports/{year}.csv", CSV)


def explanations_export(year: Year) -> Dataset:
    """The year's `anomaly_explanations` rows as loaded, as CSV. Beside `exports/`, not in it:
    QuickSight's manifest reads every file under that prefix as rows of one table."""
    return Dataset("lake", f"explanation-exports/{year}.csv", CSV)


def probe(year: Year, token: str) -> Dataset:
    """An empty object a run writes and deletes to learn that it may write the lake."""
    return Dataset("lake", f"_probes/{year}-{token}", "text/plain")


def sagemaker_folder(year: Year) -> str:
    """The lake folder of a year's SageMaker channels, model artifacts and notebook results
    (the SageMaker execution role may read and write this prefix only)."""
    return f"sagemaker/{year}/"


def rcf_train(year: Year) -> Dataset:
    """SageMaker Random Cut Forest's training channel: headerless CSV of shingled features."""
    return Dataset("lake", sagemaker_folder(year) + "rcf/train/train.csv", CSV)


def xgboost_train(year: Year) -> Dataset:
    """SageMaker XGBoost's training channel: headerless CSV, label, weight, then features."""
    return Dataset("lake", sagemaker_folder(year) + "xgboost/train/train.csv", CSV)


def xgboost_validation(year: Year) -> Dataset:
    """SageMaker XGBoost's validation channel, in the training channel's format."""
    return Dataset("lake", sagemaker_folder(year) + "xgboost/validation/validation.csv", CSV)


def sagemaker_output(year: Year) -> str:
    """The lake prefix where the year's training jobs write their model artifacts."""
    return sagemaker_folder(year) + "output/"


def notebook_flags(year: Year, detector: str) -> Dataset:
    """The airport-days a notebook's model flagged, beside the default detector's verdict."""
    return Dataset("lake", sagemaker_folder(year) + f"notebooks/{detector}.csv", CSV)


def notebook_plot(year: Year, detector: str) -> Dataset:
    """A notebook's plot of the days its model flagged next to the default detector's."""
    return Dataset("lake", sagemaker_folder(year) + f"notebooks/{detector}.png", PNG)


class Stores:
    """The raw and lake stores of a run, read and written by dataset."""

    def __init__(self, raw: Store, lake: Store) -> None:
        self.raw = raw
        self.lake = lake

    @classmethod
    def from_settings(cls, settings: Settings) -> Stores:
        from flightdelays.storage import open_store

        return cls(
            open_store(settings.raw_url, settings.s3), open_store(settings.lake_url, settings.s3)
        )

    @classmethod
    def in_folder(cls, folder: str | PathLike[str]) -> Stores:
        """Raw files and lake in one local folder (research code, tests and benchmarks)."""
        from flightdelays.storage import open_store

        store = open_store(str(folder))
        return cls(store, store)

    def store(self, dataset: Dataset) -> Store:
        return self.raw if dataset.store == "raw" else self.lake

    def location(self, dataset: Dataset) -> str:
        """Where the dataset is, for messages and for readers such as polars."""
        return self.store(dataset).location(dataset.key)

    def exists(self, dataset: Dataset) -> bool:
        return self.store(dataset).exists(dataset.key)

    def read_bytes(self, dataset: Dataset) -> bytes:
        try:
            return self.store(dataset).read_bytes(dataset.key)
        except FileNotFoundError:
            where = self.location(dataset)
            raise FlightDelaysError(f"{where} does not exist: its step has not run") from None

    def write_bytes(self, dataset: Dataset, data: bytes) -> None:
        self.store(dataset).write_bytes(dataset.key, data, dataset.content_type)

    def read_parquet(self, dataset: Dataset) -> pl.DataFrame:
        import polars as pl

        return pl.read_parquet(io.BytesIO(self.read_bytes(dataset)))

    def write_parquet(self, dataset: Dataset, frame: pl.DataFrame) -> None:
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        self.write_bytes(dataset, buffer.getvalue())

    def write_csv(self, dataset: Dataset, frame: pl.DataFrame) -> None:
        buffer = io.BytesIO()
        frame.write_csv(buffer)
        self.write_bytes(dataset, buffer.getvalue())

    def charts(self, year: int) -> list[str]:
        """Keys of the airport charts now in the year's charts folder."""
        return [key for key in self.lake.list(charts_folder(year)) if is_chart(key)]
