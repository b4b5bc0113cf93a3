"""The project's energy and carbon, computed by the accounts engine on the project's own
one-enterprise package (after the project, minus before it for an expansion)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from qingshan import accounts
from qingshan.data.package import Package
from qingshan.data.validate import check_raw
from qingshan.errors import raise_if_blocking
from qingshan.factors import FactorSet
from qingshan.schema.carriers import carriers
from qingshan.screening.project import AFTER_ID, BEFORE_ID, Project, raw_package, uscc
from qingshan.store import Store

SUMS = ("energy_tce", "energy_tce_equal", "feedstock_tce", "electricity_kwh", "co2_t", "co2_combustion_t",
        "co2_process_t", "co2_electricity_t", "co2_heat_t")
#: The carbon balance's deductions and the other greenhouse gases (docs/accounting.md): kept
#: beside the CO2 figures, never in them; ghg_t_co2e = co2_t + non_co2_t_co2e.
GHG_SUMS = ("co2_fixed_t", "co2_recovered_t", "n2o_t", "cf4_t", "c2f6_t", "non_co2_t_co2e")


@dataclass(frozen=True)
class Figures:
    """Annual figures of the project (the increment, for an expansion)."""

    energy_tce: float         # 综合能耗, 当量值 (the review thresholds' convention)
    energy_tce_equal: float   # 综合能耗, 等价值
    feedstock_tce: float      # of which feedstock
    coal_t: float             # 煤炭消费量: tonnes of the coal carriers (原煤, 洗煤, 型煤 …), all uses
    electricity_kwh: float
    co2_t: float
    co2_combustion_t: float
    co2_process_t: float
    co2_electricity_t: float
    co2_heat_t: float
    # the carbon balance's deductions (in co2_process_t already) and the other gases, in t of
    # each gas and t CO2e with the factor set's GWP set (`gwp_set`); ghg_t_co2e = co2_t + non_co2_t_co2e
    co2_fixed_t: float = 0.0
    co2_recovered_t: float = 0.0
    n2o_t: float = 0.0
    cf4_t: float = 0.0
    c2f6_t: float = 0.0
    non_co2_t_co2e: float = 0.0
    gwp_set: str = ""
    coal_tce: float = 0.0     # 煤炭消费量 in tce (当量值 = 等价值 for coal): the coal carriers' energy
    factor_notes: tuple[str, ...] = ()  # last: the factor-year notes

    @property
    def ghg_t_co2e(self) -> float:
        """The greenhouse-gas total (温室气体排放总量), t CO2e: CO2 and the other gases in CO2e."""
        return self.co2_t + self.non_co2_t_co2e

    def per(self, value_added: float | None) -> dict[str, float | None]:
        ok = value_added is not None and value_added > 0
        return {"energy_tce_per_10k_yuan": self.energy_tce / value_added if ok and value_added else None,
                "co2_t_per_10k_yuan": self.co2_t / value_added if ok and value_added else None}


def _coal_t(pkg: Package, eid: str) -> float:
    coal = {c for c, spec in carriers().items() if spec.category == "coal"}
    e = pkg.energy
    return float(e.loc[(e["entity_id"] == eid) & e["carrier"].isin(coal), "quantity"].sum())


def project_figures(project: Project, fs: FactorSet, district_of_park: dict[str, str]) -> Figures:
    pkg, problems = check_raw(raw_package(project, district_of_park), fs)
    raise_if_blocking(problems)
    store = Store.connect(None)
    try:
        accounts.load(store, pkg, fs)
        res = accounts.compute(store, fs)
        by_carrier = accounts.carrier_months(store, pkg)
    finally:
        store.close()
    y = res.yearly.set_index("entity_id")
    after, before = uscc(AFTER_ID), uscc(BEFORE_ID)

    def val(eid: str, col: str) -> float:
        if eid not in y.index:
            return 0.0
        v = pd.to_numeric(y[col], errors="coerce").astype("float64").loc[eid]
        return 0.0 if pd.isna(v) else float(v)

    sign_before = 1.0 if project.kind == "expansion" else 0.0
    d = {c: val(after, c) - sign_before * val(before, c) for c in (*SUMS, *GHG_SUMS)}
    coal = _coal_t(pkg, after) - sign_before * _coal_t(pkg, before)
    coal_keys = {c for c, spec in carriers().items() if spec.category == "coal"}
    coal_rows = by_carrier[by_carrier["carrier"].astype(str).isin(coal_keys)]

    def coal_tce(eid: str) -> float:
        return float(coal_rows.loc[coal_rows["entity_id"] == eid, "energy_tce"].sum())

    notes = tuple(n["zh"] for n in res.notes)
    return Figures(coal_t=coal, factor_notes=notes, gwp_set=fs.gwp_set,
                   coal_tce=coal_tce(after) - sign_before * coal_tce(before), **d)
