"""The demo city's year of markets (docs/demo-city.md, "The demo's markets"): what
``qingshan demo`` does in the rights registry after the accounts, through the kernel's
public API and the allocation functions (:mod:`.allocation`), never writing a registry table
itself.

For the market year *Y* (the latest data year):

1. **用能权**: the free allocation of vintage *Y* (:func:`.allocation.free_lines`, issued by
   the 发改委's officer and approved by its reviewer); the new project screening told how
   much to buy (``R-ENERGY-RIGHT``) gets an account and buys its quota at the screening's
   price (定价转让) from the holders whose allocation exceeds their obligation for *Y*, the
   largest surplus first; before the surrender day, every holder whose allocation falls
   short of its obligation (but those the schedule makes late or missing) covers its
   shortfall: first from one holder with a surplus (协议转让, :func:`_cover`), the rest by paid
   allocation (有偿分配, ``issue`` with method ``paid`` at the rule's price); then every holder
   surrenders what it holds up to its obligation for period *Y*;
2. **排污权 (COD)**: issued to the permit holders the rule covers, the permitted tonnes of
   *Y*; the holder most over its allocation buys from the one most under it (协议转让); at year
   end every holder surrenders what it holds up to its actual tonnes;
3. **用水权**: issued by the historical method on the holders' reported fresh water; the
   holder most over its allocation buys from the one most under it;
4. **碳票**: the mangrove restoration's credited sink estimate is issued to its owner, sold to
   a public body, which retires it to offset its own footprint.

Everything here takes its figures as inputs (:class:`Markets`), assembled from the city by
:mod:`qingshan.documents.registry_demo`; this module reads no package, account or rule file
of its own. The officials who issue and approve (:data:`OFFICIALS`) and each holder's clerk
(``demo:<organisation code>``) are the demo's players, named in every ledger row, without
sign-in accounts.

The year is **dated as a simulation** (:class:`Schedule`, from ``demo_markets.toml``
``[simulation]``): inside :func:`qingshan.registry.clock.simulated` the issuances are dated
early in the year, the trades and the 碳票 in its course, the surrenders of the year after
before each right's deadline, except the holders the file names as late (after every
deadline) or missing (no surrender); every request's evidence says "演示模拟日期 / simulated
demo date". The audit events keep the real time of the run. Without a schedule, the rows
carry the real time and every holder surrenders at once.

A registry that already holds a ledger row of the jurisdiction is left alone (the markets
ran before): running ``qingshan demo`` again never allocates twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.app import organisations
from qingshan.app.audit import Actor
from qingshan.app.organisations import Unit
from qingshan.registry import accounts, clock
from qingshan.registry.access import Acting, organisation
from qingshan.registry.allocation import Line
from qingshan.registry.kernel import approve, request
from qingshan.registry.models import LedgerRow
from qingshan.registry.orders import Order
from qingshan.registry.rights import RightBook

#: Who acts in the demo's markets: (name, the organisation it acts for — a bureau's suffix,
#: or ``city`` — role). They are the demo's players, not sign-in accounts (as the holders'
#: clerks): one official of each authority requests, another approves (four eyes).
OFFICIALS = (
    ("demo:fgw-officer", "fgw", "administrator"),
    ("demo:fgw-reviewer", "fgw", "reviewer"),
    ("demo:env-officer", "sthjj", "administrator"),
    ("demo:env-reviewer", "sthjj", "reviewer"),
    ("demo:city-officer", "city", "administrator"),
    ("demo:city-reviewer", "city", "reviewer"),
)


@dataclass(frozen=True)
class NewProject:
    """The new project that must buy 用能权: its company (an organisation of the city once
    added), the quota and price screening gave, the screening's finding as evidence, and
    the trade form of its purchase."""

    code: str
    company: str
    project: str
    district: str | None
    park: str | None
    quota: Decimal
    price: Decimal | None
    evidence: tuple[str, ...]
    trade_form: str = "fixed_price"


@dataclass(frozen=True)
class SinkTicket:
    """A sink project's 碳票: its owner, the public body that buys and retires them, the
    amount (whole serial units) and the estimate as evidence."""

    owner: str
    buyer: str
    amount: Decimal
    vintage: int
    project: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Schedule:
    """The demo's simulated days (times with their zone) and the holders its story makes
    late or missing, right → holders (``demo_markets.toml`` ``[simulation]``): a simulation,
    not data. ``issue`` < ``trade`` < ``tickets`` < every ``surrender`` day < ``late``; ``cover``
    (the short 用能权 holders buy their shortfall) is in the year after, before the 用能权
    surrender day."""

    issue: dt.datetime
    trade: dt.datetime
    tickets: dt.datetime
    cover: dt.datetime
    surrender: Mapping[str, dt.datetime]
    late: dt.datetime
    late_holders: Mapping[str, frozenset[str]]
    missing_holders: Mapping[str, frozenset[str]]


#: What every request of a simulated run says in its evidence.
SIMULATED = "演示模拟日期 {day}（demo_markets.toml [simulation]，非办理的真实时间；审计记录为真实时间） / " \
            "simulated demo date {day} (demo_markets.toml [simulation], not the real time of the run, " \
            "which the audit events carry)"


@dataclass(frozen=True)
class PaidPrice:
    """The price (yuan per tce) of a holder's paid allocation of 用能权 under the profile's
    price rule, or ``None`` where the rule gives none, and the steps as evidence."""

    price: Decimal | None
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Markets:
    """What the year of markets needs, assembled from the city.

    ``*_lines``: the issuances (holder, amount, method, steps); ``*_due``: each holder's
    figure of the year the markets settle against (the period's obligation for 用能权 and
    排污权, the year's reported use for 用水权), whole serial units; ``units``: the city's
    organisations, to which the new project's company is added. ``yn_paid``: per 用能权
    holder, the price of a paid allocation (the rule's price); ``yn_trade_price``: the price
    of the transfers between holders (``None``: unpriced); ``yn_cover_evidence``: the
    sources of the covering."""

    year: int
    units: Sequence[Unit]
    yn_lines: Sequence[Line]
    yn_due: Mapping[str, Decimal]
    project: NewProject | None
    pw_right: str
    pw_lines: Sequence[Line]
    pw_due: Mapping[str, Decimal]
    ys_lines: Sequence[Line]
    ys_due: Mapping[str, Decimal]
    sink: SinkTicket | None
    schedule: Schedule | None = None
    yn_paid: Mapping[str, PaidPrice] = field(default_factory=dict)
    yn_trade_price: Decimal | None = None
    yn_cover_evidence: tuple[str, ...] = ()


@dataclass
class Story:
    """What the year of markets did: each step (right, kind, request, parties, amount,
    words, and its simulated ``day``), the requests by right and kind, and per right the
    holders that surrendered late (``late``) or not at all (``missing``) as the schedule
    chose them."""

    year: int
    skipped: bool = False
    steps: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    late: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)

    def add(self, right: str, kind: str, request_id: int, amount: Decimal, unit: str, zh: str, en: str,
            source: str | None = None, target: str | None = None) -> None:
        self.steps.append({"right": right, "kind": kind, "request": request_id, "from": source, "to": target,
                           "amount": float(amount), "unit": unit, "zh": zh, "en": en, "day": _day()})

    def count(self, right: str, kind: str, n: int = 1) -> None:
        by = self.counts.setdefault(right, {})
        by[kind] = by.get(kind, 0) + n


def _n(x: Decimal) -> str:
    """A quantity as text, without trailing zeros or an exponent (2424, 88.82)."""
    return format(x.normalize(), "f") if x != x.to_integral_value() else str(int(x))


def _day() -> str:
    """The registry's day (China Standard Time), simulated or not."""
    return clock.today().isoformat()


def _mark() -> tuple[str, ...]:
    """The evidence a request of a simulated run carries: its simulated day."""
    return (SIMULATED.format(day=_day()),) if clock.is_simulated() else ()


@contextmanager
def _dated(schedule: Schedule | None) -> Iterator[clock.Simulation | None]:
    """The simulated clock of ``schedule`` (its issue day), or the real one."""
    if schedule is None:
        yield None
        return
    with clock.simulated(schedule.issue) as sim:
        yield sim


def _move(sim: clock.Simulation | None, at: dt.datetime | None) -> None:
    if sim is not None and at is not None:
        sim.move_to(at)


def _acting(s: Session, user: str, org: str, role: str) -> Acting:
    o = organisation(s, org)
    return Acting(user, org, o.path if o is not None else "", (role,))


def _clerk(s: Session, org: str) -> Acting:
    """The demo's clerk of a holder: requests in its name, without a sign-in account."""
    return _acting(s, f"demo:{org}", org, "reporter")


def _account(s: Session, book: RightBook, who: Acting, right: str, holder: str) -> int:
    found = accounts.find(s, book, right, "holding", holder)
    return found.id if found is not None else accounts.open_account(s, who, book, right, holder).id


def _done(s: Session, who: Acting, approver: Acting, book: RightBook, order: Order) -> int:
    """Request ``order`` and have ``approver`` approve it; the request's id."""
    rid = request(s, who, book, order).id
    approve(s, approver, book, rid)
    s.expunge_all()  # keeps each flush short: the session's identity map stays small
    return rid


def _issue(s: Session, story: Story, book: RightBook, lines: Sequence[Line], who: Acting,
           approver: Acting) -> dict[str, Decimal]:
    """Issue ``lines`` as :func:`.allocation.allocate` does (the holder's account opened as
    needed, the line's steps as evidence, approved by ``approver``), with the simulated day
    in the evidence; holder → amount."""
    out: dict[str, Decimal] = {}
    for line in lines:
        acct = _account(s, book, who, line.right, line.holder)
        rid = _done(s, who, approver, book, Order("issue", line.right, amount=line.amount, to_account=acct,
                                                  vintage=line.vintage, method=line.method,
                                                  evidence=(*line.evidence(), *_mark())))
        out[line.holder] = out.get(line.holder, Decimal(0)) + line.amount
        story.count(line.right, "issue")
        story.add(line.right, "issue", rid, line.amount, book.right(line.right).unit,
                  f"{line.holder_name or line.holder} 获分配 {_n(line.amount)}",
                  f"{line.holder_name or line.holder} is allocated {_n(line.amount)}", None, line.holder)
    return out


def _trade(s: Session, story: Story, book: RightBook, right_code: str, seller: str, buyer: str, amount: Decimal,
           approver: Acting, *, trade_form: str, price: Decimal | None, evidence: tuple[str, ...],
           zh: str, en: str) -> int:
    right = book.right(right_code)
    src = accounts.find(s, book, right_code, "holding", seller)
    dst = accounts.find(s, book, right_code, "holding", buyer)
    assert src is not None and dst is not None
    rid = _done(s, _clerk(s, seller), approver, book,
                Order("transfer", right_code, amount=amount, from_account=src.id, to_account=dst.id,
                      trade_form=trade_form, price=price, evidence=(*evidence, *_mark())))
    story.count(right_code, "transfer")
    story.add(right_code, "transfer", rid, amount, right.unit, zh, en, seller, buyer)
    return rid


def _surrender(s: Session, story: Story, book: RightBook, right_code: str, held: Mapping[str, Decimal],
               due: Mapping[str, Decimal], period: int, approver: Acting, *, late: bool = False) -> None:
    """Each holder of ``held`` surrenders what it holds up to what it owes for ``period``
    (``late``: after the deadline, as the demo's schedule chose it)."""
    right = book.right(right_code)
    why = ("演示：逾期清缴（demo_markets.toml [simulation.late_holders]） / the demo's story: a late surrender "
           "(demo_markets.toml [simulation.late_holders])",) if late else ()
    for holder in sorted(held):
        amount = min(held[holder], due.get(holder, Decimal(0)))
        if amount <= 0:
            continue
        acct = accounts.find(s, book, right_code, "holding", holder)
        assert acct is not None
        rid = _done(s, _clerk(s, holder), approver, book,
                    Order("surrender", right_code, amount=amount, from_account=acct.id, period=str(period),
                          evidence=(*why, *_mark())))
        story.count(right_code, "surrender")
        story.add(right_code, "surrender", rid, amount, right.unit, f"{holder} 清缴 {period} 年度 {_n(amount)}",
                  f"{holder} surrenders {_n(amount)} for {period}", holder)


def _pair(held: Mapping[str, Decimal], due: Mapping[str, Decimal]) -> tuple[str, str, Decimal] | None:
    """(seller, buyer, amount): the holder most under what it owes sells to the one most
    over it as much as the one needs and the other can spare (ties by code)."""
    gap = {h: held[h] - due[h] for h in held if h in due}
    spare = sorted((h for h, g in gap.items() if g > 0), key=lambda h: (-gap[h], h))
    short = sorted((h for h, g in gap.items() if g < 0), key=lambda h: (gap[h], h))
    if not spare or not short:
        return None
    seller, buyer = spare[0], short[0]
    return seller, buyer, min(gap[seller], -gap[buyer])


def already_ran(s: Session, book: RightBook) -> bool:
    """Whether the registry holds any ledger row of the jurisdiction."""
    n = s.execute(select(func.count()).select_from(LedgerRow).where(LedgerRow.jurisdiction == book.jurisdiction))
    return bool(n.scalar_one())


def run(s: Session, book: RightBook, m: Markets, actor: Actor) -> Story:
    """The year of markets ``m`` in the caller's transaction, in the order of its days (see
    the module's docstring): the issuances, the trades, the 碳票, the surrenders of each
    right on its day, then the late ones."""
    story = Story(m.year)
    if already_ran(s, book):
        story.skipped = True
        return story
    city = next(u.code for u in m.units if u.kind == "city")
    fgw, fgw_ok, env, env_ok, admin, city_ok = (
        _acting(s, name, city if where == "city" else f"{city}-{where}", role) for name, where, role in OFFICIALS)
    sc = m.schedule
    with _dated(sc) as sim:
        # the issuances: 用能权 (free allocation), 排污权 (from the permits), 用水权 (by history)
        held = _issue(s, story, book, m.yn_lines, fgw, fgw_ok)
        held_pw = _issue(s, story, book, m.pw_lines, env, env_ok) if m.pw_lines else {}
        held_ys = _issue(s, story, book, m.ys_lines, admin, city_ok) if m.ys_lines else {}

        # the trades: the new project buys its 用能权; one trade each of 排污权 and 用水权
        _move(sim, sc.trade if sc else None)
        if m.project is not None:
            _purchase(s, story, book, m, m.project, held, actor, fgw, fgw_ok)
        if m.pw_lines:
            _trade_pw(s, story, book, m, held_pw, env_ok)
        if m.ys_lines:
            _trade_ys(s, story, book, m, held_ys, city_ok)

        # 碳票: issued on the sink estimate, sold to a public body, retired
        if m.sink is not None:
            _move(sim, sc.tickets if sc else None)
            _tickets(s, story, book, m.sink, admin, city_ok)

        # the year after: the short 用能权 holders cover their shortfall, each right's surrenders
        # on its day (in the order of the days), then the late ones
        owed = {"YN": ({h: x for h, x in held.items() if h in m.yn_due}, m.yn_due, fgw_ok)}
        if m.pw_lines:
            owed[m.pw_right] = (held_pw, m.pw_due, env_ok)
        late = {r: sorted(set(owed[r][0]) & (sc.late_holders.get(r, frozenset()) if sc else frozenset()))
                for r in owed}
        missing = {r: sorted(set(owed[r][0]) & (sc.missing_holders.get(r, frozenset()) if sc else frozenset()))
                   for r in owed}
        # (day, order, right): covering comes before the surrenders of 用能权 (its day is earlier,
        # checked when the file is read; without a schedule, first)
        steps = sorted([(sc.cover if sc else None, 0, "cover"),
                        *((sc.surrender[r] if sc else None, 1, r) for r in owed)],
                       key=lambda x: (x[0] or dt.datetime.min.replace(tzinfo=dt.UTC), x[1], x[2]))
        for at, _, r in steps:
            _move(sim, at)
            if r == "cover":
                _cover(s, story, book, m, held, {*late["YN"], *missing["YN"]}, fgw, fgw_ok)
                owed["YN"] = ({h: x for h, x in held.items() if h in m.yn_due}, m.yn_due, fgw_ok)
                continue
            have, due, ok = owed[r]
            _surrender(s, story, book, r, {h: x for h, x in have.items() if h not in {*late[r], *missing[r]}},
                       due, m.year, ok)
        if any(late.values()):
            _move(sim, sc.late if sc else None)
            for r in sorted(owed):
                have, due, ok = owed[r]
                _surrender(s, story, book, r, {h: have[h] for h in late[r]}, due, m.year, ok, late=True)
    story.late = {r: hs for r, hs in late.items() if hs}
    story.missing = {r: hs for r, hs in missing.items() if hs}
    return story


def _purchase(s: Session, story: Story, book: RightBook, m: Markets, p: NewProject, held: dict[str, Decimal],
              actor: Actor, fgw: Acting, fgw_ok: Acting) -> None:
    """The new project's company becomes an organisation with an account and buys its quota
    from the holders whose allocation exceeds their obligation, the largest surplus first."""
    organisations.sync(s, [*m.units, Unit(p.code, "enterprise", p.company, p.district, p.park)], actor)
    _account(s, book, fgw, "YN", p.code)
    s.expunge_all()
    need = p.quota
    surplus = {h: held[h] - m.yn_due[h] for h in held if h in m.yn_due}
    for seller in sorted((h for h, x in surplus.items() if x > 0), key=lambda h: (-surplus[h], h)):
        if need <= 0:
            break
        amount = min(surplus[seller], need)
        _trade(s, story, book, "YN", seller, p.code, amount, fgw_ok, trade_form=p.trade_form, price=p.price,
               evidence=(f"{p.project}：新建项目节能审查（R-ENERGY-RIGHT）须购买 {_n(p.quota)} tce",
                         f"卖方 {seller} {m.year} 年分配 {_n(held[seller])} tce，"
                         f"应清缴 {_n(m.yn_due[seller])} tce，富余 {_n(surplus[seller])} tce", *p.evidence),
               zh=f"{seller} 向新建项目 {p.project} 转让 {_n(amount)} tce（定价转让）",
               en=f"{seller} sells {_n(amount)} tce to the new project {p.project} (fixed price)")
        held[seller] -= amount
        held[p.code] = held.get(p.code, Decimal(0)) + amount
        need -= amount


def _cover(s: Session, story: Story, book: RightBook, m: Markets, held: dict[str, Decimal], skip: set[str],
           fgw: Acting, fgw_ok: Acting) -> None:
    """Every 用能权 holder whose allocation falls short of its obligation for *Y* (but those of
    ``skip``, the late and missing holders) covers its shortfall, the largest first: from the
    holder with the largest surplus left (one transfer, 协议转让, at ``m.yn_trade_price``),
    and what is still short by a paid allocation of vintage *Y* (``issue``, method ``paid``,
    at the holder's price under the rule, ``m.yn_paid``). Sellers keep what they owe; the
    skipped holders neither buy nor sell."""
    due = m.yn_due
    gap = {h: held[h] - due[h] for h in held if h in due and h not in skip}
    surplus = {h: g for h, g in gap.items() if g > 0}
    buyers = sorted((h for h, g in gap.items() if g < 0), key=lambda h: (gap[h], h))
    for buyer in buyers:
        need = -gap[buyer]
        base = (f"买方 {buyer}：{m.year} 年应清缴 {_n(due[buyer])} tce，持有 {_n(held[buyer])} tce，"
                f"尚缺 {_n(need)} tce",)
        seller = min(surplus, key=lambda h: (-surplus[h], h)) if surplus else None
        if seller is not None:
            amount = min(surplus[seller], need)
            _trade(s, story, book, "YN", seller, buyer, amount, fgw_ok, trade_form="negotiated",
                   price=m.yn_trade_price,
                   evidence=(*base, f"卖方 {seller}：{m.year} 年持有 {_n(held[seller])} tce，应清缴 "
                             f"{_n(due[seller])} tce，富余 {_n(surplus[seller])} tce", *m.yn_cover_evidence),
                   zh=f"{seller} 向配额不足的 {buyer} 转让 {_n(amount)} tce（协议转让）",
                   en=f"{seller} sells {_n(amount)} tce to {buyer}, short of its obligation (negotiated)")
            held[seller] -= amount
            held[buyer] += amount
            surplus[seller] -= amount
            if surplus[seller] <= 0:
                del surplus[seller]
            need -= amount
        if need <= 0:
            continue
        paid = m.yn_paid.get(buyer, PaidPrice(None, ()))
        acct = accounts.find(s, book, "YN", "holding", buyer)
        assert acct is not None
        rid = _done(s, fgw, fgw_ok, book, Order(
            "issue", "YN", amount=need, to_account=acct.id, vintage=m.year, method="paid", price=paid.price,
            evidence=(f"有偿分配（政府预留）：买方 {buyer} {m.year} 年应清缴 {_n(due[buyer])} tce，持有 "
                      f"{_n(held[buyer])} tce，尚缺 {_n(need)} tce", *paid.evidence, *m.yn_cover_evidence,
                      *_mark())))
        story.count("YN", "issue")
        story.add("YN", "issue", rid, need, book.right("YN").unit,
                  f"{buyer} 有偿申购 {_n(need)} tce（政府预留）",
                  f"{buyer} buys {_n(need)} tce by paid allocation (the government's reserve)", None, buyer)
        held[buyer] += need


def _trade_pw(s: Session, story: Story, book: RightBook, m: Markets, held_pw: dict[str, Decimal],
              env_ok: Acting) -> None:
    """The holder most under its actual tonnes sells to the one most over them."""
    pair = _pair(held_pw, m.pw_due)
    if pair is None:
        return
    seller, buyer, amount = pair
    _trade(s, story, book, m.pw_right, seller, buyer, amount, env_ok, trade_form="negotiated", price=None,
           evidence=(f"卖方 {seller}：{m.year} 年许可 {_n(held_pw[seller])} t，实际 {_n(m.pw_due[seller])} t",
                     f"买方 {buyer}：{m.year} 年许可 {_n(held_pw[buyer])} t，实际 {_n(m.pw_due[buyer])} t"),
           zh=f"{seller} 向超许可排放的 {buyer} 转让 {_n(amount)} t（协议转让）",
           en=f"{seller} sells {_n(amount)} t to {buyer}, which emitted over its permit (negotiated)")
    held_pw[seller] -= amount
    held_pw[buyer] += amount


def _trade_ys(s: Session, story: Story, book: RightBook, m: Markets, held_ys: dict[str, Decimal],
              city_ok: Acting) -> None:
    """The holder most over its water allocation buys from the one most under it."""
    pair = _pair(held_ys, m.ys_due)
    if pair is None:
        return
    seller, buyer, amount = pair
    _trade(s, story, book, "YS", seller, buyer, amount, city_ok, trade_form="negotiated", price=None,
           evidence=(f"卖方 {seller}：分配 {_n(held_ys[seller])} m³，{m.year} 年用水 {_n(m.ys_due[seller])} m³",
                     f"买方 {buyer}：分配 {_n(held_ys[buyer])} m³，{m.year} 年用水 {_n(m.ys_due[buyer])} m³"),
           zh=f"{seller} 向用水超出分配的 {buyer} 转让 {_n(amount)} m³（协议转让）",
           en=f"{seller} sells {_n(amount)} m³ to {buyer}, which used more than allocated (negotiated)")


def _tickets(s: Session, story: Story, book: RightBook, t: SinkTicket, admin: Acting, city_ok: Acting) -> None:
    """The sink project's 碳票 issued to its owner, sold to the public body, retired."""
    ts = book.right("TS")
    owner_id = _account(s, book, admin, "TS", t.owner)
    buyer_id = _account(s, book, admin, "TS", t.buyer)
    s.expunge_all()
    rid = _done(s, admin, city_ok, book, Order("issue", "TS", amount=t.amount, to_account=owner_id,
                                               vintage=t.vintage, method="verified",
                                               evidence=(*t.evidence, *_mark())))
    story.count("TS", "issue")
    story.add("TS", "issue", rid, t.amount, ts.unit, f"{t.project} 签发碳票 {_n(t.amount)} tCO2e",
              f"{t.project}: {_n(t.amount)} tCO2e of 碳票 issued", None, t.owner)
    rid = _done(s, _clerk(s, t.owner), city_ok, book,
                Order("transfer", "TS", amount=t.amount, from_account=owner_id, to_account=buyer_id,
                      trade_form="negotiated",
                      evidence=(f"{t.buyer} 购买碳票抵销自身排放", *t.evidence[:1], *_mark())))
    story.count("TS", "transfer")
    story.add("TS", "transfer", rid, t.amount, ts.unit, f"{t.owner} 向 {t.buyer} 出售碳票 {_n(t.amount)} tCO2e",
              f"{t.owner} sells {_n(t.amount)} tCO2e of 碳票 to {t.buyer}", t.owner, t.buyer)
    rid = _done(s, _clerk(s, t.buyer), city_ok, book,
                Order("retire", "TS", amount=t.amount, from_account=buyer_id,
                      evidence=(f"{t.buyer} 自愿注销碳票，抵销自身排放（将乐县做法，platform.md a.5）", *_mark())))
    story.count("TS", "retire")
    story.add("TS", "retire", rid, t.amount, ts.unit, f"{t.buyer} 注销碳票 {_n(t.amount)} tCO2e",
              f"{t.buyer} retires {_n(t.amount)} tCO2e of 碳票", t.buyer)
