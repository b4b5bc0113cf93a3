"""GEP documents (docs/gep/engine.md): one year's account, the comparison of two years with
quantity and price effects, GDP–GEP coordination by district and year, the export of all of
them, and a carbon-sink project's estimate. Each is headed by the profile (id, version,
selection of ``ecology.gep_prices``), the price set and index, and the ecological package's
digest, so every output says what produced it.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents.values import clean, records
from qingshan.ecology.accounting import SERVICES, UNALLOCATED, GepAccount, compare
from qingshan.ecology.coordination import coordination_table
from qingshan.ecology.sink_projects import estimate_sink_project
from qingshan.ecology.spec import eco_spec

if TYPE_CHECKING:
    from qingshan.city import City

#: 中文 and English of the classes of GEP.
CLASS_NAMES = {"provisioning": ("物质产品", "provisioning"), "regulating": ("调节服务", "regulating"),
               "cultural": ("文化服务", "cultural"), "imported": ("区域外生态产品（扣除）", "imported (deducted)")}
EFFECT_COLUMNS = ("value_base", "value_target", "change", "quantity_effect", "price_effect", "unsplit",
                  "scope_change")
#: 中文 and English of the engine's own indicators (accounting.py); a product of the package's
#: statistics is named by the package itself
INDICATOR_NAMES = {"water_yield_volume": ("产水量", "water yield volume"),
                   "storage_change": ("碳储量年净变化（区县内各生态系统合计）",
                                      "net carbon storage change a year (all ecosystems of the district)"),
                   "tourism_revenue": ("游客人次（旅行费用法）", "visits (travel-cost method)"),
                   "reservoir_flood_storage": ("水库防洪库容", "reservoir flood storage"),
                   "sediment": ("减少泥沙淤积", "sediment retained"),
                   "nitrogen": ("保持土壤氮", "soil nitrogen retained"),
                   "phosphorus": ("保持土壤磷", "soil phosphorus retained")}


def indicator_name(indicator: str) -> tuple[str, str]:
    """An indicator of the accounting table in 中文 and English (``storage_change``: the net
    carbon storage change a year; the older ``storage_change_2020_2025`` form names the years)."""
    if indicator.startswith("storage_change_"):
        y0, _, y1 = indicator.removeprefix("storage_change_").partition("_")
        return f"碳储量变化（{y0}–{y1} 年）", f"carbon storage change ({y0}–{y1})"
    return INDICATOR_NAMES.get(indicator, (indicator, indicator))


def _eco_names() -> dict[str, tuple[str, str]]:
    out = {e.code: (e.zh, e.en) for e in eco_spec().ecosystems}
    out[UNALLOCATED] = ("未分配到生态系统（统计数据；区县净固碳）",
                        "not allocated to an ecosystem (statistics; district net carbon sequestration)")
    return out


def header(city: City, year: int, account: GepAccount, prices: str | None) -> dict[str, Any]:
    """Profile, price set (the profile's selection, or ``prices`` given on the command line)
    and package: what produced ``account``."""
    sel = city.gep_prices(year, None)[1] if prices is None else None
    return {"profile": city.profile.describe(year),
            "price_set": {"name": account.provenance["price_set"], "index": account.provenance["price_index"],
                          "selection": None if sel is None else sel.to_dict()},
            "eco_package": {"source": account.provenance["package"],
                            "digest": account.provenance["package_digest"]}}


def _named(series: pd.Series, names: dict[str, tuple[str, str]], key: str) -> list[dict[str, Any]]:
    return [{key: str(k), "zh": names.get(str(k), (str(k), str(k)))[0], "en": names.get(str(k), (str(k), str(k)))[1],
             "value_yuan": clean(v)} for k, v in series.items()]


def _indicators(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Physical quantity (功能量, in its unit) and GEP (yuan) by class, service and indicator:
    the rows summed within each; a row valued from output value only has no quantity (``None``).
    The values add up to GEP."""
    if not len(table):
        return []
    keys = ["class", "service", "indicator", "quantity_unit"]
    g = table.groupby(keys, sort=True, dropna=False).agg(quantity=("quantity", lambda q: q.sum(min_count=1)),
                                                          value_yuan=("signed_value_yuan", "sum"))
    out = []
    for r in g.reset_index().to_dict("records"):
        zh, en = indicator_name(str(r["indicator"]))
        out.append({"class": str(r["class"]), "service": str(r["service"]), "indicator": str(r["indicator"]),
                    "indicator_zh": zh, "indicator_en": en, "quantity": clean(r["quantity"]),
                    "quantity_unit": clean(r["quantity_unit"]), "value_yuan": clean(r["value_yuan"])})
    return out


def account_document(city: City, year: int, *, prices: str | None = None, engine: str = "numpy",
                     accept: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    """The GEP account of ``year``: GEP and its totals by class, service, district and
    ecosystem, and by indicator with the physical quantity; the valued rows; physical totals;
    services not accounted and why; the double-count warnings; the per-pixel rasters written."""
    acc: GepAccount = city.gep_account(year, prices=prices, engine=engine, accept=accept)
    services = {k: (v[1], v[2]) for k, v in SERVICES.items()}
    districts = {k: (v, v) for k, v in acc.districts.items()}
    return {**header(city, year, acc, prices), "year": year, "gep_yuan": clean(acc.gep),
            "by_class": _named(acc.totals("class"), CLASS_NAMES, "class"),
            "by_service": _named(acc.totals("service"), services, "service"),
            "by_district": _named(acc.totals("district"), districts, "district"),
            "by_ecosystem": _named(acc.totals("ecosystem"), _eco_names(), "ecosystem"),
            "by_indicator": _indicators(acc.table), "rows": records(acc.table), "physical": records(acc.physical),
            "not_accounted": acc.not_accounted, "problems": [p.to_dict() for p in acc.problems],
            "rasters": {k: str(v) for k, v in acc.rasters.items()},
            "provenance": acc.provenance}


def _effects(frame: pd.DataFrame, key: str, names: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    g = frame.groupby(key, sort=True)[list(EFFECT_COLUMNS)].sum()
    return [{key: str(k), "zh": names.get(str(k), (str(k), ""))[0], "en": names.get(str(k), ("", str(k)))[1],
             **{c: clean(r[c]) for c in EFFECT_COLUMNS}} for k, r in g.iterrows()]


def comparison_document(city: City, y0: int, y1: int, *, prices: str | None = None, engine: str = "numpy",
                        accept: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    """The change of GEP from ``y0`` to ``y1`` split into quantity and price effects (Bennet),
    by class, service, district and ecosystem; rows valued from output value only are
    ``unsplit``; services accounted in only one of the two years are ``scope_change``.
    quantity + price + unsplit + scope_change = change in every row and total."""
    a = city.gep_account(y0, prices=prices, engine=engine, accept=accept)
    b = city.gep_account(y1, prices=prices, engine=engine, accept=accept)
    c = compare(a, b)
    total = {col: clean(c.rows[col].sum()) for col in EFFECT_COLUMNS}
    services = {k: (v[1], v[2]) for k, v in SERVICES.items()}
    districts = {k: (v, v) for k, v in b.districts.items()}
    return {**header(city, y1, b, prices), "from": y0, "to": y1, "gep_base_yuan": clean(a.gep),
            "gep_target_yuan": clean(b.gep),
            "total": total, "method": "Bennet (1920) split: ΔQ·(p₀+p₁)/2 and ΔP·(q₀+q₁)/2",
            "by_class": _effects(c.rows, "class", CLASS_NAMES), "by_service": _effects(c.rows, "service", services),
            "by_district": _effects(c.rows, "district", districts),
            "by_ecosystem": _effects(c.rows, "ecosystem", _eco_names()), "rows": records(c.rows),
            "not_accounted": {str(y0): a.not_accounted, str(y1): b.not_accounted},
            "problems": [p.to_dict() | {"year": y} for y, acc in ((y0, a), (y1, b)) for p in acc.problems]}


def coordination_document(city: City, *, prices: str | None = None, engine: str = "numpy",
                     accept: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    """GDP and GEP by district and year, growth, GEP/GDP and the coupling-coordination degree."""
    pkg = city.eco_package()
    accounts = {y: city.gep_account(y, prices=prices, engine=engine, accept=accept) for y in pkg.years}
    by = {y: {str(k): float(v) for k, v in a.totals("district").items()} for y, a in accounts.items()}
    frame, why = coordination_table(by, pkg.tables.get("gdp"))
    last = accounts[max(accounts)]
    return {**header(city, max(accounts), last, prices), "years": list(pkg.years),
            "method": "王睿 & 杨国靖 (ChinaXiv 202101.00006) eqs. 3–5, 7, k = 2; grades 田深圳 et al. 2021 表1",
            "rows": records(frame), "not_computed": why,
            "districts": {k: v for k, v in last.districts.items()}}


def export_document(city: City, *, prices: str | None = None, engine: str = "numpy",
                     accept: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    """Every year's account, the comparison of consecutive years and the coordination."""
    years = list(city.eco_package().years)
    accounts = [account_document(city, y, prices=prices, engine=engine, accept=accept) for y in years]
    comps = [comparison_document(city, a, b, prices=prices, engine=engine, accept=accept)
             for a, b in itertools.pairwise(years)]
    coord = coordination_document(city, prices=prices, engine=engine, accept=accept)
    head = {k: accounts[-1][k] for k in ("profile", "price_set", "eco_package")}
    return {**head, "years": years, "accounts": accounts, "comparisons": comps, "coordination": coord}


def sink_document(path: Path) -> dict[str, Any]:
    """A carbon-sink project's estimate (t CO2e) with the methodology and every input's source."""
    r = estimate_sink_project(path)
    e = r.estimate
    return {"project": clean(r.project), "methodology": r.methodology, "inputs": r.inputs,
            "period": {"from": r.period[0], "to": r.period[1]},
            "project_pool_changes_tco2e": r.project_changes, "baseline_pool_changes_tco2e": r.baseline_changes,
            "estimate_tco2e": {"project_sink": e.project_sink, "baseline_sink": e.baseline_sink,
                               "leakage": e.leakage, "reduction": e.reduction,
                               "deduction_fraction": e.deduction_fraction, "credited": e.credited}}
