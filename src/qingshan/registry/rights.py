"""Right types and their rules: a rule file the jurisdiction profile selects (docs/registries.md).

A rule file ``rules/rights-<name>.toml`` (or a file given by path) describes each right
type a jurisdiction registers: its code, unit and *serial unit* (the quantity one serial
number stands for), how long a vintage stays valid, which transaction kinds, trade forms
and allocation methods exist, which bureaus act as its authority, who may request and who
approves each kind, the offset cap and the penalty, each with its ``source``. The profile
key ``registry.rights`` selects the file for a data year (effective-dated like every rule);
the registry's jurisdiction is the profile's region code.

Quantities are :class:`~decimal.Decimal` in the right's unit at the boundary and whole
numbers of serial units inside the registry (:meth:`RightType.to_units`): never floats.

Problem codes: ``D001`` unknown name or unreadable file, ``D002`` syntax, ``D010`` a wrong
key or value (named by its dotted path). Every problem is collected before raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any

from qingshan.app.organisations import BUREAUS
from qingshan.errors import ConfigError
from qingshan.i18n import tr
from qingshan.profiles.profile import Profile
from qingshan.registry.refusals import RegistryError
from qingshan.registry.serials import RIGHT_CODE
from qingshan.rulefile import Checker, read_rule_file

#: The profile key that selects the rule file.
PROFILE_KEY = "registry.rights"

#: Transaction kinds (docs/registries.md, "Transaction kinds").
KINDS = ("issue", "transfer", "lease", "lease_return", "pledge", "release", "freeze", "unfreeze",
         "freeze_account", "unfreeze_account", "buyback", "surrender", "retire", "cancel")
#: Kinds only an authority may request.
AUTHORITY_ONLY = ("issue", "freeze", "unfreeze", "freeze_account", "unfreeze_account", "cancel")
#: A kind that ends an encumbrance needs the kind that makes it.
ENDS = {"lease_return": "lease", "release": "pledge", "unfreeze": "freeze"}
#: 协议转让 negotiated, 定价转让 fixed price, 竞拍转让 auction (豫政办〔2019〕25号, platform.md a.3).
TRADE_FORMS = ("negotiated", "fixed_price", "auction")
#: How rights are issued: free by history (grandfathering) or by benchmark, paid, auction, or
#: from a methodology's verified report (碳票 sink credits).
ALLOCATION_METHODS = ("grandfathering", "benchmark", "paid", "auction", "verified")
#: Who may request: the account's holder, or the right's authority; who approves: the
#: authority, or nobody (the request completes at once).
REQUESTERS = ("holder", "authority")
APPROVERS = ("authority", "none")
UNITS = ("tce", "m3", "t", "kg", "tCO2", "tCO2e")
#: The organisations that can be a right's authority: the city itself, or one of its bureaus.
AUTHORITY_CODES = ("city", *(code for code, _ in BUREAUS))

RIGHT_KEYS = ("code", "zh", "en", "unit", "serial_unit", "serial_unit_source", "source", "validity_years",
              "validity_source", "kinds", "kinds_source", "trade_forms", "trade_forms_source", "allocation",
              "allocation_source", "authorities", "authorities_source", "offset_cap", "offset_rights",
              "offset_source", "penalty", "approval")


@dataclass(frozen=True)
class Approval:
    """Who may request a kind of transaction, and who approves it."""

    request: tuple[str, ...]
    approve: str
    source: str


@dataclass(frozen=True)
class Penalty:
    """A right's penalty for a shortfall at surrender, as its source states it (computed
    by the compliance phase, not by the kernel)."""

    zh: str
    en: str
    fine_yuan: tuple[Decimal, Decimal] | None
    deduct_next_allocation: bool
    source: str


@dataclass(frozen=True)
class RightType:
    """One right type of a rule file."""

    code: str
    zh: str
    en: str
    unit: str
    serial_unit: Decimal
    serial_unit_source: str
    source: str
    validity_years: int | None
    validity_source: str
    kinds: frozenset[str]
    kinds_source: str
    trade_forms: tuple[str, ...]
    trade_forms_source: str
    allocation: tuple[str, ...]
    allocation_source: str
    authorities: tuple[str, ...]
    authorities_source: str
    approvals: Mapping[str, Approval] = field(repr=False)
    offset_cap: Decimal | None = None
    offset_rights: tuple[str, ...] = ()
    offset_source: str = ""
    penalty: Penalty | None = None

    def to_units(self, amount: Decimal | int | str) -> int:
        """``amount`` (in the right's unit) as a whole number of serial units; a float, a
        non-positive amount or one that is not a whole number of serial units is refused
        (``D103``)."""
        if isinstance(amount, bool) or not isinstance(amount, Decimal | int | str):
            raise RegistryError("D103", f"数量须为十进制数（不接受 {type(amount).__name__}）",
                                f"an amount is a decimal number (not a {type(amount).__name__})")
        try:
            d = Decimal(amount.strip()) if isinstance(amount, str) else Decimal(amount)
        except InvalidOperation:
            d = Decimal("NaN")
        if not d.is_finite() or d <= 0:
            raise RegistryError("D103", f"数量须为正数：{amount}", f"an amount must be positive: {amount}")
        with localcontext() as ctx:
            ctx.prec = 60
            n = d / self.serial_unit
        if n != n.to_integral_value():
            raise RegistryError("D103", f"{d} {self.unit} 不是整数个编号单位（每个编号 "
                                f"{self.serial_unit} {self.unit}）",
                                f"{d} {self.unit} is not a whole number of serial units "
                                f"({self.serial_unit} {self.unit} each)")
        return int(n)

    def amount(self, units: int) -> Decimal:
        """``units`` serial units in the right's unit."""
        with localcontext() as ctx:
            ctx.prec = 60
            return (self.serial_unit * units).normalize() if units else Decimal(0)


@dataclass(frozen=True)
class RightBook:
    """The right types in force for one jurisdiction and data year."""

    name: str
    label: str
    digest: str
    jurisdiction: str
    source: str
    borrowed: str
    rights: Mapping[str, RightType] = field(repr=False)

    @property
    def rules_id(self) -> str:
        """How a ledger row names the rules it was written under."""
        return f"{self.name}@{self.digest[:12]}"

    def right(self, code: str) -> RightType:
        r = self.rights.get(code)
        if r is None:
            raise RegistryError("D106", f"规则文件 {self.label} 没有权益类型 {code}",
                                f"the rule file {self.label} has no right type {code}", 404)
        return r


def load_rights(source: str | Path, jurisdiction: str) -> RightBook:
    """The rule file ``source`` (a built-in name such as ``"rights-demo"``, or a path) for
    the jurisdiction with GB/T 2260 code ``jurisdiction``; every problem collected."""
    if not (len(jurisdiction) == 6 and jurisdiction.isdigit()):
        raise ConfigError(tr(f"登记簿的辖区须为六位行政区划代码：{jurisdiction!r}",
                             f"a registry's jurisdiction is a six-digit division code: {jurisdiction!r}"))
    rf = read_rule_file(source, package="qingshan.registry", folder="rules", code="D0")
    ck = Checker(rf.label, "D010")
    ck.only(rf.raw, ("name", "zh", "en", "source", "borrowed", "approval", "right"))
    name = ck.text(rf.raw, "name")
    ck.text(rf.raw, "zh")
    ck.text(rf.raw, "en")
    src = ck.text(rf.raw, "source")
    borrowed = ck.text(rf.raw, "borrowed", required=False)
    defaults = _approvals(ck, ck.table(rf.raw, "approval", required=False), "approval")
    rights: dict[str, RightType] = {}
    for i, r in enumerate(ck.tables(rf.raw, "right")):
        right = _right(ck, r, f"right[{i}]", defaults)
        if right is not None:
            rights[right.code] = right
    ck.unique((str(r.get("code")) for r in ck.tables(rf.raw, "right")), "right.code", "权益代码", "right code")
    for code, right in rights.items():
        for other in right.offset_rights:
            if other not in rights or other == code:
                ck.problem(f"right.{code}.offset_rights", other, "本文件中另一种权益的代码",
                           "the code of another right of this file")
    ck.raise_if_any()
    return RightBook(name=name, label=rf.label, digest=rf.digest, jurisdiction=jurisdiction, source=src,
                     borrowed=borrowed, rights=rights)


def rights_for(profile: Profile, year: int) -> RightBook:
    """The rule file ``profile`` selects for data ``year`` (key ``registry.rights``), for
    the profile's region; :class:`ConfigError` when it selects none."""
    value = profile.required(PROFILE_KEY, year, "权益登记规则", "registry rules")
    region = next((f.region_code for f in profile.chain if f.region_code), "")
    return load_rights(value, region)


def _decimal(ck: Checker, d: Mapping[str, Any], key: str, where: str, *, required: bool,
             hi: Decimal | None = None) -> Decimal | None:
    """A positive decimal written as text (``"0.001"``): TOML floats are not exact."""
    v = d.get(key) if isinstance(d, Mapping) else None
    if v is None:
        if required:
            ck.problem(f"{where}.{key}", None, "必填的十进制数（文字，如 \"0.001\"）",
                       'a required decimal number, as text ("0.001")')
        return None
    x: Decimal | None = None
    if isinstance(v, str):
        try:
            x = Decimal(v.strip())
        except InvalidOperation:
            x = None
    if x is None or not x.is_finite() or x <= 0 or (hi is not None and x > hi):
        most = f"，不大于 {hi}" if hi is not None else ""
        most_en = f", at most {hi}" if hi is not None else ""
        ck.problem(f"{where}.{key}", v, f"正的十进制数，写为文字（如 \"0.001\"）{most}",
                   f'a positive decimal number written as text ("0.001"){most_en}')
        return None
    return x


def _approvals(ck: Checker, table: Mapping[str, Any], where: str) -> dict[str, Approval]:
    ck.only(table, KINDS, where)
    out = {}
    for kind, spec in table.items():
        if kind not in KINDS:
            continue
        at = f"{where}.{kind}"
        if not isinstance(spec, dict):
            ck.problem(at, spec, "表（request、approve、source）", "a table (request, approve, source)")
            continue
        ck.only(spec, ("request", "approve", "source"), at)
        request = ck.strings(spec, "request", at, choices=REQUESTERS)
        if kind in AUTHORITY_ONLY and "holder" in request:
            ck.problem(f"{at}.request", "holder", "只有主管部门可以申请这一类交易",
                       "only the authority requests this kind")
        approve = ck.one_of(spec, "approve", APPROVERS, at)
        out[kind] = Approval(request, approve, ck.text(spec, "source", at))
    return out


def _right(ck: Checker, r: Mapping[str, Any], where: str, defaults: Mapping[str, Approval]) -> RightType | None:
    ck.only(r, RIGHT_KEYS, where)
    code = ck.text(r, "code", where)
    if code:
        ck.form(f"{where}.code", code, RIGHT_CODE, "两个大写字母，排污权加污染物（YN、PW-COD）",
                "two capital letters, for 排污权 with the pollutant (YN, PW-COD)")
    unit = ck.one_of(r, "unit", UNITS, where)
    serial_unit = _decimal(ck, r, "serial_unit", where, required=True)
    validity = ck.integer(r, "validity_years", where, required=False, lo=1, hi=100)
    kinds = ck.strings(r, "kinds", where, choices=KINDS)
    for end, start in ENDS.items():
        if (end in kinds) != (start in kinds):
            ck.problem(f"{where}.kinds", end if end in kinds else start, f"{start} 与 {end} 同时列出",
                       f"{start} and {end} listed together")
    trade_forms = ck.strings(r, "trade_forms", where, required=False, choices=TRADE_FORMS)
    allocation = ck.strings(r, "allocation", where, required=False, choices=ALLOCATION_METHODS)
    authorities = ck.strings(r, "authorities", where, choices=AUTHORITY_CODES)
    own = _approvals(ck, ck.table(r, "approval", where, required=False), f"{where}.approval")
    approvals = {k: own.get(k) or defaults.get(k) for k in kinds}
    for k, a in approvals.items():
        if a is None:
            ck.problem(f"{where}.approval.{k}", None, f"{k} 的申请与审批规则（本权益或文件的 [approval.{k}]）",
                       f"who requests and approves {k} (the right's or the file's [approval.{k}])")
    offset_cap = _decimal(ck, r, "offset_cap", where, required=False, hi=Decimal(1))
    offset_rights = ck.strings(r, "offset_rights", where, required=False)
    penalty = _penalty(ck, ck.table(r, "penalty", where, required=False), f"{where}.penalty")
    sources = {k: ck.text(r, k, where, required=need) for k, need in (
        ("source", True), ("serial_unit_source", True), ("kinds_source", True),
        ("authorities_source", True), ("validity_source", validity is not None),
        ("trade_forms_source", bool(trade_forms)), ("allocation_source", bool(allocation)),
        ("offset_source", offset_cap is not None or bool(offset_rights)))}
    if "transfer" in kinds and not trade_forms:
        ck.problem(f"{where}.trade_forms", None, "可转让的权益须列出交易方式",
                   "a transferable right lists its trade forms")
    if "issue" in kinds and not allocation:
        ck.problem(f"{where}.allocation", None, "可发放的权益须列出分配方式",
                   "a right that is issued lists its allocation")
    if (offset_cap is None) != (not offset_rights):
        ck.problem(f"{where}.offset_cap", None, "offset_cap 与 offset_rights 同时给出", "offset_cap with offset_rights")
    zh, en = ck.text(r, "zh", where), ck.text(r, "en", where)
    if not code or serial_unit is None or not unit or any(a is None for a in approvals.values()):
        return None
    return RightType(code=code, zh=zh, en=en, unit=unit, serial_unit=serial_unit,
                     serial_unit_source=sources["serial_unit_source"], source=sources["source"],
                     validity_years=validity, validity_source=sources["validity_source"], kinds=frozenset(kinds),
                     kinds_source=sources["kinds_source"], trade_forms=trade_forms,
                     trade_forms_source=sources["trade_forms_source"], allocation=allocation,
                     allocation_source=sources["allocation_source"], authorities=authorities,
                     authorities_source=sources["authorities_source"],
                     approvals={k: a for k, a in approvals.items() if a is not None}, offset_cap=offset_cap,
                     offset_rights=offset_rights, offset_source=sources["offset_source"], penalty=penalty)


def _penalty(ck: Checker, p: Mapping[str, Any], where: str) -> Penalty | None:
    if not p:
        return None
    ck.only(p, ("zh", "en", "fine_yuan", "deduct_next_allocation", "source"), where)
    fine = p.get("fine_yuan")
    band: tuple[Decimal, Decimal] | None = None
    if fine is not None:
        lo = _decimal(ck, {"lo": fine[0] if isinstance(fine, list) and len(fine) == 2 else None}, "lo", where,
                      required=True)
        hi = _decimal(ck, {"hi": fine[1] if isinstance(fine, list) and len(fine) == 2 else None}, "hi", where,
                      required=True)
        if lo is not None and hi is not None and lo <= hi:
            band = (lo, hi)
        elif lo is not None and hi is not None:
            ck.problem(f"{where}.fine_yuan", fine, "[下限, 上限]", "[lowest, highest]")
    return Penalty(ck.text(p, "zh", where), ck.text(p, "en", where), band,
                   ck.flag(p, "deduct_next_allocation", where), ck.text(p, "source", where))
