"""What drove the change (LMDI-I, :mod:`qingshan.methods.lmdi`) between two years, by
industry division or by district, for the enterprises that report value added:

* energy (综合能耗, 当量值): activity, structure, intensity;
* CO2 (combustion + purchased electricity and heat): activity, structure, intensity,
  energy mix and emission factor, over sector × carrier cells.

Cells with a negative value in either year (a sector that exports more heat or electricity
than it buys) cannot enter a logarithmic decomposition; their change is reported as
``not_decomposed`` so that the effects still add up exactly to the total change.

``district`` keeps the enterprises of one district (a district's change by industry).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from qingshan.accounts import AccountResult
from qingshan.methods import lmdi
from qingshan.methods.carrier_rollup import BY, carrier_rollup
from qingshan.schema.carriers import carriers
from qingshan.store import Store

ENERGY_EFFECTS = ("activity", "structure", "intensity")
CARBON_EFFECTS = ("activity", "structure", "intensity", "mix", "emission_factor")


def _activity(yearly: pd.DataFrame, by: str, year: int, district: str | None = None) -> pd.DataFrame:
    y = yearly[(yearly["year"] == year) & (yearly["value_added_10k_yuan"] > 0)].copy()
    if district is not None:
        y = y[y["district_id"].astype("string") == district]
    y["sector"] = y["industry_code"].astype("string").str.slice(0, 2) if by == "industry" else y["district_id"]
    return y.groupby("sector", as_index=False)[["value_added_10k_yuan", "energy_tce"]].sum()


def _summary(effects: pd.DataFrame, names: tuple[str, ...], v0: float, v1: float, excluded: float
             ) -> dict[str, Any]:
    """Totals, additive effects (+ the change not decomposed) and multiplicative effects of
    the decomposed cells (Π D = their target ÷ base total)."""
    add = {k: float(effects[k].sum()) for k in names}
    out: dict[str, Any] = {"base": v0, "target": v1, "change": v1 - v0, "additive": add,
                           "not_decomposed": excluded, "residual": sum(add.values()) + excluded - (v1 - v0)}
    try:
        out["multiplicative"] = lmdi.multiplicative({k: effects[k].to_numpy() for k in names},
                                                    float(effects["base"].sum()), float(effects["target"].sum()))
    except ValueError:
        out["multiplicative"] = None
    return out


def decompose_energy(result: AccountResult, y0: int, y1: int, by: str, district: str | None = None
                     ) -> tuple[pd.DataFrame, dict[str, Any]]:
    base, target = _activity(result.yearly, by, y0, district), _activity(result.yearly, by, y1, district)
    neg = set(base.loc[base["energy_tce"] < 0, "sector"]) | set(target.loc[target["energy_tce"] < 0, "sector"])
    excluded = float(target.loc[target["sector"].isin(neg), "energy_tce"].sum()
                     - base.loc[base["sector"].isin(neg), "energy_tce"].sum())
    d = lmdi.decompose_energy(base[~base["sector"].isin(neg)], target[~target["sector"].isin(neg)], "sector",
                              "value_added_10k_yuan", "energy_tce")
    summary = _summary(d, ENERGY_EFFECTS, float(base["energy_tce"].sum()), float(target["energy_tce"].sum()),
                       excluded)
    return d.reset_index().rename(columns={"index": "sector"}), summary


def decompose_carbon(result: AccountResult, store: Store, y0: int, y1: int, by: str, district: str | None = None
                     ) -> tuple[pd.DataFrame, dict[str, Any]]:
    e = store.table("energy")
    e = e.filter(e.year.isin([y0, y1]))
    ents = store.table("entities")
    if district is not None:
        ents = ents.filter(ents.district_id == district)
    cells = store.execute(carrier_rollup(e, store.table("coefficients"), store.table("year_coefficients"),
                                         ents, store.table("economics"), by))
    names = list(carriers())
    cells["fuel"] = cells["carrier_key"].map(lambda k: names[int(k)])
    frames = {}
    for y in (y0, y1):
        act = _activity(result.yearly, by, y, district)[["sector", "value_added_10k_yuan"]]
        frames[y] = cells[cells["year"] == y].merge(act, on="sector", how="inner")
    bad = pd.concat(frames.values())
    bad = bad[(bad["energy_tce"] < 0) | (bad["co2_t"] < 0)][["sector", "fuel"]].drop_duplicates()
    key = set(zip(bad["sector"], bad["fuel"], strict=True))

    def ok(f: pd.DataFrame) -> pd.Series:
        return pd.Series([(s, c) not in key for s, c in zip(f["sector"], f["fuel"], strict=True)], index=f.index)

    excluded = float(frames[y1].loc[~ok(frames[y1]), "co2_t"].sum() - frames[y0].loc[~ok(frames[y0]), "co2_t"].sum())
    f0, f1 = frames[y0][ok(frames[y0])], frames[y1][ok(frames[y1])]
    d = lmdi.decompose_carbon(f0, f1, "sector", "fuel", "value_added_10k_yuan", "energy_tce", "co2_t")
    summary = _summary(d, CARBON_EFFECTS, float(frames[y0]["co2_t"].sum()), float(frames[y1]["co2_t"].sum()),
                       excluded)
    return d.reset_index(), summary


__all__ = ["BY", "decompose_carbon", "decompose_energy"]
