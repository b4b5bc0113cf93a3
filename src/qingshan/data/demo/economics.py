"""The demo city's yearly economics per enterprise: output, value added, revenue, tax,
employees and R&D expense."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qingshan.data.demo._arrays import MONTHS, FloatArray, IntArray, lognormal
from qingshan.data.demo.calibration import Calibration
from qingshan.data.demo.firms import Firms


@dataclass
class Econ:
    output: FloatArray  # N×Y, 万元, 0 where inactive
    va: FloatArray
    revenue: FloatArray
    tax: FloatArray
    employees: FloatArray
    rd: FloatArray


def simulate_economics(cal: Calibration, rng: np.random.Generator, f: Firms, yrs: IntArray) -> Econ:
    raw = cal.raw
    en = raw["enterprise"]
    tr = raw["trend"]
    n, ny = f.n, yrs.size
    t = (yrs - cal.base_year).astype(np.float64)[None, :]
    frac = f.active.sum(axis=2) / MONTHS
    growth = cal.per_class("growth")[f.cls] + float(
        tr["output_growth_sigma"]
    ) * rng.standard_normal(n)
    shock = lognormal(rng, float(tr["output_shock_sigma"]), (n, ny))
    output = f.base_output[:, None] * np.exp(growth[:, None] * t) * shock * frac
    ratio = (
        cal.per_class("va_ratio")[f.cls][:, None]
        * lognormal(rng, float(en["va_ratio_sigma"]), (n, 1))
        * lognormal(rng, float(en["va_ratio_year_sigma"]), (n, ny))
    )
    lo_va, hi_va = en["va_ratio_bounds"]
    va = output * np.clip(ratio, float(lo_va), float(hi_va))
    lo, hi = en["revenue_to_output"]
    revenue = output * rng.uniform(float(lo), float(hi), (n, ny))
    tax = (
        va
        * cal.per_class("tax_rate")[f.cls][:, None]
        * lognormal(rng, float(en["tax_sigma"]), (n, ny))
    )
    refund = rng.random((n, ny)) < float(en["negative_tax_share"])
    tax = np.where(refund, -float(en["refund_to_tax"]) * tax, tax)
    prod = cal.per_class("productivity")[f.cls][:, None]
    employees = np.maximum(
        np.round(va / prod * lognormal(rng, float(en["employees_sigma"]), (n, ny))),
        float(en["min_employees"]),
    )
    rd = (
        revenue
        * cal.per_class("rd_ratio")[f.cls][:, None]
        * lognormal(rng, float(en["rd_sigma"]), (n, ny))
    )
    no_rd = (~f.above) & (rng.random(n) < float(en["rd_zero_share_below"]))
    rd[no_rd, :] = 0.0
    return Econ(output=output, va=va, revenue=revenue, tax=tax, employees=employees, rd=rd)
