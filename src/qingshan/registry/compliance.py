"""Compliance (履约): per right and period, each holder's obligation, what it surrendered,
the offsets counted within their cap, the shortfall, its status and the penalty of the
rights file (docs/registries.md, "Compliance").

A rule file ``rules/compliance-<name>.toml`` (or a file given by path), selected by the
profile key ``registry.compliance``, names per right where the obligation of a period comes
from (``energy``: accounted comprehensive energy; ``co2``: accounted CO2; ``pollutant``: the
actual tonnes of a pollutant from execution reports, :mod:`qingshan.methods.permits`) and
the surrender deadline (a day of the year after the period). The offset cap, the rights that
may offset and the penalty are the rights file's (:mod:`.rights`).

- **Obligation**: the period's figure, rounded up to whole serial units (a holder cannot
  surrender a part of a serial);
- **surrendered**: completed ``surrender`` requests of the period out of the holder's
  account of the right; **offsets**: those out of its accounts of the offset rights,
  **counted** up to ``offset_cap × obligation`` (碳排放权交易管理办法（试行）, 2021: CCER ≤ 5 %,
  platform.md a.2);
- **covered** = surrendered + counted offsets; **shortfall** = obligation − covered, never
  below 0;
- **status** (the provincial surrender-summary form, platform.md a.2): ``on_time`` 按时完成履约
  (covered on or before the deadline), ``late`` 超时完成履约 (covered after it), ``not_done``
  未完成履约 (not covered and the deadline passed), and ``open`` 未到期 (not covered, the
  deadline still to come: the demo's own addition); ``unknown`` 无核算数据 when the period has
  no accounted figure for the holder;
- **penalty**: the rights file's fine range for ``late`` and ``not_done``, and for
  ``not_done`` the shortfall deducted from the next allocation where the penalty says so
  (the national measures: "if still not corrected"); nothing for a right whose file states
  no penalty.

The date a surrender counts from is the day it was requested or the day it completed, as the
rule file says (``surrender_date``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.profiles.profile import Profile
from qingshan.registry import clock
from qingshan.registry.models import Account, RightRequest
from qingshan.registry.rights import RightBook, RightType
from qingshan.rulefile import Checker, read_rule_file

#: The profile key that selects the rule file.
PROFILE_KEY = "registry.compliance"
OBLIGATIONS = {"energy": ("综合能耗", "comprehensive energy"), "co2": ("二氧化碳排放", "CO2 emissions"),
               "pollutant": ("污染物实际排放量", "actual pollutant tonnes")}
ENERGY_COLUMNS = {"equal": ("energy_tce_equal", "等价值", "equivalent value"),
                  "calorific": ("energy_tce", "当量值", "calorific value")}
POLLUTANTS = ("so2", "nox", "cod", "nh3_n")
SURRENDER_DATES = ("requested", "completed")
#: The statuses, in the provincial surrender-summary form's words (platform.md a.2).
STATUSES = {"on_time": ("按时完成履约", "completed on time"), "late": ("超时完成履约", "completed late"),
            "not_done": ("未完成履约", "not completed"), "open": ("未到期", "deadline not reached"),
            "unknown": ("无核算数据", "no accounted figure")}


@dataclass(frozen=True)
class ComplianceRight:
    code: str
    obligation: str
    energy_basis: str
    pollutant: str
    source: str
    deadline: tuple[int, int]  # month, day of the year after the period
    deadline_source: str


@dataclass(frozen=True)
class ComplianceRules:
    name: str
    label: str
    digest: str
    zh: str
    en: str
    source: str
    surrender_date: str
    surrender_date_source: str
    statuses_source: str
    rights: Mapping[str, ComplianceRight]

    def deadline(self, right: str, period: int) -> dt.date:
        m, d = self.rights[right].deadline
        return dt.date(period + 1, m, d)


def load_compliance(source: str | Path) -> ComplianceRules:
    """The rule file ``source`` (``"compliance-demo"`` or a path); every problem collected."""
    rf = read_rule_file(source, package="qingshan.registry", folder="rules", code="D0")
    ck = Checker(rf.label, "D010")
    raw = rf.raw
    ck.only(raw, ("name", "zh", "en", "source", "surrender_date", "surrender_date_source", "statuses_source", "right"))
    rights: dict[str, ComplianceRight] = {}
    for i, r in enumerate(ck.tables(raw, "right")):
        w = f"right[{i}]"
        ck.only(r, ("code", "obligation", "energy_basis", "pollutant", "source", "deadline", "deadline_source"), w)
        code = ck.text(r, "code", w)
        ob = ck.one_of(r, "obligation", tuple(OBLIGATIONS), w)
        basis = ck.one_of(r, "energy_basis", tuple(ENERGY_COLUMNS), w, required=ob == "energy")
        pol = ck.one_of(r, "pollutant", POLLUTANTS, w, required=ob == "pollutant")
        if ob != "energy" and "energy_basis" in r:
            ck.problem(f"{w}.energy_basis", r["energy_basis"], "仅 obligation = energy 时给出",
                       "only with obligation = energy")
        if ob != "pollutant" and "pollutant" in r:
            ck.problem(f"{w}.pollutant", r["pollutant"], "仅 obligation = pollutant 时给出",
                       "only with obligation = pollutant")
        deadline = _month_day(ck, r, w)
        if code in rights:
            ck.problem(f"{w}.code", code, "不重复的权益代码", "a unique right code")
        rights[code] = ComplianceRight(code, ob, basis, pol, ck.text(r, "source", w), deadline or (12, 31),
                                       ck.text(r, "deadline_source", w))
    rules = ComplianceRules(name=ck.text(raw, "name"), label=rf.label, digest=rf.digest, zh=ck.text(raw, "zh"),
                            en=ck.text(raw, "en"), source=ck.text(raw, "source"),
                            surrender_date=ck.one_of(raw, "surrender_date", SURRENDER_DATES),
                            surrender_date_source=ck.text(raw, "surrender_date_source"),
                            statuses_source=ck.text(raw, "statuses_source"), rights=rights)
    ck.raise_if_any()
    return rules


def _month_day(ck: Checker, r: Mapping[str, Any], where: str) -> tuple[int, int] | None:
    v = r.get("deadline")
    ok = isinstance(v, str) and len(v) == 5 and v[2] == "-" and v[:2].isdigit() and v[3:].isdigit()
    if ok:
        assert isinstance(v, str)
        try:
            dt.date(2023, int(v[:2]), int(v[3:]))  # a year without 29 February: every year has the day
            return int(v[:2]), int(v[3:])
        except ValueError:
            pass
    ck.problem(f"{where}.deadline", v, "次年的月-日 MM-DD（不取 02-29）", "a month and day MM-DD of the next year "
               "(not 02-29)")
    return None


def compliance_for(profile: Profile, year: int) -> ComplianceRules:
    """The rule file ``profile`` selects for data ``year`` (key ``registry.compliance``)."""
    return load_compliance(profile.required(PROFILE_KEY, year, "履约规则", "compliance rules"))


# --- obligations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Obligation:
    """What ``holder`` must surrender of ``right`` for ``period``: ``amount`` in whole serial
    units of the right (``exact`` before rounding up); ``None``: no accounted figure."""

    holder: str
    right: str
    period: int
    amount: Decimal | None
    exact: Decimal | None
    basis_zh: str
    basis_en: str
    source: str
    holder_name: str = ""


def up_to_units(x: Decimal, right: RightType) -> Decimal:
    n = (x / right.serial_unit).to_integral_value(ROUND_CEILING)
    return right.amount(int(n)) if n > 0 else Decimal(0)


def obligations_of(rules: ComplianceRules, right: RightType, period: int, holders: Mapping[str, str], *,
                   yearly: pd.DataFrame | None = None, actual: pd.DataFrame | None = None) -> list[Obligation]:
    """The obligation of each of ``holders`` (code → name) for ``period``: from the accounts'
    ``yearly`` table (entity_id, year, energy_tce, energy_tce_equal, co2_t) or the actual
    tonnes (:func:`qingshan.methods.permits.actual_in_year`: entity_id, pollutant, actual_t,
    basis)."""
    cr = rules.rights[right.code]
    out = []
    for holder, name in sorted(holders.items()):
        exact: Decimal | None = None
        if cr.obligation in ("energy", "co2"):
            col, b_zh, b_en = (ENERGY_COLUMNS[cr.energy_basis] if cr.obligation == "energy"
                               else ("co2_t", "核算二氧化碳排放", "accounted CO2"))
            if cr.obligation == "energy":
                b_zh, b_en = f"{period} 年综合能耗（{b_zh}）", f"comprehensive energy {period} ({b_en})"
            else:
                b_zh, b_en = f"{period} 年{b_zh}", f"{b_en} {period}"
            if yearly is not None and not yearly.empty:
                hit = yearly[(yearly["entity_id"].astype(str) == holder) & (yearly["year"] == period)]
                if not hit.empty and pd.notna(hit[col].iloc[0]):
                    exact = Decimal(repr(float(hit[col].iloc[0])))
        else:
            b_zh, b_en = f"{period} 年 {cr.pollutant} 实际排放量", f"actual {cr.pollutant} tonnes {period}"
            if actual is not None and not actual.empty:
                hit = actual[(actual["entity_id"].astype(str) == holder) & (actual["pollutant"] == cr.pollutant)]
                if not hit.empty and pd.notna(hit["actual_t"].iloc[0]):
                    exact = Decimal(repr(float(hit["actual_t"].iloc[0])))
                    b_zh += f"（{hit['basis'].iloc[0]}）"
                    b_en += f" ({hit['basis'].iloc[0]})"
        amount = up_to_units(exact, right) if exact is not None else None
        out.append(Obligation(holder, right.code, period, amount, exact, b_zh, b_en, cr.source, name))
    return out


# --- standings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Surrender:
    """One completed surrender of a period: its request, right, amount and the day it counts."""

    request_id: int
    holder: str
    right: str
    amount: Decimal
    day: dt.date


@dataclass(frozen=True)
class PenaltyDue:
    """The penalty a standing incurs under the rights file."""

    zh: str
    en: str
    fine_yuan: tuple[Decimal, Decimal] | None
    deduct_next: Decimal
    source: str


@dataclass(frozen=True)
class Standing:
    holder: str
    holder_name: str
    right: str
    unit: str
    period: int
    obligation: Decimal | None
    obligation_exact: Decimal | None
    basis_zh: str
    basis_en: str
    surrendered: Decimal
    offsets: Mapping[str, Decimal]
    offset_cap: Decimal | None  # the most offsets may cover, in the right's unit
    offsets_counted: Decimal
    covered: Decimal
    shortfall: Decimal | None
    deadline: dt.date
    completed_on: dt.date | None
    last_surrender: dt.date | None
    status: str
    penalty: PenaltyDue | None
    surrenders: tuple[Surrender, ...]
    source: str


def standing(ob: Obligation, right: RightType, surrenders: Sequence[Surrender], deadline: dt.date,
             today: dt.date) -> Standing:
    """One holder's standing (pure): the surrenders of the right and of its offset rights,
    counted in the order they count (day, then request), offsets up to the cap."""
    own_total = Decimal(0)
    offsets: dict[str, Decimal] = {}
    cap = right.offset_cap * ob.amount if right.offset_cap is not None and ob.amount is not None else None
    completed_on: dt.date | None = None
    ordered = sorted(surrenders, key=lambda x: (x.day, x.request_id))
    covered = Decimal(0)
    for sv in ordered:
        if sv.right == right.code:
            own_total += sv.amount
        elif sv.right in right.offset_rights:
            offsets[sv.right] = offsets.get(sv.right, Decimal(0)) + sv.amount
        else:
            continue
        off = sum(offsets.values(), Decimal(0))
        covered = own_total + (min(off, cap) if cap is not None else Decimal(0))
        if completed_on is None and ob.amount is not None and covered >= ob.amount:
            completed_on = sv.day
    off_total = sum(offsets.values(), Decimal(0))
    counted = min(off_total, cap) if cap is not None else Decimal(0)
    covered = own_total + counted
    last = ordered[-1].day if ordered else None
    if ob.amount is None:
        status, shortfall = "unknown", None
    else:
        shortfall = max(ob.amount - covered, Decimal(0))
        if ob.amount <= 0:
            status = "on_time"
        elif completed_on is not None:
            status = "on_time" if completed_on <= deadline else "late"
        else:
            status = "not_done" if today > deadline else "open"
    return Standing(holder=ob.holder, holder_name=ob.holder_name, right=right.code, unit=right.unit,
                    period=ob.period, obligation=ob.amount, obligation_exact=ob.exact, basis_zh=ob.basis_zh,
                    basis_en=ob.basis_en, surrendered=own_total, offsets=offsets, offset_cap=cap,
                    offsets_counted=counted, covered=covered, shortfall=shortfall, deadline=deadline,
                    completed_on=completed_on, last_surrender=last, status=status,
                    penalty=penalty_due(right, status, shortfall), surrenders=tuple(ordered), source=ob.source)


def penalty_due(right: RightType, status: str, shortfall: Decimal | None) -> PenaltyDue | None:
    """The rights file's penalty for ``status``: the fine range for ``late`` and
    ``not_done``; for ``not_done`` also the shortfall to deduct from the next allocation
    where the penalty says so."""
    p = right.penalty
    if p is None or status not in ("late", "not_done"):
        return None
    deduct = shortfall if status == "not_done" and p.deduct_next_allocation and shortfall else Decimal(0)
    return PenaltyDue(p.zh, p.en, p.fine_yuan, deduct, p.source)


def surrenders(s: Session, book: RightBook, codes: Iterable[str], period: int, *, date_from: str = "requested"
               ) -> list[Surrender]:
    """The completed surrenders of ``period`` of the rights ``codes``, with their holders."""
    rows = s.execute(select(RightRequest, Account.holder).join(Account, Account.id == RightRequest.from_account_id)
                     .where(RightRequest.kind == "surrender", RightRequest.state == "completed",
                            RightRequest.jurisdiction == book.jurisdiction, RightRequest.period == str(period),
                            RightRequest.right_code.in_(list(codes)))
                     .order_by(RightRequest.id)).all()
    out = []
    for req, holder in rows:
        at = req.requested_at if date_from == "requested" else (req.decided_at or req.requested_at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        right = book.right(req.right_code)
        out.append(Surrender(req.id, holder, req.right_code, right.amount(int(req.units or 0)),
                             at.astimezone(clock.CST).date()))
    return out


def standings(s: Session, book: RightBook, rules: ComplianceRules, right_code: str, period: int,
              obligations: Sequence[Obligation], *, today: dt.date | None = None) -> list[Standing]:
    """Every holder's standing for ``right_code`` and ``period``: the holders of
    ``obligations`` and any other holder that surrendered for the period (its obligation
    then unknown)."""
    right = book.right(right_code)
    day = today or clock.today()
    deadline = rules.deadline(right_code, period)
    got = surrenders(s, book, (right.code, *right.offset_rights), period, date_from=rules.surrender_date)
    by_holder: dict[str, list[Surrender]] = {}
    for sv in got:
        by_holder.setdefault(sv.holder, []).append(sv)
    obs = {o.holder: o for o in obligations}
    cr = rules.rights.get(right_code)
    for holder in by_holder:
        if holder not in obs and any(sv.right == right.code for sv in by_holder[holder]):
            obs[holder] = Obligation(holder, right.code, period, None, None, "", "", cr.source if cr else "")
    return [standing(obs[h], right, by_holder.get(h, []), deadline, day) for h in sorted(obs)]


def shortfalls(found: Iterable[Standing]) -> dict[str, Decimal]:
    """Holder → the shortfall to deduct from its next allocation (``not_done`` under a
    penalty that deducts)."""
    return {x.holder: x.penalty.deduct_next for x in found if x.penalty is not None and x.penalty.deduct_next > 0}
