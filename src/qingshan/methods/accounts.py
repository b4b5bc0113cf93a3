"""The account kernels: monthly and yearly energy and CO2 per enterprise, as Ibis
expressions that run unchanged on DuckDB and PostgreSQL.

Inputs are store tables with the canonical columns of docs/data-package.md: ``energy``
(canonical units), ``process``, ``economics``, ``entities``, plus ``line_factors``
(:mod:`.line_factors`) and ``process_factors``.
"""

from __future__ import annotations

from typing import Any

import ibis

from qingshan.methods.carbon import carbon_columns, carbon_sum_columns, process_co2
from qingshan.methods.energy import energy_columns, energy_sum_columns
from qingshan.methods.joins import left_join

MONTH_KEYS = ("entity_id", "year", "month")
SUM_COLUMNS: tuple[str, ...] = (*energy_sum_columns(), *carbon_sum_columns(), "co2_process_t")


def energy_lines(energy: Any, line_factors: Any) -> Any:
    """Every energy row with its factors and its energy and carbon contributions."""
    j = left_join(energy, line_factors, ["carrier", "year"])
    return j.mutate(**energy_columns(j), **carbon_columns(j))


def monthly_accounts(energy: Any, line_factors: Any, process: Any, process_factors: Any) -> Any:
    """Per enterprise and month: every sum column, then scope totals.

    co2_scope1_t = combustion + process; co2_scope2_t = electricity + heat;
    co2_t = scope 1 + scope 2 (GB/T 32150-2015 enterprise total, CO2 only).
    """
    lines = energy_lines(energy, line_factors)
    zero = ibis.literal(0.0, type="float64")
    e = lines.select(*MONTH_KEYS, **{c: lines[c] for c in SUM_COLUMNS if c != "co2_process_t"},
                     co2_process_t=zero)
    stoich = process_factors.filter(process_factors.method == "stoichiometric").select(
        "material", "tco2_per_t")
    cao = process_factors.filter(process_factors.material == "cao").tco2_per_t.max()
    mgo = process_factors.filter(process_factors.material == "mgo").tco2_per_t.max()
    p = process_co2(process, stoich, cao.as_scalar(), mgo.as_scalar())
    pr = p.select(*MONTH_KEYS, **{c: zero for c in SUM_COLUMNS if c != "co2_process_t"},
                  co2_process_t=p.co2_process_t)
    both = e.union(pr, distinct=False)
    agg = both.group_by(list(MONTH_KEYS)).aggregate(**{c: both[c].sum() for c in SUM_COLUMNS})
    return with_scopes(agg)


def with_scopes(t: Any) -> Any:
    scope1 = t.co2_combustion_t + t.co2_process_t
    scope2 = t.co2_electricity_t + t.co2_heat_t
    return t.mutate(co2_scope1_t=scope1, co2_scope2_t=scope2, co2_t=scope1 + scope2)


def yearly_accounts(monthly: Any, economics: Any, entities: Any) -> Any:
    """Per enterprise and year: sums of the months, value added and intensities.

    ``energy_per_va`` (tce/万元) and ``co2_per_va`` (tCO2/万元) are null where value added
    is missing or not positive: an intensity per non-positive value added has no meaning.
    """
    sums = (*SUM_COLUMNS, "co2_scope1_t", "co2_scope2_t", "co2_t")
    y = monthly.group_by(["entity_id", "year"]).aggregate(
        months_reported=monthly.month.nunique(), **{c: monthly[c].sum() for c in sums})
    ec = economics.select("entity_id", "year", "value_added_10k_yuan", "output_value_10k_yuan")
    y = left_join(y, ec, ["entity_id", "year"])
    ent = entities.select("entity_id", "name", "district_id", "park_id", "industry_code", "scale")
    y = left_join(y, ent, "entity_id")
    va = y.value_added_10k_yuan
    ok = va.notnull() & (va > 0)
    return y.mutate(
        energy_per_va=ok.ifelse(y.energy_tce / va, ibis.null("float64")),
        co2_per_va=ok.ifelse(y.co2_t / va, ibis.null("float64")),
        industry_division=y.industry_code.substr(0, 2),
    )


def factor_usage(energy: Any, line_factors: Any, process: Any, process_factors: Any) -> Any:
    """Distinct (entity_id, year, factor_id) of every factor row an account used."""
    keys = energy.select("entity_id", "year", "carrier", "use",
                         measured=energy.measured_ncv.notnull()
                         | energy.measured_carbon_content.notnull()
                         | energy.measured_oxidation.notnull()).distinct()
    j = left_join(keys, line_factors, ["carrier", "year"])
    parts = []
    for col in ("energy_factor_id", "equal_factor_id", "carbon_factor_id", "grid_factor_id",
                "heat_factor_id"):
        parts.append(j.filter(j[col].notnull()).select("entity_id", "year", factor_id=j[col]))
    m = j.filter(j.measured)
    parts.append(m.select("entity_id", "year", factor_id=ibis.literal("measured:") + m.carrier))
    mats = process.select("entity_id", "year", "material").distinct()
    stoich = process_factors.filter(process_factors.method == "stoichiometric")
    ps = mats.join(stoich, "material")
    parts.append(ps.select("entity_id", "year", factor_id=ps.factor_id))
    oxide = process_factors.filter(process_factors.method == "oxide").select("factor_id")
    po = mats.filter(~mats.material.isin(stoich.material)).cross_join(oxide)
    parts.append(po.select("entity_id", "year", factor_id=po.factor_id))
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p, distinct=False)
    return out.distinct()
