"""LMDI-I index decomposition (Ang 2004; Ang 2005; Ang & Liu 2007 for zero values).

An aggregate is a sum over cells i (an industry, or an industry × fuel) of a product of
factors::

    V = Σᵢ x₁ᵢ · x₂ᵢ · … · xₙᵢ

Between a base period 0 and a target period T, the additive LMDI-I effect of factor k is::

    ΔV_k = Σᵢ L(Vᵢᵀ, Vᵢ⁰) · ln(x_kᵢᵀ / x_kᵢ⁰),   L(a, b) = (a − b) / (ln a − ln b),  L(a, a) = a

and the multiplicative effect is D_k = exp(ΔV_k / L(Vᵀ, V⁰)). The effects are exact:
Σ_k ΔV_k = Vᵀ − V⁰ and Π_k D_k = Vᵀ / V⁰.

Zero values. A cell whose value is zero in one period (a fuel taken up or dropped, a new
industry) has no finite logarithm. Ang & Liu (2007) show that replacing the zeros with a
small δ and letting δ → 0 gives a well-defined limit: the cell's whole change Vᵢᵀ − Vᵢ⁰
goes to the factors that are zero in that period, in equal shares (the limit of
ln(x/δ) / ln(V/δᵐ) is 1/m for m zero factors), and nothing to the others. That limit is
computed here directly, so the effects stay exact. Values must not be negative.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def log_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """L(a, b) = (a − b)/(ln a − ln b), L(a, a) = a, L(a, 0) = L(0, b) = 0."""
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    out = np.zeros(np.broadcast(a, b).shape)
    pos = (a > 0) & (b > 0)
    same = pos & np.isclose(a, b, rtol=1e-12, atol=0.0)
    diff = pos & ~same
    with np.errstate(divide="ignore", invalid="ignore"):
        out[diff] = ((a - b) / (np.log(a) - np.log(b)))[diff]
    out[same] = ((a + b) / 2)[same]
    return out


def decompose(base: Mapping[str, np.ndarray], target: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Additive LMDI-I effect of each factor, per cell.

    ``base`` and ``target`` map factor names to arrays over the same cells (same order).
    Returns factor → array of per-cell effects; their sum over factors and cells is
    Σ Vᵀ − Σ V⁰ exactly (to rounding).
    """
    names = list(base)
    if list(target) != names:
        raise ValueError("base and target must have the same factors in the same order")
    x0 = np.vstack([np.asarray(base[k], dtype="float64") for k in names])
    xt = np.vstack([np.asarray(target[k], dtype="float64") for k in names])
    if (x0 < 0).any() or (xt < 0).any() or not (np.isfinite(x0).all() and np.isfinite(xt).all()):
        raise ValueError("LMDI factors must be finite and not negative")
    v0, vt = x0.prod(axis=0), xt.prod(axis=0)
    zero0, zerot = (x0 == 0).any(axis=0), (xt == 0).any(axis=0)
    effects = np.zeros_like(x0)
    regular = ~zero0 & ~zerot
    if regular.any():
        # logarithms of the factors, not of their ratio or product: no overflow or underflow
        l0, lt = np.log(x0[:, regular]), np.log(xt[:, regular])
        dlog = lt.sum(axis=0) - l0.sum(axis=0)
        a, b = vt[regular], v0[regular]
        same = np.abs(dlog) < 1e-12
        w = np.where(same, (a + b) / 2, (a - b) / np.where(same, 1.0, dlog))
        effects[:, regular] = w * (lt - l0)
    v0, vt = np.where(zero0, 0.0, v0), np.where(zerot, 0.0, vt)
    # Zero limits (Ang & Liu 2007): the change goes to the factors that are zero.
    appear = zero0 & ~zerot
    vanish = ~zero0 & zerot
    for mask, zero_in, change in ((appear, x0, vt), (vanish, xt, -v0)):
        if mask.any():
            z = zero_in[:, mask] == 0
            effects[:, mask] = z / z.sum(axis=0) * change[mask]
    return dict(zip(names, effects, strict=True))


def multiplicative(effects: Mapping[str, np.ndarray], v0_total: float, vt_total: float) -> dict[str, float]:
    """D_k = exp(ΔV_k / L(Vᵀ, V⁰)) from the additive effects (LMDI-I); Π D_k = Vᵀ / V⁰."""
    lm = float(log_mean(np.array([vt_total]), np.array([v0_total]))[0])
    if lm <= 0:
        raise ValueError("a multiplicative decomposition needs positive totals in both periods")
    return {k: float(np.exp(np.sum(v) / lm)) for k, v in effects.items()}


def _other_where_undefined(r0: np.ndarray, rt: np.ndarray, d0: np.ndarray, dt: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    """A ratio whose denominator is zero in one period (a sector or fuel absent that period)
    is undefined there; it takes the other period's value, so the change of that cell is
    attributed to the factor that is zero (its share), not to this ratio."""
    r0 = np.where(d0 > 0, r0, np.where(dt > 0, rt, 0.0))
    rt = np.where(dt > 0, rt, r0)
    return r0, rt


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def decompose_energy(base: pd.DataFrame, target: pd.DataFrame, sector: str, activity: str, energy: str
                     ) -> pd.DataFrame:
    """E = Σᵢ Q · (Qᵢ/Q) · (Eᵢ/Qᵢ) between two periods: activity, structure and intensity
    effects per sector (rows), additive, in the unit of ``energy``."""
    t0 = base.groupby(sector)[[activity, energy]].sum()
    t1 = target.groupby(sector)[[activity, energy]].sum()
    idx = t0.index.union(t1.index)
    t0, t1 = t0.reindex(idx, fill_value=0.0), t1.reindex(idx, fill_value=0.0)
    q0, q1 = t0[activity].to_numpy(dtype="float64"), t1[activity].to_numpy(dtype="float64")
    e0, e1 = t0[energy].to_numpy(dtype="float64"), t1[energy].to_numpy(dtype="float64")
    for q, e in ((q0, e0), (q1, e1)):
        bad = (q <= 0) & (e != 0)
        if bad.any():
            raise ValueError(f"sectors with {energy} but no positive {activity}: {list(idx[bad])}")
    i0, i1 = _other_where_undefined(_ratio(e0, q0), _ratio(e1, q1), q0, q1)
    f0 = {"activity": np.full(len(idx), q0.sum()), "structure": _ratio(q0, np.full(len(idx), q0.sum())),
          "intensity": i0}
    f1 = {"activity": np.full(len(idx), q1.sum()), "structure": _ratio(q1, np.full(len(idx), q1.sum())),
          "intensity": i1}
    out = pd.DataFrame(decompose(f0, f1), index=idx)
    out.insert(0, "base", e0)
    out.insert(1, "target", e1)
    return out


def decompose_carbon(base: pd.DataFrame, target: pd.DataFrame, sector: str, fuel: str, activity: str,
                     energy: str, co2: str) -> pd.DataFrame:
    """C = Σᵢⱼ Q · (Qᵢ/Q) · (Eᵢ/Qᵢ) · (Eᵢⱼ/Eᵢ) · (Cᵢⱼ/Eᵢⱼ): activity, structure, intensity,
    energy-mix and emission-factor effects per sector × fuel cell (rows).

    ``base`` and ``target`` have one row per sector × fuel with the energy and CO2 of that
    fuel, and the sector's activity repeated on each of its rows.
    """
    def cells(f: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        c = f.groupby([sector, fuel])[[energy, co2]].sum()
        q = f.groupby(sector)[activity].first()
        return c, q

    c0, q0s = cells(base)
    c1, q1s = cells(target)
    idx = c0.index.union(c1.index)
    c0, c1 = c0.reindex(idx, fill_value=0.0), c1.reindex(idx, fill_value=0.0)
    sectors = idx.get_level_values(0)
    q0 = q0s.reindex(sectors).fillna(0.0).to_numpy(dtype="float64")
    q1 = q1s.reindex(sectors).fillna(0.0).to_numpy(dtype="float64")
    e0, e1 = c0[energy].to_numpy(dtype="float64"), c1[energy].to_numpy(dtype="float64")
    k0, k1 = c0[co2].to_numpy(dtype="float64"), c1[co2].to_numpy(dtype="float64")
    es0 = c0[energy].groupby(level=0).transform("sum").to_numpy(dtype="float64")
    es1 = c1[energy].groupby(level=0).transform("sum").to_numpy(dtype="float64")
    for q, e, k in ((q0, es0, k0), (q1, es1, k1)):
        bad = ((q <= 0) & (e != 0)) | ((e <= 0) & (k != 0))
        if bad.any():
            raise ValueError(f"cells with CO2 but no energy, or energy but no activity: {list(idx[bad])}")
    Q0, Q1 = q0s.sum(), q1s.sum()
    s0, s1 = _ratio(q0, np.full(len(idx), Q0)), _ratio(q1, np.full(len(idx), Q1))
    i0, i1 = _other_where_undefined(_ratio(es0, q0), _ratio(es1, q1), q0, q1)
    m0, m1 = _other_where_undefined(_ratio(e0, es0), _ratio(e1, es1), es0, es1)
    # a fuel absent in one period: its share of the sector's energy is 0 there, and its
    # factor takes the other period's value
    m0 = np.where((es0 > 0) & (e0 == 0), 0.0, m0)
    m1 = np.where((es1 > 0) & (e1 == 0), 0.0, m1)
    f_0, f_1 = _other_where_undefined(_ratio(k0, e0), _ratio(k1, e1), e0, e1)
    out = pd.DataFrame(decompose(
        {"activity": np.full(len(idx), Q0), "structure": s0, "intensity": i0, "mix": m0, "emission_factor": f_0},
        {"activity": np.full(len(idx), Q1), "structure": s1, "intensity": i1, "mix": m1, "emission_factor": f_1}),
        index=idx)
    out.insert(0, "base", k0)
    out.insert(1, "target", k1)
    return out
