"""Carbon-sink projects (碳汇项目): a project file (TOML) estimated by the methodology it names,
with :mod:`qingshan.methods.forest_sink` and the methodology table
``qingshan/ecology/sinks/methodologies.toml``.

A project file has ``[project]`` (``id``, ``name``, ``name_en``, ``methodology``, ``estimate``
= ``ex-ante`` | ``ex-post``, ``area_ha``), ``[inputs]`` — every parameter the methodology
table marks ``required_input``, each ``{ value, unit, source }``, plus ``project_emissions``
— and the stock series ``[[project_stocks]]`` and ``[[baseline_stocks]]`` (``year`` and one
t CO2e stock per pool). A parameter the methodology text gives (status ``read``) is used as
read and may not be overridden. Problems (K001–K005) are collected and raised together.

The estimate over the period (first to last stock year): each pool's stock change, the
project sink ΔC_ACTUAL = Σ pool changes − GHG_E, ΔC_AR = ΔC_ACTUAL − ΔC_BSL − LK, and the
credited part after the deduction fraction, t CO2e (AR-CM-001-V01 structure).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from qingshan.errors import Problem, ValidationError
from qingshan.methods import forest_sink
from qingshan.rulefile import read_rule_file

ESTIMATES = ("ex-ante", "ex-post")
DEMO_PROJECTS = ("mangrove_restoration",)


@cache
def methodologies() -> dict[str, Any]:
    """The methodology table, by id."""
    text = resources.files("qingshan.ecology").joinpath("sinks", "methodologies.toml").read_text("utf-8")
    table: dict[str, Any] = tomllib.loads(text)["methodology"]
    return table


def demo_project_text(name: str) -> str:
    return resources.files("qingshan.ecology").joinpath("sinks", "demo_projects", f"{name}.toml").read_text("utf-8")


@dataclass(frozen=True)
class SinkResult:
    """A project's estimate: the project block, the inputs used (value, unit, source, where),
    pool changes over the period (t CO2e), and the estimate."""

    project: dict[str, Any]
    methodology: dict[str, Any]
    inputs: list[dict[str, Any]]
    period: tuple[int, int]
    project_changes: dict[str, float]
    baseline_changes: dict[str, float]
    estimate: forest_sink.SinkEstimate


def _p(label: str, column: str, value: object, zh: str, en: str, code: str) -> Problem:
    return Problem(code, label, None, column, None if value is None else str(value), zh, en)


def _changes(stocks: Any, label: str, key: str, problems: list[Problem]) -> tuple[dict[str, float], tuple[int, int]]:
    if not isinstance(stocks, list) or len(stocks) < 2:
        problems.append(_p(label, key, None, "至少两个年份的碳库存量", "stocks at two dates at least", "K004"))
        return {}, (0, 0)
    try:
        rows = sorted(stocks, key=lambda r: int(r["year"]))
        years = [int(r["year"]) for r in rows]
        pools = sorted({k for r in rows for k in r if k != "year"})
        out = {}
        for pool in pools:
            series = [float(r[pool]) for r in rows]
            if not all(math.isfinite(x) for x in series):
                raise ValueError(f"{pool}: a stock is not a finite number")
            per_year = forest_sink.stock_series_changes(series, [float(y) for y in years])
            out[pool] = sum(c * (b - a) for c, a, b in zip(per_year, years, years[1:], strict=False))
        return out, (years[0], years[-1])
    except (KeyError, TypeError, ValueError) as exc:
        problems.append(_p(label, key, None, f"每行须有 year 和各碳库的数值（{exc}）",
                           f"every row needs year and a number per pool ({exc})", "K004"))
        return {}, (0, 0)


def _number(x: object) -> bool:
    """A finite number (not a bool): what an input's ``value`` with a unit must be."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _value(item: object) -> object:
    return item.get("value") if isinstance(item, dict) else item


def estimate_sink_project(path: Path) -> SinkResult:
    """Estimate the sink project in the TOML file ``path``. The file is read by the one reader
    of rule files (:func:`qingshan.rulefile.read_rule_file`: UTF-8, syntax errors with line and
    column); any problem of the file itself is K001."""
    label = path.name
    problems: list[Problem] = []
    try:
        raw = read_rule_file(path, package="qingshan.ecology", folder="sinks", code="K").raw
    except ValidationError as exc:
        raise ValidationError([replace(q, code="K001") for q in exc.problems]) from exc
    for key in ("project", "inputs"):
        if not isinstance(raw.get(key, {}), dict):
            problems.append(_p(label, key, raw[key], f"应为表 [{key}]", f"expected a table [{key}]", "K001"))
    if problems:
        raise ValidationError(problems)
    project: dict[str, Any] = raw.get("project", {})
    mid = project.get("methodology")
    table = methodologies()
    if not isinstance(mid, str) or mid not in table or table[mid].get("status") == "listed_only":
        built = sorted(k for k, v in table.items() if v.get("status") != "listed_only")
        raise ValidationError([_p(label, "project.methodology", mid, f"应为已实现的方法学：{', '.join(built)}",
                                  f"expected a methodology that is built: {', '.join(built)}", "K001")])
    if project.get("estimate") not in ESTIMATES:
        problems.append(_p(label, "project.estimate", project.get("estimate"), "应为 ex-ante 或 ex-post",
                           "expected ex-ante or ex-post", "K001"))
    meth = table[mid]
    params: dict[str, Any] = meth.get("parameters", {})
    given: dict[str, Any] = raw.get("inputs", {})
    used: list[dict[str, Any]] = []
    values: dict[str, float] = {}
    for name, spec in params.items():
        if spec.get("status") == "read":
            if name in given:
                problems.append(_p(label, f"inputs.{name}", _value(given[name]),
                                   f"方法学已给定该值（{spec.get('value')}，{spec.get('source')}），不得覆盖",
                                   f"the methodology gives this value ({spec.get('value')}, {spec.get('source')}); "
                                   "it cannot be overridden", "K002"))
            if isinstance(spec.get("value"), int | float):
                values[name] = float(spec["value"])
            used.append({"name": name, "value": spec.get("value"), "unit": spec.get("unit"),
                         "source": spec.get("source"), "from": "methodology"})
        elif spec.get("status") == "required_input":
            item = given.get(name)
            if not isinstance(item, dict) or "value" not in item or not str(item.get("source", "")).strip():
                problems.append(_p(label, f"inputs.{name}", None,
                                   f"方法学未给出该参数（{spec.get('source')}）：须作为项目输入给出 value 与 source",
                                   f"the methodology text gives no value ({spec.get('source')}): the project must "
                                   "give it with value and source", "K003"))
                continue
            if "unit" in spec and not _number(item["value"]):
                problems.append(_p(label, f"inputs.{name}", item["value"], f"应为数值（{spec['unit']}）",
                                   f"expected a number ({spec['unit']})", "K003"))
                continue
            if _number(item["value"]):
                values[name] = float(item["value"])
            used.append({"name": name, "value": item["value"], "unit": item.get("unit", spec.get("unit")),
                         "source": item["source"], "from": "project"})
    em = given.get("project_emissions")
    if not isinstance(em, dict) or not _number(em.get("value")) or not str(em.get("source", "")):
        problems.append(_p(label, "inputs.project_emissions", None, "须给出项目排放 GHG_E（t CO2e）及来源",
                           "give the project emissions GHG_E (t CO2e) with a source", "K003"))
    else:
        used.append({"name": "project_emissions", "value": em["value"], "unit": "t CO2e", "source": em["source"],
                     "from": "project"})
    proj, period = _changes(raw.get("project_stocks"), label, "project_stocks", problems)
    base, bperiod = _changes(raw.get("baseline_stocks"), label, "baseline_stocks", problems)
    if proj and base and period != bperiod:
        problems.append(_p(label, "baseline_stocks", f"{bperiod}", f"基线与项目的期间须相同：{period}",
                           f"the baseline must cover the project's period: {period}", "K005"))
    if problems or not isinstance(em, dict):
        raise ValidationError(problems)
    try:
        est = forest_sink.sink_estimate(mid, proj, base, project_emissions=float(em["value"]),
                                        leakage=values.get("leakage", 0.0),
                                        deduction_fraction=values.get("deduction_fraction", 0.0))
    except ValueError as exc:
        raise ValidationError([_p(label, "inputs", None, f"参数无效：{exc}", f"invalid input: {exc}", "K003")]) from exc
    meth_doc = {"id": mid, **{k: v for k, v in meth.items() if k != "parameters"}}
    return SinkResult(dict(project), meth_doc, used, period, proj, base, est)
