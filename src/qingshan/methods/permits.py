"""Discharge permits (排污许可) and pollutant totals: permitted against actual quantities per
enterprise, district totals against their quota, the over-permit and over-quota lists and
their 四个一批 classification (docs/environment.md, "Permits and totals").

Rules and where they come from:

* **Annual permitted quantity** (年许可排放量): HJ 942-2018 《排污许可证申请与核发技术规范
  总则》 §5 (许可排放限值, general principles): the permitted quantity comprises the annual and
  the special-period permitted quantities; the annual one is the most the unit may emit in
  *any 12 consecutive months*; the issuing authority may break it down by month or quarter
  (heating season, dry season). Only main outlets are given quantities (一般排放口和无组织
  废气不许可排放量), so the tonnes compared here are main-outlet tonnes.
* **Twelve consecutive months at quarterly resolution**: with quarterly actuals, every run of
  four consecutive reported quarters is a 12-month window; its sum must not exceed the
  annual permitted quantity of the permit in force on the window's last day
  (:func:`rolling_windows`). Windows with a quarter missing are not judged.
* **Calendar-year proration (a choice of this module, not a rule of HJ 942)**: a permit valid
  for part of a calendar year contributes ``permitted_t × days valid in the year / days in
  the year``; permits of one enterprise and pollutant that follow each other in the year add
  up. HJ 942 states no rule for partial years; proration by days is documented as our choice.
* **Execution reports** (执行报告): 《排污许可管理条例》 (国务院令第736号, 2021) art. 22: the unit
  reports its emissions (排放量) at the content, frequency and times its permit sets. The
  actual of a year is the annual report's figure; without one, the sum of that year's
  quarterly reports (partial when fewer than four); without either, the ``pollutants`` table
  of the data package (its yearly tonnes are whole-enterprise tonnes, said so as the basis).
* **Exceeding** the permitted quantity is an offence under the 条例 art. 34(1) (超过许可排放
  浓度、许可排放量排放污染物); the lists here are an administrative screening, not a finding.
* **Regional total** (区域总量): the sum of the permits of the district's enterprises
  (控制污染物排放许可制实施方案, 国办发〔2016〕81号: total control moves to the permits of
  enterprises); compared with the district's quota (总量控制指标) as given in the data.

Tonnes are t; ratios are actual / permitted (dimensionless).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

#: The four batches (四个一批) in the order a rule file lists them: 搬迁, 改造, 关停, 整治.
BATCHES = ("relocate", "renovate", "close", "rectify")
BATCH_NAMES = {"relocate": ("搬迁一批", "relocate"), "renovate": ("改造一批", "renovate"),
               "close": ("关停一批", "close"), "rectify": ("整治一批", "rectify")}
#: Bases of an actual figure.
ANNUAL, QUARTERS = "annual_report", "quarters"
PARTIAL_QUARTERS, POLLUTANTS_TABLE = "partial_quarters", "pollutants_table"

_ENTERPRISE_COLUMNS = ["entity_id", "pollutant", "year", "permit_no", "permitted_t", "annual_permitted_t",
                       "special_limit_t", "actual_t", "basis", "quarters", "over_t", "ratio",
                       "window", "window_t", "window_over_t", "over"]


def _day(text: object) -> date:
    return date.fromisoformat(str(text))


def days_valid_in_year(valid_from: date, valid_to: date, year: int) -> int:
    """Days of ``year`` within ``[valid_from, valid_to]`` (both inclusive), 0 when none."""
    start, end = max(valid_from, date(year, 1, 1)), min(valid_to, date(year, 12, 31))
    return max((end - start).days + 1, 0)


def prorated_permitted(permitted_t: float, valid_from: date, valid_to: date, year: int) -> float:
    """Permitted tonnes of ``year`` from a permit of ``permitted_t`` t/yr valid from
    ``valid_from`` to ``valid_to``: prorated by days valid within the calendar year (our
    documented choice; HJ 942-2018 sets no rule for part years)."""
    length = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    return permitted_t * days_valid_in_year(valid_from, valid_to, year) / length


def permitted_in_year(permits: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per enterprise and pollutant, the prorated permitted tonnes of ``year``
    (``permitted_t``), the largest annual permitted quantity in force during the year
    (``annual_permitted_t``), the special-period quantity (``special_limit_t``, the
    smallest set) and the permit numbers joined by ``;``."""
    cols = ["entity_id", "pollutant", "permit_no", "permitted_t", "annual_permitted_t", "special_limit_t"]
    rows = []
    for r in permits.to_dict("records"):
        start, end = _day(r["valid_from"]), _day(r["valid_to"])
        if days_valid_in_year(start, end, year) == 0:
            continue
        rows.append({"entity_id": r["entity_id"], "pollutant": r["pollutant"], "permit_no": str(r["permit_no"]),
                     "permitted_t": prorated_permitted(float(r["permitted_t"]), start, end, year),
                     "annual_permitted_t": float(r["permitted_t"]), "special_limit_t": r.get("special_limit_t")})
    if not rows:
        return pd.DataFrame(columns=cols)
    f = pd.DataFrame(rows)
    f["special_limit_t"] = pd.to_numeric(f["special_limit_t"], errors="coerce")
    g = f.groupby(["entity_id", "pollutant"], sort=True)
    return g.agg(permit_no=("permit_no", lambda s: ";".join(sorted(set(s)))), permitted_t=("permitted_t", "sum"),
                 annual_permitted_t=("annual_permitted_t", "max"),
                 special_limit_t=("special_limit_t", "min")).reset_index()[cols]


def actual_in_year(reports: pd.DataFrame, pollutants: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per enterprise and pollutant, the actual tonnes of ``year`` with their ``basis``:
    the annual execution report; else the sum of the quarterly ones (``quarters`` when all
    four are there, ``partial_quarters`` otherwise, with ``quarters`` the count); else the
    ``pollutants`` table (``quantity_t``)."""
    cols = ["entity_id", "pollutant", "actual_t", "basis", "quarters"]
    rep = reports[reports["year"] == year]
    annual = rep[rep["quarter"].isna()]
    quarterly = rep[rep["quarter"].notna()]
    parts = []
    if not annual.empty:
        a = annual.groupby(["entity_id", "pollutant"], sort=False)["actual_t"].sum().reset_index()
        parts.append(a.assign(basis=ANNUAL, quarters=0))
    if not quarterly.empty:
        q = quarterly.groupby(["entity_id", "pollutant"], sort=False).agg(
            actual_t=("actual_t", "sum"), quarters=("quarter", "nunique")).reset_index()
        q["basis"] = [QUARTERS if n == 4 else PARTIAL_QUARTERS for n in q["quarters"]]
        parts.append(q)
    pol = pollutants[pollutants["year"] == year]
    if not pol.empty:
        p = pol.groupby(["entity_id", "pollutant"], sort=False)["quantity_t"].sum().reset_index()
        parts.append(p.rename(columns={"quantity_t": "actual_t"}).assign(basis=POLLUTANTS_TABLE, quarters=0))
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)  # in order of preference: the first row of a key wins
    out = out.drop_duplicates(["entity_id", "pollutant"], keep="first")
    return out.sort_values(["entity_id", "pollutant"], kind="stable", ignore_index=True)[cols]


def rolling_windows(reports: pd.DataFrame, permits: pd.DataFrame, year: int) -> pd.DataFrame:
    """The 12-month check of HJ 942-2018 §5 at quarterly resolution: per enterprise and
    pollutant, among the windows of four consecutive reported quarters that end in
    ``year``, the one with the largest excess over the annual permitted quantity of the
    permit in force on the window's last day. Columns ``window`` (``2024Q2–2025Q1``),
    ``window_t`` (its sum, t), ``window_over_t`` (sum − permitted, may be negative)."""
    cols = ["entity_id", "pollutant", "window", "window_t", "window_over_t"]
    q = reports[reports["quarter"].notna()]
    if q.empty or permits.empty:
        return pd.DataFrame(columns=cols)
    pm = [(r["entity_id"], r["pollutant"], _day(r["valid_from"]), _day(r["valid_to"]), float(r["permitted_t"]))
          for r in permits.to_dict("records")]
    by_key: dict[tuple[Any, Any], dict[int, float]] = {}
    for r in q.to_dict("records"):
        idx = int(r["year"]) * 4 + int(r["quarter"]) - 1
        d = by_key.setdefault((r["entity_id"], r["pollutant"]), {})
        d[idx] = d.get(idx, 0.0) + float(r["actual_t"])
    rows = []
    for (ent, pol), series in by_key.items():
        best: dict[str, Any] | None = None
        for last in range(year * 4, year * 4 + 4):
            span = range(last - 3, last + 1)
            if not all(i in series for i in span):
                continue
            y, qq = divmod(last, 4)
            end_day = date(y, 3 * qq + 3, 31 if qq in (0, 3) else 30)
            limit = [t for e, p, a, b, t in pm if e == ent and p == pol and a <= end_day <= b]
            if not limit:
                continue
            total = sum(series[i] for i in span)
            over = total - limit[0]
            if best is None or over > best["window_over_t"]:
                y0, q0 = divmod(last - 3, 4)
                best = {"entity_id": ent, "pollutant": pol, "window": f"{y0}Q{q0 + 1}–{y}Q{qq + 1}",
                        "window_t": total, "window_over_t": over}
        if best is not None:
            rows.append(best)
    return pd.DataFrame(rows, columns=cols)


def enterprise_permits(permits: pd.DataFrame, reports: pd.DataFrame, pollutants: pd.DataFrame,
                       year: int) -> pd.DataFrame:
    """Per enterprise and pollutant holding a permit in ``year``: permitted (prorated) and
    actual tonnes, the over-permit amount ``over_t`` = actual − permitted (t, may be
    negative) and ``ratio`` = actual / permitted; the worst 12-month window; ``over`` when
    the year's actual or any judged window exceeds its permitted quantity."""
    perm = permitted_in_year(permits, year)
    act = actual_in_year(reports, pollutants, year)
    win = rolling_windows(reports, permits, year)
    f = perm.merge(act, on=["entity_id", "pollutant"], how="left").merge(win, on=["entity_id", "pollutant"], how="left")
    f["year"] = year
    f["over_t"] = f["actual_t"] - f["permitted_t"]
    f["ratio"] = (f["actual_t"] / f["permitted_t"]).where(f["permitted_t"] > 0)
    f["over"] = ((f["over_t"] > 1e-9).fillna(False).astype(bool)
                 | (f["window_over_t"] > 1e-9).fillna(False).astype(bool))
    out = f.sort_values(["entity_id", "pollutant"], kind="stable", ignore_index=True)
    return out.reindex(columns=_ENTERPRISE_COLUMNS)


def district_totals(enterprise: pd.DataFrame, districts: Mapping[str, str], quotas: pd.DataFrame,
                    year: int) -> pd.DataFrame:
    """Per district and pollutant: the regional total as the sum of its enterprises'
    permitted tonnes (``permitted_t``), their actual tonnes (``actual_t``), the quota of
    ``year`` (``quota_t``), ``over_quota_t`` = actual − quota and ``permits_over_quota_t``
    = permitted − quota (t, may be negative; empty without a quota). ``districts`` maps
    enterprise → district."""
    e = enterprise.assign(district_id=enterprise["entity_id"].map(districts))
    tot = e.groupby(["district_id", "pollutant"], sort=True).agg(
        permitted_t=("permitted_t", "sum"), actual_t=("actual_t", lambda s: s.sum(min_count=1)),
        enterprises=("entity_id", "nunique")).reset_index()
    qy = quotas[quotas["year"] == year][["district_id", "pollutant", "quota_t"]]
    out = tot.merge(qy, on=["district_id", "pollutant"], how="outer")
    out["permitted_t"] = out["permitted_t"].fillna(0.0)
    out["enterprises"] = out["enterprises"].fillna(0).astype(int)
    out["over_quota_t"] = out["actual_t"] - out["quota_t"]
    out["permits_over_quota_t"] = out["permitted_t"] - out["quota_t"]
    out["year"] = year
    return out.sort_values(["district_id", "pollutant"], kind="stable", ignore_index=True)


def _t(x: float) -> str:
    return f"{x:,.2f}"


def over_permit_list(enterprise: pd.DataFrame) -> list[dict[str, Any]]:
    """Enterprise-pollutants over their permit, ranked by ratio (highest first), then by
    excess tonnes, then by id; each with its reasons (zh, en)."""
    over = enterprise[enterprise["over"]].copy()
    over["_rank_ratio"] = over["ratio"].fillna(0.0)
    over = over.sort_values(["_rank_ratio", "over_t", "entity_id", "pollutant"],
                            ascending=[False, False, True, True], kind="stable")
    out = []
    for r in over.to_dict("records"):
        zh, en = [], []
        year, excess, ratio = r["year"], r["over_t"], r["ratio"]
        actual, permitted = _t(r["actual_t"]), _t(r["permitted_t"])
        if excess > 1e-9:
            zh.append(f"{year}年实际排放 {actual} t，超过年许可排放量 {permitted} t"
                      f"（超 {_t(excess)} t，为许可量的 {ratio:.0%}）")
            en.append(f"{year} actual {actual} t above the permitted {permitted} t "
                      f"(by {_t(excess)} t, {ratio:.0%} of the permit)")
        window = r["window"] if pd.notna(r["window"]) else None
        if pd.notna(r["window_over_t"]) and r["window_over_t"] > 1e-9:
            zh.append(f"连续12个月（{window}）排放 {_t(r['window_t'])} t，超过年许可排放量（HJ 942-2018）")
            en.append(f"12 consecutive months ({window}) {_t(r['window_t'])} t above the annual permitted quantity "
                      "(HJ 942-2018)")
        out.append({"entity_id": r["entity_id"], "pollutant": r["pollutant"], "year": year,
                    "permit_no": r["permit_no"], "permitted_t": r["permitted_t"], "actual_t": r["actual_t"],
                    "basis": r["basis"], "over_t": excess, "ratio": ratio, "window": window,
                    "reasons_zh": zh, "reasons_en": en})
    return out


def over_quota_list(enterprise: pd.DataFrame, totals: pd.DataFrame, districts: Mapping[str, str]
                    ) -> list[dict[str, Any]]:
    """Enterprises of districts whose actual total exceeds the quota, ranked by the
    district's excess ratio (actual / quota, highest first), then by the enterprise's actual
    tonnes (largest first), then by id; each with its reasons (zh, en)."""
    over = totals[(totals["over_quota_t"] > 1e-9).fillna(False).astype(bool)]
    rows = []
    for d in over.to_dict("records"):
        members = enterprise[(enterprise["pollutant"] == d["pollutant"])
                             & (enterprise["entity_id"].map(districts) == d["district_id"])
                             & enterprise["actual_t"].notna()]
        total, quota, excess, year = d["actual_t"], d["quota_t"], d["over_quota_t"], d["year"]
        for r in members.to_dict("records"):
            mine = r["actual_t"]
            share = mine / total if total else 0.0
            rows.append({"entity_id": r["entity_id"], "district_id": d["district_id"], "pollutant": d["pollutant"],
                         "year": year, "actual_t": mine, "share": share, "quota_t": quota,
                         "district_actual_t": total, "over_quota_t": excess,
                         "district_ratio": total / quota if quota else float("inf"),
                         "reasons_zh": [f"所在区县{year}年排放 {_t(total)} t，超过总量控制指标 {_t(quota)} t"
                                        f"（超 {_t(excess)} t）；本企业排放 {_t(mine)} t，占 {share:.0%}"],
                         "reasons_en": [f"its district emitted {_t(total)} t in {year}, above its quota "
                                        f"{_t(quota)} t (by {_t(excess)} t); this enterprise "
                                        f"{_t(mine)} t, {share:.0%} of it"]})
    rows.sort(key=lambda x: (-x["district_ratio"], -x["actual_t"], x["entity_id"], x["pollutant"]))
    return rows


def years_over(history: Sequence[pd.DataFrame]) -> dict[tuple[str, str], int]:
    """Consecutive years over permit up to the last frame of ``history`` (frames of
    :func:`enterprise_permits`, oldest first), per (enterprise, pollutant)."""
    count: dict[tuple[str, str], int] = {}
    for frame in history:
        over = frame[frame["over"]]
        now = set(zip(over["entity_id"].astype(str), over["pollutant"].astype(str), strict=True))
        count = {k: count.get(k, 0) + 1 for k in now}
    return count


def four_batches(over_permit: Sequence[Mapping[str, Any]], over_quota: Sequence[Mapping[str, Any]],
                 rules: Sequence[Mapping[str, Any]], consecutive: Mapping[tuple[str, str], int]
                 ) -> list[dict[str, Any]]:
    """Each listed enterprise (over its permit, or in a district over its quota) put in the
    batch of the first rule it meets (四个一批). A rule has ``batch`` (one of
    :data:`BATCHES`) and any of ``min_ratio`` (actual / permitted ≥), ``min_years_over``
    (consecutive years over the permit ≥), ``over_permit`` (true: the enterprise is on the
    over-permit list), ``in_over_quota_district`` (true: it is on the over-quota list),
    ``min_quota_share`` (its share of the district's tonnes ≥),
    with ``zh``/``en`` texts that become the reason. The thresholds are the profile's rule
    file's, not national numbers. A listed enterprise that meets no rule is not batched.
    Order: batch as in :data:`BATCHES`, then enterprise id."""
    worst: dict[str, dict[str, Any]] = {}
    for r in over_permit:
        w = worst.setdefault(str(r["entity_id"]), {"ratio": 0.0, "years": 0, "share": 0.0, "quota": False,
                                                   "over": False})
        w["over"] = True
        w["ratio"] = max(w["ratio"], float(r["ratio"]) if r["ratio"] == r["ratio"] else 0.0)
        w["years"] = max(w["years"], consecutive.get((str(r["entity_id"]), str(r["pollutant"])), 0))
    for r in over_quota:
        w = worst.setdefault(str(r["entity_id"]), {"ratio": 0.0, "years": 0, "share": 0.0, "quota": False,
                                                   "over": False})
        w["quota"] = True
        w["share"] = max(w["share"], float(r["share"]))
    out = []
    for ent, w in worst.items():
        for number, rule in enumerate(rules, start=1):
            if w["ratio"] < float(rule.get("min_ratio", 0.0)):
                continue
            if w["years"] < int(rule.get("min_years_over", 0)):
                continue
            if rule.get("in_over_quota_district") and not w["quota"]:
                continue
            if rule.get("over_permit") and not w["over"]:
                continue
            if w["share"] < float(rule.get("min_quota_share", 0.0)):
                continue
            out.append({"entity_id": ent, "batch": rule["batch"], "rule": number, "over_permit": w["over"],
                        "ratio": w["ratio"],
                        "years_over": w["years"],
                        "in_over_quota_district": w["quota"], "quota_share": w["share"],
                        "reason_zh": rule["zh"], "reason_en": rule["en"]})
            break
    out.sort(key=lambda x: (BATCHES.index(x["batch"]), x["entity_id"]))
    return out
