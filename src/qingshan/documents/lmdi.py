"""The LMDI document (docs/targets.md, "Decomposition"): the change of energy and of CO2
between two years split into additive effects by industry or district, for the whole city
or within one district (by industry).

Besides the method's cells, the document names every sector (临江县, 化学原料和化学制品制造业)
and sums each sector's cells by effect (``sectors``, largest CO2 increase first), so that a
page can say which district or industry drives the change (``drivers``) without computing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents.names import names
from qingshan.documents.values import clean, records
from qingshan.errors import ConfigError
from qingshan.i18n import tr
from qingshan.targets.lmdi import CARBON_EFFECTS, ENERGY_EFFECTS, decompose_carbon, decompose_energy

if TYPE_CHECKING:
    from qingshan.city import City

METHOD = "LMDI-I (Ang 2005), zero values by Ang & Liu (2007) limits"
BY = ("industry", "district")
#: each effect's name in both languages (the factor whose change it measures)
EFFECTS: dict[str, tuple[str, str]] = {
    "activity": ("规模效应（工业增加值）", "activity (value added)"),
    "structure": ("结构效应（各部门占比）", "structure (sectors' shares)"),
    "intensity": ("强度效应（单位增加值能耗）", "intensity (energy per value added)"),
    "mix": ("能源结构效应", "energy mix"),
    "emission_factor": ("排放因子效应", "emission factor"),
}
QUANTITIES = {"energy": ENERGY_EFFECTS, "co2": CARBON_EFFECTS}


def _sector_sums(cells: pd.DataFrame, effects: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Each sector's base, target, change and effects, summed over its cells (fuels)."""
    if cells.empty:
        return {}
    cols = ["base", "target", *effects]
    g = cells.groupby(cells["sector"].astype(str))[cols].sum()
    g["change"] = g["target"] - g["base"]
    return {str(k): {str(c): float(v) for c, v in row.items()} for k, row in g.iterrows()}


def _sectors(city: City, by: str, energy: pd.DataFrame, co2: pd.DataFrame) -> list[dict[str, Any]]:
    n = names(city)
    kind = "industry" if by == "industry" else "district"
    e, c = _sector_sums(energy, ENERGY_EFFECTS), _sector_sums(co2, CARBON_EFFECTS)
    out = [n.unit(kind, code) | {"energy": clean(e.get(code)), "co2": clean(c.get(code))}
           for code in sorted(set(e) | set(c))]
    return sorted(out, key=lambda s: -((s["co2"] or {}).get("change") or 0.0))


def _drivers(sectors: list[dict[str, Any]]) -> dict[str, Any]:
    """For energy and CO2: the sector adding the most (largest change) and the one whose
    intensity effect is the largest (the least saving, or the most added, per value added)."""
    out: dict[str, Any] = {}
    for q in QUANTITIES:
        have = [s for s in sectors if s[q]]
        if not have:
            out[q] = None
            continue
        most = max(have, key=lambda s: s[q]["change"])
        worst = max(have, key=lambda s: s[q]["intensity"])
        out[q] = {"largest_change": {k: most[k] for k in ("code", "name", "name_en")} | {"change": most[q]["change"]},
                  "largest_intensity_effect": {k: worst[k] for k in ("code", "name", "name_en")}
                  | {"intensity": worst[q]["intensity"]}}
    return out


def build(city: City, y0: int, y1: int, by: str = "industry", district: str | None = None) -> dict[str, Any]:
    """Decompose the change from ``y0`` to ``y1`` by ``by`` (industry or district), over
    the city or, with ``district``, over that district's enterprises (then by industry)."""
    if by not in BY:
        raise ConfigError(tr(f"分解维度应为 {'、'.join(BY)} 之一", f"decompose by one of {', '.join(BY)}"))
    if y0 not in city.years or y1 not in city.years:
        raise ConfigError(tr(f"数据包中须有 {y0} 年和 {y1} 年的数据", f"the package needs data for {y0} and {y1}"))
    n = names(city)
    if district is not None:
        if n.of("district", district) is None:
            raise ConfigError(tr(f"没有区县 {district}", f"no district {district}"))
        if by != "industry":
            raise ConfigError(tr("一个区县之内只能按行业分解", "within a district, decompose by industry"))
    result = city.accounts()
    ed, es = decompose_energy(result, y0, y1, by, district)
    with city.borrowed_store() as store:
        cd, cs = decompose_carbon(result, store, y0, y1, by, district)
    sectors = _sectors(city, by, ed, cd)
    effects = [{"effect": k, "zh": zh, "en": en,
                "energy": es["additive"].get(k), "co2": cs["additive"].get(k)} for k, (zh, en) in EFFECTS.items()]
    return {**city.header(y1), "from": y0, "to": y1, "by": by, "method": METHOD,
            "district": None if district is None else n.unit("district", district),
            "city": n.unit("city", n.city_code),
            "effects": clean(effects), "sectors": sectors, "drivers": _drivers(sectors),
            "energy": {"summary": es, "cells": records(ed)}, "co2": {"summary": cs, "cells": records(cd)}}
