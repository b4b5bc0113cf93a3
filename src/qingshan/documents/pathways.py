"""The pathways document (docs/targets.md, "Pathways"): energy and CO2 by year for each
scenario from the latest data year, with Monte Carlo bands and the peak year."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qingshan.documents.values import records
from qingshan.rulefile import builtin_names, name_or_path
from qingshan.targets.scenarios import SCENARIO_FOLDER, SCENARIO_PACKAGE, Scenario, load_scenario, pathway, pathway_base

if TYPE_CHECKING:
    from qingshan.city import City


def build(city: City, scenarios: list[Scenario]) -> dict[str, Any]:
    """Run every scenario from the city's latest data year."""
    last = city.latest_year
    base, grid_t_per_mwh, factor_year = pathway_base(city.accounts().yearly, city.factor_set, last)
    runs = [(sc, *pathway(sc, base, grid_t_per_mwh)) for sc in scenarios]
    notes = [] if factor_year == last else [{
        "zh": f"{last} 年没有公布的电网排放因子，路径的基年因子用 {factor_year} 年的"
              f"（{grid_t_per_mwh:.4f} 吨二氧化碳/兆瓦时）",
        "en": f"no grid emission factor is published for {last}; the pathways' base year uses {factor_year}'s "
              f"({grid_t_per_mwh:.4f} tCO2/MWh)"}]
    return {**city.header(last), "base_year": last, "grid_factor_base_year_t_per_mwh": grid_t_per_mwh,
            "grid_factor_year": factor_year, "grid_notes": notes,
            "method": "docs/targets.md, Pathways",
            "scenarios": [{"id": sc.id, "zh": sc.zh, "en": sc.en, "source": sc.source, "summary": s,
                           "years": records(p)} for sc, p, s in runs]}


def known_scenarios() -> list[str]:
    """The shipped scenarios (the only ones a web request may name)."""
    return builtin_names(SCENARIO_PACKAGE, SCENARIO_FOLDER)


def scenario_names() -> dict[str, dict[str, str]]:
    """Each shipped scenario's names in both languages, by id (the page's choices)."""
    return {sc.id: {"zh": sc.zh, "en": sc.en} for sc in scenarios(known_scenarios())}


def scenarios(names: list[str], *, files: bool = False) -> list[Scenario]:
    """Scenarios by shipped name, or (``files``, for the command line only) by path."""
    return [load_scenario(name_or_path(n) if files else n) for n in names]
