"""Comprehensive energy consumption (综合能耗) per GB/T 2589-2020 《综合能耗计算通则》.

For each energy row (one carrier, one use, one month) with quantity *e* in the carrier's
canonical unit and standard-coal coefficient *p* (折标准煤系数, tce per unit):

    E = Σ eᵢ × pᵢ                                      (GB/T 2589-2020, clause 4 / 6)

The *use* of the row decides its sign (docs/accounting.md, "Boundary"):

=========================  ====  ===============================================
use                        sign  basis
=========================  ====  ===============================================
fuel (燃料、动力)             +1  energy actually consumed in production
feedstock (原料用能)          +1  included in 综合能耗; reported apart so a regional
                                 assessment can deduct it (发改环资〔2022〕803号)
self_generated_renewable     +1  on-site renewable electricity consumed is primary
                                 energy of the unit; reported apart (new renewables
                                 are excluded from regional totals, §7.2 of the notes)
export (外供)                 −1  energy supplied to others is deducted (statistical
                                 综合能源消费量 = consumption − output supplied out)
non_industrial (非工业生产)     0  staff living and construction energy are outside
                                 the boundary of 综合能耗; reported apart
=========================  ====  ===============================================

Two electricity conventions are computed side by side: the 当量值 0.1229 kgce/kWh
(``energy_tce``, the default for 综合能耗 and for 节能审查 thresholds) and the 等价值, the
year's thermal-power supply coal consumption (``energy_tce_equal``). A measured net
calorific value (``measured_ncv``, GJ per unit) overrides the tabulated coefficient as
NCV / 29.3076 GJ per tce (GB/T 2589-2020, 3.9 and 4: 实测低位发热量优先).
"""

from __future__ import annotations

from typing import Any

from qingshan.factors.conversions import GJ_PER_TCE

COUNTED_SIGN: dict[str, int] = {
    "fuel": 1, "feedstock": 1, "self_generated_renewable": 1, "export": -1, "non_industrial": 0,
}


def counted_sign(use: Any) -> Any:
    """+1, −1 or 0: how a row enters 综合能耗, by its use (table above)."""
    return use.substitute(COUNTED_SIGN, else_=0).cast("float64")


def coefficient(t: Any) -> Any:
    """tce per unit: measured NCV / 29.3076 where given, else the factor-set coefficient."""
    return t.measured_ncv.isnull().ifelse(t.tce_per_unit, t.measured_ncv / GJ_PER_TCE)


def energy_columns(t: Any) -> dict[str, Any]:
    """Per-row energy quantities, to be summed (all in tce or kWh).

    ``t`` is the energy table joined with the line-factor table
    (:func:`qingshan.methods.line_factors.line_factor_table`).
    """
    sign = counted_sign(t.use)
    coef = coefficient(t)
    coef_equal = t.is_electricity.ifelse(t.tce_per_unit_equal, coef)
    q = t.quantity
    is_feed = (t.use == "feedstock").ifelse(1.0, 0.0)
    is_nonind = (t.use == "non_industrial").ifelse(1.0, 0.0)
    is_renew = (t.use == "self_generated_renewable").ifelse(1.0, 0.0)
    elec = t.is_electricity.ifelse(1.0, 0.0)
    return {
        "energy_tce": sign * q * coef,
        "energy_tce_equal": sign * q * coef_equal,
        "feedstock_tce": is_feed * q * coef,
        "non_industrial_tce": is_nonind * q * coef,
        "renewable_electricity_kwh": is_renew * q,
        "renewable_tce": is_renew * q * coef,
        "electricity_kwh": elec * sign * q,
    }


def energy_sum_columns() -> tuple[str, ...]:
    return ("energy_tce", "energy_tce_equal", "feedstock_tce", "non_industrial_tce",
            "renewable_electricity_kwh", "renewable_tce", "electricity_kwh")

