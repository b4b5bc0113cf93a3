"""Differentiated policy measures of an evaluation year: one row per enterprise and measure
of its class, with the electricity surcharge (years in the class, rate, base, amount) where
the measure is one (:mod:`qingshan.methods.policy_measures`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qingshan.evaluation.config import Measures
from qingshan.methods import policy_measures as pm


def measure_list(firms: pd.DataFrame, frame: pd.DataFrame, classes: pd.DataFrame, measures: Measures | None,
                 year: int) -> pd.DataFrame:
    """One row per enterprise and measure of its class; surcharges in yuan. No rows when
    no measures apply (``measures`` is ``None``)."""
    rows = []
    for m in (measures.measures if measures else ()):
        sel = firms["class"] == m.cls
        if not sel.fillna(False).any():
            continue
        f = firms[sel.fillna(False)]
        out = pd.DataFrame({"entity_id": f["entity_id"].to_numpy(), "class": m.cls, "measure": m.id,
                            "kind": m.kind, "zh": m.zh, "en": m.en, "source": m.source})
        if m.kind == "electricity_surcharge":
            run = pm.consecutive_years(classes, year, m.cls)
            yrs = f["entity_id"].map(run).fillna(0).astype("int64")
            rate = pm.surcharge_rate(yrs, m.yuan_per_kwh)
            base = frame.loc[f.index, m.base].astype("float64")
            out["years_in_class"] = yrs.to_numpy()
            out["yuan_per_kwh"] = rate.to_numpy()
            out["base_kwh"] = base.fillna(0.0).clip(lower=0.0).to_numpy()
            out["amount_yuan"] = pm.surcharge_yuan(rate, base).to_numpy()
        rows.append(out)
    cols = ["entity_id", "class", "measure", "kind", "zh", "en", "years_in_class", "yuan_per_kwh", "base_kwh",
            "amount_yuan", "source"]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True)
    for c in cols:
        if c not in out.columns:
            out[c] = np.nan
    return out[cols].sort_values(["entity_id", "measure"], ignore_index=True)
