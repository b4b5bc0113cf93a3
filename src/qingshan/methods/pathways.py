"""Energy and CO2 pathways to a horizon year, by industry division (docs/targets.md).

From the last year L with data, for each industry division i and year t > L::

    Q_i(t) = Q_i(t−1) · (1 + g_i(t))                          value added (growth + structural shift)
    E_i(t) = Q_i(t) · I_i(L) · (1 − a_i)^(t − L)              energy (intensity improving by a_i a year)
    s_i(t) = min(1, s_i(L) + e · (t − L))                     electricity share of energy (fuel switching)
    CO2_i(t) = E_i(t) · [(1 − s_i(t)) · k_i(L) · (1 − d)^(t − L) + s_i(t) · m_i(L) · G(t) / G(L)]

with k_i(L) the CO2 per tce of the division's non-electric energy in year L, d its yearly
decline (cleaner fuels), m_i(L) its electricity CO2 per tce of electricity (当量值 from the
factor set, GB/T 2589 Annex A) in year L, and G(t) the grid factor path (tCO2/MWh, interpolated
between the scenario's points) relative to the factor of year L. At t = L the pathway
reproduces the year's accounts. Named projects add (or, closing, remove) their
energy and CO2 from their opening year. Monte Carlo draws replace the growth, intensity
improvement and grid path by uniform draws within the scenario's stated ranges, with a
fixed seed, and report p5 / p50 / p95 of each year's totals and the distribution of the
peak year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Base:
    """Last-year state per division: value added, energy (tce), electricity share of energy
    (当量值), CO2 per tce of non-electric energy."""

    year: int
    divisions: np.ndarray
    value_added: np.ndarray
    energy: np.ndarray
    electricity_share: np.ndarray
    co2_per_tce_other: np.ndarray
    co2_per_tce_electricity: np.ndarray


def interpolate(points: dict[int, float], years: np.ndarray) -> np.ndarray:
    """Linear between the given years, flat beyond the first and last."""
    xs = np.array(sorted(points), dtype="float64")
    ys = np.array([points[int(x)] for x in xs], dtype="float64")
    out: np.ndarray = np.interp(years.astype("float64"), xs, ys)
    return out


def project(base: Base, years: np.ndarray, growth: np.ndarray, improvement: np.ndarray, electrification: float,
            other_decline: float, grid_ratio: np.ndarray, project_energy: np.ndarray, project_co2: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Totals (energy tce, CO2 t) per year of ``years``.

    ``growth`` and ``improvement`` have one value per division; ``grid_ratio`` one per year
    (G(t)/G(L)); ``project_*`` one per year (already summed over projects).
    """
    n = years - base.year
    q = base.value_added[None, :] * np.power(1.0 + growth[None, :], n[:, None])
    intensity = np.where(base.value_added > 0, base.energy / np.where(base.value_added > 0, base.value_added, 1.0), 0)
    e = q * intensity[None, :] * np.power(1.0 - improvement[None, :], n[:, None])
    s = np.minimum(1.0, base.electricity_share[None, :] + electrification * n[:, None])
    k = base.co2_per_tce_other[None, :] * np.power(1.0 - other_decline, n[:, None])
    m = base.co2_per_tce_electricity[None, :] * grid_ratio[:, None]
    co2 = e * ((1.0 - s) * k + s * m)
    return e.sum(axis=1) + project_energy, co2.sum(axis=1) + project_co2


def peak(years: np.ndarray, values: np.ndarray) -> tuple[int, float]:
    """The year of the highest value (the first, if several are equal) and the value."""
    i = int(np.argmax(values))
    return int(years[i]), float(values[i])


def base_from_yearly(yearly: pd.DataFrame, year: int, tce_per_kwh: float) -> Base:
    """The base state from the yearly accounts of ``year`` (enterprises with value added).

    ``tce_per_kwh`` is electricity's 当量值 from the factor set (GB/T 2589 Annex A).

    Electricity's share is its 当量值 tce over 综合能耗; the CO2 of the rest is the
    division's energy CO2 minus its purchased electricity's CO2 at the year's grid factor.
    """
    y = yearly[(yearly["year"] == year) & (yearly["value_added_10k_yuan"] > 0)].copy()
    y["division"] = y["industry_code"].astype("string").str.slice(0, 2)
    y["elec_tce"] = y["electricity_kwh"] * tce_per_kwh
    y["co2_energy"] = y["co2_combustion_t"] + y["co2_electricity_t"] + y["co2_heat_t"]
    g = y.groupby("division")[["value_added_10k_yuan", "energy_tce", "elec_tce", "co2_energy",
                               "co2_electricity_t"]].sum()
    g = g[g["energy_tce"] > 0]
    share = (g["elec_tce"] / g["energy_tce"]).clip(0.0, 1.0)
    other = (g["energy_tce"] * (1 - share)).to_numpy()
    co2_other = (g["co2_energy"] - g["co2_electricity_t"]).clip(lower=0.0).to_numpy()
    k = np.where(other > 0, co2_other / np.where(other > 0, other, 1.0), 0.0)
    elec = g["elec_tce"].to_numpy()
    m = np.where(elec > 0, g["co2_electricity_t"].to_numpy() / np.where(elec > 0, elec, 1.0), 0.0)
    return Base(year=year, divisions=g.index.to_numpy(), value_added=g["value_added_10k_yuan"].to_numpy(),
                energy=g["energy_tce"].to_numpy(), electricity_share=share.to_numpy(), co2_per_tce_other=k,
                co2_per_tce_electricity=m)
