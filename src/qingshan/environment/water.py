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
  ``estuary_rule`` (profile key ``environment.estuary_rule``): ``"gb3838"`` (default) as
  river sections (GB 3838-2002 foreword); ``"gb3097"``: the sections whose
  ``estuary_side`` is ``sea`` by GB 3097-1997 (``wq.section_standard``), the others as
  river sections;
- a section assessed by GB 3097 has no GB 3838 class, grade, target verdict, multiple or
  CWQI: its class is in the ``sea_*`` columns (1…5, 5 = 劣四类) of the samples, months and
  years, compared with its ``sea_target_class`` (GB 3097 class 1–4) where the row gives
  one, and counted in ``sea_shares``, never in the GB 3838 ``shares``;
- CWQI per section-year: Σ CWQI(i) over the 21 items (环办监测〔2017〕51号, as built).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qingshan.environment.standards import sea_water_limits, water_grades, water_limits
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


def _sea_classify(frame: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """GB 3097-1997 class, its labels and deciding items of each row of item values."""
    conc = frame[[c for c in items if c in frame.columns]]
    classes = wq.sea_item_classes(conc, sea_water_limits())
    out = pd.DataFrame(index=frame.index)
    out["sea_class"] = wq.sample_class(classes, items)
    out["sea_class_label"] = [wq.sea_class_label(c) for c in out["sea_class"].astype(object)]
    out["sea_class_label_en"] = [wq.sea_class_label(c, "en") for c in out["sea_class"].astype(object)]
    out["sea_deciding"] = [",".join(d) for d in wq.deciding_items(classes, items)]
    return out


#: The GB 3838 columns a section assessed by GB 3097 leaves empty.
RIVER_COLUMNS = ("class", "class_label", "deciding", "grade", "grade_en")
SEA_COLUMNS = ("sea_class", "sea_class_label", "sea_class_label_en", "sea_deciding")


def _both(frame: pd.DataFrame, ids: pd.Series, standard: pd.Series, items: list[str], sea_items: list[str],
          bodies: pd.Series, estuary_rule: str) -> pd.DataFrame:
    """The GB 3838 columns (:func:`_classify`) and the GB 3097 columns (:func:`_sea_classify`)
    of rows of item values, each filled only on the rows of sections assessed by its
    standard, with the ``standard`` of each row."""
    std = ids.map(standard)
    river = _classify(frame, bodies, items, estuary_rule)
    sea = _sea_classify(frame, sea_items)
    is_sea = (std == "gb3097").to_numpy(dtype=bool)
    for col in RIVER_COLUMNS:
        river[col] = river[col].astype(object).where(~is_sea, None) if col != "class" else \
            river[col].mask(is_sea)
    for col in SEA_COLUMNS:
        sea[col] = sea[col].mask(~is_sea) if col == "sea_class" else sea[col].astype(object).where(is_sea, None)
    return pd.concat([river, sea, std.rename("standard")], axis=1)


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
    #: the GB 3097-1997 items sea-ward sections are classed on (empty under ``gb3838``)
    sea_items: list[str]
    #: shares of the sections assessed by GB 3097, per city and district (no row without any)
    sea_shares: pd.DataFrame


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


def _sea_shares(years: pd.DataFrame) -> pd.DataFrame:
    """Shares of the sections assessed by GB 3097 in each of its classes, and those meeting
    their ``sea_target_class``, for the city and each district that has such sections."""
    cols = ["scope", "unit", "sections", *(f"class_{k}" for k in range(1, wq.WORSE_THAN_FOUR + 1)),
            "meeting_target", "with_target", "meeting_target_pct"]
    sea = years[years["standard"] == "gb3097"]
    if sea.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for scope, unit, g in [("city", "city", sea),
                           *(("district", str(d), g) for d, g in sea.groupby("district_id", sort=True))]:
        s = wq.sea_class_shares(g["sea_class"])
        met = g["sea_meets_target"].dropna()
        rows.append({"scope": scope, "unit": unit, "sections": int(s["n"]),
                     **{k: float(s[k]) for k in s.index if k != "n"},
                     "meeting_target": int(met.sum()), "with_target": len(met),
                     "meeting_target_pct": 100.0 * float(met.sum()) / len(met) if len(met) else np.nan})
    return pd.DataFrame(rows, columns=cols)


def assess_water(sections: pd.DataFrame, samples: pd.DataFrame, year: int, *,
                 estuary_rule: str = "gb3838") -> WaterResult:
    """The water assessment of ``year`` from ``water_sections`` and ``water_samples`` rows
    (package columns; ``estuary_side`` and ``sea_target_class`` are optional; see module
    doc)."""
    wq.check_estuary_rule(estuary_rule)
    items = wq.assessed_items(water_limits())
    sec = sections.assign(section_id=sections["section_id"].astype(str),
                          body=body_of(sections["water_body"]),
                          target_class=pd.to_numeric(sections["target_class"], errors="coerce"))
    sec["standard"] = wq.section_standard(sec["water_body"].astype(str),
                                          sec["estuary_side"] if "estuary_side" in sec.columns else None,
                                          estuary_rule)
    sec["sea_target_class"] = pd.to_numeric(sec["sea_target_class"], errors="coerce") \
        if "sea_target_class" in sec.columns else np.nan
    sec = sec.set_index("section_id", drop=False)
    standard = sec["standard"]
    sea_items = wq.sea_assessed_items(sea_water_limits()) if (standard == "gb3097").any() else []
    both = list(dict.fromkeys([*items, *sea_items]))
    wide = wide_samples(samples)
    wide = wide[(wide["date"].dt.year == year) & wide["section_id"].isin(sec.index)].reset_index(drop=True)
    bodies = wide["section_id"].map(sec["body"])
    per_sample = pd.concat([wide[["section_id", "date"]],
                            _both(wide, wide["section_id"], standard, items, sea_items, bodies, estuary_rule)],
                           axis=1)

    wide["month"] = wide["date"].dt.month
    mm = wq.period_means(wide, ["section_id", "month"], both).reset_index()
    months = pd.concat([mm[["section_id", "month"]],
                        _both(mm, mm["section_id"], standard, items, sea_items, mm["section_id"].map(sec["body"]),
                              estuary_rule)], axis=1)

    ym = wq.period_means(wide, ["section_id"], both)
    yr = ym.reset_index()
    years = pd.concat([yr[["section_id"]],
                       _both(yr, yr["section_id"], standard, items, sea_items, yr["section_id"].map(sec["body"]),
                             estuary_rule)], axis=1)
    years["samples"] = years["section_id"].map(wide.groupby("section_id").size()).astype("int64")
    for col in ("name", "district_id", "water_body", "river", "level", "target_class", "estuary_side",
                "sea_target_class"):
        if col in sec.columns:
            years[col] = years["section_id"].map(sec[col])
    river = (years["standard"] == "gb3838").to_numpy(dtype=bool)
    years["meets_target"] = wq.meets_target(years["class"], years["target_class"].astype("Int64")).where(river)
    years["sea_meets_target"] = wq.meets_target(years["sea_class"],
                                                years["sea_target_class"].astype("Int64")).where(~river)
    river_ids = [i for i in ym.index if standard[i] == "gb3838"]
    cw = pd.Series(np.nan, index=ym.index)
    for body in pd.unique(sec.loc[river_ids, "body"]):
        ids = [i for i in river_ids if sec.loc[i, "body"] == body]
        cw.loc[ids] = wq.cwqi(ym.loc[ids], water_limits(), str(body), items, estuary_rule)
    years["cwqi"] = years["section_id"].map(cw).astype("float64")
    return WaterResult(year=year, estuary_rule=estuary_rule, items=items, sections=sec.reset_index(drop=True),
                       samples=per_sample, months=months, years=years,
                       exceedances=_multiples(ym.loc[river_ids], sec, items, estuary_rule),
                       shares=_shares(years[river]), sea_items=sea_items, sea_shares=_sea_shares(years))
