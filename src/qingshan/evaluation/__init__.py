"""Enterprise evaluation: 亩均论英雄 scores and A/B/C/D/T classes under a scheme, 碳效码
grades, differentiated policy measures, explanations, class migration and park evaluation.

    inputs = evaluation_inputs(pkg, accounts)          # one row per enterprise-year
    ev = evaluate(inputs, load_scheme("huaian-2024"), 2024)

See docs/evaluation.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qingshan.errors import ValidationError
from qingshan.evaluation.config import CarbonConfig, Measures, load_carbon_config, load_measures
from qingshan.evaluation.engine import STATUS_EVALUATED, YearScores, score_year
from qingshan.evaluation.parks import park_evaluation
from qingshan.evaluation.scheme import Scheme, load_scheme
from qingshan.methods import carbon_efficiency as ce
from qingshan.methods import policy_measures as pm

__all__ = ["Evaluation", "evaluate", "load_carbon_config", "load_measures", "load_scheme"]

CLASS_ORDER = ("A", "B", "C", "D", "T", "—")


@dataclass
class Evaluation:
    """Results of one evaluation year.

    ``firms``: one row per enterprise-year (status, segment, group, score, rank, class,
    next-class threshold, carbon L/K/grade, measures total); ``items``: one row per
    evaluated enterprise and indicator (value, benchmark, score, value needed for the
    next class); ``measures``: one row per enterprise and applicable measure; ``parks``;
    ``migration``: classes of the previous year (rows) against this year (columns).
    """

    scheme: Scheme
    year: int
    firms: pd.DataFrame
    items: pd.DataFrame
    measures: pd.DataFrame
    parks: pd.DataFrame
    migration: pd.DataFrame
    carbon: CarbonConfig
    measure_set: Measures
    notes: list[dict[str, Any]] = field(default_factory=list)


def evaluate(inputs: pd.DataFrame, scheme: Scheme, year: int, *, carbon: CarbonConfig | None = None,
             measures: Measures | None = None, adjustments: pd.DataFrame | None = None) -> Evaluation:
    """Evaluate ``year``; earlier years are evaluated too, as far as the data allow, for
    consecutive-year measures and the migration matrix."""
    carbon = carbon or load_carbon_config()
    measures = measures or load_measures()
    current = score_year(inputs, scheme, year, adjustments)
    depth = max([1, *(len(m.yuan_per_kwh) for m in measures.measures)])
    history: dict[int, YearScores] = {year: current}
    notes: list[dict[str, Any]] = []
    for y in range(year - 1, year - 1 - depth, -1):
        if not (inputs["year"] == y).any():
            break
        try:
            history[y] = score_year(inputs, scheme, y, adjustments)
        except ValidationError:
            notes.append({"year": y, "zh": f"{y} 年无法按本方案评价（缺少上年度数据），连续年数从 {y + 1} 年起算",
                          "en": f"{y} cannot be evaluated under this scheme (no previous-year data); "
                                f"consecutive years are counted from {y + 1}"})
            break
    frame = inputs[inputs["year"] == year].reset_index(drop=True)
    firms = current.firms.copy()
    for c, v in carbon_columns(frame, carbon).items():
        firms[c] = v.reset_index(drop=True)
    classes = pd.concat([h.firms[["entity_id", "year", "class"]] for h in history.values()], ignore_index=True)
    mlist = measure_list(firms, frame, classes, measures, year)
    amount = mlist.groupby("entity_id")["amount_yuan"].sum(min_count=1) if len(mlist) else pd.Series(dtype=float)
    firms["measures_yuan"] = firms["entity_id"].map(amount).astype("float64")
    prev = history.get(year - 1)
    return Evaluation(scheme=scheme, year=year, firms=firms, items=current.items, measures=mlist,
                      parks=park_evaluation(frame, firms),
                      migration=migration_matrix(prev.firms if prev is not None else None, firms),
                      carbon=carbon, measure_set=measures, notes=notes)


def carbon_columns(frame: pd.DataFrame, cfg: CarbonConfig) -> dict[str, pd.Series]:
    """carbon_L, carbon_level, carbon_industry_L, carbon_K, carbon_grade (碳效码)."""
    co2 = frame["co2_energy_t"] if cfg.co2 == "energy" else frame["co2_t"]
    va = frame["value_added_10k_yuan"].astype("float64")
    L = ce.carbon_intensity(co2.astype("float64"), va)
    member = frame["scale"].isin(list(cfg.scales)).fillna(False).astype(bool) if cfg.scales else \
        pd.Series(True, index=frame.index)
    industry = frame["industry_code"].astype("string").str.slice(0, cfg.industry_digits).fillna("<NA>")
    L_ind = ce.industry_intensity(co2.astype("float64"), va, industry, member)
    K = (L / L_ind).where(member & L.notna() & (L_ind > 0))
    level = ce.grade(L, cfg.level_limits)
    return {"carbon_L": L, "carbon_level": level, "carbon_industry": industry.where(member),
            "carbon_industry_L": L_ind.where(member), "carbon_K": K, "carbon_grade": ce.grade(K, cfg.grade_limits)}


def measure_list(firms: pd.DataFrame, frame: pd.DataFrame, classes: pd.DataFrame, measures: Measures,
                 year: int) -> pd.DataFrame:
    """One row per enterprise and measure of its class; surcharges in yuan."""
    rows = []
    for m in measures.measures:
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


def _class_or_dash(firms: pd.DataFrame) -> pd.Series:
    return firms["class"].astype("string").fillna("—")


def migration_matrix(prev: pd.DataFrame | None, cur: pd.DataFrame) -> pd.DataFrame:
    """Counts of enterprises by class last year (rows) and this year (columns); "—" is not
    evaluated (out of scope or absent that year)."""
    if prev is None:
        return pd.DataFrame()
    a = pd.Series(_class_or_dash(prev).to_numpy(), index=prev["entity_id"].to_numpy())
    b = pd.Series(_class_or_dash(cur).to_numpy(), index=cur["entity_id"].to_numpy())
    both = pd.DataFrame({"from": a, "to": b}).fillna("—")
    m = pd.crosstab(both["from"], both["to"])
    order = [c for c in CLASS_ORDER]
    return m.reindex(index=order, columns=order, fill_value=0)


def evaluated(firms: pd.DataFrame) -> pd.DataFrame:
    return firms[firms["status"] == STATUS_EVALUATED]
