"""Screening rules as data (``screening/rules/``): review level and exemptions by the rules
in force on the application date, 两高 classes, the local negative list, siting, the
能效标杆/基准 comparison, and the regional approval restriction (区域限批) of carrying-capacity
red zones with the city's list of the industries each overload factor concerns. Each rule
returns reasons carrying its rule id, the numbers compared, the outcome and the source. A
project's figures meet the thresholds and levels at the stated precision
(:mod:`qingshan.methods.precision`), so a project at exactly 1 000 tce or exactly on a 基准
level is judged alike whichever engine added up its energy.

Every rule file is read by name or path and checked on first use (:mod:`qingshan.rulefile`;
codes R001 unknown or unreadable file, R002 syntax, R010 a wrong key, column or row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from qingshan.factors import ACCEPTED_TAGS
from qingshan.methods import carrying_capacity as cc
from qingshan.methods.precision import comparable
from qingshan.rulefile import Checker, RuleFile, key_path, read_rule_file
from qingshan.schema.carriers import carriers, resolve_carrier
from qingshan.schema.tables import tables
from qingshan.screening.carrying import DistrictState
from qingshan.screening.figures import Figures
from qingshan.screening.project import KINDS, Project, own_factors

PASS, CONDITIONS, FAIL, INFO = "pass", "conditions", "fail", "info"


@dataclass(frozen=True)
class Reason:
    rule: str
    outcome: str  # pass | conditions | fail | info
    zh: str
    en: str
    numbers: dict[str, Any] = field(default_factory=dict)
    source: str = ""


RULES_PACKAGE, RULES_FOLDER = "qingshan.screening", "rules"
CODE = "R"  # R001 unknown or unreadable rule file, R002 syntax, R010 a wrong key, column or row
PREFIX = r"\d{2,4}"  # a GB/T 4754-2017 code or the first digits of one
PREFIX_ZH, PREFIX_EN = "GB/T 4754-2017 行业代码或其前 2–4 位", "a GB/T 4754-2017 code or its first 2–4 digits"
EFFICIENCY_COLUMNS = ("edition", "document", "product", "zh", "indicator", "unit", "benchmark", "baseline", "tag",
                      "source")


def _open(source: str | Path, suffixes: tuple[str, ...] = (".toml",)) -> tuple[RuleFile, Checker]:
    rf = read_rule_file(source, package=RULES_PACKAGE, folder=RULES_FOLDER, code=CODE, suffixes=suffixes)
    return rf, Checker(rf.label, f"{CODE}010")


def _prefixes(c: Checker, d: dict[str, Any], key: str, where: str, *, required: bool = True) -> list[str]:
    out = list(c.strings(d, key, where, required=required))
    for x in out:
        c.form(key_path(where, key), x, PREFIX, PREFIX_ZH, PREFIX_EN)
    return out


TWO_HIGH_CLASS_KEYS = ("id", "zh", "en", "prefixes", "fuel", "confirm", "confirm_en", "min_energy_tce", "source")
#: Fuel conditions a 两高 class may set: a carrier category of the catalogue (``carriers.csv``).
TWO_HIGH_FUELS = ("coal",)


def _two_high_class(c: Checker, d: dict[str, Any], where: str, *, local: bool) -> dict[str, Any]:
    """One 两高 class. Beyond its code ``prefixes`` it may set conditions the code alone
    cannot decide: ``fuel`` (the class applies only when the project's energy uses a carrier
    of that category, e.g. 煤电 within 4411 火力发电, which also holds gas-fired plants),
    ``confirm``/``confirm_en`` (what a reviewer must confirm, e.g. lime rather than gypsum
    within 3012; the project is then reported as *depends*) and ``min_energy_tce`` (a local
    directory counting only projects from that annual energy use)."""
    c.only(d, TWO_HIGH_CLASS_KEYS, where)
    out: dict[str, Any] = {"id": c.text(d, "id", where), "zh": c.text(d, "zh", where),
                           "prefixes": _prefixes(c, d, "prefixes", where)}
    for k in ("en", "confirm", "confirm_en"):
        if k in d:
            out[k] = c.text(d, k, where)
    if ("confirm" in d) != ("confirm_en" in d):
        c.problem(key_path(where, "confirm_en" if "confirm" in d else "confirm"), None,
                  "confirm 与 confirm_en 同时给出", "confirm and confirm_en together")
    if "fuel" in d:
        out["fuel"] = c.text(d, "fuel", where)
        if out["fuel"] and out["fuel"] not in TWO_HIGH_FUELS:
            c.problem(key_path(where, "fuel"), out["fuel"], f"取值之一：{', '.join(TWO_HIGH_FUELS)}",
                      f"one of {', '.join(TWO_HIGH_FUELS)}")
    if "min_energy_tce" in d:
        out["min_energy_tce"] = c.number(d, "min_energy_tce", where, lo=0.0)
    if local or "source" in d:  # a national class may take the national source
        out["source"] = c.text(d, "source", where)
    return out


def load_two_high(source: str | Path = "two_high") -> dict[str, Any]:
    """两高 classes: ``national`` (``id``, ``zh``, ``source``, ``classes``) and ``local``
    classes, each ``{id, zh, prefixes, source}`` and optional conditions
    (:func:`_two_high_class`); prefixes are GB/T 4754-2017 code prefixes.

    A local directory is a file of its own with ``extends = "<file>"``: the national table
    of that file applies, and the file adds its ``local`` classes (a project is 两高 if it
    falls in a national or a local class)."""
    rf, c = _open(source)
    c.only(rf.raw, ("national", "local", "extends"))
    if "extends" in rf.raw:
        base_name = c.text(rf.raw, "extends")
        if "national" in rf.raw:
            c.problem("national", None, "extends 与 [national] 二选一", "either extends or [national], not both")
        base: dict[str, Any] = (load_two_high(base_name) if base_name
                                else {"national": {"classes": []}, "local": []})
        national: dict[str, Any] = base["national"]
        inherited = list(base["local"])
    else:
        nat = c.table(rf.raw, "national")
        c.only(nat, ("id", "zh", "en", "source", "classes"), "national")
        national = {k: c.text(nat, k, "national") for k in ("id", "zh", "source")}
        national["classes"] = [_two_high_class(c, x, f"national.classes[{i}]", local=False)
                               for i, x in enumerate(c.tables(nat, "classes", "national"))]
        inherited = []
    local = inherited + [_two_high_class(c, x, f"local[{i}]", local=True)
                         for i, x in enumerate(c.tables(rf.raw, "local", required=False))]
    c.unique([x["id"] for x in [*national["classes"], *local] if x["id"]], "classes.id", "两高类别代码",
             "两高 class id")
    c.raise_if_any()
    return {"national": national, "local": local}


REVIEW_KEYS = ("id", "zh", "en", "in_force_from", "provincial_tce", "provincial_coal_t", "exempt_below_tce",
               "exempt_below_coal_t", "exempt_below_kwh", "two_high_not_county", "carbon_evaluation", "source")


def load_review_levels(source: str | Path = "review_levels") -> list[dict[str, Any]]:
    """Editions of the 节能审查 rules, latest first: ``in_force_from`` (a date), the
    provincial thresholds (``provincial_tce``, optional ``provincial_coal_t``), the exemption
    thresholds (``exempt_below_tce``, optional ``exempt_below_coal_t``, ``exempt_below_kwh``),
    ``two_high_not_county``, ``carbon_evaluation``, ``source``."""
    rf, c = _open(source)
    c.only(rf.raw, ("editions",))
    out = []
    for i, e in enumerate(c.tables(rf.raw, "editions")):
        w = f"editions[{i}]"
        c.only(e, REVIEW_KEYS, w)
        ed: dict[str, Any] = {k: c.text(e, k, w) for k in ("id", "zh", "en", "source")}
        ed["in_force_from"] = c.date(e, "in_force_from", w)
        for k in ("provincial_tce", "exempt_below_tce", "provincial_coal_t", "exempt_below_coal_t",
                  "exempt_below_kwh"):
            required = k in ("provincial_tce", "exempt_below_tce")
            if required or k in e:
                ed[k] = c.number(e, k, w, required=required, lo=0.0)
        for low, high in (("exempt_below_tce", "provincial_tce"), ("exempt_below_coal_t", "provincial_coal_t")):
            if ed.get(low) is not None and ed.get(high) is not None and ed[low] >= ed[high]:
                c.problem(f"{w}.{low}", ed[low], f"小于 {high}（{ed[high]:g}）的豁免门槛",
                          f"an exemption threshold below {high} ({ed[high]:g})")
        for k in ("two_high_not_county", "carbon_evaluation"):
            ed[k] = c.flag(e, k, w)
        out.append(ed)
    c.unique([e["id"] for e in out if e["id"]], "editions.id", "版本代码", "edition id")
    c.unique([e["in_force_from"] for e in out if e["in_force_from"]], "editions.in_force_from", "施行日期",
             "date in force from")
    c.raise_if_any()
    return sorted(out, key=lambda e: e["in_force_from"], reverse=True)


def load_negative_list(source: str | Path = "negative_list") -> list[dict[str, Any]]:
    """Negative-list entries: ``id``, ``zh``, ``en``, ``source`` and what they match:
    ``industry_prefixes`` and/or ``products``, optionally only for project ``kinds``."""
    rf, c = _open(source)
    c.only(rf.raw, ("entries",))
    out = []
    for i, e in enumerate(c.tables(rf.raw, "entries", required=False)):
        w = f"entries[{i}]"
        c.only(e, ("id", "zh", "en", "industry_prefixes", "products", "kinds", "source"), w)
        entry: dict[str, Any] = {k: c.text(e, k, w) for k in ("id", "zh", "en", "source")}
        entry["industry_prefixes"] = _prefixes(c, e, "industry_prefixes", w, required=False)
        entry["products"] = list(c.strings(e, "products", w, required=False))
        entry["kinds"] = list(c.strings(e, "kinds", w, required=False, choices=KINDS))
        if not e.get("industry_prefixes") and not e.get("products"):
            c.problem(f"{w}.industry_prefixes", None, "industry_prefixes 或 products 至少一项",
                      "industry_prefixes or products (at least one)")
        out.append(entry)
    c.unique([e["id"] for e in out if e["id"]], "entries.id", "清单条目代码", "entry id")
    c.raise_if_any()
    return out


def load_siting(source: str | Path = "siting") -> list[dict[str, Any]]:
    """Siting rules: projects whose industry code starts with one of ``prefixes`` must sit
    in one of ``parks``; each with ``id``, ``zh``, ``en`` and ``source``."""
    rf, c = _open(source)
    c.only(rf.raw, ("rules",))
    out = []
    for i, x in enumerate(c.tables(rf.raw, "rules", required=False)):
        w = f"rules[{i}]"
        c.only(x, ("id", "zh", "en", "prefixes", "parks", "source"), w)
        rule: dict[str, Any] = {k: c.text(x, k, w) for k in ("id", "zh", "en", "source")}
        rule["prefixes"] = _prefixes(c, x, "prefixes", w)
        rule["parks"] = list(c.strings(x, "parks", w))
        out.append(rule)
    c.unique([x["id"] for x in out if x["id"]], "rules.id", "规则代码", "rule id")
    c.raise_if_any()
    return out


def load_efficiency_editions(source: str | Path = "efficiency_editions") -> dict[int, dt.date]:
    """Edition of the 能效标杆/基准 table → the date from which it applies; a later edition
    applies from a later date."""
    rf, c = _open(source)
    c.only(rf.raw, ("editions",))
    out: dict[int, dt.date] = {}
    eds = c.tables(rf.raw, "editions")
    for i, e in enumerate(eds):
        w = f"editions[{i}]"
        c.only(e, ("edition", "in_force_from", "source"), w)
        year, start = c.integer(e, "edition", w, lo=2000, hi=2100), c.date(e, "in_force_from", w)
        c.text(e, "source", w)
        if year is not None and year in out:
            c.problem(f"{w}.edition", year, "不重复的版本年份", "a unique edition year")
        elif year is not None and start is not None:
            out[year] = start
    ordered = sorted(out.items())
    for (y0, d0), (_, d1) in pairwise(ordered):
        if d1 <= d0:
            c.problem("editions.in_force_from", d1.isoformat(), f"晚于 {y0} 年版（{d0.isoformat()}）的施行日期",
                      f"a date after that of the {y0} edition ({d0.isoformat()})")
    c.raise_if_any()
    return out


def load_efficiency_table(source: str | Path = "efficiency_benchmarks",
                          editions: dict[int, dt.date] | None = None) -> list[dict[str, str]]:
    """The 能效标杆/基准 rows, as text (columns :data:`EFFICIENCY_COLUMNS`). Each row has its
    document, source and tag (C or R); ``benchmark`` (标杆) is below ``baseline`` (基准), lower
    being better; the edition is one of ``editions`` (default: the built-in editions file);
    one row per product and edition."""
    eds = load_efficiency_editions() if editions is None else editions
    rf, c = _open(source, (".csv",))
    columns = rf.raw["columns"]
    for col in EFFICIENCY_COLUMNS:
        if col not in columns:
            c.problem(col, None, "必需的列", "a required column")
    c.unique(columns, "columns", "列名", "column name")
    for col in columns:
        if col not in EFFICIENCY_COLUMNS:
            c.problem(col or "(empty)", None, f"已知的列之一：{', '.join(EFFICIENCY_COLUMNS)}",
                      f"one of the known columns: {', '.join(EFFICIENCY_COLUMNS)}")
    rows: list[dict[str, str]] = rf.raw["rows"]
    for i, row in enumerate(rows):
        rc = c.at_row(i + 2)
        edition = rc.integer(row, "edition", text_ok=True)
        if edition is not None and edition not in eds:
            rc.problem("edition", edition, f"版本文件中的版本之一：{', '.join(map(str, sorted(eds)))}",
                       f"an edition of the editions file: {', '.join(map(str, sorted(eds)))}")
        for k in ("document", "zh", "unit", "source"):
            rc.text(row, k)
        for k in ("product", "indicator"):
            v = rc.text(row, k)
            if v:
                rc.form(k, v, r"[a-z][a-z0-9_]*", "小写字母、数字与下划线组成的代码", "a code of lower-case letters, "
                        "digits and underscores")
        rc.one_of(row, "tag", ACCEPTED_TAGS)
        bench = rc.number(row, "benchmark", text_ok=True)
        base = rc.number(row, "baseline", text_ok=True)
        if bench is not None and base is not None and bench >= base:
            rc.problem("benchmark", row["benchmark"], f"小于基准水平 {row['baseline']} 的标杆水平（数值越小越好）",
                       f"a benchmark below the baseline {row['baseline']} (lower is better)")
    c.unique([(r.get("product"), r.get("edition")) for r in rows], "product", "产品与版本组合",
             "(product, edition) pair")
    c.raise_if_any()
    return rows


CARRYING_KEYS = ("zh", "en", "source", "tag", "quote_zh", "quote_en", "quote_source", "quote_tag", "factor")
CARRYING_FACTOR_KEYS = ("element", "zh", "en", "prefixes", "all_industries", "takes_land", "source", "tag")
#: tags of a carrying-sectors entry: C read in an official text, R a secondary source, U the city's own choice
CARRYING_TAGS = ("C", "R", "U")


def load_carrying_sectors(source: str | Path = "carrying_sectors") -> dict[str, Any]:
    """The industries concerned (相关行业领域) by each overload factor of a carrying-capacity
    red zone, for ``R-CARRYING`` (区域限批): the file's ``zh``, ``en``, ``source``, ``tag``; the
    measure it quotes (``quote_zh``, ``quote_en``, ``quote_source``, ``quote_tag``); and
    ``factors``, element → ``{element, zh, en, prefixes, all_industries, takes_land, source,
    tag}``. Each element (:data:`qingshan.methods.carrying_capacity.ELEMENTS`) at most once;
    an entry gives GB/T 4754-2017 ``prefixes`` or ``all_industries = true``, not both;
    ``takes_land`` limits it to projects that take land (``land_mu`` above 0)."""
    rf, c = _open(source)
    c.only(rf.raw, CARRYING_KEYS)
    out: dict[str, Any] = {k: c.text(rf.raw, k) for k in ("zh", "en", "source", "quote_zh", "quote_en",
                                                           "quote_source")}
    for k in ("tag", "quote_tag"):
        out[k] = c.one_of(rf.raw, k, CARRYING_TAGS)
    factors: dict[str, dict[str, Any]] = {}
    for i, x in enumerate(c.tables(rf.raw, "factor")):
        w = f"factor[{i}]"
        c.only(x, CARRYING_FACTOR_KEYS, w)
        e: dict[str, Any] = {"element": c.one_of(x, "element", cc.ELEMENTS, w),
                             **{k: c.text(x, k, w) for k in ("zh", "en", "source")},
                             "tag": c.one_of(x, "tag", CARRYING_TAGS, w),
                             "prefixes": _prefixes(c, x, "prefixes", w, required=False),
                             "all_industries": bool(c.flag(x, "all_industries", w)),
                             "takes_land": bool(c.flag(x, "takes_land", w))}
        if e["all_industries"] == bool(e["prefixes"]):
            c.problem(f"{w}.prefixes", None, "prefixes 或 all_industries = true 二者之一",
                      "either prefixes or all_industries = true")
        if e["element"] in factors:
            c.problem(f"{w}.element", e["element"], "每个要素至多一项", "each element at most once")
        elif e["element"]:
            factors[e["element"]] = e
    out["factors"] = factors
    c.raise_if_any()
    return out


#: The rule files a profile selects (``screening.*`` keys, docs/profiles.md).
RULE_KEYS = ("review_levels", "two_high", "efficiency_editions", "negative_list", "siting", "carrying_sectors")


@dataclass(frozen=True)
class ScreeningRules:
    """The screening rule files in force for a jurisdiction and date; ``None`` where the
    profile selects none (the check is then reported as not made, never as passed)."""

    names: dict[str, str | None]
    review_levels: list[dict[str, Any]] | None
    two_high: dict[str, Any] | None
    efficiency_editions: dict[int, dt.date] | None
    efficiency_table: list[dict[str, str]]
    negative_list: list[dict[str, Any]] | None
    siting: list[dict[str, Any]] | None
    carrying_sectors: dict[str, Any] | None = None


@cache
def _load(kind: str, name: str) -> Any:
    loaders: dict[str, Callable[[str], Any]] = {
        "two_high": load_two_high, "review_levels": load_review_levels, "negative_list": load_negative_list,
        "siting": load_siting, "efficiency_editions": load_efficiency_editions,
        "efficiency_benchmarks": load_efficiency_table, "carrying_sectors": load_carrying_sectors}
    return loaders[kind](name)


def load_screening_rules(names: dict[str, str | None]) -> ScreeningRules:
    """Load the built-in rule files ``names`` selects (key of :data:`RULE_KEYS` → file name
    or ``None``); each file is read and checked once per process."""
    unknown = set(names) - set(RULE_KEYS)
    if unknown:
        raise KeyError(f"not screening rule keys: {sorted(unknown)}")

    def get(kind: str) -> Any:
        name = names.get(kind)
        return None if name is None else _load(kind, name)

    return ScreeningRules(names=dict(names), review_levels=get("review_levels"), two_high=get("two_high"),
                          efficiency_editions=get("efficiency_editions"),
                          efficiency_table=_load("efficiency_benchmarks", "efficiency_benchmarks"),
                          negative_list=get("negative_list"), siting=get("siting"),
                          carrying_sectors=get("carrying_sectors"))


def two_high_class(code: str, rules: ScreeningRules) -> dict[str, Any] | None:
    """The first class whose prefixes the code starts with, conditions not applied (the
    screening uses :func:`two_high`)."""
    t = rules.two_high
    if t is None:
        return None
    for c in [*t["national"]["classes"], *t["local"]]:
        if any(code.startswith(p) for p in c["prefixes"]):
            return {**c, "source": c.get("source", t["national"]["source"])}
    return None


def project_fuels(project: Project) -> set[str]:
    """The carrier categories (``coal``, ``gas``, …) of the project's energy rows after the
    project with a quantity above zero; a label the catalogue does not know is left out (the
    figures refuse it with its package code)."""
    cats = {k: spec.category for k, spec in carriers().items()}
    out = set()
    for label, q in zip(project.energy.get("carrier", []), project.energy.get("quantity", []), strict=False):
        key = resolve_carrier(str(label))
        try:
            positive = float(q) > 0
        except (TypeError, ValueError):
            positive = False
        if key is not None and positive:
            out.add(cats[key])
    return out


def two_high(project: Project, fig: Figures, rules: ScreeningRules) -> tuple[str, Reason]:
    """Whether the project is 两高: ``yes``, ``depends`` (a class's code matches but only a
    reviewer can confirm its ``confirm`` condition, e.g. lime rather than gypsum), ``no``,
    or ``not_selected`` (the profile selects no 两高 scope).

    A class matches when the project's GB/T 4754-2017 code starts with one of its prefixes
    and its conditions hold: ``fuel`` (the project's energy uses a carrier of that category:
    a gas-fired plant in 4411 火力发电 is not 煤电) and ``min_energy_tce`` (the project's
    annual 综合能耗 at or above it, at the stated precision)."""
    t = rules.two_high
    if t is None:
        return "not_selected", not_selected("R-TWO-HIGH", "两高项目范围", "scope of 两高 projects")
    fuels = project_fuels(project)
    code = project.industry_code
    hits: list[tuple[dict[str, Any], str]] = []  # (class, "yes" | "depends" | why it does not apply)
    for c in [*t["national"]["classes"], *t["local"]]:
        if not any(code.startswith(p) for p in c["prefixes"]):
            continue
        c = {**c, "source": c.get("source", t["national"]["source"])}
        if c.get("fuel") and c["fuel"] not in fuels:
            hits.append((c, "fuel"))
        elif c.get("min_energy_tce") is not None and comparable(fig.energy_tce) < comparable(c["min_energy_tce"]):
            hits.append((c, "energy"))
        else:
            hits.append((c, "depends" if c.get("confirm") else "yes"))
    nums: dict[str, Any] = {"industry_code": code, "class": None, "status": "no", "fuels": sorted(fuels),
                            "energy_tce": fig.energy_tce}
    yes = [c for c, s in hits if s == "yes"]
    depends = [c for c, s in hits if s == "depends"]
    if yes:
        c = yes[0]
        nums.update({"class": c["id"], "status": "yes"})
        return "yes", Reason("R-TWO-HIGH", INFO, f"属于两高项目（{c['zh']}）", f"a 两高 project ({c['id']})", nums,
                             c["source"])
    if depends:
        c = depends[0]
        nums.update({"class": c["id"], "status": "depends"})
        return "depends", Reason("R-TWO-HIGH", INFO, f"可能属于两高项目（{c['zh']}），须核实：{c['confirm']}",
                                 f"possibly a 两高 project ({c['id']}); to be confirmed: {c['confirm_en']}", nums,
                                 c["source"])
    why_zh = {"fuel": "项目能源不含{fuel}类燃料", "energy": "年综合能耗低于 {min:,.0f} tce"}
    why_en = {"fuel": "the project's energy uses no {fuel}", "energy": "annual energy below {min:,.0f} tce"}
    missed = [(c, s) for c, s in hits if s in why_zh]
    if missed:
        zh = "；".join(f"{c['zh']}：" + why_zh[s].format(fuel=c.get("fuel"), min=c.get("min_energy_tce") or 0)
                      for c, s in missed)
        en = "; ".join(f"{c['id']}: " + why_en[s].format(fuel=c.get("fuel"), min=c.get("min_energy_tce") or 0)
                       for c, s in missed)
        nums["not_applied"] = [c["id"] for c, _ in missed]
        return "no", Reason("R-TWO-HIGH", INFO, f"不属于两高项目（{zh}）", f"not a 两高 project ({en})", nums,
                            missed[0][0]["source"])
    return "no", Reason("R-TWO-HIGH", INFO, "不属于两高项目", "not a 两高 project", nums,
                        f"screening/rules/{rules.names.get('two_high')}.toml")


def not_selected(rule: str, zh: str, en: str) -> Reason:
    """The reason of a check the jurisdiction's profile gives no rules for."""
    return Reason(rule, INFO, f"本配置未选择{zh}，未作此项审查", f"the profile selects no {en}: not checked",
                  {}, "profile")


def review_level(project: Project, fig: Figures, two_high: bool, rules: ScreeningRules) -> Reason:
    """Which authority reviews the project, or that it needs no separate review. Where the
    profile selects no 两高 scope, ``two_high`` is false and the 两高 rule of the review
    (not delegated to county level) is not applied; the R-TWO-HIGH reason says the check
    was not made."""
    eds = rules.review_levels  # latest first
    if eds is None:
        return not_selected("R-REVIEW", "节能审查办法", "energy-review rules")
    ed = next((e for e in eds if project.application_date >= e["in_force_from"]), None)
    if ed is None:
        return Reason("R-REVIEW", INFO, "申报日期早于已收录的节能审查办法", "the application predates the rules held",
                      {"application_date": str(project.application_date)})
    nums: dict[str, Any] = {"rules": ed["id"], "energy_tce": fig.energy_tce, "coal_t": fig.coal_t,
                            "electricity_kwh": fig.electricity_kwh}
    energy, coal, kwh = comparable(fig.energy_tce), comparable(fig.coal_t), comparable(fig.electricity_kwh)
    exempt = energy < comparable(float(ed["exempt_below_tce"]))
    if "exempt_below_coal_t" in ed:
        exempt = exempt and coal < comparable(float(ed["exempt_below_coal_t"]))
    if "exempt_below_kwh" in ed:
        exempt = exempt and kwh < comparable(float(ed["exempt_below_kwh"]))
    provincial = (energy >= comparable(float(ed["provincial_tce"]))
                  or coal >= comparable(float(ed.get("provincial_coal_t", float("inf")))))
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


def negative_list(project: Project, rules: ScreeningRules) -> list[Reason]:
    if rules.negative_list is None:
        return [not_selected("R-NEGATIVE", "本地负面清单", "local negative list")]
    out = []
    products = {p.product for p in project.products}
    for e in rules.negative_list:
        hit = any(project.industry_code.startswith(x) for x in e["industry_prefixes"])
        hit = hit or bool(products & set(e["products"]))
        if hit and (not e["kinds"] or project.kind in e["kinds"]):
            out.append(Reason("R-NEGATIVE", FAIL, f"列入负面清单：{e['zh']}", f"on the negative list: {e['en']}",
                              {"entry": e["id"], "industry_code": project.industry_code}, e["source"]))
    if not out:
        out.append(Reason("R-NEGATIVE", PASS, "不在负面清单内", "not on the negative list", {},
                          f"screening/rules/{rules.names.get('negative_list')}.toml"))
    return out


def siting(project: Project, rules: ScreeningRules) -> list[Reason]:
    if rules.siting is None:
        return [not_selected("R-SITING", "选址规则与合规园区名单", "siting rules and compliant parks")]
    out = []
    for r in rules.siting:
        if any(project.industry_code.startswith(x) for x in r["prefixes"]):
            ok = project.park_id in r["parks"]
            out.append(Reason("R-SITING", PASS if ok else FAIL,
                              r["zh"] + ("：符合" if ok else f"：项目位于 {project.park_id or '园区外'}，不符合"),
                              r["en"] + (": met" if ok else f": the project is in {project.park_id or 'no park'}"),
                              {"park_id": project.park_id, "qualifying_parks": r["parks"]}, r["source"]))
    return out


#: the 2017 意见 as the carrying reasons name it
OPINIONS_ZH = "《关于建立资源环境承载能力监测预警长效机制的若干意见》二(三)"
OPINIONS_EN = "the 2017 Opinions on a long-term mechanism for carrying-capacity monitoring and early warning, II(3)"


def _names(ids: tuple[str, ...] | list[str], lang: int, sep: str) -> str:
    return sep.join(cc.ELEMENT_NAMES[e][lang] for e in ids if e in cc.ELEMENT_NAMES)


def carrying(project: Project, state: DistrictState | None, rules: ScreeningRules) -> Reason:
    """区域限批 (``R-CARRYING``): a project whose district is a carrying-capacity red zone in
    its latest evaluation up to the application year (:mod:`qingshan.screening.carrying`),
    or was handled like one (a change of class whose measure is ``as_red``: 意见 二(三), from
    临界超载 to 超载), fails when its industry is among those the profile's
    ``screening.carrying_sectors`` file relates to one of the district's overload factors
    (GB/T 4754-2017 prefixes, or every industry; an entry with ``takes_land`` only for a
    project taking land: ``land_mu`` above 0, conditions when the project states none); it
    passes when its industry is related to none. Every other colour is a note, as is a
    district not evaluated (never taken as green) and a red zone whose related industries the
    profile does not give (the restriction is then not checked)."""
    if state is None or not state.evaluated:
        why_zh = state.why_zh if state else "未取得承载能力评价"
        why_en = state.why_en if state else "no carrying-capacity evaluation at hand"
        return Reason("R-CARRYING", INFO, f"未作资源环境承载能力区域限批审查：{why_zh}",
                      f"no carrying-capacity check (regional approval restriction): {why_en}",
                      state.as_numbers() if state else {"evaluated": False},
                      "docs/environment.md, Carrying-capacity early warning")
    nums = state.as_numbers()
    nums |= {"industry_code": project.industry_code, "kind": project.kind, "land_mu": project.land_mu}
    name, year = state.name or state.district_id, state.year
    colour_zh, colour_en = cc.COLOUR_NAMES[state.colour] if state.colour else ("预警等级未定", "no warning level")
    load_zh, load_en = cc.LOAD_NAMES[state.load] if state.load and state.load_determined else ("未定", "undetermined")
    where_zh = f"项目所在{name} {year} 年资源环境承载能力评价为{colour_zh}（{load_zh}"
    where_en = f"the project's district {name}: {colour_en} in the {year} carrying-capacity evaluation ({load_en}"
    if state.factors:
        where_zh += f"，超载因素：{_names(state.factors, 0, '、')}"
        where_en += f"; overload factors: {_names(state.factors, 1, ', ')}"
    where_zh += "）"
    where_en += ")"
    moved_zh = moved_en = ""
    t = state.transition
    if state.measure is not None:
        moved_zh = f"；较上一期从{t.get('from_zh')}变为{t.get('to_zh')}：{t.get('measure_zh')}"
        moved_en = f"; since the previous evaluation from {t.get('from_en')} to {t.get('to_en')}: {t.get('measure_en')}"
    source = f"carrying rules {state.rules}"
    if not state.restricted:
        if state.colour is None:
            where_zh += f"：{state.colour_reason_zh}"
            where_en += f": {state.colour_reason_en}"
        return Reason("R-CARRYING", INFO, f"{where_zh}，非红色预警区，不实施区域限批{moved_zh}",
                      f"{where_en}: not a red zone, no regional approval restriction{moved_en}", nums, source)
    as_red_zh = "" if state.colour == "red" else "，按从临界超载恶化为超载的地区参照红色预警区处理"
    as_red_en = "" if state.colour == "red" else (", handled as a red zone having moved from critical to "
                                                    "overloaded")
    sectors = rules.carrying_sectors
    if sectors is None:
        nums["related"] = None
        return Reason("R-CARRYING", INFO, f"{where_zh}{as_red_zh}；本配置未选择超载因素对应的相关行业领域，"
                      "未作区域限批审查，须由审查人员确定项目是否属于相关行业",
                      f"{where_en}{as_red_en}; the profile selects no industries concerned by the overload factors: "
                      "the restriction is not checked, a reviewer must decide whether the project's industry is "
                      "concerned", nums, f"{source}; profile")
    related, unsure, unmapped = [], [], []
    for element in state.factors:
        e = sectors["factors"].get(element)
        if e is None:
            unmapped.append(element)
            continue
        if not (e["all_industries"] or any(project.industry_code.startswith(x) for x in e["prefixes"])):
            continue
        land = project.land_mu
        if e["takes_land"] and land is None:
            unsure.append(e)
        elif not e["takes_land"] or (land is not None and land > 0):
            related.append(e)
    nums |= {"related": [e["element"] for e in related], "to_confirm": [e["element"] for e in unsure],
             "not_mapped": unmapped}
    source = (f"{sectors['quote_source']}; {sectors['source']}; "
              + "; ".join(e["source"] for e in [*related, *unsure]) + ("; " if related or unsure else "") + source)
    quote_zh = f"依{OPINIONS_ZH}“{sectors['quote_zh']}”"
    quote_en = f"under {OPINIONS_EN}, \"{sectors['quote_en']}\""
    if related:
        return Reason("R-CARRYING", FAIL,
                      f"{where_zh}{as_red_zh}；项目属于{'、'.join(e['zh'] for e in related)}，{quote_zh}，"
                      "暂停办理审批",
                      f"{where_en}{as_red_en}; the project is among {'; '.join(e['en'] for e in related)}; "
                      f"{quote_en}: approval suspended", nums, source)
    if unsure:
        return Reason("R-CARRYING", CONDITIONS,
                      f"{where_zh}{as_red_zh}；项目未填报用地面积，须核实是否占用建设用地："
                      f"如占用，属于{'、'.join(e['zh'] for e in unsure)}，{quote_zh}",
                      f"{where_en}{as_red_en}; the project states no land area: to be confirmed whether it "
                      f"takes construction land; if it does, it is among {'; '.join(e['en'] for e in unsure)}, "
                      f"{quote_en}", nums, source)
    extra_zh = f"（未列出{_names(unmapped, 0, '、')}对应的行业）" if unmapped else ""
    extra_en = f" (no industries are listed for {_names(unmapped, 1, ', ')})" if unmapped else ""
    return Reason("R-CARRYING", PASS,
                  f"{where_zh}{as_red_zh}；项目行业不属于超载因素对应的相关行业领域{extra_zh}，不受区域限批",
                  f"{where_en}{as_red_en}; the project's industry is not among those concerned by the overload "
                  f"factors{extra_en}: not restricted", nums, source)


def efficiency(project: Project, fig: Figures, rules: ScreeningRules) -> list[Reason]:
    """Each product with a row in the table: worse than 基准 fails, between 基准 and 标杆
    passes with conditions, at or better than 标杆 passes (lower is better).

    The edition in force on the application date applies. If that edition has no verified
    row for the product, the earlier edition's row is used for a failure only: the 2023
    edition raised (tightened) values against 2021 and never relaxed them (NDRC Q&A), so
    worse than the 2021 基准 is worse than the 2023 one; a pass is not conclusive.
    """
    if rules.efficiency_editions is None:
        return [not_selected("R-EFFICIENCY", "能效标杆/基准版本", "editions of the efficiency levels")]
    rows = rules.efficiency_table
    started = [y for y, d in rules.efficiency_editions.items() if project.application_date >= d]
    in_force = max(started) if started else None
    out = []
    for p in project.products:
        cand = [r for r in rows if r["product"] == p.product]
        if not cand or in_force is None:
            continue
        same = [r for r in cand if int(r["edition"]) == in_force]
        earlier_rows = [r for r in cand if int(r["edition"]) < in_force]
        if not same and not earlier_rows:
            continue  # only a later edition lists the product: nothing in force to compare with
        row = same[0] if same else max(earlier_rows, key=lambda r: int(r["edition"]))
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
        v = comparable(float(value))
        if v > comparable(base):
            zh, en, outcome = (f"{row['zh']} {value:,.1f} {row['unit']}，劣于基准水平 {base:,.1f}",
                               f"{row['zh']} {value:,.1f} {row['unit']} is worse than the baseline {base:,.1f}", FAIL)
        elif v > comparable(bench):
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


#: What makes a project an aluminium smelter whose anode effects emit PFCs: its product id in
#: the 能效 table, or anode rows among its process activity.
ALUMINIUM_PRODUCTS = ("electrolytic_aluminium",)


def carbon(project: Project, fig: Figures) -> Reason:
    """碳排放评价: the project's CO2 and, apart, its other greenhouse gases in CO2e (N2O of
    nitric and adipic acid, PFCs of aluminium anode effects; the factor set's GWP set) and the
    greenhouse-gas total, with the carbon balance's deductions; the project's own factors
    (gases and materials rows) are listed with their basis, as the project's data and not a
    guideline's default. An aluminium smelter (electrolytic aluminium among its products, or
    anode rows) without a PFC row is told that its total lacks its anode-effect PFCs. A note:
    no threshold of the rules held applies to CO2e."""
    own = own_factors(project)
    nums: dict[str, Any] = {"co2_t": fig.co2_t, "co2_process_t": fig.co2_process_t,
                            "co2_fixed_t": fig.co2_fixed_t, "co2_recovered_t": fig.co2_recovered_t,
                            "n2o_t": fig.n2o_t, "cf4_t": fig.cf4_t, "c2f6_t": fig.c2f6_t,
                            "non_co2_t_co2e": fig.non_co2_t_co2e, "ghg_t_co2e": fig.ghg_t_co2e,
                            "gwp_set": fig.gwp_set, "own_factors": own}
    spec = tables()
    source_of = spec["gases"].column("source").choice_aliases
    material_of = spec["process"].column("material").choice_aliases
    gases = {source_of.get(str(x).strip(), str(x).strip()) for x in project.gases.get("source", [])}
    smelter = (any(p.product in ALUMINIUM_PRODUCTS for p in project.products)
               or any(material_of.get(str(m).strip(), str(m).strip()) == "anode"
                      for m in project.process.get("material", [])))
    zh = (f"二氧化碳 {fig.co2_t:,.1f} t；其他温室气体 {fig.non_co2_t_co2e:,.1f} t CO2e（N2O {fig.n2o_t:,.3f} t、"
          f"CF4 {fig.cf4_t:,.3f} t、C2F6 {fig.c2f6_t:,.3f} t，GWP {fig.gwp_set}）；"
          f"温室气体合计 {fig.ghg_t_co2e:,.1f} t CO2e")
    en = (f"CO2 {fig.co2_t:,.1f} t; other greenhouse gases {fig.non_co2_t_co2e:,.1f} t CO2e (N2O {fig.n2o_t:,.3f} t, "
          f"CF4 {fig.cf4_t:,.3f} t, C2F6 {fig.c2f6_t:,.3f} t; GWP {fig.gwp_set}); greenhouse gases in all "
          f"{fig.ghg_t_co2e:,.1f} t CO2e")
    if own:
        def vals(x: dict[str, Any]) -> str:
            return ", ".join(f"{k} {x[k]:g}" for k in ("n2o_kg_per_t", "cf4_kg_per_t", "c2f6_kg_per_t",
                                                          "carbon_fraction") if k in x)
        zh += "；项目自有因子（非指南缺省值）：" + "；".join(f"{x['item']} {vals(x)}（{x['basis_zh']}）" for x in own)
        en += "; the project's own factors (not guideline defaults): " + "; ".join(
            f"{x['item']} {vals(x)} ({x['basis_en']})" for x in own)
    if smelter and "aluminium_anode_effect" not in gases:
        nums["missing"] = ["aluminium_anode_effect"]
        zh += "；未填报电解铝阳极效应全氟化碳（gases），温室气体合计不含 PFC"
        en += "; no PFCs of anode effects were given (gases): the total lacks them"
    return Reason("R-CARBON", INFO, zh, en, nums,
                  "docs/accounting.md: 鲁环发〔2022〕4号 附件 钢铁/化工指南 附录2 (carbon balance, N2O, 表2-9 GWP); "
                  f"GB/T 32151.4-2015 (PFCs, the project's own factors); GWP set {fig.gwp_set}")
