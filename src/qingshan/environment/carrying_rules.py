"""The carrying-capacity rule files under ``rules/`` (``carrying_capacity-<name>.toml``),
read and checked into the typed rules of :mod:`qingshan.methods.carrying_capacity`
(docs/environment.md, "Carrying-capacity early warning").

Problem codes, every problem collected before raising:

- ``E501`` unknown name, missing or unreadable file; ``E502`` not UTF-8 or a syntax error;
- ``E510`` a wrong key or value (named by its dotted path: ``land.critical_cut``,
  ``water_standard[2].limit``);
- ``E511`` the colour pairing does not give exactly one colour for every class and trend;
- ``E512`` a reference that does not hold: a process class naming an undeclared indicator,
  a ``min_worse`` above its indicators, a band whose critical cut is above its overloaded
  cut, a repeated standard, indicator or change of class.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qingshan.environment.standards import POLLUTANTS, water_limits
from qingshan.methods import carrying_capacity as cc
from qingshan.rulefile import Checker, builtin_names, read_rule_file

PREFIX = "carrying_capacity-"
TAGS = ("C", "R", "U")
BAND_KEYS = ("overloaded_cut", "overloaded_at_cut", "critical_cut", "critical_at_cut", "source", "tag")
WATER_BODIES = ("river", "lake", "reservoir", "estuary")


@dataclass(frozen=True)
class CarryingRules:
    """One rule file, read and checked."""

    name: str
    version: str
    zh: str
    en: str
    source: str
    label: str
    digest: str
    bands: dict[str, cc.Band]
    min_sections: int
    water_bodies: tuple[str, ...]
    air_limits: tuple[cc.AirLimit, ...]
    water_limits: tuple[cc.WaterLimit, ...]
    integration: cc.IntegrationRule
    process: cc.ProcessRule
    colours: tuple[cc.ColourPair, ...]
    transitions: tuple[cc.TransitionRule, ...]
    red_zone: dict[str, str]
    frequency: dict[str, str]
    sources: dict[str, dict[str, Any]]

    def describe(self) -> dict[str, Any]:
        """The rule file as a document carries it: id, version, digest, sources and every
        threshold (so an output says which numbers produced it)."""
        return {"name": self.name, "version": self.version, "zh": self.zh, "en": self.en, "source": self.source,
                "file": self.label, "digest": self.digest[:16],
                "bands": {k: {"overloaded_cut": b.overloaded_cut, "overloaded_at_cut": b.overloaded_at_cut,
                              "critical_cut": b.critical_cut, "critical_at_cut": b.critical_at_cut,
                              **{f"{load}_condition": b.text(load)[0] for load in cc.LOADS}}
                          for k, b in self.bands.items()},
                "min_sections": self.min_sections, "water_bodies": list(self.water_bodies),
                "air_standards": [{"pollutant": a.pollutant, "limit": a.limit, "unit": a.unit}
                                  for a in self.air_limits],
                "water_standards": [{"item": w.item, "limit": w.limit, "direction": w.direction,
                                     "water_body": w.water_body} for w in self.water_limits],
                "integration": {"min_critical_for_overloaded": self.integration.min_critical_for_overloaded,
                                "min_critical_for_critical": self.integration.min_critical_for_critical},
                "process": {"min_classes": self.process.min_classes,
                            "indicators": [{"id": i.id, "worse": i.worse, "zh": i.zh, "en": i.en, "unit": i.unit}
                                           for i in self.process.indicators],
                            "classes": [{"id": c.id, "zh": c.zh, "en": c.en, "indicators": list(c.indicators),
                                         "min_worse": c.min_worse} for c in self.process.classes]},
                "colours": [{"load": p.load, "trend": p.trend, "colour": p.colour} for p in self.colours],
                "transitions": [{"from": t.from_load, "to": t.to_load, "measure": t.measure, "zh": t.zh, "en": t.en}
                                for t in self.transitions],
                "red_zone": self.red_zone, "frequency": self.frequency, "sources": self.sources}


def rule_names() -> list[str]:
    """The built-in carrying-capacity rule files."""
    return [n for n in builtin_names("qingshan.environment", "rules") if n.startswith(PREFIX)]


def _sourced(ck: Checker, d: dict[str, Any], where: str, prefix: str = "") -> dict[str, Any]:
    src = ck.text(d, f"{prefix}source", where)
    tag = ck.one_of(d, f"{prefix}tag", TAGS, where)
    return {"source": src, "tag": tag}


def _band(ck: Checker, raw: dict[str, Any], key: str, extra: tuple[str, ...] = ()) -> tuple[cc.Band | None,
                                                                                           dict[str, Any]]:
    d = ck.table(raw, key)
    ck.only(d, (*BAND_KEYS, *extra), key)
    o = ck.number(d, "overloaded_cut", key)
    c = ck.number(d, "critical_cut", key)
    oa = ck.flag(d, "overloaded_at_cut", key, required=True)
    ca = ck.flag(d, "critical_at_cut", key, required=True)
    src = _sourced(ck, d, key)
    if o is None or c is None:
        return None, src
    if c > o:
        ck.problem(f"{key}.critical_cut", c, f"不大于 overloaded_cut（{o:g}）", f"at most overloaded_cut ({o:g})",
                   code="E512")
        return None, src
    return cc.Band(o, oa, c, ca), src


def _air(ck: Checker, raw: dict[str, Any]) -> tuple[list[cc.AirLimit], list[dict[str, Any]]]:
    out, srcs = [], []
    for i, a in enumerate(ck.tables(raw, "air_standard")):
        where = f"air_standard[{i}]"
        ck.only(a, ("pollutant", "limit", "unit", "averaging", "source", "tag"), where)
        pol = ck.one_of(a, "pollutant", POLLUTANTS, where)
        lim = ck.number(a, "limit", where, lo=0.0)
        unit = ck.one_of(a, "unit", ("µg/m³", "mg/m³"), where)
        ck.one_of(a, "averaging", ("annual", "24h"), where)
        srcs.append({"pollutant": pol, **_sourced(ck, a, where)})
        if lim is not None and lim <= 0:
            ck.problem(f"{where}.limit", lim, "大于 0 的限值", "a limit above 0")
        elif pol and lim is not None:
            out.append(cc.AirLimit(pol, lim, unit))
    ck.unique([a.pollutant for a in out], "air_standard.pollutant", "污染物", "pollutant")
    return out, srcs


def _water(ck: Checker, raw: dict[str, Any]) -> tuple[list[cc.WaterLimit], list[dict[str, Any]]]:
    items = set(water_limits()["item"].astype(str))
    out, srcs = [], []
    for i, w in enumerate(ck.tables(raw, "water_standard")):
        where = f"water_standard[{i}]"
        ck.only(w, ("item", "limit", "direction", "water_body", "source", "tag"), where)
        item = ck.one_of(w, "item", sorted(items), where)
        lim = ck.number(w, "limit", where, lo=0.0)
        direction = ck.one_of(w, "direction", cc.DIRECTIONS, where)
        body = ck.one_of(w, "water_body", ("all", "river", "lake"), where)
        srcs.append({"item": item, "water_body": body, **_sourced(ck, w, where)})
        if lim is not None and lim <= 0:
            ck.problem(f"{where}.limit", lim, "大于 0 的限值", "a limit above 0")
        elif item and lim is not None and direction and body:
            out.append(cc.WaterLimit(item, lim, direction, body))
    # an item once per water body it applies to (river: all + river; lake: all + lake)
    for body in ("river", "lake"):
        ck.unique([w.item for w in cc.limits_for_body(out, body)], "water_standard.item",
                  f"项目（{body}）", f"item ({body})")
    return out, srcs


def _process(ck: Checker, raw: dict[str, Any]) -> tuple[cc.ProcessRule | None, dict[str, Any]]:
    d = ck.table(raw, "process")
    ck.only(d, ("min_classes", "source", "tag", "comparison_source", "indicator", "class"), "process")
    src = _sourced(ck, d, "process")
    src["comparison_source"] = ck.text(d, "comparison_source", "process", required=False)
    indicators = []
    for i, x in enumerate(ck.tables(d, "indicator", "process")):
        where = f"process.indicator[{i}]"
        ck.only(x, ("id", "worse", "zh", "en", "unit"), where)
        ind = cc.Indicator(ck.one_of(x, "id", cc.INDICATORS, where), ck.one_of(x, "worse", cc.WORSE, where),
                           ck.text(x, "zh", where), ck.text(x, "en", where), ck.text(x, "unit", where))
        if ind.id and ind.worse:
            indicators.append(ind)
    ck.unique([i.id for i in indicators], "process.indicator.id", "指标", "indicator")
    known = {i.id for i in indicators}
    classes = []
    for i, x in enumerate(ck.tables(d, "class", "process")):
        where = f"process.class[{i}]"
        ck.only(x, ("id", "zh", "en", "indicators", "min_worse"), where)
        ids = ck.strings(x, "indicators", where)
        for bad in (s for s in ids if s not in known):
            ck.problem(f"{where}.indicators", bad, "process.indicator 中声明的指标", "an indicator declared in "
                       "process.indicator", code="E512")
        n = ck.integer(x, "min_worse", where, lo=1)
        if n is not None and ids and n > len(ids):
            ck.problem(f"{where}.min_worse", n, f"不超过指标数（{len(ids)}）", f"at most the number of indicators "
                       f"({len(ids)})", code="E512")
        classes.append(cc.ProcessClass(ck.text(x, "id", where), ck.text(x, "zh", where), ck.text(x, "en", where),
                                       ids, n or 1))
    ck.unique([c.id for c in classes], "process.class.id", "类别", "class")
    m = ck.integer(d, "min_classes", "process", lo=1)
    if m is not None and classes and m > len(classes):
        ck.problem("process.min_classes", m, f"不超过类别数（{len(classes)}）", f"at most the number of classes "
                   f"({len(classes)})", code="E512")
    if m is None or not indicators or not classes:
        return None, src
    return cc.ProcessRule(tuple(indicators), tuple(classes), m), src


def _colours(ck: Checker, raw: dict[str, Any]) -> tuple[list[cc.ColourPair], list[dict[str, Any]]]:
    pairs, srcs = [], []
    for i, x in enumerate(ck.tables(raw, "colour")):
        where = f"colour[{i}]"
        ck.only(x, ("load", "trend", "colour", "source", "tag"), where)
        p = cc.ColourPair(ck.one_of(x, "load", cc.LOADS, where), ck.one_of(x, "trend", (*cc.TRENDS, "any"), where),
                          ck.one_of(x, "colour", cc.COLOURS, where))
        srcs.append({"load": p.load, "trend": p.trend, "colour": p.colour, **_sourced(ck, x, where)})
        if p.load and p.trend and p.colour:
            pairs.append(p)
    for load in cc.LOADS:
        for trend in cc.TRENDS:
            n = sum(1 for p in pairs if p.load == load and p.trend in (trend, "any"))
            if n != 1:
                ck.problem("colour", f"{load}+{trend}", f"每个等级与趋势恰好一种颜色（现有 {n} 种）",
                           f"exactly one colour for each class and trend ({n} given)", code="E511")
    return pairs, srcs


def _transitions(ck: Checker, raw: dict[str, Any]) -> tuple[list[cc.TransitionRule], list[dict[str, Any]]]:
    out, srcs = [], []
    for i, x in enumerate(ck.tables(raw, "transition", required=False)):
        where = f"transition[{i}]"
        ck.only(x, ("from", "to", "measure", "zh", "en", "source", "tag"), where)
        t = cc.TransitionRule(ck.one_of(x, "from", cc.LOADS, where), ck.one_of(x, "to", cc.LOADS, where),
                              ck.one_of(x, "measure", cc.MEASURES, where), ck.text(x, "zh", where),
                              ck.text(x, "en", where))
        srcs.append({"from": t.from_load, "to": t.to_load, **_sourced(ck, x, where)})
        if t.from_load and t.from_load == t.to_load:
            ck.problem(f"{where}.to", t.to_load, "与 from 不同的等级", "a class other than `from`", code="E512")
        elif t.from_load and t.to_load and t.measure:
            out.append(t)
    ck.unique([(t.from_load, t.to_load) for t in out], "transition", "等级变化", "change of class")
    return out, srcs


def _text_block(ck: Checker, raw: dict[str, Any], key: str, keys: tuple[str, ...]) -> dict[str, str]:
    d = ck.table(raw, key)
    ck.only(d, keys, key)
    return {k: ck.text(d, k, key, required=k in ("zh", "source", "tag")) for k in keys}


def carrying_rules(source: str | Path) -> CarryingRules:
    """The rules of a built-in rule file (``"carrying_capacity-2016"``) or a path; a
    :class:`~qingshan.errors.ValidationError` with every problem of the file."""
    rf = read_rule_file(source, package="qingshan.environment", folder="rules", code="E5")
    ck = Checker(rf.label, "E510")
    raw = rf.raw
    ck.only(raw, ("name", "version", "zh", "en", "source", "unit_source", "unit_tag", "land", "water", "environment",
                  "ecology", "air_standard", "water_standard", "integration", "process", "colours", "colour",
                  "transition", "red_zone", "frequency"))
    name = ck.text(raw, "name")
    version = ck.text(raw, "version", coerce=True)
    zh, en, src = ck.text(raw, "zh"), ck.text(raw, "en"), ck.text(raw, "source")
    sources: dict[str, Any] = {"method": {"source": src, "tag": "R"},
                               "unit": _sourced(ck, raw, "", "unit_")}
    bands: dict[str, cc.Band] = {}
    for key in cc.ELEMENTS:
        extra = ("min_sections", "water_bodies", "water_bodies_source", "water_bodies_tag", "air_statistic_source",
                 "air_statistic_tag") if key == "environment" else ()
        band, sources[key] = _band(ck, raw, key, extra)
        if band is not None:
            bands[key] = band
    env_raw = raw.get("environment")
    env: dict[str, Any] = env_raw if isinstance(env_raw, dict) else {}  # its absence is reported above
    min_sections = ck.integer(env, "min_sections", "environment", lo=1) or 1
    water_bodies = ck.strings(env, "water_bodies", "environment", choices=WATER_BODIES)
    sources["water_bodies"] = _sourced(ck, env, "environment", "water_bodies_")
    sources["air_statistic"] = _sourced(ck, env, "environment", "air_statistic_")
    air, sources["air_standards"] = _air(ck, raw)
    water, sources["water_standards"] = _water(ck, raw)
    integ = ck.table(raw, "integration")
    ck.only(integ, ("min_critical_for_overloaded", "min_critical_for_critical", "source", "tag"), "integration")
    n_over = ck.integer(integ, "min_critical_for_overloaded", "integration", lo=1)
    n_crit = ck.integer(integ, "min_critical_for_critical", "integration", lo=1)
    sources["integration"] = _sourced(ck, integ, "integration")
    integration = None
    if n_over is not None and n_crit is not None:
        if n_crit > n_over:
            ck.problem("integration.min_critical_for_critical", n_crit,
                       f"不大于 min_critical_for_overloaded（{n_over}）",
                       f"at most min_critical_for_overloaded ({n_over})", code="E512")
        else:
            integration = cc.IntegrationRule(n_over, n_crit)
    process, sources["process"] = _process(ck, raw)
    col = ck.table(raw, "colours")
    ck.only(col, ("source", "tag", "text_zh"), "colours")
    sources["colours"] = {**_sourced(ck, col, "colours"), "text_zh": ck.text(col, "text_zh", "colours")}
    colours, sources["colour"] = _colours(ck, raw)
    transitions, sources["transitions"] = _transitions(ck, raw)
    red = _text_block(ck, raw, "red_zone", ("zh", "en", "source", "tag"))
    freq = _text_block(ck, raw, "frequency", ("zh", "en", "source", "tag"))
    for block, where in ((red, "red_zone"), (freq, "frequency")):
        if block.get("tag") and block["tag"] not in TAGS:
            ck.problem(f"{where}.tag", block["tag"], f"取值之一：{', '.join(TAGS)}", f"one of {', '.join(TAGS)}")
    ck.raise_if_any()
    assert integration is not None and process is not None  # every problem raised above
    return CarryingRules(name=name, version=version, zh=zh, en=en, source=src, label=rf.label, digest=rf.digest,
                         bands=bands, min_sections=min_sections, water_bodies=water_bodies, air_limits=tuple(air),
                         water_limits=tuple(water), integration=integration, process=process, colours=tuple(colours),
                         transitions=tuple(transitions), red_zone=red, frequency=freq, sources=sources)
