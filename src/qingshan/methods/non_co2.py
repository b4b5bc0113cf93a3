"""Greenhouse gases other than CO2 (非二氧化碳温室气体), in tonnes of gas and in tonnes of CO2
equivalent, per row of the ``gases`` table: an Ibis expression that runs unchanged on DuckDB
and PostgreSQL (docs/accounting.md, "Other greenhouse gases").

N2O of nitric acid and of adipic acid production, 山东省生态环境厅 鲁环发〔2022〕4号 附件
《山东省化工行业建设项目温室气体排放环境影响评价技术指南（试行）》, 正文 formulas (7) and (8)::

    E = Σᵢ ADᵢ × EFᵢ × (1 − ηₖ × μₖ) × 10⁻³ × GWP_N2O

ADᵢ the output (t of HNO3 or of adipic acid), EFᵢ the N2O generation factor of technology i
(kg N2O/t; 附录2 表2-5 for nitric acid, 300 for the nitric-acid oxidation route of adipic acid
and 0 for others, or the enterprise's measured factor), ηₖ the N2O removal rate of abatement
k (表2-6, 表2-7), μₖ its use rate (the enterprise's: operating time of the abatement over that
of the plant; no default). Without an abatement, ηₖ × μₖ = 0.

PFCs of the anode effects of aluminium smelting (GB/T 32151.4-2015 and the NDRC
electrolytic-aluminium guideline; structure only, their defaults were not read)::

    E_PFC = P_Al × (EF_CF4 × GWP_CF4 + EF_C2F6 × GWP_C2F6) × 10⁻³

P_Al the aluminium output (t), EF the enterprise's measured emission factors (kg/t Al).

The GWPs are those of the factor set's GWP set (``gwp``: one row per gas). The tonnes of each
gas are kept apart from CO2 (``n2o_t``, ``cf4_t``, ``c2f6_t``) and the CO2 equivalent in
``non_co2_t_co2e``; nothing here enters a CO2 column.
"""

from __future__ import annotations

from typing import Any, Protocol

import ibis
import pandas as pd

#: The columns this module adds to a monthly or yearly account, all additive: tonnes of each
#: gas, and their sum in t CO2e with the factor set's GWPs.
GAS_COLUMNS: tuple[str, ...] = ("n2o_t", "cf4_t", "c2f6_t", "non_co2_t_co2e")
#: The sources of the ``gases`` table: N2O of nitric and adipic acid, PFCs of anode effects.
N2O_SOURCES: tuple[str, ...] = ("nitric_acid", "adipic_acid")
PFC_SOURCE = "aluminium_anode_effect"
#: Lineage labels of the enterprise's own factors (no factor row is used for them).
MEASURED_N2O = "measured:n2o_generation"
MEASURED_PFC = "measured:pfc"
_KG_PER_T = 1000.0
#: The citations results carry for :data:`MEASURED_N2O` and :data:`MEASURED_PFC`.
NON_CO2_MEASURED: dict[str, dict[str, str]] = {
    MEASURED_N2O: {
        "document": "measured by the enterprise (实测值): N2O generation factor, kg N2O/t of product; formula of "
                    "山东省生态环境厅 鲁环发〔2022〕4号 附件"
                    "《山东省化工行业建设项目温室气体排放环境影响评价技术指南（试行）》: "
                    "E = Σ AD × EF × (1 − η × μ) × 10⁻³ × GWP_N2O",
        "edition": "2022（试行）",
        "clause": "正文 公式（7）硝酸, 公式（8）己二酸 (己二酸: 无检测数据时 … 可取 300 kgN2O/t)",
        "tag": "",
        "note": "the measured factor replaces the guideline's recommended value (附录2 表2-5; formula (8))",
    },
    MEASURED_PFC: {
        "document": "measured by the enterprise (实测值): CF4 and C2F6 emission factors, kg per t of aluminium; "
                    "structure of GB/T 32151.4 温室气体排放核算与报告要求 第4部分：铝冶炼企业 and the NDRC "
                    "中国电解铝生产企业温室气体排放核算方法与报告指南（试行）: E_PFC = P_Al × (EF_CF4 × GWP_CF4 + "
                    "EF_C2F6 × GWP_C2F6) × 10⁻³",
        "edition": "GB/T 32151.4-2015",
        "clause": "阳极效应排放 (anode effects); the clause itself was not read",
        "tag": "",
        "note": "no default EF_CF4 or EF_C2F6 is shipped: the guideline's defaults (0.034 and 0.0034 kg/t seen "
                "in secondary copies) could not be read in an official text, so the enterprise's measured factors "
                "are required (P126; docs/accounting.md, 'Other greenhouse gases')",
    },
}


class NonCO2Factors(Protocol):
    """The factor tables this module reads (a :class:`qingshan.factors.FactorSet`)."""

    @property
    def n2o_generation(self) -> pd.DataFrame: ...  # source, technology, kg_n2o_per_t, factor_id

    @property
    def n2o_abatement(self) -> pd.DataFrame: ...  # source, abatement, removal_fraction, factor_id

    @property
    def gwp(self) -> pd.DataFrame: ...  # gas, gwp, factor_id


def gwp_of(gwp: Any, gas: str) -> Any:
    """The GWP of ``gas`` in the table ``gwp`` (gas, gwp), as a scalar expression."""
    return gwp.filter(gwp.gas == gas).gwp.max().as_scalar()


def gas_rows(gases: Any, generation: Any, abatement: Any, gwp: Any, keys: tuple[str, ...]) -> Any:
    """Per row of ``gases``: ``keys`` and :data:`GAS_COLUMNS`.

    ``gases`` holds ``source``, ``technology``, ``quantity`` (t of product), ``abatement``,
    ``abatement_use``, ``n2o_kg_per_t``, ``cf4_kg_per_t`` and ``c2f6_kg_per_t``;
    ``generation`` (source, technology, kg_n2o_per_t) and ``abatement`` (source, abatement,
    removal_fraction) are the factor set's tables and ``gwp`` (gas, gwp) its GWP set.
    A measured ``n2o_kg_per_t`` replaces the tabulated factor. Validation (P121–P127) makes
    sure every N2O row has a factor and every aluminium row its measured CF4 and C2F6.
    """
    gen = generation.select(g_source=generation.source, g_technology=generation.technology,
                            g_kg=generation.kg_n2o_per_t)
    rem = abatement.select(a_source=abatement.source, a_abatement=abatement.abatement,
                           a_removal=abatement.removal_fraction)
    j = gases.left_join(gen, (gases.source == gen.g_source) & (gases.technology == gen.g_technology))
    j = j.left_join(rem, (j.source == rem.a_source) & (j.abatement == rem.a_abatement))
    zero = ibis.literal(0.0, type="float64")
    ef = j.n2o_kg_per_t.coalesce(j.g_kg, zero)
    removed = j.a_removal.coalesce(zero) * j.abatement_use.coalesce(zero)
    n2o = j.quantity * ef * (1.0 - removed) / _KG_PER_T
    cf4 = j.quantity * j.cf4_kg_per_t.coalesce(zero) / _KG_PER_T
    c2f6 = j.quantity * j.c2f6_kg_per_t.coalesce(zero) / _KG_PER_T
    co2e = n2o * gwp_of(gwp, "n2o") + cf4 * gwp_of(gwp, "cf4") + c2f6 * gwp_of(gwp, "c2f6")
    return j.select(*keys, n2o_t=n2o, cf4_t=cf4, c2f6_t=c2f6, non_co2_t_co2e=co2e)
