"""The screening of a project (:func:`screen`): its figures, the rules' reasons, its expected
亩均 class and effect on targets (:mod:`.effects`), and the verdict the reasons lead to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from qingshan.accounts import AccountResult
from qingshan.data.package import Package
from qingshan.evaluation.scheme import Scheme
from qingshan.factors import FactorSet
from qingshan.screening import rules as r
from qingshan.screening.carrying import CarryingSource
from qingshan.screening.effects import expected_class, impact
from qingshan.screening.energy_right import EnergyRightRules, energy_right
from qingshan.screening.figures import Figures, project_figures
from qingshan.screening.project import Project
from qingshan.targets.definitions import Target

VERDICTS = {"approvable": ("可予审批", "approvable"), "conditions": ("附条件审批", "approvable with conditions"),
            "not_approvable": ("不予审批", "not approvable")}


@dataclass
class Screening:
    project: Project
    figures: Figures
    per_va: dict[str, float | None]
    reasons: list[r.Reason]
    verdict: str
    expected_class: dict[str, Any] | None
    impact: pd.DataFrame
    notes: list[dict[str, Any]] = field(default_factory=list)


def screen(project: Project, pkg: Package, result: AccountResult, fs: FactorSet, *, rules: r.ScreeningRules,
           scheme: Scheme | None = None, targets: list[Target] | None = None, growth: float = 0.0,
           carrying: CarryingSource | None = None, energy_rights: EnergyRightRules | None = None) -> Screening:
    """Screen ``project`` against the city's package and accounts under the jurisdiction's
    screening ``rules`` (and its 亩均 ``scheme`` and ``targets``, where it has them); with
    ``carrying``, the carrying-capacity state of the project's district (its own
    ``district_id``, else its park's) in the latest evaluation up to the application year
    (``R-CARRYING``; without it, the check is reported as not made); with ``energy_rights``,
    the 用能权 the project must buy and its price (``R-ENERGY-RIGHT``, a figure)."""
    parks = pkg.entities[pkg.entities["entity_type"] == "park"]
    district_of_park = dict(zip(parks["entity_id"].astype(str), parks["district_id"].astype(str), strict=True))
    fig = project_figures(project, fs, district_of_park)
    status, two_high_reason = r.two_high(project, fig, rules)
    # a project that only a reviewer can place ("depends") is reviewed as a 两高 one until confirmed
    reasons = [r.review_level(project, fig, status in ("yes", "depends"), rules), two_high_reason]
    reasons += r.negative_list(project, rules)
    reasons += r.siting(project, rules)
    reasons += r.efficiency(project, fig, rules)
    reasons.append(r.carbon(project, fig))  # 碳排放评价: CO2, and apart the other gases in CO2e
    # the 用能权 the project must buy and its price (registry.allocation; a figure, not a test)
    reasons.append(energy_right(project, fig, status, reasons, result.yearly, energy_rights))
    district = project.district_id or district_of_park.get(project.park_id or "")
    state = carrying.state(district, project.application_date.year) if carrying is not None else None
    reasons.append(r.carrying(project, state, rules))  # 区域限批 of carrying-capacity red zones
    expected = expected_class(project, fig, pkg, result, scheme) if scheme is not None else None
    if expected is not None and expected["class"] is not None:
        reasons.append(r.Reason("R-MUJUN", r.INFO, f"按 {scheme.id if scheme else ''} 测算，项目的亩均效益预计为 "
                                f"{expected['class']} 类（{expected['group_size']} 家中第 {expected['rank']} 名）",
                                f"expected 亩均 class {expected['class']} under {expected['scheme']} "
                                f"(rank {expected['rank']} of {expected['group_size']})", expected,
                                scheme.source.get("document", "") if scheme else ""))
    imp = impact(project, fig, pkg, result, targets or [], growth)
    outcomes = {x.outcome for x in reasons}
    verdict = "not_approvable" if r.FAIL in outcomes else "conditions" if r.CONDITIONS in outcomes else "approvable"
    return Screening(project=project, figures=fig, per_va=fig.per(project.value_added), reasons=reasons,
                     verdict=verdict, expected_class=expected, impact=imp)
