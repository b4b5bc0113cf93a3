"""Which factor rows produced an enterprise-year's account, from the carrier masks.

The kernels record, per enterprise-year, three 64-bit masks over carrier keys: carriers
present, carriers burnt (use fuel or export) and carriers with measured parameters. A
carrier present uses its standard-coal coefficient (and, for electricity, the year's
等价值 and grid factor when purchased); a fossil carrier burnt uses its carbon defaults;
heat bought or sold uses the heat factor; measured parameters are listed as
``measured:<carrier>``, and anode rows, which use the enterprise's measured values and no
factor row, as ``measured:anode``. Rows of the ``gases`` table list their N2O generation
factor, removal rate and GWP rows (:func:`gas_usage`), or ``measured:n2o_generation`` /
``measured:pfc`` for the enterprise's own factors.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from qingshan.methods.accounts import MASK_COLUMNS
from qingshan.methods.carbon import (
    ANODE_LINEAGE_ID,
    ANODE_MATERIAL,
    CARBON_REDUCTANT,
    COAL_ASH_MATERIAL,
    REDUCTANT_LINEAGE_ID,
)
from qingshan.methods.non_co2 import MEASURED_N2O, MEASURED_PFC, PFC_SOURCE, NonCO2Factors


def process_usage(materials: pd.DataFrame, process_factors: pd.DataFrame) -> pd.DataFrame:
    """(entity_id, year, factor_id) of the process factors behind process rows.

    Carbonates use their stoichiometric row; clinker and lime (oxide method) use the CaO
    and MgO rows, or, for clinker rows under the cement guideline's formula (2) (a true
    ``by_raw_meal`` column, where given), the coal-ash factor row; anodes and carbon
    reductants use no factor row and are listed as :data:`ANODE_LINEAGE_ID` and
    :data:`REDUCTANT_LINEAGE_ID`."""
    cols = ["entity_id", "year", "factor_id"]
    if materials.empty:
        return pd.DataFrame({c: [] for c in cols})
    m = materials[["entity_id", "year", "material"]].astype({"year": "int64"})
    raw_meal = (materials["by_raw_meal"].fillna(False).astype(bool).to_numpy() if "by_raw_meal" in materials
                else np.zeros(len(m), dtype=bool))
    stoich = process_factors.loc[process_factors["method"] == "stoichiometric", ["material", "factor_id"]]
    oxide = process_factors.loc[process_factors["method"] == "oxide", ["factor_id"]]
    ash = process_factors.loc[process_factors["material"] == COAL_ASH_MATERIAL, ["factor_id"]]
    is_anode = (m["material"] == ANODE_MATERIAL).to_numpy()
    is_reductant = (m["material"] == CARBON_REDUCTANT).to_numpy()
    measured = is_anode | is_reductant
    carbonate = m.loc[~measured].merge(stoich, on="material")[cols]
    other = ~measured & ~m["material"].isin(stoich["material"]).to_numpy()
    by_oxide = m.loc[other & ~raw_meal, ["entity_id", "year"]].drop_duplicates()
    by_meal = m.loc[other & raw_meal, ["entity_id", "year"]].drop_duplicates()
    anode = m.loc[is_anode, ["entity_id", "year"]].assign(factor_id=ANODE_LINEAGE_ID)
    reductant = m.loc[is_reductant, ["entity_id", "year"]].assign(factor_id=REDUCTANT_LINEAGE_ID)
    out = pd.concat([carbonate, by_oxide.merge(oxide, how="cross")[cols], by_meal.merge(ash, how="cross")[cols],
                     anode[cols], reductant[cols]], ignore_index=True)
    return out.drop_duplicates().reset_index(drop=True)


def gas_usage(lines: pd.DataFrame, fs: NonCO2Factors) -> pd.DataFrame:
    """(entity_id, year, factor_id) of the factor rows behind gases rows
    (:mod:`.non_co2`): the N2O generation factor of the technology (or
    :data:`.non_co2.MEASURED_N2O` where the enterprise measured it), the removal rate of the
    abatement, and the GWPs of the gases the row emits; aluminium rows use the enterprise's
    measured CF4 and C2F6 factors (:data:`.non_co2.MEASURED_PFC`).

    ``lines`` holds entity_id, year, source, technology, abatement and n2o_kg_per_t (the
    distinct lines of the gases table)."""
    cols = ["entity_id", "year", "factor_id"]
    if lines.empty:
        return pd.DataFrame({c: [] for c in cols})
    m = lines.astype({"year": "int64"})
    n2o = m["source"] != PFC_SOURCE
    measured = n2o & m["n2o_kg_per_t"].notna()
    gen = fs.n2o_generation[["source", "technology", "factor_id"]]
    rem = fs.n2o_abatement[["source", "abatement", "factor_id"]]
    gwp = dict(zip(fs.gwp["gas"], fs.gwp["factor_id"], strict=True))
    parts = [
        m.loc[n2o & ~measured].merge(gen, on=["source", "technology"])[cols],
        m.loc[measured, ["entity_id", "year"]].assign(factor_id=MEASURED_N2O),
        m.loc[n2o].merge(rem, on=["source", "abatement"])[cols],
        m.loc[n2o, ["entity_id", "year"]].assign(factor_id=gwp["n2o"]),
        m.loc[~n2o, ["entity_id", "year"]].assign(factor_id=MEASURED_PFC),
        m.loc[~n2o, ["entity_id", "year"]].assign(factor_id=gwp["cf4"]),
        m.loc[~n2o, ["entity_id", "year"]].assign(factor_id=gwp["c2f6"]),
    ]
    out = pd.concat([p[cols] for p in parts], ignore_index=True)
    return out.drop_duplicates().reset_index(drop=True)


def _carrier_codes(lookup: pd.DataFrame) -> list[str]:
    """The carrier codes in key order (the lookup holds every carrier of the catalogue)."""
    code_of = dict(zip(lookup["carrier_key"].astype("int64"), lookup["carrier"].astype(str), strict=True))
    return [code_of[k] for k in range(len(code_of))]


def _code_tables(lookup: pd.DataFrame, years: np.ndarray, vocab: dict[str, int], n: int
                 ) -> dict[str, np.ndarray]:
    """Per lookup column: an array [year position, carrier_key] → code of the factor id in
    ``vocab`` (−1 where the carrier uses no factor of that kind); ``n`` carriers."""
    ypos = {int(y): i for i, y in enumerate(years)}
    out: dict[str, np.ndarray] = {}
    for kind in _KINDS:
        table = np.full((len(years), n), -1, dtype=np.int64)
        part = lookup[lookup[kind].notna() & lookup["year"].astype("int64").isin(list(ypos))]
        yi = part["year"].astype("int64").map(ypos).to_numpy()
        table[yi, part["carrier_key"].to_numpy(dtype=np.int64)] = [vocab[str(f)] for f in part[kind]]
        out[kind] = table
    return out


#: Which lookup columns each mask selects (see the module doc).
_MASK_KINDS: dict[str, tuple[str, ...]] = {
    "carriers_mask": ("energy_factor_id", "equal_factor_id"),
    "burnt_mask": ("carbon_factor_id", "grid_factor_id", "heat_factor_id"),
}
_KINDS = tuple(k for kinds in _MASK_KINDS.values() for k in kinds)
#: Process factors per lineage mask (a run using more takes several masks): 52, so that a
#: mask stays exact when a left merge makes its column float64 (53-bit mantissa).
_BITS = 52


def factor_ids(masks: pd.DataFrame, lookup: pd.DataFrame, process: pd.DataFrame) -> pd.DataFrame:
    """(entity_id, year, factor_ids): the sorted factor ids of each enterprise-year.

    ``process`` is :func:`process_usage` output (and :func:`gas_usage`'s); its factor ids
    become further masks per enterprise-year, one bit per process factor, 52 factors a mask.
    Enterprise-years share far fewer mask combinations than there are rows, so each
    distinct (year, masks) combination is expanded once, with array operations: the set
    bits select (carrier, kind) cells of a code table and mark them in a boolean
    (combination × factor id) matrix, whose nonzero cells list each combination's factor
    ids once and in sorted order; the tuples are attached to the rows by the combination's
    index.
    """
    cats = _carrier_codes(lookup)
    proc_ids = sorted(str(f) for f in pd.unique(process["factor_id"].astype(str)))
    chunks = [proc_ids[i:i + _BITS] for i in range(0, len(proc_ids), _BITS)] or [[]]
    chunk_cols = [f"process_mask_{n}" for n in range(len(chunks))]
    names = {str(f) for f in lookup[list(_KINDS)].stack()} | {f"measured:{c}" for c in cats} | set(proc_ids)
    vocab_list = sorted(names)
    vocab = {f: i for i, f in enumerate(vocab_list)}
    m = masks[["entity_id", "year", *MASK_COLUMNS]].fillna({c: 0 for c in MASK_COLUMNS})
    m["year"] = m["year"].astype(np.int64)
    for col, chunk in zip(chunk_cols, chunks, strict=True):
        if not chunk:
            m[col] = 0
            continue
        # one bit per process factor, summed over distinct (entity, year, factor) = OR
        bit = {f: 1 << i for i, f in enumerate(chunk)}
        p = process[["entity_id", "year", "factor_id"]].astype({"year": np.int64, "factor_id": str})
        p = p[p["factor_id"].isin(bit)].drop_duplicates()
        p = p.assign(**{col: p["factor_id"].map(bit).astype(np.int64)})
        pm = p.groupby(["entity_id", "year"], as_index=False)[col].sum()
        m = m.merge(pm, on=["entity_id", "year"], how="left", sort=False)
        m[col] = m[col].fillna(0)
    keys = ["year", *MASK_COLUMNS, *chunk_cols]
    arr = m[keys].to_numpy(dtype=np.int64)
    inverse = m.groupby(keys, sort=False).ngroup().to_numpy()
    combos = arr[np.unique(inverse, return_index=True)[1]]
    years = np.unique(combos[:, 0])
    ypos = np.searchsorted(years, combos[:, 0])
    tables = _code_tables(lookup, years, vocab, len(cats))
    plain_codes = {
        "measured_mask": np.array([vocab[f"measured:{c}"] for c in cats], dtype=np.int64),
        **{col: np.array([vocab[f] for f in chunk], dtype=np.int64)
           for col, chunk in zip(chunk_cols, chunks, strict=True)},
    }
    # used[combo, code]: a boolean matrix, so that duplicates vanish and np.nonzero lists
    # each combination's codes in vocabulary (= sorted) order
    used = np.zeros((len(combos), len(vocab_list)), dtype=bool)
    for col_i, mask_col in enumerate(keys[1:], start=1):
        # the set bits of each mask, least significant first (masks are non-negative)
        bit_matrix = np.unpackbits(np.ascontiguousarray(combos[:, col_i]).astype("<i8").view(np.uint8)
                                   .reshape(-1, 8), axis=1, bitorder="little")
        rows, pos = np.nonzero(bit_matrix)
        if mask_col in plain_codes:
            used[rows, plain_codes[mask_col][pos]] = True
            continue
        for kind in _MASK_KINDS[mask_col]:
            codes = tables[kind][ypos[rows], pos]
            keep = codes >= 0
            used[rows[keep], codes[keep]] = True
    combo_of, code_of = np.nonzero(used)
    starts = np.searchsorted(combo_of, np.arange(len(combos) + 1))
    labels = np.array(vocab_list, dtype=object)[code_of].tolist()
    lists = np.fromiter((tuple(labels[a:b]) for a, b in itertools.pairwise(starts)), dtype=object,
                        count=len(combos))
    return pd.DataFrame({"entity_id": m["entity_id"].reset_index(drop=True), "year": m["year"].to_numpy(),
                         "factor_ids": lists[inverse]})
