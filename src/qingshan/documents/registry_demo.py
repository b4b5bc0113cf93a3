"""The demo city's year of markets (docs/demo-city.md, "The demo's markets"): the inputs
:func:`qingshan.registry.demo.run` needs, assembled from the city, and the document of what
it did — the steps, the compliance list of the year, the totals and the registry's check.

The figures come from the city and the rule files the profile selects: the free allocation
of 用能权 and the obligations (:mod:`qingshan.documents.registry_allocation`,
:mod:`qingshan.registry.compliance`), the quota and price screening gives the demo's new
project (``R-ENERGY-RIGHT``), the permitted and actual tonnes of the permits
(:mod:`qingshan.methods.permits`), the enterprises' reported fresh water, and the sink
project's credited estimate (:mod:`qingshan.ecology.sink_projects`); the demo's own choices
(which project, which pollutant and whom it covers, the water history, who buys the 碳票)
are in ``registry/rules/demo_markets.toml``, each with its source.

The same file's ``[simulation]`` dates the year as a simulation (:class:`~qingshan.registry.demo.Schedule`):
the days of the issuances, trades, 碳票 and surrenders, and the holders the demo's story makes
late or missing; the document says so (``simulation``). The compliance list is judged on the
real day of the run.

Problem codes of that file: ``D601`` unreadable, ``D602`` syntax, ``D610`` a wrong key or
value (also a surrender day after its right's deadline, or a late day on or before it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import func, select

from qingshan.app import database
from qingshan.app.audit import Actor
from qingshan.documents.registry_allocation import inputs, levels_for
from qingshan.documents.registry_compliance import compliance_document
from qingshan.documents.screening import energy_right
from qingshan.ecology.sink_projects import estimate_sink_project
from qingshan.errors import Problem, ValidationError
from qingshan.methods.permits import actual_in_year, enterprise_permits
from qingshan.registry import clock, totals, verify
from qingshan.registry.allocation import (
    AllocationRules,
    Line,
    Step,
    allocation_for,
    free_lines,
    grandfathered_amount,
    shizuishan_price,
    whole_units,
)
from qingshan.registry.compliance import ComplianceRules, compliance_for, obligations_of
from qingshan.registry.demo import Markets, NewProject, PaidPrice, Schedule, SinkTicket, Story, run
from qingshan.registry.models import LedgerRow
from qingshan.registry.rights import RightBook, RightType, rights_for
from qingshan.rulefile import Checker, read_rule_file
from qingshan.screening.energy_right import BASIS_COLUMNS
from qingshan.screening.project import read_project

if TYPE_CHECKING:
    from qingshan.city import City

#: The demo's own choices for its markets, each with its source.
CONFIG = "demo_markets"
WATER_CARRIER = "fresh_water"


@dataclass(frozen=True)
class Simulation:
    """``[simulation]``: the days (month, day) of the simulated year and the chosen holders
    (right → codes). A simulation, not data."""

    time: tuple[int, int]
    issue: tuple[int, int]
    trade: tuple[int, int]
    tickets: tuple[int, int]
    cover: tuple[int, int]
    surrender: dict[str, tuple[int, int]]
    late: tuple[int, int]
    late_holders: dict[str, tuple[str, ...]]
    missing_holders: dict[str, tuple[str, ...]]
    source: str


@dataclass(frozen=True)
class DemoChoices:
    project: str
    trade_form: str
    pw_right: str
    pollutant: str
    min_actual_t: Decimal
    min_actual_source: str
    amount_source: str
    water_years: int
    water_source: str
    sink: str
    sink_source: str
    buyer: str
    buyer_source: str
    sources: dict[str, str]
    simulation: Simulation
    label: str = CONFIG


def choices(source: str | Path = CONFIG) -> DemoChoices:
    """The demo's choices (``registry/rules/demo_markets.toml``), every problem collected."""
    rf = read_rule_file(source, package="qingshan.registry", folder="rules", code="D6")
    ck = Checker(rf.label, "D610")
    raw = rf.raw
    ck.only(raw, ("name", "source", "energy_use", "discharge", "water", "sink", "simulation"))
    yn, pw = ck.table(raw, "energy_use"), ck.table(raw, "discharge")
    ys, sk = ck.table(raw, "water"), ck.table(raw, "sink")
    ck.only(yn, ("project", "project_source", "trade_form", "trade_form_source", "sellers_source", "cover_source",
                 "cover_price_source", "paid_source"), "energy_use")
    ck.only(pw, ("right", "pollutant", "min_actual_t", "min_actual_source", "amount_source", "trade_source"),
            "discharge")
    ck.only(ys, ("years", "years_source", "use_source", "trade_source"), "water")
    ck.only(sk, ("project", "project_source", "owner_source", "buyer", "buyer_source"), "sink")
    least = ck.text(pw, "min_actual_t", "discharge")
    try:
        minimum = Decimal(least)
    except ArithmeticError:
        minimum = Decimal(-1)
    if not minimum.is_finite() or minimum < 0:
        ck.problem("discharge.min_actual_t", least, "不小于零的十进制数（文字）", "a decimal ≥ 0, written as text")
    sources = {f"{t}.{k}": ck.text(d, k, t) for t, d, keys in (
        ("energy_use", yn, ("project_source", "trade_form_source", "sellers_source", "cover_source",
                            "cover_price_source", "paid_source")),
        ("discharge", pw, ("min_actual_source", "amount_source", "trade_source")),
        ("water", ys, ("years_source", "use_source", "trade_source")),
        ("sink", sk, ("project_source", "owner_source", "buyer_source"))) for k in keys}
    out = DemoChoices(project=ck.text(yn, "project", "energy_use"), trade_form=ck.text(yn, "trade_form", "energy_use"),
                      pw_right=ck.text(pw, "right", "discharge"), pollutant=ck.text(pw, "pollutant", "discharge"),
                      min_actual_t=minimum, min_actual_source=sources["discharge.min_actual_source"],
                      amount_source=sources["discharge.amount_source"],
                      water_years=ck.integer(ys, "years", "water", lo=1, hi=10) or 1,
                      water_source=f"{sources['water.years_source']}; {sources['water.use_source']}",
                      sink=ck.text(sk, "project", "sink"), sink_source=sources["sink.project_source"],
                      buyer=ck.text(sk, "buyer", "sink"), buyer_source=sources["sink.buyer_source"], sources=sources,
                      simulation=_simulation(ck, ck.table(raw, "simulation"), ck.text(pw, "right", "discharge")),
                      label=rf.label)
    ck.raise_if_any()
    return out


def _day(ck: Checker, d: dict[str, Any], key: str, where: str) -> tuple[int, int]:
    """``MM-DD`` (a day of any year: not 02-29), else a problem and (1, 1)."""
    v = ck.text(d, key, where)
    try:
        day = dt.datetime.strptime(f"2001-{v}", "%Y-%m-%d").date()
    except ValueError:
        if v:
            ck.problem(f"{where}.{key}", v, "月-日（MM-DD，不含 02-29）", "a month and day (MM-DD, not 02-29)")
        return 1, 1
    return day.month, day.day


def _simulation(ck: Checker, sim: dict[str, Any], pw_right: str) -> Simulation:
    """``[simulation]``, every problem collected: its days in order (issue < trade <
    tickets in the market year; every surrender day < late in the year after; cover, in the
    year after, before the 用能权 surrender day), a surrender day for 用能权 and the 排污权 right,
    each chosen holder late or missing, not both."""
    w = "simulation"
    ck.only(sim, ("source", "time", "issue", "trade", "tickets", "cover", "late", "surrender", "late_holders",
                  "missing_holders"), w)
    source = ck.text(sim, "source", w)
    at = ck.text(sim, "time", w)
    hm = (9, 0)
    try:
        t = dt.datetime.strptime(at, "%H:%M")
        hm = (t.hour, t.minute)
    except ValueError:
        if at:
            ck.problem(f"{w}.time", at, "时:分（HH:MM）", "hours and minutes (HH:MM)")
    issue, trade, tickets, cover, late = (_day(ck, sim, k, w) for k in ("issue", "trade", "tickets", "cover", "late"))
    if not issue < trade < tickets:
        ck.problem(f"{w}.trade", f"{issue} {trade} {tickets}", "issue < trade < tickets（同一年内）",
                   "issue < trade < tickets (within the year)")
    sur = ck.table(sim, "surrender", w)
    surrender = {str(r): _day(ck, sur, str(r), f"{w}.surrender") for r in sur}
    for r in ("YN", pw_right):
        if r not in surrender:
            ck.problem(f"{w}.surrender.{r}", None, "该权益的清缴日（MM-DD）", "the right's surrender day (MM-DD)")
    if "YN" in surrender and not cover < surrender["YN"]:
        ck.problem(f"{w}.cover", f"{cover[0]:02d}-{cover[1]:02d}",
                   f"早于用能权清缴日（{surrender['YN'][0]:02d}-{surrender['YN'][1]:02d}）",
                   f"before the surrender day of YN ({surrender['YN'][0]:02d}-{surrender['YN'][1]:02d})")
    for r, d in surrender.items():
        if not d < late:
            ck.problem(f"{w}.surrender.{r}", f"{d[0]:02d}-{d[1]:02d}", f"早于 late（{late[0]:02d}-{late[1]:02d}）",
                       f"before late ({late[0]:02d}-{late[1]:02d})")
    chosen: dict[str, dict[str, tuple[str, ...]]] = {}
    for key in ("late_holders", "missing_holders"):
        tab = ck.table(sim, key, w)
        chosen[key] = {str(r): ck.strings(tab, str(r), f"{w}.{key}", required=False) for r in tab}
        for r in chosen[key]:
            if r not in surrender:
                ck.problem(f"{w}.{key}.{r}", r, "有清缴日的权益（[simulation.surrender]）",
                           "a right with a surrender day ([simulation.surrender])")
    for r, hs in chosen["late_holders"].items():
        for h in sorted(set(hs) & set(chosen["missing_holders"].get(r, ()))):
            ck.problem(f"{w}.missing_holders.{r}", h, "不同时列为逾期清缴", "not also a late holder")
    return Simulation(time=hm, issue=issue, trade=trade, tickets=tickets, cover=cover, surrender=surrender, late=late,
                      late_holders=chosen["late_holders"], missing_holders=chosen["missing_holders"], source=source)


def _at(year: int, day: tuple[int, int], hm: tuple[int, int]) -> dt.datetime:
    return dt.datetime(year, day[0], day[1], hm[0], hm[1], tzinfo=clock.CST)


def schedule(c: DemoChoices, year: int, rules: ComplianceRules, notes: list[dict[str, str]]) -> Schedule | None:
    """The simulated days of the market ``year`` (``[simulation]``) as times, checked against
    the deadlines of ``rules`` (a surrender day on or before its right's deadline, the late
    day after every one of them: else ``D610``); ``None``, with a note, when its last day has
    not yet passed in real time (the markets then run at the real time)."""
    sim, label = c.simulation, c.label
    problems = []
    for r, d in sorted(sim.surrender.items()):
        if r not in rules.rights:
            problems.append(Problem("D610", label, None, f"simulation.surrender.{r}", r,
                                    "履约规则中有清缴期限的权益", "a right with a deadline in the compliance rules"))
            continue
        deadline = rules.deadline(r, year)
        if dt.date(year + 1, *d) > deadline:
            problems.append(Problem("D610", label, None, f"simulation.surrender.{r}", f"{d[0]:02d}-{d[1]:02d}",
                                    f"不晚于清缴期限 {deadline:%m-%d}", f"on or before the deadline {deadline:%m-%d}"))
        if dt.date(year + 1, *sim.late) <= deadline:
            problems.append(Problem("D610", label, None, "simulation.late", f"{sim.late[0]:02d}-{sim.late[1]:02d}",
                                    f"晚于 {r} 的清缴期限 {deadline:%m-%d}", f"after the deadline of {r}, "
                                    f"{deadline:%m-%d}"))
    if problems:
        raise ValidationError(problems)
    late = _at(year + 1, sim.late, sim.time)
    if late >= clock.wall():
        notes.append({"zh": f"演示模拟的最后一天（{late:%Y-%m-%d}）尚未到来：本次市场按真实时间运行，各持有者一次清缴",
                      "en": f"the last simulated day ({late:%Y-%m-%d}) has not come yet: the markets ran at the real "
                            "time, every holder surrendering at once"})
        return None
    return Schedule(issue=_at(year, sim.issue, sim.time), trade=_at(year, sim.trade, sim.time),
                    tickets=_at(year, sim.tickets, sim.time), cover=_at(year + 1, sim.cover, sim.time),
                    surrender={r: _at(year + 1, d, sim.time) for r, d in sim.surrender.items()}, late=late,
                    late_holders={r: frozenset(hs) for r, hs in sim.late_holders.items()},
                    missing_holders={r: frozenset(hs) for r, hs in sim.missing_holders.items()})


def _dec(x: Any) -> Decimal:
    return Decimal(repr(float(x)))


def _due(obs: list[Any]) -> dict[str, Decimal]:
    return {o.holder: o.amount for o in obs if o.amount is not None}


def _energy_use(city: City, book: RightBook, year: int, notes: list[dict[str, str]]
                ) -> tuple[list[Line], dict[str, Decimal], dict[str, PaidPrice]]:
    rules = allocation_for(city.profile, year)
    right = book.right(rules.right)
    levels, more = levels_for(rules, year)
    notes += more
    energy, production, names = inputs(city, rules)
    lines = free_lines(rules, right, year, energy=energy, production=production, levels=levels, names=names)
    comp = compliance_for(city.profile, year)
    yearly = city.accounts().yearly
    holders = {x.holder: x.holder_name for x in lines}
    mine = yearly[(yearly["year"] == year) & yearly["entity_id"].astype(str).isin(holders)]  # what obligations read
    obs = obligations_of(comp, right, year, holders, yearly=mine)
    return lines, _due(obs), _paid_prices(rules, mine, year, notes)


def _paid_prices(rules: AllocationRules, yearly: pd.DataFrame, year: int, notes: list[dict[str, str]]
                 ) -> dict[str, PaidPrice]:
    """Per holder, the price of a paid allocation of 用能权 under the rules' price formula,
    read for an existing holder as for a project: ``shizuishan_2025``, 150 × A × B ÷ R with B
    the holder's energy per value added of ``year`` (the rules' convention); another formula,
    or no positive value added: no price (a note)."""
    pr = rules.price
    col = BASIS_COLUMNS[rules.energy_basis]
    out: dict[str, PaidPrice] = {}
    if pr is None or pr.formula != "shizuishan_2025" or pr.a is None or pr.regional is None:
        notes.append({"zh": "价格规则不是石嘴山 2025 公式：有偿分配不记价格",
                      "en": "the price rule is not Shizuishan 2025's formula: paid allocations carry no price"})
        return out
    for eid, e, va in zip(yearly["entity_id"].astype(str), pd.to_numeric(yearly[col], errors="coerce"),
                          pd.to_numeric(yearly["value_added_10k_yuan"], errors="coerce"), strict=True):
        if pd.isna(e) or pd.isna(va) or va <= 0:
            out[eid] = PaidPrice(None, (f"{year} 年无正的工业增加值，价格未定 / no positive value added in {year}: "
                                        "no price",))
            continue
        b = _dec(e) / _dec(va)
        price = _dec(float(shizuishan_price(pr.base_yuan_per_tce.value, pr.a.value, b, pr.regional.value)))
        out[eid] = PaidPrice(price, (
            f"价格 = 基准价 {pr.base_yuan_per_tce.value} × A {pr.a.value} × B {float(b):.4f}（{year} 年单位工业增加值"
            f"能耗 {float(e):.1f} tce ÷ {float(va):.1f} 万元）÷ R {pr.regional.value} = {float(price):.2f} 元/tce",
            pr.source))
    return out


def _project(city: City, c: DemoChoices, units: list[Any], notes: list[dict[str, str]]
             ) -> tuple[NewProject | None, dict[str, Any] | None]:
    project = read_project(c.project)
    try:
        screened = city.screen(project)
    except ValidationError as exc:  # a city whose data the screening cannot use (one year only, …)
        n = len(exc.problems)
        notes.append({"zh": f"新建项目 {project.name} 未能审查（{n} 个数据问题，见 qingshan screen），本年度无项目购买",
                      "en": f"the new project {project.name} could not be screened ({n} problems of the data, see "
                            "`qingshan screen`): no purchase"})
        return None, None
    er = energy_right(screened)
    if er is None or not er.get("required") or not er.get("quota_tce"):
        notes.append({"zh": f"新建项目 {project.name} 经审查无须购买用能权，本年度无项目购买",
                      "en": f"screening does not require the new project {project.name} to buy: no purchase"})
        return None, er
    city_code = next(u.code for u in units if u.kind == "city")
    parks = {u.code: u.district for u in units if u.kind == "park"}
    price = er.get("price_yuan_per_tce")
    steps = tuple(f"{x['name']} {x['zh']} = {x['value']} {x['unit']}".rstrip() for x in er["steps"])
    return NewProject(code=f"{city_code}-project-{c.project}", company=project.builder, project=project.name,
                      district=project.district_id or parks.get(project.park_id or ""), park=project.park_id,
                      quota=_dec(er["quota_tce"]), price=None if price is None else _dec(price),
                      evidence=(f"审查结论：{screened.verdict}；{er['zh']}", *steps), trade_form=c.trade_form), \
        {**er, "project": project.name, "company": project.builder, "verdict": screened.verdict}


def _discharge(city: City, book: RightBook, c: DemoChoices, year: int) -> tuple[list[Line], dict[str, Decimal]]:
    right = book.right(c.pw_right)
    pkg = city.package
    before = actual_in_year(pkg["permit_reports"], pkg["pollutants"], year - 1)
    covered = set(before.loc[(before["pollutant"] == c.pollutant)
                             & (pd.to_numeric(before["actual_t"], errors="coerce") >= float(c.min_actual_t)),
                             "entity_id"].astype(str))
    def only(t: pd.DataFrame) -> pd.DataFrame:  # the covered enterprises' rows of the pollutant
        return t[(t["pollutant"] == c.pollutant) & t["entity_id"].astype(str).isin(covered)]

    ent = enterprise_permits(only(pkg["permits"]), only(pkg["permit_reports"]), only(pkg["pollutants"]), year)
    names = _names(city)
    lines = []
    for eid, permit, t in zip(ent["entity_id"].astype(str), ent["permit_no"].astype(str),
                              pd.to_numeric(ent["permitted_t"], errors="coerce"), strict=True):
        if pd.isna(t):
            continue
        exact = _dec(t)
        amount = whole_units(exact, right, up=False)
        if amount <= 0:
            continue
        steps = (Step(f"{year - 1}", f"{year - 1} 年实际排放量不小于 {c.min_actual_t} t",
                      f"actual tonnes of {year - 1} at least {c.min_actual_t} t", c.min_actual_t, "t",
                      c.min_actual_source),
                 Step("permit", f"排污许可证 {permit} {year} 年许可排放量",
                      f"permit {permit}: permitted tonnes of {year}", exact, "t", c.amount_source),
                 Step("amount", "分配量（向下取整到千克）", "allocation (rounded down to kg)", amount, "t",
                      c.amount_source))
        lines.append(Line(eid, right.code, year, "paid", amount, exact, steps, c.amount_source, names.get(eid, "")))
    comp = compliance_for(city.profile, year)
    obs = obligations_of(comp, right, year, {x.holder: x.holder_name for x in lines},
                         actual=actual_in_year(only(pkg["permit_reports"]), only(pkg["pollutants"]), year))
    return lines, _due(obs)


def _water(city: City, book: RightBook, c: DemoChoices, year: int) -> tuple[list[Line], dict[str, Decimal]]:
    right = book.right("YS")
    e = city.package["energy"]
    w = e[(e["carrier"].astype(str) == WATER_CARRIER) & (e["unit"].astype(str) == "t")]
    by = w.groupby([w["entity_id"].astype(str), w["year"].astype(int)])["quantity"].sum()
    names = _names(city)
    lines, due = [], {}
    for eid in sorted({k[0] for k in by.index}):
        years = [y for y in range(year - c.water_years, year) if (eid, y) in by.index]
        if not years or (eid, year) not in by.index:
            continue
        history = [_dec(by[(eid, y)]) for y in years]
        exact = grandfathered_amount(history)
        amount = whole_units(exact, right, up=False)
        if amount <= 0:
            continue
        steps = (*(Step(f"W{y}", f"{y} 年新鲜水用量", f"fresh water {y}", v, "m3", c.water_source)
                   for y, v in zip(years, history, strict=True)),
                 Step("mean", f"{len(years)} 年平均（向下取整到 m³）", f"mean of {len(years)} years (rounded down)",
                      amount, "m3", c.water_source))
        lines.append(Line(eid, right.code, year, "grandfathering", amount, exact, steps, c.water_source,
                          names.get(eid, "")))
        due[eid] = whole_units(_dec(by[(eid, year)]), right, up=True)
    return lines, due


def _sink(city: City, book: RightBook, c: DemoChoices, year: int, notes: list[dict[str, str]]
          ) -> tuple[SinkTicket | None, dict[str, Any] | None]:
    path = city.data_dir / "sinks" / f"{c.sink}.toml" if city.data_dir is not None else None
    if path is None or not path.is_file():
        notes.append({"zh": f"数据目录中没有碳汇项目 {c.sink}，本年度不签发碳票",
                      "en": f"the data directory holds no sink project {c.sink}: no 碳票 issued"})
        return None, None
    res = estimate_sink_project(path)
    right: RightType = book.right("TS")
    amount = whole_units(_dec(res.estimate.credited), right, up=False)
    owner = str(res.project.get("district_id") or "")
    city_code = next(u.code for u in city.units() if u.kind == "city")
    if amount <= 0 or not owner:
        notes.append({"zh": f"碳汇项目 {c.sink} 无可签发的碳汇量或未给出所在区县", "en": f"the sink project {c.sink} "
                      "credits nothing or names no district"})
        return None, None
    est = res.estimate
    evidence = (f"碳汇项目 {res.project.get('id')} {res.project.get('name')}（{res.project.get('estimate')} 估计，"
                f"{res.period[0]}–{res.period[1]} 年）",
                f"方法学 {res.methodology.get('id')} {res.methodology.get('name_zh', '')}",
                f"项目碳汇 {est.project_sink} − 基线 {est.baseline_sink} − 泄漏 {est.leakage} = {est.reduction} tCO2e；"
                f"扣减比例 {est.deduction_fraction} → 可签发 {est.credited} tCO2e（向下取整 {amount}）",
                c.sink_source)
    ticket = SinkTicket(owner=owner, buyer=f"{city_code}-{c.buyer}", amount=amount, vintage=year,
                        project=str(res.project.get("name") or c.sink), evidence=evidence)
    return ticket, {"project": res.project, "period": list(res.period), "credited_tco2e": est.credited,
                    "issued_tco2e": float(amount)}


def _names(city: City) -> dict[str, str]:
    ent = city.package.entities
    return dict(zip(ent["entity_id"].astype(str), ent["name"].astype(str), strict=True))


def markets(city: City, year: int | None = None, *, config: str | Path = CONFIG
            ) -> tuple[Markets, dict[str, Any]]:
    """The year of markets of ``year`` (default: the latest data year) and what it rests on
    (the screening's purchase, the sink estimate, the choices' sources, notes)."""
    year = year or city.latest_year
    c = choices(config)
    book = rights_for(city.profile, year)
    units = city.units()
    notes: list[dict[str, str]] = []
    yn_lines, yn_due, yn_paid = _energy_use(city, book, year, notes)
    project, purchase = _project(city, c, units, notes)
    pw_lines, pw_due = _discharge(city, book, c, year)
    ys_lines, ys_due = _water(city, book, c, year)
    sink, sink_doc = _sink(city, book, c, year, notes)
    sc = schedule(c, year, compliance_for(city.profile, year), notes)
    m = Markets(year=year, units=units, yn_lines=yn_lines, yn_due=yn_due, project=project, pw_right=c.pw_right,
                pw_lines=pw_lines, pw_due=pw_due, ys_lines=ys_lines, ys_due=ys_due, sink=sink, schedule=sc,
                yn_paid=yn_paid, yn_trade_price=project.price if project is not None else None,
                yn_cover_evidence=(c.sources["energy_use.cover_source"], c.sources["energy_use.cover_price_source"],
                                   c.sources["energy_use.paid_source"]))
    return m, {"purchase": purchase, "sink": sink_doc, "sources": c.sources, "notes": notes,
               "simulation": c.simulation}


def run_markets(city: City, url: str, year: int | None = None, *, today: dt.date | None = None,
                actor: Actor | None = None) -> dict[str, Any]:
    """Run the year of markets in the application database at ``url`` (migrated, its
    organisations in step with the city) and return its document: the steps (each with its
    simulated ``day``), the simulation (``simulation``: its days, the late and missing
    holders), the compliance list of the year (judged on ``today``, by default the real day
    of the run), the totals and the registry's check."""
    m, basis = markets(city, year)
    book = rights_for(city.profile, m.year)
    with database.session(url) as s:
        story = run(s, book, m, actor or Actor("qingshan demo", role="administrator"))
    with database.session(url, read_only=True) as s:
        comp = compliance_document(city, s, m.year, today=today)
        breaks = verify(s)
        tot = [] if breaks else totals(s)
        rows = s.execute(select(func.count()).select_from(LedgerRow)).scalar_one()
    counts = story.counts
    trades = [x for x in story.steps if x["kind"] == "transfer"]
    return {**city.header(m.year), "year": m.year, "skipped": story.skipped,
            "counts": counts, "trades": trades,
            "surrenders": [x for x in story.steps if x["kind"] == "surrender"],
            "tickets": [x for x in story.steps if x["right"] == "TS"],
            "project": basis["purchase"], "sink": basis["sink"],
            "compliance": {"today": comp["today"], "counts": comp["counts"], "rows": comp["rows"]},
            "verify": {"ledger_rows": rows, "breaks": [asdict(b) for b in breaks]},
            "simulation": _simulation_doc(m, story, basis["simulation"]),
            "totals": [asdict(t) for t in tot], "sources": basis["sources"], "notes": basis["notes"]}


def _simulation_doc(m: Markets, story: Story, sim: Simulation) -> dict[str, Any]:
    """How the year was dated: the simulated days, the holders made late or missing (and
    the chosen ones that held no right this run, passed over)."""
    sc = m.schedule
    def day(at: dt.datetime) -> str:
        return at.astimezone(clock.CST).date().isoformat()

    chosen = {r: {*sim.late_holders.get(r, ()), *sim.missing_holders.get(r, ())}
              for r in {*sim.late_holders, *sim.missing_holders}}
    used = {r: {*story.late.get(r, ()), *story.missing.get(r, ())} for r in chosen}
    return {"simulated": sc is not None,
            "zh": "账本按演示模拟日期记账（demo_markets.toml [simulation]），审计记录为运行的真实时间；"
                  "逾期与未清缴的持有者为演示故事所选，非数据" if sc is not None else
                  "账本按运行的真实时间记账（演示模拟的日期尚未到来）",
            "en": "the ledger is dated on the demo's simulated days (demo_markets.toml [simulation]); the audit "
                  "events carry the real time of the run; the late and missing holders are the demo's story, "
                  "not data" if sc is not None else
                  "the ledger carries the real time of the run (the simulated days have not come yet)",
            "days": None if sc is None else {
                "issue": day(sc.issue), "trade": day(sc.trade), "tickets": day(sc.tickets), "cover": day(sc.cover),
                "surrender": {r: day(at) for r, at in sorted(sc.surrender.items())}, "late": day(sc.late)},
            "late": story.late, "missing": story.missing,
            "passed_over": {r: sorted(hs - used[r]) for r, hs in sorted(chosen.items()) if hs - used[r]}
            if sc is not None and not story.skipped else {},
            "source": sim.source}
