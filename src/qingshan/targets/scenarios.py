"""Scenarios as data (TOML) and their pathways with Monte Carlo bands
(:mod:`qingshan.methods.pathways`). Every problem of a scenario file is collected (codes
P1xx) before anything runs."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qingshan.errors import Problem, ValidationError
from qingshan.methods import pathways as pw


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


def load_scenario(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError([Problem("P101", p.name, None, None, None, f"可读的 TOML 文件：{exc}",
                                       f"a readable TOML file: {exc}")]) from exc
    problems: list[Problem] = []

    def bad(key: str, value: Any, zh: str, en: str) -> None:
        problems.append(Problem("P110", p.name, None, key, None if value is None else str(value), zh, en))

    def num(d: dict[str, Any], key: str, where: str, default: float | None = None) -> float:
        v = d.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float):
            bad(f"{where}.{key}" if where else key, v, "数值", "a number")
            return 0.0
        return float(v)

    def rng(d: dict[str, Any], where: str) -> tuple[float, float]:
        lo, hi = num(d, "low", where, 0.0), num(d, "high", where, 0.0)
        if lo > hi:
            bad(f"{where}.low", lo, "不大于 high", "not above high")
        return lo, hi

    def by_div(d: dict[str, Any], where: str) -> dict[str, float]:
        v = d.get("by_division", {})
        if not isinstance(v, dict) or not all(isinstance(x, int | float) for x in v.values()):
            bad(f"{where}.by_division", v, "{行业大类 = 数值}", "{division = number}")
            return {}
        return {str(k): float(x) for k, x in v.items()}

    for key in ("id", "zh", "en", "source"):
        if not isinstance(raw.get(key), str) or not raw.get(key):
            bad(key, raw.get(key), "必填的文字", "a required text")
    g, i, f = raw.get("growth", {}), raw.get("intensity", {}), raw.get("fuel_switching", {})
    grid = raw.get("grid", {}).get("points", {})
    if not isinstance(grid, dict) or not grid or not all(str(k).isdigit() and isinstance(v, int | float)
                                                        for k, v in grid.items()):
        bad("grid.points", grid, "{年份 = 电网因子 tCO2/MWh}", "{year = grid factor in tCO2/MWh}")
        grid = {}
    projects = []
    for n, pr in enumerate(raw.get("projects", [])):
        w = f"projects[{n}]"
        if not isinstance(pr.get("name"), str) or not isinstance(pr.get("opens"), int):
            bad(w, pr.get("name"), "name 与投产年份 opens", "a name and an opening year (opens)")
            continue
        closes = pr.get("closes")
        projects.append(Project(name=pr["name"], opens=int(pr["opens"]), energy_tce=num(pr, "energy_tce", w),
                                co2_t=num(pr, "co2_t", w), closes=int(closes) if isinstance(closes, int) else None))
    horizon = raw.get("horizon", 2035)
    if not isinstance(horizon, int):
        bad("horizon", horizon, "整数年份", "an integer year")
        horizon = 2035
    draws = raw.get("draws", 500)
    if not isinstance(draws, int) or draws < 1:
        bad("draws", draws, "正整数", "a positive integer")
        draws = 1
    sc = Scenario(
        id=str(raw.get("id", "")), zh=str(raw.get("zh", "")), en=str(raw.get("en", "")),
        source=str(raw.get("source", "")), horizon=horizon, seed=int(raw.get("seed", 0)), draws=draws,
        growth=num(g, "default", "growth", 0.0), growth_by_division=by_div(g, "growth"),
        growth_range=rng(raw.get("growth_range", {}), "growth_range"),
        improvement=num(i, "default", "intensity", 0.0), improvement_by_division=by_div(i, "intensity"),
        improvement_range=rng(raw.get("intensity_range", {}), "intensity_range"),
        electrification=num(f, "electrification", "fuel_switching", 0.0),
        other_decline=num(f, "other_decline", "fuel_switching", 0.0),
        grid_points={int(k): float(v) for k, v in grid.items()},
        grid_range=rng(raw.get("grid_range", {}), "grid_range"), projects=tuple(projects))
    if problems:
        raise ValidationError(problems)
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
