# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Random Cut Forest on a year of airport-days
#
# AWS's Random Cut Forest (the `krcf` binding of AWS's own library, the algorithm SageMaker's
# built-in RCF runs) on each airport-day's week-long shingle, as the `random_cut_forest`
# detector does. Reads the year's export from the lake (`FLIGHTDELAYS_LAKE_URL`, the year from
# `FLIGHTDELAYS_NOTEBOOK_YEAR`), fits the forest, plots the airport-days it flags next to the
# default detector's, and writes both to the lake's `sagemaker/<YEAR>/notebooks/`.

# %%
import os

import numpy as np
from IPython.display import Image

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.detectors import DEFAULT_DETECTOR, get_detector
from flightdelays.detectors.grid import Grid
from flightdelays.detectors.random_cut_forest import shingled_year
from flightdelays.sagemaker.channels import read_export
from flightdelays.sagemaker.notebook import plot_flags, side_by_side
from flightdelays.settings import Settings

MODEL = "random_cut_forest"
YEAR = int(os.environ.get("FLIGHTDELAYS_NOTEBOOK_YEAR", "2013"))
stores = Stores.from_settings(Settings.from_env())
daily = read_export(stores, YEAR)
print(f"{daily.height:,} airport-days of {YEAR} from {stores.location(catalog.export(YEAR))}")

# %% [markdown]
# The forest's input: one shingle per judged airport-day, seven days of two features in
# standard units (delay above the airport's median day, cancelled share above its usual).

# %%
year = shingled_year(Grid.of(daily), daily)
print(f"{int(year.judged_rows.sum()):,} judged airport-days, shingles of {year.shingles.shape[1]}")
print("largest day features (delay, cancelled):", np.round(year.shingles[:, -2:].max(axis=0), 1))

# %% [markdown]
# Fit and score: one forest for the year, then the attribution of each day's own entries.

# %%
model = get_detector(MODEL).detect(daily)
default = get_detector(DEFAULT_DETECTOR).detect(daily)
flagged = side_by_side(model, default)
print(f"{MODEL}: {model['is_anomaly'].sum()}, {DEFAULT_DETECTOR}: {default['is_anomaly'].sum()}")
flagged.head(10)

# %% [markdown]
# The flagged airport-days through the year, by their mean delay.

# %%
png = plot_flags(flagged, f"Airport-days flagged in {YEAR}")
Image(png)

# %% [markdown]
# Results to the lake, beside the SageMaker channels.

# %%
stores.write_csv(catalog.notebook_flags(YEAR, MODEL), flagged)
stores.write_bytes(catalog.notebook_plot(YEAR, MODEL), png)
print("wrote", stores.location(catalog.notebook_flags(YEAR, MODEL)))
