"""The demo city's discharge permits, quarterly execution reports and district quotas
(docs/demo-city.md, "Permits and totals"), derived from its ``pollutants`` table with a
generator of their own (``seed`` and the stream number :data:`STREAM`), so that no other
table's numbers change.

Every number here is a demo assumption: each enterprise-pollutant of the pollutants table
holds a five-year permit (条例 art. 14's term) whose annual quantity leaves headroom over its
largest yearly emissions, except a few chosen to be over their permit; its quarterly reports
split each year's tonnes of the pollutants table; each district's quota is its tonnes with a
margin, except one district and pollutant of the last year, set below its tonnes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from qingshan.schema.tables import tables
from qingshan.schema.units import conversion_factor

#: The permits' own stream of the demo seed: SeedSequence([seed, STREAM]).
STREAM = 18
#: Headroom of a permit over the largest yearly tonnes (demo assumption), drawn uniformly.
HEADROOM = (1.15, 1.8)
#: Permits over which the enterprise emits: actual / permitted for the chosen few.
OVER_RATIOS = (1.7, 1.3, 1.15, 1.05, 1.02)
#: Quota margin over a district's tonnes, and the ratio of the one district over its quota.
QUOTA_MARGIN, OVER_QUOTA = 1.10, 0.90


def _tonnes(pollutants: pd.DataFrame) -> pd.DataFrame:
    units = pollutants["unit"].astype(object).where(pollutants["unit"].notna(), "t").astype(str)
    factor = units.map({u: conversion_factor(u, "t") for u in units.unique()}).astype("float64")
    return pollutants.assign(t=pollutants["quantity_t"].astype("float64") * factor,
                             entity_id=pollutants["entity_id"].astype(str),
                             pollutant=pollutants["pollutant"].astype(str))


def demo_permit_tables(pollutants: pd.DataFrame, districts: Mapping[str, str], *, seed: int
                       ) -> dict[str, pd.DataFrame]:
    """``permits``, ``permit_reports`` and ``pollutant_quotas`` of the demo city;
    ``districts`` maps each enterprise to its district."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, STREAM]))
    pol = _tonnes(pollutants)
    pol = pol[pol["t"] > 0]
    if pol.empty:
        return {name: pd.DataFrame(columns=list(tables()[name].column_names))
                for name in ("permits", "permit_reports", "pollutant_quotas")}
    last = int(pol["year"].max())
    keys = pol.groupby(["entity_id", "pollutant"], sort=True)["t"].agg(["max", "last"]).reset_index()
    recent = pol[pol["year"] >= last - 1].groupby(["entity_id", "pollutant"], sort=True)["t"].min()
    keys["recent"] = recent.reindex(pd.MultiIndex.from_frame(keys[["entity_id", "pollutant"]])).to_numpy()
    n = len(keys)
    ratio = 1.0 / rng.uniform(*HEADROOM, n)
    # the few over their permit: the largest emitters of SO2 and COD, by ratio to the smaller of
    # their last two years, so that they are over it in both
    chosen = keys.assign(i=np.arange(n)).sort_values("last", ascending=False, kind="stable")
    chosen = pd.concat([chosen[chosen["pollutant"] == "so2"].head(3), chosen[chosen["pollutant"] == "cod"].head(2)])
    base = keys["max"].to_numpy().copy()
    for (i, low), r in zip(chosen[["i", "recent"]].itertuples(index=False), OVER_RATIOS, strict=False):
        base[int(i)], ratio[int(i)] = low, r
    permitted = np.round(base / ratio, 2)
    half = rng.random(n) < 0.3  # permits issued mid-year: two prorated permits in the renewal year
    first = int(pol["year"].min())
    rows = []
    for k, (ent, p) in enumerate(zip(keys["entity_id"], keys["pollutant"], strict=True)):
        start = f"{first - 1}-07-01" if half[k] else f"{first}-01-01"
        mid_end = f"{first + 4}-06-30" if half[k] else f"{first + 4}-12-31"
        renew = f"{first + 4}-07-01" if half[k] else f"{first + 5}-01-01"
        renew_end = f"{first + 9}-06-30" if half[k] else f"{first + 9}-12-31"
        for no, (a, b) in enumerate(((start, mid_end), (renew, renew_end)), start=1):
            rows.append({"entity_id": ent, "permit_no": f"{ent}{no:03d}P", "valid_from": a, "valid_to": b,
                         "pollutant": p, "permitted_t": float(permitted[k]), "special_limit_t": None,
                         "source": "demo assumption (docs/demo-city.md)"})
    permits = pd.DataFrame(rows)
    shares = rng.dirichlet(np.full(4, 12.0), len(pol))  # quarterly split of each year's tonnes
    reports = pd.DataFrame({
        "entity_id": np.repeat(pol["entity_id"].to_numpy(), 4), "year": np.repeat(pol["year"].to_numpy(), 4),
        "quarter": pd.array(np.tile(np.arange(1, 5), len(pol)), dtype="Int64"),
        "pollutant": np.repeat(pol["pollutant"].to_numpy(), 4),
        "actual_t": np.round((pol["t"].to_numpy()[:, None] * shares).ravel(), 4),
        "source": "demo assumption (docs/demo-city.md)"})
    pol = pol.assign(district_id=pol["entity_id"].map(districts))
    tot = pol.groupby(["district_id", "year", "pollutant"], sort=True)["t"].sum().reset_index()
    tot["quota_t"] = np.round(tot["t"] * QUOTA_MARGIN, 2)
    last_so2 = tot[(tot["year"] == last) & (tot["pollutant"] == "so2")].sort_values("t", ascending=False)
    if not last_so2.empty:
        at = last_so2.index[0]
        tot.loc[at, "quota_t"] = round(float(tot.loc[at, "t"]) * OVER_QUOTA, 2)
    quotas = tot.drop(columns="t").assign(source="demo assumption (docs/demo-city.md)")
    return {"permits": permits, "permit_reports": reports,
            "pollutant_quotas": quotas[["district_id", "year", "pollutant", "quota_t", "source"]]}
