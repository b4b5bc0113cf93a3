"""Scenarios as data (TOML) and their pathways with Monte Carlo bands
(:mod:`qingshan.methods.pathways`). Every problem of a scenario file is collected (codes
P1xx) before anything runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qingshan.factors import FactorSet
from qingshan.methods import pathways as pw
from qingshan.rulefile import Checker, read_rule_file


@dataclass(frozen=True)
class Project:
    name: str
    opens: int
    energy_tce: float
    co2_t: float
    closes: int | None = None


@dataclass(frozen=True)
class Scenario:
    id: str
    zh: str
    en: str
    source: str
    horizon: int
    seed: int
    draws: int
    growth: float
    growth_by_division: dict[str, float]
    growth_range: tuple[float, float]
    improvement: float
    improvement_by_division: dict[str, float]
    improvement_range: tuple[float, float]
    electrification: float
    other_decline: float
    grid_points: dict[int, float]
    grid_range: tuple[float, float]
    projects: tuple[Project, ...] = field(default_factory=tuple)


SCENARIO_PACKAGE, SCENARIO_FOLDER = "qingshan.targets", "demo_scenarios"
SCENARIO_KEYS = ("id", "zh", "en", "source", "horizon", "seed", "draws", "growth", "growth_range", "intensity",
                 "intensity_range", "fuel_switching", "grid", "grid_range", "projects")


def load_scenario(source: str | Path) -> Scenario:
    """A built-in scenario (``"baseline"``, ``"policy"``) or a scenario file
    (:class:`~pathlib.Path`); every problem is collected (codes P1xx)."""
    rf = read_rule_file(source, package=SCENARIO_PACKAGE, folder=SCENARIO_FOLDER, code="P1")
    raw = rf.raw
    c = Checker(rf.label, "P110")
    c.only(raw, SCENARIO_KEYS)

    def rng(key: str) -> tuple[float, float]:
        d = c.table(raw, key, required=False)
        c.only(d, ("low", "high"), key)
        lo = c.number(d, "low", key, required=False, default=0.0) or 0.0
        hi = c.number(d, "high", key, required=False, default=0.0) or 0.0
        if lo > hi:
            c.problem(f"{key}.low", lo, "不大于 high", "not above high")
        return lo, hi

    def by_div(d: dict[str, Any], where: str) -> dict[str, float]:
        v = c.table(d, "by_division", where, required=False)
        out: dict[str, float] = {}
        for k in v:
            x = c.number(v, k, f"{where}.by_division")
            if c.form(f"{where}.by_division.{k}", str(k), r"\d{2}", "GB/T 4754 两位行业大类代码",
                      "a 2-digit GB/T 4754 division") and x is not None:
                out[str(k)] = x
        return out

    texts = {k: c.text(raw, k) for k in ("id", "zh", "en", "source")}
    horizon = c.integer(raw, "horizon", required=False, default=2035, lo=2000, hi=2100) or 2035
    seed = c.integer(raw, "seed", required=False, default=0, lo=0) or 0
    draws = c.integer(raw, "draws", required=False, default=500, lo=1) or 1
    g, i = c.table(raw, "growth", required=False), c.table(raw, "intensity", required=False)
    f = c.table(raw, "fuel_switching", required=False)
    c.only(g, ("default", "by_division"), "growth")
    c.only(i, ("default", "by_division"), "intensity")
    c.only(f, ("electrification", "other_decline"), "fuel_switching")
    grid = c.table(raw, "grid", required=False)
    c.only(grid, ("points",), "grid")
    pts = grid.get("points")
    points: dict[int, float] = {}
    if (not isinstance(pts, dict) or not pts
            or not all(str(k).isdigit() and isinstance(v, int | float) and not isinstance(v, bool)
                       for k, v in pts.items())):
        c.problem("grid.points", pts, "{年份 = 电网因子 tCO2/MWh}", "{year = grid factor in tCO2/MWh}")
    else:
        points = {int(k): float(v) for k, v in pts.items()}
    projects = []
    for n, pr in enumerate(c.tables(raw, "projects", required=False)):
        w = f"projects[{n}]"
        c.only(pr, ("name", "opens", "closes", "energy_tce", "co2_t"), w)
        name = c.text(pr, "name", w)
        opens = c.integer(pr, "opens", w, lo=2000, hi=2100)
        closes = c.integer(pr, "closes", w, required=False, lo=2000, hi=2100)
        if opens is not None and closes is not None and closes <= opens:
            c.problem(f"{w}.closes", closes, "晚于 opens 的年份", "a year after opens")
        e, co2 = c.number(pr, "energy_tce", w), c.number(pr, "co2_t", w)
        if opens is not None and e is not None and co2 is not None:
            projects.append(Project(name=name, opens=opens, energy_tce=e, co2_t=co2, closes=closes))
    sc = Scenario(
        id=texts["id"], zh=texts["zh"], en=texts["en"], source=texts["source"], horizon=horizon, seed=seed,
        draws=draws, growth=c.number(g, "default", "growth", required=False, default=0.0) or 0.0,
        growth_by_division=by_div(g, "growth"), growth_range=rng("growth_range"),
        improvement=c.number(i, "default", "intensity", required=False, default=0.0) or 0.0,
        improvement_by_division=by_div(i, "intensity"), improvement_range=rng("intensity_range"),
        electrification=c.number(f, "electrification", "fuel_switching", required=False, default=0.0) or 0.0,
        other_decline=c.number(f, "other_decline", "fuel_switching", required=False, default=0.0) or 0.0,
        grid_points=points, grid_range=rng("grid_range"), projects=tuple(projects))
    c.raise_if_any()
    return sc


def _per_division(base: pw.Base, default: float, by: dict[str, float]) -> np.ndarray:
    return np.array([by.get(str(d), default) for d in base.divisions], dtype="float64")


def pathway(sc: Scenario, base: pw.Base, grid_base: float) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Yearly energy and CO2 from the base year to the horizon: the central path and
    p5/p50/p95 of ``draws`` Monte Carlo draws; the peak year and value of each."""
    years = np.arange(base.year, sc.horizon + 1)
    points = dict(sc.grid_points)
    points.setdefault(base.year, grid_base)
    ratio = pw.interpolate(points, years) / grid_base
    pe = np.zeros(len(years))
    pc = np.zeros(len(years))
    for pr in sc.projects:
        on = (years >= pr.opens) & ((years < pr.closes) if pr.closes is not None else True)
        pe += np.where(on, pr.energy_tce, 0.0)
        pc += np.where(on, pr.co2_t, 0.0)
    g = _per_division(base, sc.growth, sc.growth_by_division)
    a = _per_division(base, sc.improvement, sc.improvement_by_division)
    e, c = pw.project(base, years, g, a, sc.electrification, sc.other_decline, ratio, pe, pc)
    rng = np.random.default_rng(sc.seed)
    E = np.empty((sc.draws, len(years)))
    C = np.empty((sc.draws, len(years)))
    after = (years > base.year).astype("float64")
    for k in range(sc.draws):
        dg = rng.uniform(*sc.growth_range)
        da = rng.uniform(*sc.improvement_range)
        dm = rng.uniform(*sc.grid_range)
        E[k], C[k] = pw.project(base, years, g + dg, a + da, sc.electrification, sc.other_decline,
                                ratio * (1.0 + dm * after), pe, pc)
    out = pd.DataFrame({"year": years, "energy_tce": e, "co2_t": c})
    for name, m in (("energy_tce", E), ("co2_t", C)):
        for q in (5, 50, 95):
            out[f"{name}_p{q}"] = np.percentile(m, q, axis=0)
    peak_year, peak_value = pw.peak(years, c)
    peaks = np.array([pw.peak(years, C[k])[0] for k in range(sc.draws)])
    summary = {"scenario": sc.id, "base_year": base.year, "horizon": sc.horizon, "draws": sc.draws, "seed": sc.seed,
               "co2_peak_year": peak_year, "co2_peak_t": peak_value,
               "co2_peak_year_p5": int(np.percentile(peaks, 5)), "co2_peak_year_p50": int(np.percentile(peaks, 50)),
               "co2_peak_year_p95": int(np.percentile(peaks, 95)),
               "peaks_within_horizon": bool(peak_year < sc.horizon)}
    return out, summary


def pathway_base(yearly: pd.DataFrame, fs: FactorSet, year: int) -> tuple[pw.Base, float, int]:
    """The base state of the pathways in ``year``, that year's grid factor (t/MWh) and the
    year whose published factor it is (another year when none is published for ``year``:
    :meth:`FactorSet.by_year`, which the document then says), all from the factor set the
    accounts used: electricity's 当量值 (GB/T 2589 Annex A) for its share of 综合能耗, and the
    grid factor series the profile selects."""
    row = fs.by_year("grid", [year]).iloc[0]
    elec = fs.energy.loc[fs.energy["carrier"] == "electricity", "tce_per_unit"]
    return (pw.base_from_yearly(yearly, year, float(elec.iloc[0])), float(row["tco2_per_kwh"]) * 1000.0,
            int(row["factor_year"]))
