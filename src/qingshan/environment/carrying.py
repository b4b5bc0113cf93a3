"""The carrying-capacity engine (资源环境承载能力监测预警; docs/environment.md,
"Carrying-capacity early warning"): per district and year the four elements, their
integration, the process against an earlier year, the warning colour, and the change of
class since the previous evaluation, by the rules of :mod:`.carrying_rules` and the methods
of :mod:`qingshan.methods.carrying_capacity`.

Data (the package):

- ``carrying_inputs``: land pressure index, water use and control targets, groundwater,
  degraded and land area, and the process quantities per district and year. A year with a
  row is an **evaluation year**; a row whose elements are all missing serves only as the
  base of a later process evaluation.
- ``carrying_national_rates``: the national annual rates of a period.
- Environment, from the monitoring tables of the same year:
  - **air**: for each pollutant of the rule file, the annual arithmetic mean of the
    district's daily means, each day the mean of the district's stations (every level)
    that have a valid 24-hour mean that day (GB 3095 Table 4: ≥ 20 hours;
    :func:`qingshan.environment.air.concentrations` and :func:`~qingshan.environment.air.area_means`).
    CO is the annual mean too, against the 24-hour limit, as the secondary tool compares
    it; whether the annual data are complete (GB 3095 Table 4: ≥ 324 days, ≥ 27 a month)
    is reported beside each mean and does not stop the index;
  - **water**: for each section of the district whose water body the rule file counts,
    the annual arithmetic mean of each item over its samples of the year (repeated samples
    of one day averaged first, :func:`qingshan.environment.water.wide_samples`);
    reservoirs take the lake limits, estuaries the river limits.

Choices of Qingshan, stated in every document: the **process base** is the district's
latest earlier row of ``carrying_inputs``; the national rates are those of exactly that
period (start = base year, end = evaluation year); the **previous evaluation** is the
district's latest earlier year with at least one element assessed; one rule file (the
profile's selection for the evaluated year, or ``--rules``) applies to both years compared.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qingshan.environment.air import area_means, concentrations
from qingshan.environment.carrying_rules import CarryingRules
from qingshan.environment.water import wide_samples
from qingshan.methods import air_assessment as assess
from qingshan.methods import carrying_capacity as cc

#: package column of each process indicator: (numerator, denominator or None)
INDICATOR_COLUMNS: dict[str, tuple[str, str | None]] = {
    "land_per_gdp": ("construction_land_km2", "gdp_100m_yuan"),
    "water_per_gdp": ("water_use_10k_m3", "gdp_100m_yuan"),
    "cod_per_gdp": ("cod_t", "gdp_100m_yuan"),
    "nh3n_per_gdp": ("nh3n_t", "gdp_100m_yuan"),
    "so2_per_gdp": ("so2_t", "gdp_100m_yuan"),
    "nox_per_gdp": ("nox_t", "gdp_100m_yuan"),
    "forest_grass_cover": ("forest_grass_cover_pct", None),
}
#: rule-file pollutant → the daily-mean column of :func:`qingshan.environment.air.concentrations`
AIR_COLUMNS = {"SO2": "SO2_24h", "NO2": "NO2_24h", "PM10": "PM10_24h", "PM2_5": "PM2_5_24h", "CO": "CO_24h"}
AIR_STATISTIC = {"zh": "区县日均值（当日有有效24小时均值的站点的算术平均）的年算术平均；"
                       "CO 亦取年均值，与24小时限值比较",
                 "en": "the annual arithmetic mean of the district's daily means (each day the mean of its stations "
                       "with a valid 24-hour mean); CO also its annual mean, compared with the 24-hour limit"}
WATER_STATISTIC = {"zh": "断面各项目当年全部样品的算术平均（同日重复样品先平均）",
                   "en": "each section's arithmetic mean of each item over its samples of the year (repeats of one "
                         "day averaged first)"}


def _body(water_body: str) -> str:
    """The GB 3838 body of a section: ``lake`` for lakes and reservoirs, ``river`` otherwise
    (estuary sections as rivers, GB 3838-2002 foreword)."""
    return "lake" if water_body in ("lake", "reservoir") else "river"


def _float(v: Any) -> float | None:
    if v is None or v is pd.NA:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


@dataclass
class Monitoring:
    """The package's monitoring tables (any may be empty)."""

    stations: pd.DataFrame
    daily: pd.DataFrame
    sections: pd.DataFrame
    samples: pd.DataFrame
    _air: dict[int, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)
    _water: dict[int, dict[str, dict[str, float]]] = field(default_factory=dict)

    def air_means(self, year: int) -> dict[str, dict[str, dict[str, Any]]]:
        """district → pollutant → ``{"mean", "days", "complete", "stations"}`` for ``year``."""
        if year in self._air:
            return self._air[year]
        out: dict[str, dict[str, dict[str, Any]]] = {}
        if len(self.stations) and len(self.daily):
            conc = concentrations(self.daily)
            conc = conc[conc["date"].dt.year == year]
            if len(conc):
                days = area_means(conc, self.stations, "district")
                n_st = self.stations.groupby(self.stations["district_id"].astype(str))["station_id"].nunique()
                for district, g in days.groupby("area", sort=True):
                    per: dict[str, dict[str, Any]] = {}
                    for pol, col in AIR_COLUMNS.items():
                        ok = g[col].notna()
                        complete, why = assess.year_is_complete(g.loc[ok, "date"])
                        per[pol] = {"mean": float(g.loc[ok, col].mean()) if ok.any() else None,
                                    "days": int(ok.sum()), "complete": complete, "incomplete_reasons": why,
                                    "stations": int(n_st.get(str(district), 0))}
                    out[str(district)] = per
        self._air[year] = out
        return out

    def section_means(self, year: int) -> dict[str, dict[str, float]]:
        """section → item → annual mean for ``year``."""
        if year in self._water:
            return self._water[year]
        out: dict[str, dict[str, float]] = {}
        if len(self.sections) and len(self.samples):
            wide = wide_samples(self.samples)
            wide = wide[wide["date"].dt.year == year]
            items = [c for c in wide.columns if c not in ("section_id", "date")]
            for sid, g in wide.groupby("section_id", sort=True):
                m = g[items].mean()
                out[str(sid)] = {str(k): float(v) for k, v in m.items() if pd.notna(v)}
        self._water[year] = out
        return out


@dataclass
class Evaluation:
    """One district's evaluation of one year."""

    district_id: str
    year: int
    row: dict[str, Any] | None
    elements: dict[str, cc.Element]
    integration: cc.Integration
    base_year: int | None = None
    indicator_values: dict[str, dict[str, float | None]] = field(default_factory=dict)
    process: cc.Process | None = None
    process_note: tuple[str, str] | None = None
    colour: cc.Colour | None = None
    previous: Evaluation | None = None
    transition: cc.Transition | None = None

    @property
    def is_evaluation(self) -> bool:
        """At least one element assessed (a row with none is a process base only)."""
        return any(e.load is not None for e in self.elements.values())


def _rows(inputs: pd.DataFrame) -> dict[tuple[str, int], dict[str, Any]]:
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for rec in inputs.to_dict("records"):
        r = {str(k): v for k, v in rec.items()}
        year = _float(r.get("year"))
        if r.get("district_id") is None or year is None:
            continue
        out[(str(r["district_id"]), int(year))] = r
    return out


def _overexploited(v: Any) -> bool | None:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return str(v) == "yes"


class Engine:
    """Evaluations of the package's districts by one rule file."""

    def __init__(self, inputs: pd.DataFrame, rates: pd.DataFrame, monitoring: Monitoring, districts: Sequence[str],
                 rules: CarryingRules) -> None:
        self.rows = _rows(inputs)
        self.rates = rates
        self.monitoring = monitoring
        self.districts = list(districts)
        self.rules = rules

    def years(self, district: str | None = None) -> list[int]:
        """The years of ``carrying_inputs`` (of one district)."""
        return sorted({y for d, y in self.rows if district is None or d == district})

    # --- elements ------------------------------------------------------------------------

    def _environment(self, district: str, year: int) -> cc.Element:
        r = self.rules
        air = self.monitoring.air_means(year).get(district)
        if air is None:
            air_part = cc.Part(None, False, None, (), f"区县 {year} 年无空气监测数据：空气未评价",
                               f"no air monitoring data for the district in {year}: air not assessed")
        else:
            means = {lim.pollutant: air.get(lim.pollutant, {}).get("mean") for lim in r.air_limits}
            found = cc.air_part(means, r.air_limits)
            rows = tuple({**row, **{k: air.get(row["pollutant"], {}).get(k)
                                    for k in ("days", "complete", "incomplete_reasons")}} for row in found.rows)
            air_part = cc.Part(found.index, found.complete, found.deciding, rows, found.reason_zh, found.reason_en,
                               {"stations": max((s.get("stations", 0) for s in air.values()), default=0)})
        sec = self.monitoring.sections
        parts = []
        if len(sec):
            mine = sec[(sec["district_id"].astype(str) == district)
                       & sec["water_body"].astype(str).isin(r.water_bodies)]
            sections = self.monitoring.section_means(year)
            for s in mine.itertuples(index=False):
                sid = str(s.section_id)
                if sid in sections:
                    p = cc.section_part(sid, sections[sid], _body(str(s.water_body)), r.water_limits)
                    p.extra.update({"name": str(s.name), "water_body": str(s.water_body)})
                    parts.append(p)
        water_part = cc.water_part(parts, r.min_sections)
        return cc.environment_element(air_part, water_part, r.bands["environment"])

    def elements(self, district: str, year: int) -> tuple[dict[str, Any] | None, dict[str, cc.Element]]:
        row = self.rows.get((district, year))

        def g(key: str) -> float | None:
            return None if row is None else _float(row.get(key))

        b = self.rules.bands
        els = {
            "land": cc.land_element(g("land_pressure_index"), b["land"]),
            "water": cc.water_element(g("water_use_10k_m3"), g("water_control_10k_m3"), g("groundwater_supply_10k_m3"),
                                      g("groundwater_control_10k_m3"),
                                      _overexploited(row.get("groundwater_overexploited")) if row else None,
                                      b["water"]),
            "environment": self._environment(district, year),
            "ecology": cc.ecology_element(g("degraded_area_km2"), g("land_area_km2"), b["ecology"]),
        }
        return row, els

    # --- process -------------------------------------------------------------------------

    @staticmethod
    def indicator_values(row: dict[str, Any] | None) -> dict[str, float | None]:
        """Each process indicator of a ``carrying_inputs`` row (``None`` where an input is
        missing or the denominator is not above 0)."""
        out: dict[str, float | None] = {}
        for ind, (num, den) in INDICATOR_COLUMNS.items():
            n = _float(row.get(num)) if row else None
            d = _float(row.get(den)) if row and den else None
            out[ind] = n if den is None else (n / d if n is not None and d is not None and d > 0 else None)
        return out

    def national(self, start: int, end: int) -> dict[str, float]:
        t = self.rates
        if t.empty:
            return {}
        sel = t[(pd.to_numeric(t["start_year"], errors="coerce") == start)
                & (pd.to_numeric(t["end_year"], errors="coerce") == end)]
        return {str(i): float(v) for i, v in zip(sel["indicator"], sel["annual_rate"], strict=True)
                if pd.notna(v) and i is not None}

    def _process(self, ev: Evaluation) -> None:
        earlier = [y for y in self.years(ev.district_id) if y < ev.year]
        if ev.row is None:
            ev.process_note = (f"{ev.year} 年无承载能力评价数据行：过程未评价",
                               f"no carrying_inputs row for {ev.year}: process not evaluated")
            return
        if not earlier:
            ev.process_note = ("carrying_inputs 中无更早年份：过程未评价",
                               "no earlier year in carrying_inputs: process not evaluated")
            return
        base = earlier[-1]
        ev.base_year = base
        v0 = self.indicator_values(self.rows[(ev.district_id, base)])
        v1 = self.indicator_values(ev.row)
        ev.indicator_values = {k: {"base": v0[k], "value": v1[k]} for k in INDICATOR_COLUMNS}
        rates = {k: cc.annual_rate(v0[k], v1[k], ev.year - base) for k in INDICATOR_COLUMNS}
        national = self.national(base, ev.year)
        ev.process = cc.process(rates, national, self.rules.process)
        if not national:
            ev.process_note = (f"carrying_national_rates 中无 {base}–{ev.year} 年的全国变化率",
                               f"no national rates for {base}-{ev.year} in carrying_national_rates")

    # --- a district-year -----------------------------------------------------------------

    def evaluate(self, district: str, year: int, *, previous: bool = True) -> Evaluation:
        """The evaluation of ``district`` in ``year``; with ``previous``, also the previous
        evaluation and the change of class."""
        row, els = self.elements(district, year)
        ev = Evaluation(district, year, row, els, cc.integrate(els, self.rules.integration))
        self._process(ev)
        trend = ev.process.trend if ev.process else None
        ev.colour = cc.warning_colour(ev.integration.load, ev.integration.determined, trend, self.rules.colours)
        if previous:
            prev = None
            for y in reversed([y for y in self.years(district) if y < year]):
                cand = self.evaluate(district, y, previous=False)
                if cand.is_evaluation:
                    prev = cand
                    break
            ev.previous = prev
            ev.transition = cc.transition(prev.integration.load if prev else None,
                                          prev.integration.determined if prev else False,
                                          ev.integration.load, ev.integration.determined, self.rules.transitions,
                                          has_previous=prev is not None)
        return ev

    def evaluate_year(self, year: int) -> list[Evaluation]:
        """Every district of the package in ``year`` (those without a row too: their
        elements from data alone, the rest not assessed)."""
        return [self.evaluate(d, year) for d in self.districts]


def monitoring_of(tables: dict[str, pd.DataFrame]) -> Monitoring:
    """The :class:`Monitoring` of a package's tables (missing ones empty)."""
    def get(name: str) -> pd.DataFrame:
        t = tables.get(name)
        return t if t is not None else pd.DataFrame()
    return Monitoring(get("air_stations"), get("air_daily"), get("water_sections"), get("water_samples"))


def latest_year(inputs: pd.DataFrame) -> int | None:
    """The latest year of ``carrying_inputs`` (``None`` when empty)."""
    y = pd.to_numeric(inputs["year"], errors="coerce").dropna() if "year" in inputs.columns else pd.Series([])
    return int(np.max(y)) if len(y) else None
