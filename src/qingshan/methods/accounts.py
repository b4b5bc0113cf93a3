"""The account kernels: monthly and yearly energy and CO2 per enterprise, as Ibis
expressions that run unchanged on DuckDB and PostgreSQL.

Inputs are store tables keyed by small integers (``entity_key``, ``carrier_key``,
``use_key``; see :mod:`qingshan.accounts`): ``energy`` in canonical units, ``process``,
``economics``, ``entities``, plus ``coefficients`` and ``year_coefficients``
(:mod:`.coefficients`) and ``process_factors``.

The kernels: :func:`monthly_sums` (the energy and process rows summed per enterprise and
month, kept in the store), :func:`monthly_accounts` and :func:`yearly_accounts` (the
account columns derived from those sums with the year's factors).
"""

from __future__ import annotations

from typing import Any

import ibis

from qingshan.methods import carbon, energy
from qingshan.methods.carbon import COAL_ASH_MATERIAL, carbon_sum_columns, process_co2
from qingshan.methods.carbon_balance import BALANCE_SUMS
from qingshan.methods.coefficients import coef_key
from qingshan.methods.energy import energy_sum_columns
from qingshan.methods.joins import left_join
from qingshan.methods.non_co2 import GAS_COLUMNS

MONTH_KEYS = ("entity_key", "year", "month")
#: The additive columns of a monthly or yearly account, in output order.
SUM_COLUMNS: tuple[str, ...] = (*energy_sum_columns(), *carbon_sum_columns(), "co2_process_t", *GAS_COLUMNS,
                                *BALANCE_SUMS)
#: The sums taken over energy and process rows; everything else follows from them.
ROW_SUMS: tuple[str, ...] = (*energy.ROW_SUMS, *carbon.ROW_SUMS, "co2_process_t", *GAS_COLUMNS, *BALANCE_SUMS)
#: The sums of the energy rows, and those of the process, gases and balance rows.
ENERGY_SUMS: tuple[str, ...] = (*energy.ROW_SUMS, *carbon.ROW_SUMS)
OTHER_SUMS: tuple[str, ...] = ("co2_process_t", *GAS_COLUMNS, *BALANCE_SUMS)
#: 64-bit masks of the carriers present, burnt, and with measured parameters (lineage).
MASK_COLUMNS = ("carriers_mask", "burnt_mask", "measured_mask")


def energy_rows(energy_t: Any, coefficients: Any) -> Any:
    """Every energy row's contributions to :data:`ROW_SUMS` and to the lineage masks.

    Rows without measured parameters (nearly all) take the coefficient products alone;
    rows with any measured NCV, carbon content or oxidation take the expressions where the
    measured values replace the defaults. The two branches are disjoint and together hold
    every row.
    """
    e = energy_t
    has_measured = (e.measured_ncv.notnull() | e.measured_carbon_content.notnull() | e.measured_oxidation.notnull()
                    | e.measured_carbon_per_unit.notnull())
    nobits = ibis.literal(0, type="int64")
    zero = ibis.literal(0.0, type="float64")
    branches = []
    # Each branch filters, then joins: a join shared by both would become a common table
    # expression, which DuckDB materializes (20 M rows) instead of streaming.
    for measured, part in ((False, e.filter(~has_measured)), (True, e.filter(has_measured))):
        rows = part.join(coefficients.drop("carrier_key", "use_key"),
                         coef_key(part.carrier_key, part.use_key) == coefficients.coef_key)
        branches.append(rows.select(
            *MONTH_KEYS, **energy.energy_columns(rows, measured=measured),
            **carbon.carbon_columns(rows, measured=measured), co2_process_t=zero,
            carriers_mask=rows.carrier_bit, burnt_mask=rows.burnt_bit,
            measured_mask=rows.carrier_bit if measured else nobits))
    return branches[0].union(branches[1], distinct=False)


def monthly_sums(energy_t: Any, coefficients: Any, process: Any, process_factors: Any,
                 gases: Any = None, balance: Any = None) -> Any:
    """Per enterprise and month: the sums of the energy and process rows
    (:data:`ROW_SUMS`) and the lineage masks; with ``gases`` (the rows of
    :func:`.non_co2.gas_rows`, keyed by :data:`MONTH_KEYS`), the non-CO2 gases as well.

    This is what the store keeps (``_accounts_monthly``): every account column follows
    from it and the year's factors (:func:`accounts_from_sums`), so the monthly and the
    yearly accounts are derived from the same sums.
    """
    e = energy_rows(energy_t, coefficients)
    stoich = process_factors.filter(process_factors.method == "stoichiometric").select("material", "tco2_per_t")
    cao = process_factors.filter(process_factors.material == "cao").tco2_per_t.max()
    mgo = process_factors.filter(process_factors.material == "mgo").tco2_per_t.max()
    fc = process_factors.filter(process_factors.material == COAL_ASH_MATERIAL).tco2_per_t.max()
    p = process_co2(process, stoich, cao.as_scalar(), mgo.as_scalar(), fc.as_scalar())
    zero = ibis.literal(0.0, type="float64")
    nobits = ibis.literal(0, type="int64")
    # The energy rows (20 M at 50 000 enterprises) give only ENERGY_SUMS and the masks; the
    # process, gases and balance rows (a few million) only OTHER_SUMS. Each side is summed on
    # its own and the two joined per month (FULL OUTER: a month may have either side alone),
    # so the large aggregation carries no columns that are zero on all its rows.
    es = e.group_by(list(MONTH_KEYS)).aggregate(**{c: e[c].sum() for c in ENERGY_SUMS},
                                                **{c: e[c].bit_or() for c in MASK_COLUMNS})
    other = p.select(*MONTH_KEYS, **{c: zero for c in OTHER_SUMS if c != "co2_process_t"},
                     co2_process_t=p.co2_process_t)
    if gases is not None:
        g = gases.select(*MONTH_KEYS, **{c: zero for c in OTHER_SUMS if c not in GAS_COLUMNS},
                         **{c: gases[c] for c in GAS_COLUMNS})
        other = other.union(g.select(*other.columns), distinct=False)
    if balance is not None:  # carbon-balance rows (:func:`.carbon_balance.balance_rows`)
        b = balance.select(*MONTH_KEYS, **{c: zero for c in OTHER_SUMS if c not in ("co2_process_t", *BALANCE_SUMS)},
                           co2_process_t=balance.co2_process_t, **{c: balance[c] for c in BALANCE_SUMS})
        other = other.union(b.select(*other.columns), distinct=False)
    other_sums = other.group_by(list(MONTH_KEYS)).aggregate(**{c: other[c].sum() for c in OTHER_SUMS})
    j = es.outer_join(other_sums, list(MONTH_KEYS))
    return j.select(**{c: j[c].coalesce(j[f"{c}_right"]) for c in MONTH_KEYS},
                    **{c: j[c].fill_null(0.0) for c in ROW_SUMS},
                    **{c: j[c].fill_null(nobits) for c in MASK_COLUMNS})


def accounts_from_sums(sums: Any, year_coefficients: Any, keys: tuple[str, ...], extra: tuple[str, ...] = ()
                       ) -> Any:
    """The account columns (:data:`SUM_COLUMNS` and the scope totals) of the periods in
    ``sums``: electricity and heat take the year's factors (:func:`.energy.energy_totals`,
    :func:`.carbon.carbon_totals`); ``keys`` and ``extra`` columns are kept.

    co2_scope1_t = combustion + process; co2_scope2_t = electricity + heat;
    co2_t = scope 1 + scope 2 (GB/T 32150-2015 enterprise total, CO2 only). The other gases
    (:data:`.non_co2.GAS_COLUMNS`) stay apart; ghg_t_co2e = co2_t + non_co2_t_co2e.
    """
    t = sums.join(year_coefficients, "year")
    out = t.select(*keys, *extra, **energy.energy_totals(t), **carbon.carbon_totals(t),
                   co2_process_t=t.co2_process_t, **{c: t[c] for c in GAS_COLUMNS},
                   **{c: t[c] for c in BALANCE_SUMS},
                   **{c: t[c] for c in MASK_COLUMNS})
    scope1 = out.co2_combustion_t + out.co2_process_t
    scope2 = out.co2_electricity_t + out.co2_heat_t
    return out.mutate(co2_scope1_t=scope1, co2_scope2_t=scope2, co2_t=scope1 + scope2,
                      ghg_t_co2e=scope1 + scope2 + out.non_co2_t_co2e)


def monthly_accounts(sums: Any, year_coefficients: Any) -> Any:
    """Per enterprise and month: every account column, from :func:`monthly_sums`."""
    return accounts_from_sums(sums, year_coefficients, MONTH_KEYS)


def yearly_accounts(sums: Any, year_coefficients: Any, economics: Any, entities: Any) -> Any:
    """Per enterprise and year, from the monthly sums (:func:`monthly_sums`): the account
    columns, months reported, value added and intensities.

    ``energy_per_va`` (tce/万元) and ``co2_per_va`` (tCO2/万元) are null where value added
    is missing or not positive: an intensity per non-positive value added has no meaning.
    """
    ysums = sums.group_by(["entity_key", "year"]).aggregate(
        months_reported=sums.count(), **{c: sums[c].sum() for c in ROW_SUMS},
        **{c: sums[c].bit_or() for c in MASK_COLUMNS})
    y = accounts_from_sums(ysums, year_coefficients, ("entity_key", "year"), ("months_reported",))
    ec = economics.select("entity_key", "year", "value_added_10k_yuan", "output_value_10k_yuan")
    y = left_join(y, ec, ["entity_key", "year"])
    ent = entities.select("entity_key", "entity_id", "name", "district_id", "park_id", "industry_code", "scale")
    y = y.join(ent, "entity_key")
    va = y.value_added_10k_yuan
    ok = va.notnull() & (va > 0)
    return y.mutate(
        energy_per_va=ok.ifelse(y.energy_tce / va, ibis.null("float64")),
        co2_per_va=ok.ifelse(y.co2_t / va, ibis.null("float64")),
        industry_division=y.industry_code.substr(0, 2),
    )
