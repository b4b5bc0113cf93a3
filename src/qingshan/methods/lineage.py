"""Which factor rows produced an enterprise-year's account, from the carrier masks.

The kernels record, per enterprise-year, three 64-bit masks over carrier keys: carriers
present, carriers burnt (use fuel or export) and carriers with measured parameters. A
carrier present uses its standard-coal coefficient (and, for electricity, the year's
等价值 and grid factor when purchased); a fossil carrier burnt uses its carbon defaults;
heat bought or sold uses the heat factor; measured parameters are listed as
``measured:<carrier>``, and anode rows, which use the enterprise's measured values and no
factor row, as ``measured:anode``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from qingshan.methods.accounts import MASK_COLUMNS
from qingshan.methods.carbon import ANODE_LINEAGE_ID, ANODE_MATERIAL


def process_usage(materials: pd.DataFrame, process_factors: pd.DataFrame) -> pd.DataFrame:
    """(entity_id, year, factor_id) of the process factors behind process rows.

    Carbonates use their stoichiometric row; clinker and lime (oxide method) use the CaO
    and MgO rows; anodes use no factor row and are listed as :data:`ANODE_LINEAGE_ID`."""
    cols = ["entity_id", "year", "factor_id"]
    if materials.empty:
        return pd.DataFrame({c: [] for c in cols})
    m = materials[["entity_id", "year", "material"]].astype({"year": "int64"})
    stoich = process_factors.loc[process_factors["method"] == "stoichiometric", ["material", "factor_id"]]
    oxide = process_factors.loc[process_factors["method"] == "oxide", ["factor_id"]]
    is_anode = m["material"] == ANODE_MATERIAL
    carbonate = m.loc[~is_anode].merge(stoich, on="material")[cols]
    by_oxide = m.loc[~is_anode & ~m["material"].isin(stoich["material"]), ["entity_id", "year"]].drop_duplicates()
    anode = m.loc[is_anode, ["entity_id", "year"]].assign(factor_id=ANODE_LINEAGE_ID)
    out = pd.concat([carbonate, by_oxide.merge(oxide, how="cross")[cols], anode[cols]], ignore_index=True)
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


def factor_ids(masks: pd.DataFrame, lookup: pd.DataFrame, process: pd.DataFrame) -> pd.DataFrame:
    """(entity_id, year, factor_ids): the sorted factor ids of each enterprise-year.

    ``process`` is :func:`process_usage` output; its factor ids become a fourth mask per
    enterprise-year, one bit per process factor. Enterprise-years share far fewer mask
    combinations than there are rows, so each distinct (year, masks) combination is
    expanded once, with array operations: the set bits select (carrier, kind) cells of a
    code table and mark them in a boolean (combination × factor id) matrix, whose nonzero
    cells list each combination's factor ids once and in sorted order; the tuples are
    attached to the rows by the combination's index.
    """
    cats = _carrier_codes(lookup)
    proc_ids = sorted(str(f) for f in pd.unique(process["factor_id"].astype(str)))
    if len(proc_ids) > 62:
        raise AssertionError("more process factors than bits in a 64-bit lineage mask")
    names = {str(f) for f in lookup[list(_KINDS)].stack()} | {f"measured:{c}" for c in cats} | set(proc_ids)
    vocab_list = sorted(names)
    vocab = {f: i for i, f in enumerate(vocab_list)}
    m = masks[["entity_id", "year", *MASK_COLUMNS]].fillna({c: 0 for c in MASK_COLUMNS})
    m["year"] = m["year"].astype(np.int64)
    if proc_ids:  # one bit per process factor, summed over distinct (entity, year, factor) = OR
        bit = {f: 1 << i for i, f in enumerate(proc_ids)}
        p = process[["entity_id", "year", "factor_id"]].astype({"year": np.int64, "factor_id": str})
        p = p.drop_duplicates().assign(process_mask=lambda d: d["factor_id"].map(bit).astype(np.int64))
        pm = p.groupby(["entity_id", "year"], as_index=False)["process_mask"].sum()
        m = m.merge(pm, on=["entity_id", "year"], how="left", sort=False)
        m["process_mask"] = m["process_mask"].fillna(0)
    else:
        m["process_mask"] = 0
    keys = ["year", *MASK_COLUMNS, "process_mask"]
    arr = m[keys].to_numpy(dtype=np.int64)
    inverse = m.groupby(keys, sort=False).ngroup().to_numpy()
    combos = arr[np.unique(inverse, return_index=True)[1]]
    years = np.unique(combos[:, 0])
    ypos = np.searchsorted(years, combos[:, 0])
    tables = _code_tables(lookup, years, vocab, len(cats))
    plain_codes = {
        "measured_mask": np.array([vocab[f"measured:{c}"] for c in cats], dtype=np.int64),
        "process_mask": np.array([vocab[f] for f in proc_ids], dtype=np.int64),
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
