"""The allocation document (docs/registries.md, "Allocation"): the 用能权 formula sets in
force with every parameter and its source, and the free allocation of a vintage line by line
(holder, method, amount and every figure behind it), for ``qingshan registry allocate``, the
registry pages and the demo's markets.

Pure assembly: the formulas are :mod:`qingshan.registry.allocation`'s, the inputs the
city's accounts (energy by year in the rules' convention), its production table (output in
t by product and year) and the 能效标杆/基准 table (the edition in force on 1 January of the
vintage; a product without a row in it takes the latest earlier edition's, said so).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.registry.allocation import (
    ENERGY_BASES,
    LEVELS,
    AllocationRules,
    Level,
    Line,
    Purchase,
    Step,
    allocation_for,
    as_float,
    free_lines,
)
from qingshan.registry.rights import RightType, rights_for
from qingshan.screening.energy_right import BASIS_COLUMNS, purchase_numbers
from qingshan.screening.rules import load_efficiency_editions, load_efficiency_table

if TYPE_CHECKING:
    from qingshan.city import City

METHODS = {"benchmark": ("基准法（按能效水平）", "benchmark method"),
           "grandfathering": ("历史法（按历史能耗）", "historical method (grandfathering)"),
           "paid": ("有偿", "paid"), "auction": ("拍卖", "auction")}
#: The columns of the lines table: key, 中文, English.
COLUMNS = (("holder", "持有人代码", "holder code"), ("holder_name", "持有人", "holder"),
           ("method_zh", "分配方法", "method"), ("amount", "分配量", "allocation"), ("unit", "单位", "unit"),
           ("exact", "取整前", "before rounding"))


def step_doc(s: Step) -> dict[str, Any]:
    return {"name": s.name, "zh": s.zh, "en": s.en, "value": as_float(s.value), "unit": s.unit, "source": s.source}


def line_doc(line: Line, right: RightType) -> dict[str, Any]:
    zh, en = METHODS.get(line.method, (line.method, line.method))
    return {"holder": line.holder, "holder_name": line.holder_name, "right": line.right, "vintage": line.vintage,
            "method": line.method, "method_zh": zh, "method_en": en, "amount": as_float(line.amount),
            "exact": as_float(line.exact), "unit": right.unit, "source": line.source,
            "steps": [step_doc(s) for s in line.steps]}


def purchase_document(p: Purchase, right: RightType) -> dict[str, Any]:
    """A new project's purchase (what screening shows as ``energy_right``): required,
    quota_tce, price_yuan_per_tce, cost_yuan, steps, zh, en, sources."""
    return {**purchase_numbers(p, right), "zh": p.zh, "en": p.en}


def formulas(rules: AllocationRules) -> list[dict[str, Any]]:
    """The formula sets of the rule file with their parameters and sources."""
    out: list[dict[str, Any]] = []

    def par(name: str, zh: str, en: str, value: Decimal | None, unit: str, source: str) -> dict[str, Any]:
        return {"name": name, "zh": zh, "en": en, "value": as_float(value), "unit": unit, "source": source}

    pu = rules.purchase
    if pu is not None and pu.formula == "henan_586":
        params = [par("B", "调整系数", "adjustment coefficient", pu.b.value if pu.b else None, "",
                      pu.b.source if pu.b else ""),
                  par("P", "全省平均工业增加值能耗", "provincial energy per value added",
                      pu.provincial.value if pu.provincial else None, "tce/10k yuan",
                      pu.provincial.source if pu.provincial else pu.provincial_source)]
        out.append({"id": "henan_586", "kind": "purchase", "zh": "新建两高项目须购买的用能权",
                    "en": "energy-use rights a new 两高 project must buy",
                    "formula_zh": "交易量 = A × B × C ÷ P（A 新增综合能源消费量，不含煤炭；C 项目单位增加值能耗；"
                                  "按行业标杆水平核算）",
                    "formula_en": "quota = A × B × C ÷ P (A new energy excluding coal; C the project's energy per "
                                  "value added; reckoned at the sector's benchmark level)",
                    "parameters": params, "source": "; ".join(x for x in (pu.source, pu.two_high_source,
                                                                             pu.at_benchmark_source) if x)})
    elif pu is not None:
        m = pu.min_energy_tce
        out.append({"id": pu.formula, "kind": "purchase", "zh": "新增用能项目须有偿申购的用能权",
                    "en": "energy-use rights a new project must buy",
                    "formula_zh": "申购量 = 项目新增年综合能耗（等价值）",
                    "formula_en": "quota = the project's new annual energy (equivalent value)",
                    "parameters": [par("min", "须申购的年综合能耗", "annual energy from which a project buys",
                                       m.value if m else None, "tce", m.source if m else "")],
                    "source": pu.source})
    pr = rules.price
    if pr is not None:
        params = [par("base", "基准价格", "base price", pr.base_yuan_per_tce.value, "yuan/tce",
                      pr.base_yuan_per_tce.source)]
        if pr.formula == "shizuishan_2025":
            if pr.a is not None:
                params.append(par("A", "价格调整系数", "price adjustment coefficient", pr.a.value, "", pr.a.source))
            for b in pr.a_bands:
                params.append(par(f"A≤{b.upto}" if b.upto is not None else "A", "价格调整系数（分档）",
                                  "price adjustment coefficient (band)", b.a, "", pr.a_bands_source))
            if pr.regional is not None:
                params.append(par("R", "全区单位工业增加值能耗", "the region's energy per value added",
                                  pr.regional.value, "tce/10k yuan", pr.regional.source))
            fz, fe = ("价格 = 基准价格 × A × B ÷ R（B 项目单位工业增加值能耗，等价值）",
                      "price = base × A × B ÷ R (B the project's energy per value added, equivalent value)")
        else:
            if pr.threshold is not None:
                params.append(par("threshold", "单耗门槛", "threshold", pr.threshold.value, "tce/10k yuan",
                                  pr.threshold.source))
            for c in pr.coefficients:
                params.append(par("coefficient:" + ",".join(c.prefixes), "行业系数", "sector coefficient",
                                  c.coefficient, "", c.source))
            fz, fe = "有偿使用费 = 基准价 × 行业系数", "fee = base × sector coefficient"
        out.append({"id": pr.formula, "kind": "price", "zh": "用能权价格", "en": "price of energy-use rights",
                    "formula_zh": fz, "formula_en": fe, "parameters": params, "source": pr.source})
    fr = rules.free
    if fr is not None:
        lz, le = LEVELS[fr.level]
        out.append({"id": "benchmark", "kind": "free", "zh": "基准法免费分配", "en": "free allocation by benchmark",
                    "formula_zh": f"分配量 = 上年产量 × 产品{lz} ÷ 1000", "formula_en": f"allocation = last year's "
                    f"output × the product's {le} ÷ 1000",
                    "parameters": [par("min", "纳入分配的能耗门槛", "threshold of the allocation",
                                       fr.min_energy_tce.value, "tce", fr.min_energy_tce.source),
                                   *(par(f"product:{name}", name, code, None, "", src)
                                     for name, (code, src) in sorted(fr.products.items()))],
                    "source": f"{fr.source}; {fr.benchmark_source}; {fr.level_source}"})
        out.append({"id": "grandfathering", "kind": "free", "zh": "历史法免费分配",
                    "en": "free allocation by history (grandfathering)",
                    "formula_zh": f"分配量 = 前 {fr.years} 年综合能耗的平均值",
                    "formula_en": f"allocation = the mean energy of the {fr.years} years before",
                    "parameters": [par("years", "基期年数", "base years", Decimal(fr.years), "",
                                       fr.grandfathering_source)],
                    "source": f"{fr.source}; {fr.grandfathering_source}; {fr.rounding_source}"})
    return out


def levels_for(rules: AllocationRules, vintage: int) -> tuple[dict[str, Level], list[dict[str, str]]]:
    """The level of each product the rules map, from the 能效 table's edition in force on
    1 January of ``vintage`` (or the latest earlier edition listing it, noted)."""
    if rules.free is None:
        return {}, []
    editions = load_efficiency_editions()
    day = dt.date(vintage, 1, 1)
    in_force = max((y for y, d in editions.items() if d <= day), default=None)
    rows = load_efficiency_table()
    out: dict[str, Level] = {}
    notes: list[dict[str, str]] = []
    col = rules.free.level
    for code, _ in rules.free.products.values():
        cand = [r for r in rows if r["product"] == code and in_force is not None and int(r["edition"]) <= in_force]
        if not cand:
            notes.append({"zh": f"能效表中没有 {code} 在 {vintage} 年施行的行，不按基准法分配",
                          "en": f"the efficiency table has no row of {code} in force in {vintage}: no benchmark "
                                "allocation"})
            continue
        row = max(cand, key=lambda r: int(r["edition"]))
        if int(row["edition"]) != in_force:
            notes.append({"zh": f"{code} 按 {row['edition']} 年版的水平（{in_force} 年版该行尚未核实）",
                          "en": f"{code} at the level of the {row['edition']} edition (the {in_force} edition's row "
                                "is not verified)"})
        out[code] = Level(code, Decimal(str(row[col]).strip()), row["unit"], int(row["edition"]),
                          f"{row['document']} ({row['edition']}), tag {row['tag']}: {row['source']}")
    return out, notes


def inputs(city: City, rules: AllocationRules) -> tuple[dict[str, dict[int, Decimal]],
                                                       dict[str, dict[int, dict[str, Decimal]]], dict[str, str]]:
    """Energy by holder and year (the rules' convention), output in t by holder, year and
    product, and holder names, from the city's accounts and production table."""
    col = BASIS_COLUMNS[rules.energy_basis]
    yearly = city.accounts().yearly
    energy: dict[str, dict[int, Decimal]] = {}
    for eid, year, v in zip(yearly["entity_id"].astype(str), yearly["year"], pd.to_numeric(yearly[col],
                            errors="coerce"), strict=True):
        if pd.notna(v):
            energy.setdefault(eid, {})[int(year)] = Decimal(repr(float(v)))
    production: dict[str, dict[int, dict[str, Decimal]]] = {}
    pr = city.package["production"]
    if not pr.empty:
        for eid, year, product, q, unit in zip(pr["entity_id"].astype(str), pr["year"], pr["product"].astype(str),
                                               pd.to_numeric(pr["quantity"], errors="coerce"), pr["unit"].astype(str),
                                               strict=True):
            if pd.notna(q):
                # output in another unit than t (辆, 台) cannot meet a level in kgce/t: kept under
                # its unit, so the enterprise is not allocated by benchmark
                key = product if unit == "t" else f"{product} ({unit})"
                by = production.setdefault(eid, {}).setdefault(int(year), {})
                by[key] = by.get(key, Decimal(0)) + Decimal(repr(float(q)))
    ent = city.package.entities
    names = dict(zip(ent["entity_id"].astype(str), ent["name"].astype(str), strict=True))
    return energy, production, names


def allocation_document(city: City, year: int) -> dict[str, Any]:
    """The allocation of vintage ``year`` under the rules the profile selects for it."""
    rules = allocation_for(city.profile, year)
    book = rights_for(city.profile, year)
    right = book.right(rules.right)
    levels, notes = levels_for(rules, year)
    energy, production, names = inputs(city, rules)
    lines = free_lines(rules, right, year, energy=energy, production=production, levels=levels, names=names)
    totals: dict[str, float] = {}
    for line in lines:
        totals[line.method] = totals.get(line.method, 0.0) + float(line.amount)
    zh, en = ENERGY_BASES[rules.energy_basis]
    if rules.free is not None and not lines:
        notes.append({"zh": f"{year - 1} 年没有企业达到分配门槛，本年度无免费分配",
                      "en": f"no enterprise reached the threshold in {year - 1}: no free allocation"})
    return {**city.header(year), "year": year,
            "right": {"code": right.code, "zh": right.zh, "en": right.en, "unit": right.unit,
                      "serial_unit": str(right.serial_unit)},
            "rules": {"name": rules.name, "label": rules.label, "rules_id": rules.rules_id, "zh": rules.zh,
                      "en": rules.en, "source": rules.source, "borrowed": rules.borrowed,
                      "energy_basis": rules.energy_basis, "energy_basis_zh": zh, "energy_basis_en": en,
                      "energy_basis_source": rules.energy_basis_source},
            "formulas": formulas(rules), "lines": [line_doc(x, right) for x in lines],
            "totals": {**totals, "all": sum(totals.values())},
            "columns": [{"key": k, "zh": z, "en": e} for k, z, e in COLUMNS], "notes": notes}
