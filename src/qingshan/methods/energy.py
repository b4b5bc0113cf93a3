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

COUNTED_SIGN: dict[str, int] = {
    "fuel": 1, "feedstock": 1, "self_generated_renewable": 1, "export": -1, "non_industrial": 0,
}


def energy_columns(j: Any, *, measured: bool) -> dict[str, Any]:
    """Per-row energy quantities (tce or kWh), to be summed per enterprise and month.

    ``j`` is the energy table joined with the coefficient table
    (:func:`qingshan.methods.coefficients.coefficient_table`), whose ``k_*`` columns hold
    sign × coefficient for the row's carrier and use. With ``measured`` a measured NCV
    replaces the coefficient, ``ncv_per_tce_*`` × NCV, i.e. sign × NCV / 29.3076; without
    it the expressions hold only for rows that have no measured NCV (the kernels split
    the rows so that the 99 % without one take the shorter expressions).

    Electricity has no tce here: it is summed as kWh (``renewable_electricity_kwh`` and,
    in :mod:`.carbon`, ``net_purchased_electricity_kwh``) and converted by
    :func:`energy_totals`.
    """
    q = j.quantity
    if not measured:
        return {c: q * j[f"k_{c}"] for c in ROW_SUMS}
    m = j.measured_ncv
    return {
        "non_electricity_tce": q * (j.ncv_per_tce_non_electricity * m).coalesce(j.k_non_electricity_tce),
        "feedstock_tce": q * (j.ncv_per_tce_feedstock * m).coalesce(j.k_feedstock_tce),
        "non_industrial_tce": q * (j.ncv_per_tce_non_industrial * m).coalesce(j.k_non_industrial_tce),
        "renewable_electricity_kwh": q * j.k_renewable_electricity_kwh,
    }


#: The per-row sums of :func:`energy_columns`.
ROW_SUMS: tuple[str, ...] = ("non_electricity_tce", "feedstock_tce", "non_industrial_tce",
                             "renewable_electricity_kwh")


def energy_totals(t: Any) -> dict[str, Any]:
    """The energy accounts from the sums of one period, ``t`` joined with the year's
    coefficients (:func:`qingshan.methods.coefficients.year_coefficient_table`).

    Electricity counted in 综合能耗 is the net purchase plus self-generated renewable
    electricity (export is subtracted by the net purchase; non-industrial use counts in
    neither): ``electricity_kwh``. It enters ``energy_tce`` at 当量值 and
    ``energy_tce_equal`` at the year's 等价值; ``renewable_tce`` is the renewable part at
    当量值.
    """
    kwh = t.net_purchased_electricity_kwh + t.renewable_electricity_kwh
    return {
        "energy_tce": t.non_electricity_tce + kwh * t.tce_per_kwh,
        "energy_tce_equal": t.non_electricity_tce + kwh * t.tce_per_kwh_equal,
        "feedstock_tce": t.feedstock_tce,
        "non_industrial_tce": t.non_industrial_tce,
        "renewable_electricity_kwh": t.renewable_electricity_kwh,
        "renewable_tce": t.renewable_electricity_kwh * t.tce_per_kwh,
        "electricity_kwh": kwh,
    }


def energy_sum_columns() -> tuple[str, ...]:
    return ("energy_tce", "energy_tce_equal", "feedstock_tce", "non_industrial_tce",
            "renewable_electricity_kwh", "renewable_tce", "electricity_kwh")
