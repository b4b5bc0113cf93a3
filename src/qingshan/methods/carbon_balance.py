"""Carbon-balance methods of the iron and steel, coking and chemical sectors (碳平衡法), and
the choice of an enterprise's method from its industry code (行业核算方法).

Sources, read in the PDF of 鲁环发〔2022〕4号 (two Shandong technical guidelines that restate
the national standards and NDRC guidelines):

- **Steel** — 《山东省钢铁行业建设项目温室气体排放环境影响评价技术指南（试行）》 附录2
  (restating GB/T 32151.5-2015 and the NDRC 中国钢铁生产企业温室气体排放核算方法与报告指南):

      E总 = E燃烧 + E过程 + E净购入电力和热力 − R固碳                        (1)
      E过程 = E熔剂 + E电极 + E原料 (+ E其他, waste-gas treatment, not built)   (6)
      E熔剂 = Σ P × DX × EF      fluxes (limestone, dolomite), DX the purity     (7)
      E电极 = P电极 × EF电极                                                    (8)
      E原料 = Σ M × EF           pig iron, DRI, ferroalloys, cleaned coal, ...   (9)
      EF = NCV × CC × 44/12      cleaned coal, carburiser                        (10)
      R固碳 = Σ AD固碳 × EF固碳  crude steel, coke, tar, crude benzene, gas      (17)
      EF固碳 = NCV × CC × 44/12  coke, tar, crude benzene, gas                   (19)

  defaults: 表2-4 (fluxes, electrode, iron-bearing materials), 表2-5 (crude steel 0.0154),
  表2-3 (NCV and CC of fuels). **Coking** is the coke-making process of the same guideline
  (表2-2 焦化): coal in as a raw material, coke, tar, crude benzene and gas out.

- **Chemicals** — 《山东省化工行业建设项目温室气体排放环境影响评价技术指南（试行）》 附录2
  (restating GB/T 32151.10-2015 and the NDRC 中国化工生产企业温室气体排放核算方法与报告指南):

      E总 = E燃烧 + E过程 + E净购入电力和热力 − E外供                         (1)
      E原料 = (Σ AD_j × CC_j − Σ AD_p × CC_p − Σ AD_w × CC_w) × 44/12           (5)
      E碳酸盐 = Σ AD_i × EF_i × PUR_i                                            (6)
      E外供 = Σ Q × PUR × ρ × GWP,  ρ(CO2) = 19.77 t/万Nm³, GWP(CO2) = 1        (21)

  defaults: 表2-2 (NCV and CC of fuels used as raw material), 表2-3 (carbon content of
  products), 表2-4 (carbonates).

One computation serves every method. Each row of the ``materials`` table gives

    CO2 = quantity × EF × PUR,   EF = carbon_fraction × 44/12 (measured) or the default,

added to process CO2 for an ``input``, deducted as fixed carbon (``co2_fixed_t``: R固碳, or
the products' and wastes' carbon of formula 5) for a ``product`` or ``waste``, and deducted
as ``co2_recovered_t`` (E外供) for ``supplied`` CO2. Energy rows with use ``feedstock`` of an
enterprise-year with a balance enter it as inputs, quantity × NCV × CC × 44/12 (formula 10
for steel, the 表2-2 carbon of formula 5 for chemicals; no oxidation factor: the carbon is
not burnt but balanced), counted once: a feedstock row gives no combustion CO2.
``co2_process_t`` is the net: inputs − fixed − recovered (+ the ``process`` table's rows), so
scope 1 stays combustion + process and the parts are shown beside it.

All kernels are Ibis expressions (DuckDB and PostgreSQL); the method assignment is a small
pandas step on the entities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from qingshan.methods.constants import CO2_PER_C

#: Flows of the materials table (docs/data-package.md): carbon in; carbon out in products
#: and waste (deducted as fixed); recovered CO2 supplied outside (deducted, formula 21).
INPUT, PRODUCT, WASTE, SUPPLIED = "input", "product", "waste", "supplied"
FLOWS: tuple[str, ...] = (INPUT, PRODUCT, WASTE, SUPPLIED)
#: The material code of recovered CO2 (E外供) and the general (no balance) method.
CO2_MATERIAL = "co2"
GENERAL = "general"
#: The account columns this module adds (t CO2, positive numbers deducted from process CO2).
BALANCE_SUMS: tuple[str, ...] = ("co2_fixed_t", "co2_recovered_t")


@dataclass(frozen=True)
class Method:
    """One accounting method of the registry (``data/spec/ghg_methods.toml``)."""

    method_id: str
    zh: str
    en: str
    document: str
    clause: str
    guideline: str = ""  # the `guideline` of the material_carbon defaults it uses
    balance: bool = False  # whether materials rows and feedstock carbon are accounted
    supplied: bool = False  # whether recovered CO2 supplied outside is deducted (E外供)


@dataclass(frozen=True)
class IndustryRule:
    prefix: str
    method: str
    expect_balance: bool


@dataclass(frozen=True)
class MethodRegistry:
    methods: Mapping[str, Method]
    industries: Sequence[IndustryRule]

    def rule_for(self, industry_code: str | None) -> IndustryRule | None:
        """The rule of the longest prefix ``industry_code`` starts with, or None."""
        code = (industry_code or "").strip()
        best: IndustryRule | None = None
        for r in self.industries:
            if code.startswith(r.prefix) and (best is None or len(r.prefix) > len(best.prefix)):
                best = r
        return best


def assign_methods(entities: pd.DataFrame, registry: MethodRegistry) -> pd.DataFrame:
    """(entity_id, ghg_method, guideline, balance, supplied, expect_balance, method_source) of
    each enterprise: its ``ghg_method`` when given (method_source ``override``), else the
    method of the longest industry-code prefix of the registry (``industry``), else
    :data:`GENERAL` (``default``). ``expect_balance`` only follows the industry rule, and
    only when the method is the rule's."""
    ent = entities[entities["entity_type"] == "enterprise"] if "entity_type" in entities else entities
    rows = []
    override_col = ent["ghg_method"] if "ghg_method" in ent else pd.Series(None, index=ent.index, dtype=object)
    for eid, code, override in zip(ent["entity_id"], ent["industry_code"], override_col, strict=True):
        rule = registry.rule_for(None if pd.isna(code) else str(code))
        if override is not None and not pd.isna(override) and str(override):
            mid, source = str(override), "override"
        elif rule is not None:
            mid, source = rule.method, "industry"
        else:
            mid, source = GENERAL, "default"
        m = registry.methods[mid]
        rows.append({"entity_id": str(eid), "ghg_method": mid, "guideline": m.guideline, "balance": m.balance,
                     "supplied": m.supplied,
                     "expect_balance": bool(rule is not None and rule.method == mid and rule.expect_balance),
                     "method_source": source})
    cols = ["entity_id", "ghg_method", "guideline", "balance", "supplied", "expect_balance", "method_source"]
    return pd.DataFrame(rows, columns=cols)


def material_factor_table(material_carbon: pd.DataFrame, process: pd.DataFrame, fuel_carbon: pd.DataFrame,
                          guidelines: Sequence[str]) -> pd.DataFrame:
    """(guideline, material, flows, tco2_per_unit, purity_required, factor_id): the defaults
    a balance row may take, per guideline.

    - the guideline's own rows (``material_carbon``: steel 表2-4/2-5, chemical 表2-3, ρ(CO2));
    - carbonates (``process`` rows with method stoichiometric: the chemical guideline's 表2-4),
      inputs whose purity is required (formula 6, PUR);
    - fuels (``fuel_carbon``) as products: NCV × CC × 44/12 (steel formula 19; chemical 表2-2),
      without oxidation: carbon leaving in coke, tar or gas is not burnt here.
    """
    own = material_carbon[["guideline", "material", "flows", "tco2_per_unit", "purity_required", "factor_id"]]
    stoich = process[process["method"] == "stoichiometric"]
    shared = [
        pd.DataFrame({"material": stoich["material"], "flows": INPUT, "tco2_per_unit": stoich["tco2_per_t"],
                      "purity_required": True, "factor_id": stoich["factor_id"]}),
        pd.DataFrame({"material": fuel_carbon["carrier"], "flows": PRODUCT,
                      "tco2_per_unit": fuel_carbon["ncv_gj_per_unit"] * fuel_carbon["cc_tc_per_gj"] * CO2_PER_C,
                      "purity_required": False, "factor_id": fuel_carbon["factor_id"]}),
    ]
    parts = [own, *(p.assign(guideline=g) for g in guidelines for p in shared)]
    out = pd.concat(parts, ignore_index=True)
    out = out.drop_duplicates(["guideline", "material"], keep="first")  # a guideline's own row first
    return out[["guideline", "material", "flows", "tco2_per_unit", "purity_required", "factor_id"]].reset_index(
        drop=True)


def material_co2(materials: Any, entity_methods: Any, material_factors: Any) -> Any:
    """Per materials row of an enterprise under a balance method: ``co2_t`` = quantity × EF ×
    purity, EF the measured ``carbon_fraction`` × 44/12 or the default of the enterprise's
    guideline, and its signed contributions ``co2_process_t``, ``co2_fixed_t``,
    ``co2_recovered_t`` (see the module doc). ``materials`` quantities are canonical (t, m³)
    and ``carbon_fraction`` is tC per canonical unit."""
    em = entity_methods.filter(entity_methods.balance).select("entity_key", "guideline")
    m = materials.join(em, "entity_key")
    f = material_factors.select("guideline", "material", "tco2_per_unit")
    j = m.left_join(f, [m.guideline == f.guideline, m.material == f.material])
    ef = (j.carbon_fraction * CO2_PER_C).coalesce(j.tco2_per_unit)
    co2 = (j.quantity * ef * j.purity.coalesce(1.0)).fill_null(0.0)
    zero = ibis.literal(0.0, type="float64")
    is_in = j.flow == INPUT
    out_fixed = j.flow.isin([PRODUCT, WASTE])
    supplied = j.flow == SUPPLIED
    return j.select(
        "entity_key", "year", "month",
        co2_process_t=is_in.ifelse(co2, -co2),
        co2_fixed_t=out_fixed.ifelse(co2, zero),
        co2_recovered_t=supplied.ifelse(co2, zero),
    )


def balance_years(materials: Any, entity_methods: Any) -> Any:
    """(entity_key, year) of the enterprise-years with a carbon balance: a balance method and
    at least one materials row in the year."""
    em = entity_methods.filter(entity_methods.balance).select("entity_key")
    return materials.join(em, "entity_key").select("entity_key", "year").distinct()


def feedstock_co2(energy: Any, years: Any, feedstock_carbon: Any, feedstock_use_key: int) -> Any:
    """Per energy row with use ``feedstock`` in an enterprise-year with a balance: its carbon
    as a balance input, ``co2_process_t`` = quantity × NCV × CC × 44/12, measured NCV and
    carbon content (``measured_ncv``, ``measured_carbon_content``, tC/GJ) replacing the
    defaults (``feedstock_carbon``: carrier_key, ncv_gj_per_unit, cc_tc_per_gj)."""
    e = energy.filter(energy.use_key == feedstock_use_key)
    e = e.join(years, ["entity_key", "year"])
    j = e.left_join(feedstock_carbon, e.carrier_key == feedstock_carbon.carrier_key)
    ncv = j.measured_ncv.coalesce(j.ncv_gj_per_unit)
    cc = j.measured_carbon_content.coalesce(j.cc_tc_per_gj)
    co2 = (j.quantity * ncv * cc * CO2_PER_C).fill_null(0.0)
    zero = ibis.literal(0.0, type="float64")
    return j.select("entity_key", "year", "month", co2_process_t=co2, co2_fixed_t=zero, co2_recovered_t=zero)


def balance_rows(materials: Any, energy: Any, entity_methods: Any, material_factors: Any,
                 feedstock_carbon: Any, feedstock_use_key: int) -> Any:
    """The balance's contributions per row (materials and feedstock energy rows), with
    ``entity_key``, ``year``, ``month``, ``co2_process_t``, ``co2_fixed_t``,
    ``co2_recovered_t``: to be summed with the other rows of the month."""
    years = balance_years(materials, entity_methods)
    return material_co2(materials, entity_methods, material_factors).union(
        feedstock_co2(energy, years, feedstock_carbon, feedstock_use_key), distinct=False)


def balance_usage(materials: pd.DataFrame, feedstock: pd.DataFrame, methods: pd.DataFrame,
                  material_factors: pd.DataFrame, fuel_carbon: pd.DataFrame) -> pd.DataFrame:
    """(entity_id, year, factor_id, material, default) of what each balance used: the default
    row when no measured carbon content was given (``default`` True: a guideline default was
    applied for missing data), else ``measured:<material>``; feedstock rows their fuel row or
    ``measured:<carrier>``. ``materials``: entity_id, year, material, flow, carbon_fraction;
    ``feedstock``: entity_id, year, carrier, measured (any measured parameter)."""
    cols = ["entity_id", "year", "factor_id", "material", "default"]
    bal = methods.loc[methods["balance"], ["entity_id", "guideline"]]
    m = materials.merge(bal, on="entity_id")
    out = []
    if not m.empty:
        m = m.merge(material_factors[["guideline", "material", "factor_id"]], on=["guideline", "material"],
                    how="left")
        measured = m["carbon_fraction"].notna() | m["factor_id"].isna()
        m["factor_id"] = m["factor_id"].where(~measured, "measured:" + m["material"].astype(str))
        m["default"] = ~measured
        out.append(m[cols])
    if not feedstock.empty:
        years = (m if not m.empty else feedstock.iloc[0:0])[["entity_id", "year"]].drop_duplicates()
        f = feedstock.merge(years, on=["entity_id", "year"])
        f = f.merge(fuel_carbon[["carrier", "factor_id"]], on="carrier", how="left")
        meas = f["measured"].astype(bool) | f["factor_id"].isna()
        f["factor_id"] = f["factor_id"].where(~meas, "measured:" + f["carrier"].astype(str))
        out.append(f.assign(material=f["carrier"], default=~meas)[cols])
    if not out:
        return pd.DataFrame({c: [] for c in cols})
    res = pd.concat(out, ignore_index=True).astype({"year": "int64"})
    return res.drop_duplicates().sort_values(cols[:4]).reset_index(drop=True)
