"""The screening document (docs/screening.md): the project, its energy and carbon, every
rule's reason with the numbers compared and its source, the expected 亩均 class, the effect
on the city's targets and the verdict."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qingshan import __version__
from qingshan.documents.screening_words import worded
from qingshan.documents.values import clean
from qingshan.screening import VERDICTS, Screening

if TYPE_CHECKING:
    from qingshan.city import City
    from qingshan.screening.project import Project

OUTCOME = {"pass": ("通过", "pass"), "conditions": ("附条件", "conditions"), "fail": ("不通过", "fail"),
           "info": ("说明", "note")}


def energy_right(s: Screening) -> dict[str, Any] | None:
    """The 用能权 the project must buy and its price (``R-ENERGY-RIGHT``: quota, price, cost
    and every step, docs/registries.md "Allocation"), or ``None`` where the profile selects
    no purchase rules."""
    x = next((x for x in s.reasons if x.rule == "R-ENERGY-RIGHT" and "quota_formula" in x.numbers), None)
    return None if x is None else {**x.numbers, "zh": x.zh, "en": x.en, "source": x.source}


def screening_document(s: Screening) -> dict[str, Any]:
    p = s.project
    fig = {k: clean(v) for k, v in dataclasses.asdict(s.figures).items()}
    fig["ghg_t_co2e"] = clean(s.figures.ghg_t_co2e)  # CO2 + the other gases in CO2e (docs/screening.md)
    products = []
    for pr in p.products:
        e = [x for x in s.reasons if x.rule == "R-EFFICIENCY" and x.numbers.get("product") == pr.product]
        per = {"energy_kgce_per_unit": s.figures.energy_tce * 1000 / pr.capacity if pr.capacity else None,
               "co2_t_per_unit": s.figures.co2_t / pr.capacity if pr.capacity else None}
        products.append({**dataclasses.asdict(pr), **per, "benchmark": e[0].numbers if e else None})
    return {
        "qingshan_version": __version__,
        "project": {"name": p.name, "builder": p.builder, "industry_code": p.industry_code, "kind": p.kind,
                    "application_date": str(p.application_date), "commissioning_year": p.commissioning_year,
                    "park_id": p.park_id, "district_id": p.district_id, "value_added_10k_yuan": p.value_added,
                    "output_value_10k_yuan": p.output_value, "tax_10k_yuan": p.tax, "land_mu": p.land_mu,
                    "employees": p.employees, "file": p.file},
        "verdict": s.verdict, "verdict_zh": VERDICTS[s.verdict][0], "verdict_en": VERDICTS[s.verdict][1],
        "figures": fig, "per_value_added": s.per_va, "products": products,
        "reasons": [worded(dataclasses.asdict(x)) for x in s.reasons], "expected_class": s.expected_class,
        "energy_right": energy_right(s),
        "impact": [{k: clean(v) for k, v in r.items()} for r in s.impact.to_dict("records")],
        "notes": s.notes,
    }


def build(city: City, project: Project, scheme: str | Path | None = None, growth: float | None = None
          ) -> dict[str, Any]:
    """Screen ``project`` against the city, under its profile for the application year."""
    s = city.screen(project, scheme=scheme, growth=growth)
    doc = screening_document(s)
    plan = city.plan()
    named = {t.id: (t.zh, t.en) for t in plan.targets} if plan is not None else {}
    # the effect on each target by its name, as the targets page names it (issue #16)
    doc["impact"] = [r | dict(zip(("zh", "en"), named.get(str(r.get("target_id")), (r.get("target_id"),) * 2),
                                  strict=True)) for r in doc["impact"]]
    return {**city.header(project.application_date.year), **doc}


def read_project(path: Path) -> Project:
    """A project file (YAML or XLSX, docs/screening.md), every problem collected."""
    from qingshan.screening import read_project as read

    return read(path)
