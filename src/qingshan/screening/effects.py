"""What a project would change: its expected 亩均 class if it were one more enterprise of the
latest year (:func:`expected_class`), and its effect on the intensity targets of the city
and of its district (:func:`impact`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from qingshan.accounts import AccountResult
from qingshan.data.package import Package
from qingshan.evaluation.inputs import evaluation_inputs
from qingshan.evaluation.scheme import Scheme
from qingshan.evaluation.scoring import score_year
from qingshan.screening.figures import Figures
from qingshan.screening.project import Project
from qingshan.targets.definitions import Target
from qingshan.targets.indicators import observations
from qingshan.targets.room import room_table

PROJECT_ID = "PROJECT"


def project_district(project: Project, pkg: Package) -> str | None:
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
    row.update({"entity_id": PROJECT_ID, "name": project.name, "year": year,
                "district_id": project_district(project, pkg), "park_id": project.park_id,
                "industry_code": project.industry_code,
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
    district = project_district(project, pkg)
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
