"""The surface-water engine (docs/environment.md, "Engines and commands"): GB 3838-2002
classes per sample and per section-period, compliance with each section's target class,
exceedance multiples, shares of sections by class for the city and each district, grades
and the per-section CWQI, on the package tables ``water_sections`` and ``water_samples``.

Rules (all of :mod:`qingshan.methods.water_quality`, with their sources there):

- items evaluated: the 21 of 环办〔2011〕22号 (``assessed_2011``);
- a section-period (month, year) is classed on the arithmetic mean of each item over its
  samples; its deciding items are those at its class;
- compliance: the section-year class is the target class or better; exceedance multiples
  (C − S)/S against the limit of the target class (GB 3838-2002 §5.1);
- shares (%) of classed sections in Ⅰ–Ⅲ and 劣Ⅴ per city and district; the grade by
  section shares (断面水质类别比例法) only for 5 sections or more (the method assesses
  fewer on mean concentrations; not built, the grade is then empty);
- reservoirs are classed as lakes (GB 3838-2002 "湖、库"); estuary sections by the rule
  ``estuary_rule`` (``"gb3838"``: as a river section, GB 3838-2002 foreword);
- CWQI per section-year: Σ CWQI(i) over the 21 items (环办监测〔2017〕51号, as built).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qingshan.environment.standards import water_grades, water_limits
from qingshan.methods import water_quality as wq

PERIODS = ("month", "year")


def body_of(water_body: pd.Series) -> pd.Series:
    """The method's water body of each section: ``reservoir`` → ``lake``; others as given."""
    return water_body.astype(str).replace({"reservoir": "lake"})


def wide_samples(samples: pd.DataFrame) -> pd.DataFrame:
    """``water_samples`` (one row per section, date and item) as one row per section and
    date with a column per item; repeated measurements of a day are averaged."""
    data = samples.assign(section_id=samples["section_id"].astype(str), date=pd.to_datetime(samples["date"]),
                          value=pd.to_numeric(samples["value"], errors="coerce"))
    wide = data.pivot_table(index=["section_id", "date"], columns="item", values="value", aggfunc="mean")
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def _classify(frame: pd.DataFrame, bodies: pd.Series, items: list[str], estuary_rule: str) -> pd.DataFrame:
    """Class, deciding items and grade of each row of item values."""
    limits = water_limits()
    conc = frame[[c for c in items if c in frame.columns]]
    classes = wq.item_classes(conc, limits, bodies, estuary_rule)
    out = pd.DataFrame(index=frame.index)
    out["class"] = wq.sample_class(classes, items)
    out["class_label"] = [None if pd.isna(c) else wq.CLASS_LABELS[int(c) - 1] for c in out["class"]]
    out["deciding"] = [",".join(d) for d in wq.deciding_items(classes, items)]
    grades = water_grades()
    out["grade"] = wq.section_grade(out["class"], grades)
    english = dict(zip(grades["grade_zh"].astype(str), grades["grade_en"].astype(str), strict=True))
    out["grade_en"] = out["grade"].map(lambda g: None if pd.isna(g) else english.get(str(g)))
    return out


@dataclass
class WaterResult:
    """The water assessment of one year: samples, section-months and section-years with
    their classes, compliance, multiples and CWQI; shares and grades per city and district."""

    year: int
    estuary_rule: str
    items: list[str]
    sections: pd.DataFrame
    samples: pd.DataFrame
    months: pd.DataFrame
    years: pd.DataFrame
    exceedances: pd.DataFrame
    shares: pd.DataFrame


def _multiples(means: pd.DataFrame, sections: pd.DataFrame, items: list[str], estuary_rule: str) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    limits = water_limits()
    for sid, r in means.iterrows():
        sec = sections.loc[str(sid)]
        target = sec["target_class"]
        if pd.isna(target):
            continue
        vals = r[[c for c in items if c in means.columns]].to_frame().T
        m = wq.exceedance_multiples(vals, limits, str(sec["body"]), int(target), estuary_rule)
        for item, v in m.iloc[0].items():
            if pd.notna(v):
                rows.append({"section_id": str(sid), "item": str(item), "mean": float(r[item]),
                             "target_class": int(target), "multiple": float(v)})
    return pd.DataFrame(rows, columns=["section_id", "item", "mean", "target_class", "multiple"])


def _shares(years: pd.DataFrame) -> pd.DataFrame:
    grades = water_grades()
    english = dict(zip(grades["grade_zh"].astype(str), grades["grade_en"].astype(str), strict=True))
    rows = []
    for scope, unit, g in [("city", "city", years),
                           *(("district", str(d), g) for d, g in years.groupby("district_id", sort=True))]:
        s = wq.class_shares(g["class"])
        n = int(s["n"])
        grade = wq.basin_grade(s["i_iii"], s["worse_v"], grades)[0] if n >= 5 else None
        met = g["meets_target"].dropna()
        rows.append({"scope": scope, "unit": unit, "sections": n, **{k: float(s[k]) for k in s.index if k != "n"},
                     "meeting_target": int(met.sum()), "with_target": len(met),
                     "meeting_target_pct": 100.0 * float(met.sum()) / len(met) if len(met) else np.nan,
                     "grade": grade, "grade_en": english.get(str(grade)) if grade is not None else None})
    return pd.DataFrame(rows)


def assess_water(sections: pd.DataFrame, samples: pd.DataFrame, year: int, *,
                 estuary_rule: str = "gb3838") -> WaterResult:
    """The water assessment of ``year`` from ``water_sections`` and ``water_samples`` rows
    (package columns; see module doc)."""
    items = wq.assessed_items(water_limits())
    sec = sections.assign(section_id=sections["section_id"].astype(str),
                          body=body_of(sections["water_body"]),
                          target_class=pd.to_numeric(sections["target_class"], errors="coerce"))
    sec = sec.set_index("section_id", drop=False)
    wide = wide_samples(samples)
    wide = wide[(wide["date"].dt.year == year) & wide["section_id"].isin(sec.index)].reset_index(drop=True)
    bodies = wide["section_id"].map(sec["body"])
    per_sample = pd.concat([wide[["section_id", "date"]], _classify(wide, bodies, items, estuary_rule)], axis=1)

    wide["month"] = wide["date"].dt.month
    mm = wq.period_means(wide, ["section_id", "month"], items).reset_index()
    months = pd.concat([mm[["section_id", "month"]],
                        _classify(mm, mm["section_id"].map(sec["body"]), items, estuary_rule)], axis=1)

    ym = wq.period_means(wide, ["section_id"], items)
    yr = ym.reset_index()
    years = pd.concat([yr[["section_id"]], _classify(yr, yr["section_id"].map(sec["body"]), items, estuary_rule)],
                      axis=1)
    years["samples"] = years["section_id"].map(wide.groupby("section_id").size()).astype("int64")
    for col in ("name", "district_id", "water_body", "river", "level", "target_class"):
        if col in sec.columns:
            years[col] = years["section_id"].map(sec[col])
    years["meets_target"] = wq.meets_target(years["class"], years["target_class"].astype("Int64"))
    cw = pd.Series(np.nan, index=ym.index)
    for body in pd.unique(sec.loc[ym.index, "body"]):
        ids = [i for i in ym.index if sec.loc[i, "body"] == body]
        cw.loc[ids] = wq.cwqi(ym.loc[ids], water_limits(), str(body), items, estuary_rule)
    years["cwqi"] = years["section_id"].map(cw).astype("float64")
    return WaterResult(year=year, estuary_rule=estuary_rule, items=items, sections=sec.reset_index(drop=True),
                       samples=per_sample, months=months, years=years,
                       exceedances=_multiples(ym, sec, items, estuary_rule), shares=_shares(years))
