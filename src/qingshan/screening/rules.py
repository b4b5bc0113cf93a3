"""Screening rules as data (``screening/rules/``): review level and exemptions by the rules
in force on the application date, 两高 classes, the local negative list, siting, and the
能效标杆/基准 comparison. Each rule returns reasons carrying its rule id, the numbers
compared, the outcome and the source."""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from qingshan.screening.figures import Figures
from qingshan.screening.project import Project

PASS, CONDITIONS, FAIL, INFO = "pass", "conditions", "fail", "info"



@dataclass(frozen=True)
class Reason:
    rule: str
    outcome: str  # pass | conditions | fail | info
    zh: str
    en: str
    numbers: dict[str, Any] = field(default_factory=dict)
    source: str = ""


def _toml(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("qingshan.screening").joinpath("rules", name).read_text("utf-8"))


def efficiency_table() -> list[dict[str, str]]:
    text = resources.files("qingshan.screening").joinpath("rules", "efficiency_benchmarks.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def efficiency_editions() -> dict[int, dt.date]:
    """Edition → the date from which it applies (``rules/efficiency_editions.toml``)."""
    return {int(e["edition"]): dt.date.fromisoformat(e["in_force_from"])
            for e in _toml("efficiency_editions.toml")["editions"]}


def two_high_class(code: str) -> dict[str, Any] | None:
    t = _toml("two_high.toml")
    for c in [*t["national"]["classes"], *t.get("local", [])]:
        if any(code.startswith(p) for p in c["prefixes"]):
            return {**c, "source": c.get("source", t["national"]["source"])}
    return None


def review_level(project: Project, fig: Figures, two_high: bool) -> Reason:
    """Which authority reviews the project, or that it needs no separate review."""
    eds = sorted(_toml("review_levels.toml")["editions"], key=lambda e: e["in_force_from"], reverse=True)
    ed = next((e for e in eds if project.application_date >= dt.date.fromisoformat(e["in_force_from"])), None)
    if ed is None:
        return Reason("R-REVIEW", INFO, "申报日期早于已收录的节能审查办法", "the application predates the rules held",
                      {"application_date": str(project.application_date)})
    nums: dict[str, Any] = {"rules": ed["id"], "energy_tce": fig.energy_tce, "coal_t": fig.coal_t,
                            "electricity_kwh": fig.electricity_kwh}
    exempt = fig.energy_tce < ed["exempt_below_tce"]
    if "exempt_below_coal_t" in ed:
        exempt = exempt and fig.coal_t < ed["exempt_below_coal_t"]
    if "exempt_below_kwh" in ed:
        exempt = exempt and fig.electricity_kwh < ed["exempt_below_kwh"]
    provincial = fig.energy_tce >= ed["provincial_tce"] or fig.coal_t >= ed.get("provincial_coal_t", float("inf"))
    if exempt:
        zh, en, level = ("不单独进行节能审查（低于豁免门槛）",
                         "no separate energy review (below the exemption thresholds)", "exempt")
    elif provincial:
        zh, en, level = "由省级节能审查机关审查", "reviewed by the provincial authority", "provincial"
    elif two_high and ed.get("two_high_not_county"):
        zh, en, level = ("由省级确定的审查机关审查，两高项目不得下放至县级",
                         "authority set by the province; a 两高 project may not be delegated to county level",
                         "municipal")
    else:
        zh, en, level = "由省级确定的审查机关审查", "authority set by the province", "per_province"
    nums["level"] = level
    return Reason("R-REVIEW", INFO, zh, en, nums, f"{ed['zh']}: {ed['source']}")


def negative_list(project: Project) -> list[Reason]:
    out = []
    products = {p.product for p in project.products}
    for e in _toml("negative_list.toml").get("entries", []):
        hit = any(project.industry_code.startswith(x) for x in e.get("industry_prefixes", []))
        hit = hit or bool(products & set(e.get("products", [])))
        if hit and (not e.get("kinds") or project.kind in e["kinds"]):
            out.append(Reason("R-NEGATIVE", FAIL, f"列入负面清单：{e['zh']}", f"on the negative list: {e['en']}",
                              {"entry": e["id"], "industry_code": project.industry_code}, e["source"]))
    if not out:
        out.append(Reason("R-NEGATIVE", PASS, "不在负面清单内", "not on the negative list", {},
                          "screening/rules/negative_list.toml"))
    return out


def siting(project: Project) -> list[Reason]:
    out = []
    for r in _toml("siting.toml").get("rules", []):
        if any(project.industry_code.startswith(x) for x in r["prefixes"]):
            ok = project.park_id in r["parks"]
            out.append(Reason("R-SITING", PASS if ok else FAIL,
                              r["zh"] + ("：符合" if ok else f"：项目位于 {project.park_id or '园区外'}，不符合"),
                              r["en"] + (": met" if ok else f": the project is in {project.park_id or 'no park'}"),
                              {"park_id": project.park_id, "qualifying_parks": r["parks"]}, r["source"]))
    return out


def efficiency(project: Project, fig: Figures) -> list[Reason]:
    """Each product with a row in the table: worse than 基准 fails, between 基准 and 标杆
    passes with conditions, at or better than 标杆 passes (lower is better).

    The edition in force on the application date applies. If that edition has no verified
    row for the product, the earlier edition's row is used for a failure only: the 2023
    edition raised (tightened) values against 2021 and never relaxed them (NDRC Q&A), so
    worse than the 2021 基准 is worse than the 2023 one; a pass is not conclusive.
    """
    rows = efficiency_table()
    started = [y for y, d in efficiency_editions().items() if project.application_date >= d]
    in_force = max(started) if started else None
    out = []
    for p in project.products:
        cand = [r for r in rows if r["product"] == p.product]
        if not cand or in_force is None:
            continue
        same = [r for r in cand if int(r["edition"]) == in_force]
        row = same[0] if same else max(cand, key=lambda r: int(r["edition"]))
        value = p.indicator_value
        if value is None and row["unit"] == "kgce/t" and p.capacity > 0:
            share = p.energy_share if p.energy_share is not None else (1.0 if len(project.products) == 1 else None)
            value = None if share is None else fig.energy_tce * share * 1000.0 / p.capacity
        bench, base = float(row["benchmark"]), float(row["baseline"])
        nums = {"product": p.product, "value": value, "unit": row["unit"], "benchmark": bench, "baseline": base,
                "edition": int(row["edition"]), "edition_in_force": in_force, "tag": row["tag"]}
        src = f"{row['document']} ({row['edition']}): {row['source']}"
        if value is None:
            out.append(Reason("R-EFFICIENCY", CONDITIONS, f"{row['zh']}：缺少单位产品指标值，无法与标杆/基准比较",
                              f"{row['zh']}: no unit figure to compare with the benchmark levels", nums, src))
            continue
        earlier = int(row["edition"]) != in_force
        if value > base:
            zh, en, outcome = (f"{row['zh']} {value:,.1f} {row['unit']}，劣于基准水平 {base:,.1f}",
                               f"{row['zh']} {value:,.1f} {row['unit']} is worse than the baseline {base:,.1f}", FAIL)
        elif value > bench:
            zh, en, outcome = (f"{row['zh']} {value:,.1f}，介于基准 {base:,.1f} 与标杆 {bench:,.1f} 之间，"
                               "须采取措施达到标杆",
                               f"{row['zh']} {value:,.1f} is between the baseline {base:,.1f} and the benchmark "
                               f"{bench:,.1f}: conditions to reach the benchmark", CONDITIONS)
        else:
            zh, en, outcome = (f"{row['zh']} {value:,.1f}，达到标杆水平 {bench:,.1f}",
                               f"{row['zh']} {value:,.1f} reaches the benchmark {bench:,.1f}", PASS)
        if earlier and outcome != FAIL:
            outcome = CONDITIONS
            zh += f"（{in_force} 年版该行尚未核实，按 {row['edition']} 年版比较，须以现行版复核）"
            en += f" (the {in_force} edition's row is not verified; compared with the {row['edition']} edition; " \
                  "to be checked against the edition in force)"
        out.append(Reason("R-EFFICIENCY", outcome, zh, en, nums, src))
    return out
