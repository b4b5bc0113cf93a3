"""New-project screening (节能审查 + 碳排放评价): the project's energy and carbon, the rules
(review level, 两高, negative list, siting, 能效标杆/基准), its expected 亩均 class, its
effect on the city's and district's targets, and a verdict with reasons. See
docs/screening.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qingshan.accounts import AccountResult
from qingshan.data.validate import Package
from qingshan.evaluation.engine import score_year
from qingshan.evaluation.inputs import evaluation_inputs
from qingshan.evaluation.scheme import Scheme
from qingshan.factors import FactorSet
from qingshan.screening import rules as r
from qingshan.screening.figures import Figures, project_figures
from qingshan.screening.project import Project, read_project
from qingshan.targets import Target, observations, room_table

__all__ = ["Screening", "read_project", "screen"]

VERDICTS = {"approvable": ("可予审批", "approvable"), "conditions": ("附条件审批", "approvable with conditions"),
            "not_approvable": ("不予审批", "not approvable")}
PROJECT_ID = "PROJECT"


@dataclass
class Screening:
    project: Project
    figures: Figures
    per_va: dict[str, float | None]
    reasons: list[r.Reason]
    verdict: str
    expected_class: dict[str, Any] | None
    impact: pd.DataFrame


def _district(project: Project, pkg: Package) -> str | None:
    if project.district_id:
        return project.district_id
    parks = pkg.entities[pkg.entities["entity_type"] == "park"]
    d = dict(zip(parks["entity_id"].astype(str), parks["district_id"].astype(str), strict=True))
    return d.get(project.park_id or "")


def expected_class(project: Project, fig: Figures, pkg: Package, result: AccountResult, scheme: Scheme
                   ) -> dict[str, Any] | None:
    """The project's class under ``scheme`` if it were one more enterprise of the latest
    year, scored against that year's distribution and benchmarks (as if past its start-up,
    so a new-firm T rule does not hide it)."""
    inputs = evaluation_inputs(pkg, result)
    year = int(inputs["year"].max())
    row: dict[str, Any] = {c: np.nan for c in inputs.columns}
    row.update({"entity_id": PROJECT_ID, "name": project.name, "year": year, "district_id": _district(project, pkg),
                "park_id": project.park_id, "industry_code": project.industry_code,
                "industry_division": project.industry_code[:2], "industry_group": project.industry_code[:3],
                "scale": "above", "land_area_mu": project.land_mu, "start_year": np.nan,
                "tax_10k_yuan": project.tax, "value_added_10k_yuan": project.value_added,
                "revenue_10k_yuan": project.revenue, "output_value_10k_yuan": project.output_value,
                "employees": project.employees, "energy_tce": fig.energy_tce, "energy_tce_equal": fig.energy_tce_equal,
                "electricity_kwh": fig.electricity_kwh, "electricity_10k_kwh": fig.electricity_kwh / 1e4,
                "co2_t": fig.co2_t, "co2_energy_t": fig.co2_combustion_t + fig.co2_electricity_t + fig.co2_heat_t})
    frame = pd.concat([inputs, pd.DataFrame([row]).astype(inputs.dtypes.to_dict(), errors="ignore")],
                      ignore_index=True)
    ys = score_year(frame, scheme, year)
    f = ys.firms.set_index("entity_id").loc[PROJECT_ID]
    return {"scheme": scheme.id, "year": year, "class": None if pd.isna(f["class"]) else str(f["class"]),
            "score": None if pd.isna(f["score"]) else float(f["score"]),
            "rank": None if pd.isna(f["rank"]) else int(f["rank"]),
            "group_size": None if pd.isna(f["group_size"]) else int(f["group_size"]), "status": str(f["status"])}


def impact(project: Project, fig: Figures, pkg: Package, result: AccountResult, targets: list[Target],
           growth: float) -> pd.DataFrame:
    """For each intensity target of the city or of the project's district: the latest
    year's intensity without and with the project, and the remaining room in the target
    year before and after the project's energy (or CO2)."""
    district = _district(project, pkg)
    chosen = [t for t in targets if t.indicator in ("energy_intensity_iva", "carbon_intensity_iva")
              and (t.level == "city" or (t.level == "district" and t.entity == district))]
    if not chosen:
        return pd.DataFrame()
    rooms = {str(x["target_id"]): x for x in room_table(chosen, result.yearly, growth).to_dict("records")}
    rows = []
    for t in chosen:
        obs = observations(t, result.yearly)
        last = int(obs.dropna().index.max())
        rr = rooms[t.id]
        q, total = float(rr["last_value_added_10k_yuan"]), float(rr["last_total"])
        if t.indicator == "energy_intensity_iva":
            add = fig.energy_tce - (fig.feedstock_tce if t.exclude_feedstock else 0.0)
        else:
            add = fig.co2_t
        dq = project.value_added or 0.0
        rows.append({"target_id": t.id, "level": t.level, "entity": t.entity, "indicator": t.indicator,
                     "year": last, "intensity_without": total / q if q > 0 else None,
                     "intensity_with": (total + add) / (q + dq) if q + dq > 0 else None,
                     "target_intensity": float(rr["target_intensity"]), "added": add,
                     "added_value_added_10k_yuan": dq, "room_without": float(rr["room"]),
                     "room_with": float(rr["room"]) - add + float(rr["target_intensity"]) * dq})
    out = pd.DataFrame(rows)
    out["intensity_change"] = out["intensity_with"] / out["intensity_without"] - 1.0
    return out


def screen(project: Project, pkg: Package, result: AccountResult, fs: FactorSet, *,
           scheme: Scheme | None = None, targets: list[Target] | None = None, growth: float = 0.0) -> Screening:
    parks = pkg.entities[pkg.entities["entity_type"] == "park"]
    fig = project_figures(project, fs, dict(zip(parks["entity_id"].astype(str), parks["district_id"].astype(str),
                                                strict=True)))
    th = r.two_high_class(project.industry_code)
    reasons = [r.review_level(project, fig, th is not None)]
    reasons.append(r.Reason("R-TWO-HIGH", r.INFO,
                            f"属于两高项目（{th['zh']}）" if th else "不属于两高项目",
                            f"a 两高 project ({th['id']})" if th else "not a 两高 project",
                            {"industry_code": project.industry_code, "class": th["id"] if th else None},
                            th["source"] if th else "screening/rules/two_high.toml"))
    reasons += r.negative_list(project)
    reasons += r.siting(project)
    reasons += r.efficiency(project, fig)
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
