"""Which factor rows produced an enterprise-year's account, from the carrier masks.

The kernels record, per enterprise-year, three 64-bit masks over carrier keys: carriers
present, carriers burnt (use fuel or export) and carriers with measured parameters. A
carrier present uses its standard-coal coefficient (and, for electricity, the year's
等价值 and grid factor when purchased); a fossil carrier burnt uses its carbon defaults;
heat bought or sold uses the heat factor; measured parameters are listed as
``measured:<carrier>``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qingshan.data.spec import carriers


def factor_usage(yearly: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """Distinct (entity_id, year, factor_id). ``lookup`` from
    :func:`qingshan.methods.coefficients.factor_lookup`."""
    cats = list(carriers())
    n = len(cats)
    bits = np.left_shift(np.int64(1), np.arange(n, dtype=np.int64))
    frames = []
    for mask_col, kinds in (("carriers_mask", ("energy_factor_id", "equal_factor_id")),
                            ("burnt_mask", ("carbon_factor_id", "grid_factor_id", "heat_factor_id")),
                            ("measured_mask", ("measured",))):
        masks = yearly[mask_col].fillna(0).astype("int64").to_numpy()
        hit = (masks[:, None] & bits[None, :]) != 0
        rows, keys = np.nonzero(hit)
        base = pd.DataFrame({"entity_id": yearly["entity_id"].to_numpy()[rows],
                             "year": yearly["year"].to_numpy()[rows].astype("int64"), "carrier_key": keys})
        if kinds == ("measured",):
            base["factor_id"] = [f"measured:{cats[int(k)]}" for k in base["carrier_key"]]
            frames.append(base[["entity_id", "year", "factor_id"]])
            continue
        m = base.merge(lookup.astype({"year": "int64", "carrier_key": "int64"}), on=["carrier_key", "year"])
        for kind in kinds:
            part = m[["entity_id", "year", kind]].dropna().rename(columns={kind: "factor_id"})
            frames.append(part)
    return pd.concat(frames, ignore_index=True).drop_duplicates(ignore_index=True)


def process_usage(materials: pd.DataFrame, process_factors: pd.DataFrame) -> pd.DataFrame:
    """(entity_id, year, factor_id) of the process factors behind process rows.

    Carbonates use their stoichiometric row; clinker and lime (oxide method) use the CaO
    and MgO rows."""
    if materials.empty:
        return pd.DataFrame({"entity_id": [], "year": [], "factor_id": []})
    stoich = process_factors[process_factors["method"] == "stoichiometric"]
    oxide_ids = list(process_factors.loc[process_factors["method"] == "oxide", "factor_id"])
    by_material = dict(zip(stoich["material"], stoich["factor_id"], strict=True))
    rows = []
    for ent, year, mat in materials[["entity_id", "year", "material"]].itertuples(index=False):
        for fid in ([by_material[mat]] if mat in by_material else oxide_ids):
            rows.append((ent, int(year), fid))
    return pd.DataFrame(rows, columns=["entity_id", "year", "factor_id"]).drop_duplicates()


def factor_ids(masks: pd.DataFrame, lookup: pd.DataFrame, process: pd.DataFrame) -> pd.DataFrame:
    """(entity_id, year, factor_ids): the sorted factor ids of each enterprise-year.

    Enterprise-years share a few hundred distinct mask combinations, so each combination is
    expanded once (:func:`factor_usage`) and the lists are attached by a merge. ``process``
    is :func:`process_usage` output, added where an enterprise-year has process rows.
    """
    keys = ["year", "carriers_mask", "burnt_mask", "measured_mask"]
    combos = masks[keys].drop_duplicates().reset_index(drop=True)
    combos["entity_id"] = combos.index.astype(str)
    long = factor_usage(combos, lookup)
    lists: dict[str, tuple[str, ...]] = {}
    for cid, grp in long.groupby("entity_id")["factor_id"]:
        lists[str(cid)] = tuple(sorted(grp))
    combos["factor_ids"] = [lists.get(str(i), ()) for i in combos["entity_id"]]
    out = masks[["entity_id", *keys]].merge(combos.drop(columns=["entity_id"]), on=keys, how="left")
    out = out[["entity_id", "year", "factor_ids"]]
    if not process.empty:
        extra: dict[tuple[str, int], set[str]] = {}
        for e, y, f in process[["entity_id", "year", "factor_id"]].itertuples(index=False):
            extra.setdefault((str(e), int(y)), set()).add(str(f))
        merged: list[tuple[str, ...]] = [
            tuple(sorted(set(f) | extra[(e, int(y))])) if (e, int(y)) in extra else tuple(f)
            for e, y, f in out.itertuples(index=False)]
        out["factor_ids"] = pd.Series(merged, index=out.index, dtype=object)
    return out.reset_index(drop=True)
