"""Project-level carbon sinks of afforestation (造林碳汇) and mangrove planting (红树林营造), tCO2e.

What was read, and therefore what is built (docs/gep/sinks-coordination-compensation.md):

- **Accounting structure** of the NDRC-era methodology 《碳汇造林项目方法学》 AR-CM-001-V01
  (2013), as restated section by section in a published walk-through (series parts 9 and 10,
  https://www.sanwenwang.com/ba/ccfzlfqf.html and http://277762.cc/ba/hotolfqf.html):

      project sink (项目碳汇量) ΔC_ACTUAL,t = Σ_pools ΔC_pool,PROJ,t − GHG_E,t
          pools: tree biomass, shrub biomass, dead wood, litter (and soil organic carbon);
          GHG_E: the increase of GHG emissions inside the project boundary
      leakage (泄漏) LK_t = 0 — by the methodology's applicability conditions (no displacement
          of pre-project agriculture; transport and machinery emissions not counted)
      reduction (项目减排量) ΔC_AR,t = ΔC_ACTUAL,t − ΔC_BSL,t − LK_t

  Tree biomass of baseline and project by the "biomass equation" or the "biomass expansion
  factor" method (its 5.7.1, formulas (5) and (6)); the same method for baseline and project.
  Dead wood and litter by a default-factor method with a linear annual change.
- **Biomass-expansion-factor method** as applied "according to the NDRC-approved 碳汇造林项目
  方法学" by 李文武, 李峰, 李凤梅 2016 (现代农村科技 2016(3), 太平山林场森林碳汇计量):
  B = V × D × BEF × (1 + R), D the basic wood density (t d.m./m³), BEF the aboveground
  expansion factor, R the root-to-shoot ratio. Equivalent to IPCC 2006 Vol. 4 Eq. 2.8
  (C = V × BCEF × (1 + R) × CF with BCEF = D × BEF).
- **Fang's continuous BEF function** B = a·V + b (B Mg/hm² including roots, V m³/hm²) as used
  by 张春华 et al. 2018 with carbon fraction 0.5 (shared/reference/ecology-environment.md §4.7).
- **Carbon to CO2**: × 44/12 (:data:`qingshan.methods.constants.CO2_PER_C`).

What was *not* read: the equations and default parameters of CCER-14-001-V01 (造林碳汇, MEE
2023) and CCER-14-002-V01 (红树林营造, MEE 2023) beyond their applicability clauses, and the
uncertainty / buffer deduction rules of any of these methodologies. So: wood density, BEF,
R, CF, dead-wood and litter factors, leakage of the 2023 methodologies and the deduction
fraction are **required project inputs** here (the methodology table
``qingshan/ecology/sinks/methodologies.toml`` says which values are known and from where).
Ex-ante and ex-post estimates use the same stock-difference arithmetic; ex-ante takes stocks
from a growth model, ex-post from monitored plots.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qingshan.methods.constants import CO2_PER_C

__all__ = [
    "SinkEstimate",
    "annual_stock_change",
    "biomass_bef",
    "biomass_fang",
    "biomass_to_co2",
    "credited_removals",
    "dead_organic_matter_co2",
    "net_sink",
    "sink_estimate",
    "stock_series_changes",
]


def _check_fraction(name: str, value: float) -> None:
    if not (0.0 <= value <= 1.0) or math.isnan(value):
        raise ValueError(f"{name} must lie in [0, 1], got {value}")


def _check_non_negative(name: str, value: float) -> None:
    if not value >= 0.0:
        raise ValueError(f"{name} must be >= 0, got {value}")


def biomass_bef(volume_m3: float, wood_density: float, bef: float, root_shoot: float) -> float:
    """Whole-tree biomass by the biomass-expansion-factor method, t dry matter.

    B = V × D × BEF × (1 + R)   (AR-CM-001-V01 5.7.1; 李文武 et al. 2016)

    Parameters
    ----------
    volume_m3 : stem volume (蓄积), m³
    wood_density : basic wood density D (基本木材密度), t d.m./m³
    bef : biomass expansion factor (生物量扩展因子), aboveground / stem biomass, dimensionless
    root_shoot : root-to-shoot ratio R (地下生物量/地上生物量), dimensionless
    """
    for name, value in (
        ("volume_m3", volume_m3),
        ("wood_density", wood_density),
        ("bef", bef),
        ("root_shoot", root_shoot),
    ):
        _check_non_negative(name, value)
    return volume_m3 * wood_density * bef * (1.0 + root_shoot)


def biomass_fang(volume_m3_per_ha: float, area_ha: float, a: float, b: float) -> float:
    """Stand biomass (including roots) by Fang's continuous BEF function, t dry matter.

    B = (a × V + b) × A, with B per hectare in Mg/hm² and V the stand volume in m³/hm²
    (张春华 et al. 2018, Table 1 gives a, b by forest type; the parameters are region- and
    inventory-specific and come in as inputs).
    """
    _check_non_negative("volume_m3_per_ha", volume_m3_per_ha)
    _check_non_negative("area_ha", area_ha)
    return (a * volume_m3_per_ha + b) * area_ha


def biomass_to_co2(biomass_t: float, carbon_fraction: float) -> float:
    """Biomass carbon stock as CO2, t CO2e: B × CF × 44/12."""
    _check_fraction("carbon_fraction", carbon_fraction)
    return biomass_t * carbon_fraction * CO2_PER_C


def dead_organic_matter_co2(tree_co2: float, dead_wood_factor: float, litter_factor: float) -> tuple[float, float]:
    """Dead wood and litter stocks by the default-factor method (缺省因子法), t CO2e.

    Each stock is the tree-biomass stock times its factor (AR-CM-001-V01 5.7; the factors are
    not transcribed here and are required inputs).  Returns ``(dead_wood, litter)``.
    """
    _check_non_negative("dead_wood_factor", dead_wood_factor)
    _check_non_negative("litter_factor", litter_factor)
    return tree_co2 * dead_wood_factor, tree_co2 * litter_factor


def annual_stock_change(stock_start: float, stock_end: float, years: float) -> float:
    """Mean annual stock change between two dates, t CO2e/a: (C_t2 − C_t1) / (t2 − t1).

    The linear annual change the methodology assumes between two inventories.
    """
    if not years > 0:
        raise ValueError(f"years must be > 0, got {years}")
    return (stock_end - stock_start) / years


def net_sink(pool_changes: Mapping[str, float], project_emissions: float) -> float:
    """Project sink ΔC_ACTUAL = Σ pool stock changes − GHG_E, t CO2e (AR-CM-001-V01)."""
    _check_non_negative("project_emissions", project_emissions)
    return math.fsum(pool_changes.values()) - project_emissions


def credited_removals(net_removals: float, deduction_fraction: float) -> float:
    """Removals after an uncertainty / buffer deduction, t CO2e.

    The deduction fraction is the methodology's (not transcribed: a required input). A
    deduction only ever lowers a positive result: a net loss is passed through unchanged, so
    the credited quantity never exceeds the net removals.
    """
    _check_fraction("deduction_fraction", deduction_fraction)
    if net_removals <= 0.0:
        return net_removals
    return net_removals * (1.0 - deduction_fraction)


@dataclass(frozen=True)
class SinkEstimate:
    """One project's sink over one period, t CO2e.

    ``project_sink`` ΔC_ACTUAL, ``baseline_sink`` ΔC_BSL, ``leakage`` LK, ``reduction``
    ΔC_AR = ΔC_ACTUAL − ΔC_BSL − LK, ``credited`` the reduction after the deduction.
    """

    methodology: str
    project_sink: float
    baseline_sink: float
    leakage: float
    reduction: float
    deduction_fraction: float
    credited: float


def sink_estimate(
    methodology: str,
    project_pool_changes: Mapping[str, float],
    baseline_pool_changes: Mapping[str, float],
    *,
    project_emissions: float,
    leakage: float,
    deduction_fraction: float,
) -> SinkEstimate:
    """Project reduction ΔC_AR = ΔC_ACTUAL − ΔC_BSL − LK and its credited part, t CO2e.

    ``methodology`` is the key of the methodology table; for AR-CM-001-V01 the methodology
    fixes LK = 0 and a non-zero ``leakage`` is refused. The baseline sink has no emissions
    term (the walk-through's ΔC_BSL is the sum of baseline tree and shrub stock changes).
    Ex-ante: pool changes from a growth model; ex-post: from monitored stocks.
    """
    _check_non_negative("leakage", leakage)
    if methodology == "AR-CM-001-V01" and leakage != 0.0:
        raise ValueError("AR-CM-001-V01 sets leakage LK = 0; got a non-zero leakage")
    project = net_sink(project_pool_changes, project_emissions)
    baseline = math.fsum(baseline_pool_changes.values())
    reduction = project - baseline - leakage
    return SinkEstimate(
        methodology=methodology,
        project_sink=project,
        baseline_sink=baseline,
        leakage=leakage,
        reduction=reduction,
        deduction_fraction=deduction_fraction,
        credited=credited_removals(reduction, deduction_fraction),
    )


def stock_series_changes(stocks: Sequence[float], years: Sequence[float]) -> list[float]:
    """Annual changes between consecutive stock estimates (ex-ante growth-model or ex-post
    monitoring dates), t CO2e/a, each by :func:`annual_stock_change`."""
    if len(stocks) != len(years) or len(stocks) < 2:
        raise ValueError("stocks and years need the same length, at least 2")
    return [annual_stock_change(stocks[i], stocks[i + 1], years[i + 1] - years[i]) for i in range(len(stocks) - 1)]
