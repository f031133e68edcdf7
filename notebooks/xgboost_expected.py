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
# # XGBoost's expected delay on a year of airport-days
#
# XGBoost (the library SageMaker's built-in XGBoost runs) learns each airport-day's expected
# delay and cancelled share from what was known without the day's outcome, as the
# `xgboost_expected` detector does; a day is scored by how far it sits above. Reads the year's
# export from the lake (`FLIGHTDELAYS_LAKE_URL`, the year from `FLIGHTDELAYS_NOTEBOOK_YEAR`),
# fits the models, plots the airport-days they flag next to the default detector's, and writes
# both to the lake's `sagemaker/<YEAR>/notebooks/`.

# %%
import os

import xgboost as xgb
from IPython.display import Image

from flightdelays import catalog
from flightdelays.catalog import Stores
from flightdelays.detectors import DEFAULT_DETECTOR, get_detector
from flightdelays.detectors.grid import Grid
from flightdelays.detectors.xgboost_expected import (
    BOOSTING,
    HUBER_SLOPE_MINUTES,
    ROUNDS,
    features,
)
from flightdelays.sagemaker.channels import XGBOOST_FEATURES, read_export
from flightdelays.sagemaker.notebook import plot_flags, side_by_side
from flightdelays.settings import Settings

MODEL = "xgboost_expected"
YEAR = int(os.environ.get("FLIGHTDELAYS_NOTEBOOK_YEAR", "2013"))
stores = Stores.from_settings(Settings.from_env())
daily = read_export(stores, YEAR)
print(f"{daily.height:,} airport-days of {YEAR} from {stores.location(catalog.export(YEAR))}")

# %% [markdown]
# The delay model's features (none holds the day's own outcome) and what it leans on: one
# model on the even days, its gain per feature.

# %%
grid = Grid.of(daily)
x = features(grid, daily)
usable = (daily["departed"] > 0).to_numpy() & (grid.day_of_row % 2 == 0)
booster = xgb.train(
    {**BOOSTING, "huber_slope": HUBER_SLOPE_MINUTES},
    xgb.DMatrix(
        x[usable],
        label=daily["avg_dep_delay"].to_numpy()[usable],
        weight=daily["departed"].to_numpy()[usable],
        feature_names=list(XGBOOST_FEATURES),
    ),
    ROUNDS,
)
gain = booster.get_score(importance_type="gain")
print({name: round(gain.get(name, 0.0)) for name in XGBOOST_FEATURES})

# %% [markdown]
# Fit and score: each day predicted by the models trained on the other half of the days.

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
