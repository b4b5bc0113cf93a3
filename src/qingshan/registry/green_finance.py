"""Green-finance lists (绿色金融名单): the enterprises a bank (green credit) or an insurer is
told about, by 亩均 class, 碳效码 grade, compliance status and industry, each listing with
its reason (docs/registries.md, "Green finance").

The rules are a rule file ``rules/green_finance-<name>.toml`` (or a file given by path),
selected by the profile key ``registry.green_finance`` for a range of data years like every
rule. Each ``[[list]]`` has an ``id``, a ``kind`` (``credit`` | ``insurance``), its names,
its ``source`` and ``own_choice`` (what of it no document states: the city's own choice),
and criteria, all of which an enterprise must meet. A criterion looks at one field:

- ``mujun_class``: the year's 亩均 class under the profile's scheme (``A`` … ``D``, ``T``);
- ``carbon_grade``: the year's 碳效码 grade (``"1"`` … ``"5"``);
- ``compliance``: the compliance statuses (``on_time``, ``late``, ``not_done``, ``open``,
  ``unknown``: :mod:`qingshan.registry.compliance`) of the year's period for the
  criterion's ``rights``; ``in`` is met when one of them has a status among ``values``,
  ``not_in`` when none has;
- ``industry``: the GB/T 4754-2017 code, by prefix.

with ``op`` ``in`` or ``not_in``, and ``missing`` (``met`` | ``not_met``): what an
enterprise without a value counts as (not evaluated, no grade, no obligation, or no
compliance list at all). Nothing here reads anything but the rule file (no database, no
package): :func:`listings` takes the enterprises as :class:`Firm` records, which
:mod:`qingshan.documents.registry_green_finance` assembles from the city.

Problem codes: ``D501`` unknown name or unreadable file, ``D502`` syntax, ``D510`` a wrong
key or value (named by its dotted path). Every problem is collected before raising.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qingshan.profiles.profile import Profile
from qingshan.registry.serials import RIGHT_CODE
from qingshan.rulefile import Checker, read_rule_file

#: The profile key that selects the rule file.
PROFILE_KEY = "registry.green_finance"
#: Who a list is for: a bank (green credit) or an insurer.
KINDS = ("credit", "insurance")
KIND_NAMES = {"credit": ("绿色信贷", "green credit"), "insurance": ("绿色保险", "green insurance")}
#: What a criterion may look at.
FIELDS = ("mujun_class", "carbon_grade", "compliance", "industry")
FIELD_NAMES = {"mujun_class": ("亩均类别", "亩均 class"), "carbon_grade": ("碳效等级", "碳效码 grade"),
               "compliance": ("履约状态", "compliance status"), "industry": ("行业代码", "industry code")}
OPS = ("in", "not_in")
MISSING = ("met", "not_met")
#: The compliance statuses of :mod:`qingshan.registry.compliance` (platform.md a.2's
#: provincial surrender form; "not yet due" and "no accounted figure").
STATUSES = ("on_time", "late", "not_done", "open", "unknown")
STATUS_NAMES = {"on_time": ("按时完成", "completed on time"), "late": ("超时完成", "completed late"),
                "not_done": ("未完成", "not completed"), "open": ("未到期", "not yet due"),
                "unknown": ("无核算数据", "no accounted figure")}
CLASSES = ("A", "B", "C", "D", "T")
GRADES = ("1", "2", "3", "4", "5")
_INDUSTRY = re.compile(r"\d{2,4}")
LIST_KEYS = ("id", "kind", "zh", "en", "source", "own_choice", "criterion")
CRITERION_KEYS = ("field", "op", "values", "rights", "missing", "zh", "en", "source")


@dataclass(frozen=True)
class Criterion:
    """One condition of a list, with its source."""

    field: str
    op: str
    values: tuple[str, ...]
    rights: tuple[str, ...]
    missing: str
    zh: str
    en: str
    source: str


@dataclass(frozen=True)
class FinanceList:
    """One list: who it is for, its names and sources, and its criteria (all must hold)."""

    id: str
    kind: str
    zh: str
    en: str
    source: str
    own_choice: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class GreenFinanceRules:
    """The lists of one rule file."""

    name: str
    label: str
    digest: str
    zh: str
    en: str
    source: str
    borrowed: str
    lists: tuple[FinanceList, ...]

    @property
    def rights(self) -> tuple[str, ...]:
        """The rights whose compliance any criterion looks at, in order of first use."""
        out: list[str] = []
        for lst in self.lists:
            for c in lst.criteria:
                out += [r for r in c.rights if r not in out]
        return tuple(out)


@dataclass(frozen=True)
class Standing:
    """An enterprise's compliance status for one right and period."""

    right: str
    period: str
    status: str


@dataclass(frozen=True)
class Firm:
    """One enterprise as the lists see it. ``standings`` is ``None`` when no compliance
    list was available (not known), ``()`` when the enterprise has no obligation."""

    entity_id: str
    name: str
    district_id: str | None
    park_id: str | None
    industry_code: str | None
    mujun_class: str | None
    carbon_grade: str | None
    standings: tuple[Standing, ...] | None


@dataclass(frozen=True)
class Reason:
    """Why a criterion was met: the criterion, what the enterprise has, and whether it had
    nothing and was counted as meeting it by the criterion's ``missing``."""

    field: str
    zh: str
    en: str
    value_zh: str
    value_en: str
    counted: bool = False

    @property
    def text_zh(self) -> str:
        name = FIELD_NAMES[self.field][0]
        if self.counted:
            return f"{name}：{self.value_zh}，按规则视为符合“{self.zh}”"
        gap = " " if self.value_zh[:1].isascii() else ""
        return f"{name}为{gap}{self.value_zh}，符合“{self.zh}”"

    @property
    def text_en(self) -> str:
        name = FIELD_NAMES[self.field][1]
        if self.counted:
            return f"{name}: {self.value_en}, counted as meeting “{self.en}” by the rule"
        return f"{name} is {self.value_en}: meets “{self.en}”"


@dataclass(frozen=True)
class Listing:
    """An enterprise on a list, with the reason: every criterion, met."""

    list_id: str
    firm: Firm
    reasons: tuple[Reason, ...]

    @property
    def reason_zh(self) -> str:
        return "；".join(r.text_zh for r in self.reasons)

    @property
    def reason_en(self) -> str:
        return "; ".join(r.text_en for r in self.reasons)


def load_green_finance(source: str | Path) -> GreenFinanceRules:
    """The rule file ``source`` (a built-in name such as ``"green_finance-demo"``, or a
    path); every problem collected."""
    rf = read_rule_file(source, package="qingshan.registry", folder="rules", code="D5")
    ck = Checker(rf.label, "D510")
    ck.only(rf.raw, ("name", "zh", "en", "source", "borrowed", "list"))
    lists = [_list(ck, x, f"list[{i}]") for i, x in enumerate(ck.tables(rf.raw, "list"))]
    ck.unique((x.id for x in lists), "list.id", "名单代码", "list id")
    rules = GreenFinanceRules(name=ck.text(rf.raw, "name"), label=rf.label, digest=rf.digest,
                              zh=ck.text(rf.raw, "zh"), en=ck.text(rf.raw, "en"), source=ck.text(rf.raw, "source"),
                              borrowed=ck.text(rf.raw, "borrowed", required=False), lists=tuple(lists))
    ck.raise_if_any()
    return rules


def green_finance_for(profile: Profile, year: int) -> GreenFinanceRules:
    """The rule file ``profile`` selects for data ``year`` (key ``registry.green_finance``);
    :class:`ConfigError` when it selects none."""
    return load_green_finance(profile.required(PROFILE_KEY, year, "绿色金融名单规则", "green-finance rules"))


def _list(ck: Checker, x: dict[str, Any], where: str) -> FinanceList:
    ck.only(x, LIST_KEYS, where)
    lid = ck.text(x, "id", where)
    if lid:
        ck.form(f"{where}.id", lid, r"[a-z][a-z0-9_]*", "小写字母、数字与下划线（mujun_priority）",
                "lower-case letters, digits and underscores (mujun_priority)")
    criteria = tuple(_criterion(ck, c, f"{where}.criterion[{i}]")
                     for i, c in enumerate(ck.tables(x, "criterion", where)))
    return FinanceList(id=lid, kind=ck.one_of(x, "kind", KINDS, where), zh=ck.text(x, "zh", where),
                       en=ck.text(x, "en", where), source=ck.text(x, "source", where),
                       own_choice=ck.text(x, "own_choice", where, required=False), criteria=criteria)


def _criterion(ck: Checker, c: dict[str, Any], where: str) -> Criterion:
    ck.only(c, CRITERION_KEYS, where)
    field = ck.one_of(c, "field", FIELDS, where)
    values = ck.strings(c, "values", where)
    allowed = {"mujun_class": CLASSES, "carbon_grade": GRADES, "compliance": STATUSES}.get(field)
    for v in values:
        if allowed is not None and v not in allowed:
            ck.problem(f"{where}.values", v, f"{FIELD_NAMES[field][0]}之一：{', '.join(allowed)}",
                       f"one of the {FIELD_NAMES[field][1]} values: {', '.join(allowed)}")
        elif field == "industry" and not _INDUSTRY.fullmatch(v):
            ck.problem(f"{where}.values", v, "GB/T 4754 代码（2 至 4 位数字）", "a GB/T 4754 code (2 to 4 digits)")
    rights = ck.strings(c, "rights", where, required=field == "compliance")
    if rights and field != "compliance":
        ck.problem(f"{where}.rights", ", ".join(rights), "只有 compliance 条件列出权益",
                   "only a compliance criterion lists rights")
    for r in rights:
        ck.form(f"{where}.rights", r, RIGHT_CODE, "权益代码（YN、PW-COD）", "a right code (YN, PW-COD)")
    return Criterion(field=field, op=ck.one_of(c, "op", OPS, where), values=values, rights=rights,
                     missing=ck.one_of(c, "missing", MISSING, where), zh=ck.text(c, "zh", where),
                     en=ck.text(c, "en", where), source=ck.text(c, "source", where))


# --- judging ---------------------------------------------------------------------------


def _value(c: Criterion, f: Firm) -> tuple[list[str] | None, str, str]:
    """What ``f`` has for the criterion's field (``None``: nothing), shown in 中文 and English."""
    if c.field == "mujun_class":
        return (None, "", "") if f.mujun_class is None else ([f.mujun_class], f"{f.mujun_class} 类",
                                                             f.mujun_class)
    if c.field == "carbon_grade":
        return (None, "", "") if f.carbon_grade is None else ([f.carbon_grade], f"{f.carbon_grade} 级",
                                                              f.carbon_grade)
    if c.field == "industry":
        return (None, "", "") if not f.industry_code else ([f.industry_code], f.industry_code, f.industry_code)
    if f.standings is None:
        return None, "无履约名单", "no compliance list"
    mine = [s for s in f.standings if s.right in c.rights]
    if not mine:
        return None, "无履约义务", "no surrender obligation"
    return ([s.status for s in mine], "，".join(f"{s.right} {s.period} {STATUS_NAMES[s.status][0]}" for s in mine),
            ", ".join(f"{s.right} {s.period} {STATUS_NAMES[s.status][1]}" for s in mine))


def _matches(c: Criterion, found: list[str]) -> bool:
    if c.field == "industry":
        hit = any(v.startswith(p) for v in found for p in c.values)
    else:
        hit = any(v in c.values for v in found)
    return hit if c.op == "in" else not hit


def judge(c: Criterion, f: Firm) -> Reason | None:
    """The reason ``f`` meets ``c``, or ``None`` when it does not."""
    found, zh, en = _value(c, f)
    if found is None:
        if c.missing != "met":
            return None
        return Reason(c.field, c.zh, c.en, zh or "无数据", en or "no value", counted=True)
    return Reason(c.field, c.zh, c.en, zh, en) if _matches(c, found) else None


def listings(rules: GreenFinanceRules, firms: Iterable[Firm]) -> dict[str, list[Listing]]:
    """For each list of ``rules`` (by id), the enterprises meeting all of its criteria, each
    with its reasons, in the order of ``firms``."""
    firms = list(firms)
    out: dict[str, list[Listing]] = {}
    for lst in rules.lists:
        got: list[Listing] = []
        for f in firms:
            reasons = [judge(c, f) for c in lst.criteria]
            if all(r is not None for r in reasons):
                got.append(Listing(lst.id, f, tuple(r for r in reasons if r is not None)))
        out[lst.id] = got
    return out
