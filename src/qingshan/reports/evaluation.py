"""Evaluation results as JSON and Excel: per enterprise its group, class, score, rank, item
scores, 碳效码, measures and the explanation of its class (docs/evaluation.md, "Outputs")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from qingshan import __version__
from qingshan.evaluation import Evaluation
from qingshan.evaluation.catalogue import indicators
from qingshan.i18n import tr
from qingshan.reports.files import write_atomic
from qingshan.reports.workbook import clean, write_workbook

ITEM_FIELDS = ("indicator", "weight", "value", "benchmark", "bench_min", "bench_max", "score", "missing",
               "needed_value", "change", "reachable")


def _f(v: Any, digits: int = 2) -> str:
    v = clean(v)
    return "—" if v is None else f"{float(v):,.{digits}f}"


def why(ev: Evaluation, firm: dict[str, Any]) -> dict[str, str]:
    """Why the firm has its class, in Chinese and English."""
    status = firm["status"]
    if status == "out_of_scope":
        land = _f(firm.get("land_area_mu"), 1)
        return {"zh": f"不在本方案评价范围内（规模 {firm.get('scale') or '—'}，用地 {land} 亩，不属于任一评价分组）",
                "en": f"outside the scheme's scope (scale {firm.get('scale') or '—'}, land {land} mu, "
                      "in no segment)"}
    if status == "exempt":
        if firm.get("exempt_reason") == "utility":
            return {"zh": f"T 类（不适合评价）：行业大类 {firm.get('industry_division')} 属于水、电、气等公用事业",
                    "en": f"class T (not suited): industry division {firm.get('industry_division')} is a utility"}
        n = ev.scheme.exempt.min_years_in_production
        return {"zh": f"T 类（不适合评价）：投产不足 {n} 年",
                "en": f"class T (not suited): in production under {n} years"}
    seg = next(s for s in ev.scheme.segments if s.id == firm["segment"])
    cls, rule = firm["class"], seg.classes
    where_zh = f"（{firm['group'].split(':', 1)[1]}）" if seg.rank_within else ""
    where_en = f" ({firm['group'].split(':', 1)[1]})" if seg.rank_within else ""
    head_zh = f"{seg.zh}{where_zh} {firm['group_size']} 家中总分 {_f(firm['score'])}，排名第 {firm['rank']} 名"
    head_en = (f"{seg.en}{where_en}, {firm['group_size']} firms: score {_f(firm['score'])}, "
               f"rank {firm['rank']}")
    if rule.rule == "percentile":
        band = next(b for b in rule.bands if b.cls == cls)
        prev = [b.upto for b in rule.bands if b.upto < band.upto]
        lo = max(prev) if prev else 0.0
        tied = firm["rank"] != firm["rank_last"]
        tz = {"worse": "较低", "better": "较高", "middle": "居中"}[rule.ties]
        te = {"worse": "lower", "better": "higher", "middle": "middle"}[rule.ties]
        tie_zh = (f"（与其他企业并列第 {firm['rank']}–{firm['rank_last']} 名，"
                  f"按并列规则取{tz}位次）"
                  if tied else "")
        tie_en = (f" (tied at ranks {firm['rank']}–{firm['rank_last']}; the tie rule takes the "
                  f"{te} position)" if tied else "")
        return {"zh": f"{head_zh}，位次 {firm['position']:.1%}{tie_zh}，落在 {cls} 类区间（{lo:.0%}, {band.upto:.0%}]",
                "en": f"{head_en}, position {firm['position']:.1%}{tie_en}, within class {cls}'s band "
                      f"({lo:.0%}, {band.upto:.0%}]"}
    band = next(b for b in rule.bands if b.cls == cls)
    return {"zh": f"{head_zh}，达到 {cls} 类分数线 {band.upto:g}",
            "en": f"{head_en}, reaching class {cls}'s line {band.upto:g}"}


def evaluation_document(ev: Evaluation) -> dict[str, Any]:
    """The JSON document of one evaluation (docs/evaluation.md, "Outputs")."""
    items = ev.items.groupby("entity_id", sort=False)
    item_of = {eid: g for eid, g in items}
    meas = {eid: g for eid, g in ev.measures.groupby("entity_id", sort=False)} if len(ev.measures) else {}
    cat = indicators()
    out = []
    for rec in ev.firms.to_dict("records"):
        firm = {str(k): clean(v) for k, v in rec.items()}
        eid = firm["entity_id"]
        its = []
        if eid in item_of:
            for r in item_of[eid][list(ITEM_FIELDS)].to_dict("records"):
                r = {k: clean(v) for k, v in r.items()}
                ind = cat[r["indicator"]]
                r.update({"zh": ind.zh, "en": ind.en, "unit": ind.unit, "direction": ind.direction})
                its.append(r)
        ms = [{k: clean(v) for k, v in r.items() if k != "entity_id"}
              for r in meas[eid].to_dict("records")] if eid in meas else []
        move = None
        if firm.get("target_class") is not None:
            move = {"target_class": firm["target_class"], "threshold_score": firm["threshold_score"],
                    "gap": firm["gap"], "strict": firm["strict"]}
        out.append({
            "entity_id": eid, "name": firm["name"], "district_id": firm["district_id"], "park_id": firm["park_id"],
            "industry_code": firm["industry_code"], "scale": firm["scale"], "status": firm["status"],
            "segment": firm["segment"], "group": firm["group"], "class": firm["class"], "score": firm["score"],
            "adjustment": firm["adjustment"], "rank": firm["rank"], "rank_last": firm["rank_last"],
            "group_size": firm["group_size"], "position": firm["position"], "items": its,
            "carbon_L": firm["carbon_L"], "carbon_level": firm["carbon_level"], "carbon_K": firm["carbon_K"],
            "carbon_industry_L": firm["carbon_industry_L"], "carbon_grade": firm["carbon_grade"],
            "measures": ms, "measures_yuan": firm["measures_yuan"], "why": why(ev, firm), "move_up": move,
        })
    return {
        "qingshan_version": __version__, "year": ev.year,
        "scheme": {"id": ev.scheme.id, "zh": ev.scheme.zh, "en": ev.scheme.en, "source": ev.scheme.source,
                   "notes": list(ev.scheme.notes)},
        "carbon_efficiency": {"id": ev.carbon.id, "document": ev.carbon.document, "co2": ev.carbon.co2,
                              "industry_digits": ev.carbon.industry_digits,
                              "level_limits": list(ev.carbon.level_limits),
                              "grade_limits": list(ev.carbon.grade_limits)},
        "measure_set": {"id": ev.measure_set.id, "zh": ev.measure_set.zh},
        "summary": summary(ev), "notes": ev.notes,
        "migration": _migration(ev.migration), "parks": [{k: clean(v) for k, v in r.items()}
                                                          for r in ev.parks.to_dict("records")],
        "enterprises": out,
    }


def summary(ev: Evaluation) -> dict[str, Any]:
    """Class counts per segment, carbon-grade counts and the city's measure totals."""
    f = ev.firms
    by_seg = {str(s): {str(c): int(n) for c, n in g["class"].value_counts().sort_index().items()}
              for s, g in f[f["segment"].notna()].groupby("segment")}
    grades = {str(k): int(v) for k, v in f["carbon_grade"].dropna().astype("int64").value_counts().sort_index().items()}
    m = ev.measures
    totals = ({str(k): {"enterprises": len(g), "amount_yuan": clean(g["amount_yuan"].sum(min_count=1))}
               for k, g in m.groupby("measure")} if len(m) else {})
    return {"status": {str(k): int(v) for k, v in f["status"].value_counts().items()}, "classes": by_seg,
            "carbon_grades": grades, "measures": totals,
            "measures_total_yuan": clean(m["amount_yuan"].sum(min_count=1)) if len(m) else None}


def _migration(m: pd.DataFrame) -> dict[str, Any]:
    if m.empty:
        return {}
    return {"from_rows_to_columns": {str(i): {str(c): int(v) for c, v in row.items()} for i, row in m.iterrows()}}


def write_json(ev: Evaluation, path: str | Path) -> Path:
    doc = evaluation_document(ev)

    def write(p: Path) -> None:
        p.write_text(json.dumps(doc, ensure_ascii=False, indent=1), "utf-8")

    return write_atomic(path, write)


def write_xlsx(ev: Evaluation, path: str | Path) -> Path:
    """Sheets: about, enterprises (with the explanation), items, measures, parks, migration."""
    doc = evaluation_document(ev)
    rows = []
    for e in doc["enterprises"]:
        r = {k: v for k, v in e.items() if k not in ("items", "measures", "why", "move_up")}
        r["why"] = e["why"][tr("zh", "en")]
        mv = e["move_up"] or {}
        r.update({f"move_up_{k}": v for k, v in mv.items()})
        rows.append(r)
    about = [(tr("软件版本", "Qingshan version"), __version__), (tr("评价年份", "year"), ev.year),
             (tr("评价方案", "scheme"), f"{ev.scheme.id} {tr(ev.scheme.zh, ev.scheme.en)}"),
             (tr("方案依据", "source"), ev.scheme.source.get("document", "")),
             (tr("碳效码", "carbon efficiency"), ev.carbon.document),
             (tr("差别化政策", "measures"), ev.measure_set.zh)]
    about += [(tr("方案说明", "scheme note"), n) for n in ev.scheme.notes]
    about += [(tr("说明", "note"), n[tr("zh", "en")]) for n in ev.notes]
    items = ev.items.merge(ev.firms[["entity_id", "name"]], on="entity_id", how="left")
    mig = ev.migration.reset_index().rename(columns={"from": tr("上年类别", "class last year")}) \
        if not ev.migration.empty else pd.DataFrame()
    sheets = [(tr("说明", "About"), pd.DataFrame(about, columns=[tr("项目", "item"), tr("内容", "value")])),
              (tr("企业评价", "Enterprises"), pd.DataFrame(rows)),
              (tr("指标得分", "Items"), items),
              (tr("差别化政策", "Measures"), ev.measures),
              (tr("园区评价", "Parks"), ev.parks),
              (tr("类别迁移", "Migration"), mig)]
    return write_workbook(path, sheets)
