"""IsolationForest peer (scikit-learn), set up the way course projects use it.

One forest over all judged airport-days, on two features: the day's mean delay and cancelled
share, each as a robust z-score against its airport's median day (so hubs and small airports
are comparable; a forest per airport costs ~70 s a year and isolates no better). The forest
flags the `CONTAMINATION` share of days it isolates fastest, whatever direction they lie in;
it says nothing about *why* a day is unusual. Only days above the airport's usual delay or
cancellations may fire: a signal fires when the forest calls the day an outlier and that
signal is more than one robust standard deviation above its median. Scores are the forest's
isolation strength (positive: an outlier), negated on days that signal is not high.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from sklearn.ensemble import IsolationForest as _Forest

from flightdelays.detectors.base import VerdictRule, add_verdict, no_scores
from flightdelays.detectors.robust_zscore import robust_scores

CONTAMINATION = 0.01
"""The share of days the forest is told are outliers (course projects' usual 1%)."""

HIGH = 1.0
"""A signal counts as 'high' on a day more than this many robust SDs above its median."""


class IsolationForestDetector:
    """Global IsolationForest on per-airport robust z-scores of delay and cancelled share."""

    name = "isolation_forest"
    seed = 0

    def detect(self, daily: pl.DataFrame) -> pl.DataFrame:
        if daily.is_empty():
            return no_scores(daily, self.name)
        robust = robust_scores(daily)
        judged = robust["judged"].to_numpy()
        features = (
            robust.select(pl.col("delay_score", "cancellation_score").fill_null(0.0))
            .to_numpy()
            .astype(np.float64)
        )
        strength = np.full(daily.height, np.nan)
        if judged.sum() >= 2:
            forest = _Forest(
                n_estimators=100, contamination=CONTAMINATION, random_state=self.seed
            ).fit(features[judged])
            strength[judged] = -forest.decision_function(features[judged])
        isolated = pl.Series("strength", strength).fill_nan(None)
        scored = robust.with_columns(isolated).with_columns(
            (
                pl.when(pl.col(column) > HIGH)
                .then(pl.col("strength"))
                .otherwise(-pl.col("strength").abs())
                .alias(column)
            )
            for column in ("delay_score", "cancellation_score")
        )
        return add_verdict(
            scored, self.name, VerdictRule(delay_threshold=0.0, cancellation_threshold=0.0)
        )
