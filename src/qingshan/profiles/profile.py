"""Jurisdiction profiles: which rules apply to a city, county or province, and from when.

A profile is a TOML file (``profiles/data/`` for the shipped ones, or a file of the
city's own) with a header and, per key of :data:`KEYS`, a timeline of selections::

    id = "huangyan"
    parent = "zhejiang"          # inherits every key it does not set
    version = "2026.1"

    [[evaluation.scheme]]
    value = "huangyan-2022"
    from = 2022                  # first data year it applies to
    to = 2024                    # optional: last data year
    source = "…document, clause…"

A key set by a profile replaces its parent's whole timeline for that key. Resolving a
profile for a data year gives one :class:`Selection` per key; every result records the
profile id, version and content digest it ran under (:meth:`Profile.describe`).
"""

from __future__ import annotations

import hashlib
import itertools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from qingshan.errors import ConfigError, Problem, ValidationError
from qingshan.i18n import tr
from qingshan.rulefile import Checker, RuleFile, builtin_names, read_rule_file

#: Problem codes of profile files (docs/profiles.md).
CODE = "J0"
LEVELS = ("national", "province", "city", "county")
NONE = "none"
#: The national default: the root of every chain.
NATIONAL = "national"


@dataclass(frozen=True)
class KeySpec:
    """One key a profile may set (``profiles/keys.toml``)."""

    section: str
    name: str
    kind: str
    required: bool
    zh: str
    en: str

    @property
    def path(self) -> str:
        return f"{self.section}.{self.name}"


@cache
def keys() -> dict[str, KeySpec]:
    """Every key a profile may set, ``section.name`` → spec, in the file's order."""
    raw = tomllib.loads(resources.files("qingshan.profiles").joinpath("keys.toml").read_text("utf-8"))
    return {f"{s}.{n}": KeySpec(section=s, name=n, kind=str(v["kind"]), required=bool(v["required"]),
                                zh=str(v["zh"]), en=str(v["en"]))
            for s, section in raw.items() for n, v in section.items()}


@dataclass(frozen=True)
class Entry:
    """One selection on a key's timeline, as written in a profile file."""

    value: str
    first_year: int
    last_year: int | None
    source: str
    borrowed: str
    defined_in: str  # the profile id whose file holds it

    def covers(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)


@dataclass(frozen=True)
class Selection:
    """What a key resolves to for one data year."""

    key: str
    value: str
    source: str
    first_year: int
    last_year: int | None
    borrowed: str
    defined_in: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "source": self.source, "from": self.first_year, "to": self.last_year,
                "borrowed": self.borrowed or None, "defined_in": self.defined_in}


@dataclass(frozen=True)
class ProfileFile:
    """One profile file, checked on its own (before inheritance)."""

    id: str
    zh: str
    en: str
    level: str
    region_code: str
    parent: str | None
    version: str
    released: str
    changes: str
    notes: tuple[str, ...]
    timelines: dict[str, tuple[Entry, ...]]
    label: str
    digest: str


@dataclass(frozen=True)
class Profile:
    """A profile with its ancestors: ``chain[0]`` is the profile itself, the last is the
    national default."""

    chain: tuple[ProfileFile, ...]
    timelines: dict[str, tuple[Entry, ...]] = field(repr=False)

    @property
    def id(self) -> str:
        return self.chain[0].id

    @property
    def version(self) -> str:
        return self.chain[0].version

    @property
    def own(self) -> ProfileFile:
        return self.chain[0]

    @property
    def province(self) -> str | None:
        """The two-digit province code (GB/T 2260) of the nearest profile in the chain that
        has a region code; ``None`` for the national default."""
        for f in self.chain:
            if f.region_code:
                return f.region_code[:2]
        return None

    @property
    def digest(self) -> str:
        """SHA-256 over the files of the chain: changes whenever any of them changes."""
        h = hashlib.sha256()
        for f in self.chain:
            h.update(f.digest.encode())
        return h.hexdigest()

    def selection(self, key: str, year: int) -> Selection | None:
        """The selection of ``key`` in force for data year ``year``, or ``None``."""
        if key not in keys():
            raise KeyError(key)
        for e in self.timelines.get(key, ()):
            if e.covers(year):
                return Selection(key=key, value=e.value, source=e.source, first_year=e.first_year,
                                 last_year=e.last_year, borrowed=e.borrowed, defined_in=e.defined_in)
        return None

    def value(self, key: str, year: int) -> str | None:
        """The value of ``key`` for ``year``; ``None`` when nothing is selected or the
        selection is ``"none"``."""
        s = self.selection(key, year)
        return None if s is None or s.value == NONE else s.value

    def required(self, key: str, year: int, what_zh: str, what_en: str) -> str:
        """The value of ``key`` for ``year``; a :class:`ConfigError` naming the profile, the
        year, what is missing (``what_zh`` / ``what_en``) and the key when none is selected."""
        value = self.value(key, year)
        if value is None:
            raise ConfigError(tr(f"配置 {self.id} 未为 {year} 年选择{what_zh}（{key}）",
                                 f"the profile {self.id} selects no {what_en} ({key}) for {year}"))
        return value

    def resolve(self, year: int) -> dict[str, Selection]:
        """Every key that has a selection for ``year``."""
        out = {}
        for k in keys():
            s = self.selection(k, year)
            if s is not None:
                out[k] = s
        return out

    def describe(self, year: int | None = None) -> dict[str, Any]:
        """The header every output carries: which profile, which version, which file
        contents (digest), and for a year the selections that applied."""
        doc: dict[str, Any] = {"id": self.id, "version": self.version, "zh": self.own.zh, "en": self.own.en,
                               "released": self.own.released, "chain": [f.id for f in self.chain],
                               "digest": self.digest[:16]}
        if year is not None:
            doc["year"] = year
            doc["selections"] = {k: s.to_dict() for k, s in self.resolve(year).items()}
        return doc


def _read_file(source: str | Path) -> RuleFile:
    return read_rule_file(source, package="qingshan.profiles", folder="data", code=CODE)


def shipped_profiles() -> list[str]:
    """The ids of the profiles shipped with Qingshan."""
    return builtin_names("qingshan.profiles", "data")


def _year(c: Checker, d: Mapping[str, Any], key: str, where: str, required: bool) -> int | None:
    v = d.get(key)
    if v is None:
        if required:
            c.problem(f"{where}.{key}", None, "数据年份（整数，如 2021）", "a data year (an integer such as 2021)",
                      code=f"{CODE}10")
        return None
    if isinstance(v, bool) or not isinstance(v, int) or not 1990 <= v <= 2100:
        c.problem(f"{where}.{key}", v, "数据年份（1990–2100 的整数）", "a data year (an integer 1990–2100)",
                  code=f"{CODE}10")
        return None
    return v


def parse_profile(rf: RuleFile) -> ProfileFile:
    """Check one profile file on its own: header, known sections and keys, each entry's
    fields, years in order and timelines without overlap. Every problem is collected."""
    c = Checker(rf.label, f"{CODE}10")
    raw = rf.raw
    sections = sorted({k.section for k in keys().values()})
    header = ("id", "zh", "en", "level", "region_code", "parent", "version", "released", "changes", "notes")
    c.only(raw, (*header, *sections))
    pid = c.text(raw, "id")
    zh, en = c.text(raw, "zh"), c.text(raw, "en")
    level = c.one_of(raw, "level", LEVELS)
    region = c.text(raw, "region_code", required=False)
    if region and not (len(region) == 6 and region.isdigit()):
        c.problem("region_code", region, "六位行政区划代码（GB/T 2260）", "a six-digit division code (GB/T 2260)")
    parent = c.text(raw, "parent", required=False) or None
    if pid and pid != NATIONAL and parent is None:
        c.problem("parent", None, f"上级配置（最终继承 {NATIONAL}）",
                  f"a parent profile (every chain ends at {NATIONAL})")
    if level and level != "national" and not region:
        c.problem("region_code", None, "六位行政区划代码（GB/T 2260）", "a six-digit division code (GB/T 2260)")
    version = c.text(raw, "version")
    released = c.date(raw, "released")
    changes = c.text(raw, "changes")
    notes = c.strings(raw, "notes", required=False)
    timelines: dict[str, tuple[Entry, ...]] = {}
    for section in sections:
        sec = raw.get(section)
        if sec is None:
            continue
        if not isinstance(sec, dict):
            c.problem(section, sec, "一个表（[[段.键]] 条目）", "a table of keys ([[section.key]] entries)")
            continue
        allowed = [k.name for k in keys().values() if k.section == section]
        c.only(sec, allowed, section)
        for name in allowed:
            if name not in sec:
                continue
            path = f"{section}.{name}"
            entries: list[Entry] = []
            for i, e in enumerate(c.tables(sec, name, section)):
                where = f"{path}[{i}]"
                c.only(e, ("value", "from", "to", "source", "borrowed"), where)
                value = c.text(e, "value", where)
                first = _year(c, e, "from", where, True)
                last = _year(c, e, "to", where, False)
                source = c.text(e, "source", where)
                borrowed = c.text(e, "borrowed", where, required=False)
                if first is not None and last is not None and last < first:
                    c.problem(f"{where}.to", last, f"不早于 from（{first}）的年份", f"a year not before from ({first})",
                              code=f"{CODE}11")
                if value and first is not None:
                    entries.append(Entry(value, first, last, source, borrowed, pid))
            entries.sort(key=lambda x: x.first_year)
            for a, b in itertools.pairwise(entries):
                if a.last_year is None or a.last_year >= b.first_year:
                    c.problem(path, f"{a.value} / {b.value}",
                              f"不重叠的时间段：{a.value} 须在 {b.first_year} 年之前以 to 结束",
                              f"periods that do not overlap: {a.value} must end (to) before {b.first_year}",
                              code=f"{CODE}11")
            timelines[path] = tuple(entries)
    c.raise_if_any()
    return ProfileFile(id=pid, zh=zh, en=en, level=level, region_code=region, parent=parent, version=version,
                       released=str(released), changes=changes, notes=notes, timelines=timelines, label=rf.label,
                       digest=rf.digest)


def load_profile(source: str | Path) -> Profile:
    """Load a profile by shipped id, or from a file (a ``Path``), with its ancestors.

    A custom profile file may name a shipped profile as its parent. Problems of every file
    in the chain are collected; a cycle or an unknown parent is a problem of the file that
    names it.
    """
    chain: list[ProfileFile] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    nxt: str | Path | None = source
    while nxt is not None:
        try:
            f = parse_profile(_read_file(nxt))
        except ValidationError as exc:
            problems.extend(exc.problems)
            break
        if f.id in seen:
            problems.append(Problem(f"{CODE}12", f.label, None, "parent", f.parent or "",
                                    "不构成循环的上级配置", "a parent chain without a cycle"))
            break
        seen.add(f.id)
        chain.append(f)
        nxt = f.parent
        if nxt is not None and nxt not in shipped_profiles():
            problems.append(Problem(f"{CODE}12", f.label, None, "parent", nxt,
                                    f"已有的配置：{', '.join(shipped_profiles())}",
                                    f"a shipped profile: {', '.join(shipped_profiles())}"))
            break
    if problems:
        raise ValidationError(problems)
    if chain[-1].id != NATIONAL:
        raise ValidationError([Problem(f"{CODE}12", chain[-1].label, None, "parent", None,
                                       f"最终继承 {NATIONAL} 的上级配置", f"a chain that ends at {NATIONAL}")])
    timelines: dict[str, tuple[Entry, ...]] = {}
    for f in reversed(chain):  # nearest profile last, so it wins
        timelines.update(f.timelines)
    return Profile(chain=tuple(chain), timelines=timelines)
