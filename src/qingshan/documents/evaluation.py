"""The evaluation document (docs/evaluation.md, "Outputs"): per enterprise its group,
class, score, rank, item scores, 碳效码, measures and the explanation of its class; class
counts, measure totals, parks and the class migration."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan import __version__
from qingshan.documents.values import clean, records
from qingshan.evaluation import Evaluation
from qingshan.evaluation.catalogue import indicators

if TYPE_CHECKING:
    from qingshan.city import City
    from qingshan.documents.names import Names

ITEM_FIELDS = ("indicator", "weight", "value", "benchmark", "bench_min", "bench_max", "score", "missing",
               "needed_value", "change", "reachable")


def _f(v: Any, digits: int = 2) -> str:
    v = clean(v)
    return "—" if v is None else f"{float(v):,.{digits}f}"


#: an enterprise's size as the explanation names it
SCALE_NAMES = {"above": ("规上", "above designated size"), "below": ("规下", "below designated size")}
#: what a ranking group's key is, where the package has no name for it
GROUP_KEY_NAMES = {"industry_group": ("行业中类", "industry group"), "industry_code": ("行业小类", "industry class")}


def _n(v: Any) -> str:
    """A count or a rank as the explanation writes it: an integer ("17", never "17.0")."""
    v = clean(v)
    return "—" if v is None else f"{round(float(v))}"


def _group_names(seg: Any, label: str, names: Names | None) -> tuple[str, str]:
    """The ranking group of a firm by name ("临江县", "临江县 / 化学原料和化学制品制造业"), not by
    the codes its label is made of ("459903")."""
    parts = label.split("/")
    zh, en = [], []
    for column, code in zip(seg.rank_within, parts, strict=False):
        kind = {"district_id": "district", "park_id": "park", "industry_division": "industry"}.get(column)
        a = names.of(kind, code, "zh") if names is not None and kind else None
        b = names.of(kind, code, "en") if names is not None and kind else None
        if a is None:
            what = GROUP_KEY_NAMES.get(column, ("", ""))
            a, b = f"{what[0]} {code}".strip(), f"{what[1]} {code}".strip()
        zh.append(a)
        en.append(b or a)
    return " / ".join(zh), " / ".join(en)


def why(ev: Evaluation, firm: dict[str, Any], names: Names | None = None) -> dict[str, str]:
    """Why the firm has its class, in Chinese and English; its ranking group by the names of
    ``names`` (the city's districts, parks and industry divisions)."""
    status = firm["status"]
    if status == "out_of_scope":
        land = _f(firm.get("land_area_mu"), 1)
        scale = SCALE_NAMES.get(str(firm.get("scale")), ("—", "—"))
        return {"zh": f"不在本方案评价范围内（{scale[0]}，用地 {land} 亩，不属于任一评价分组）",
                "en": f"outside the scheme's scope ({scale[1]}, land {land} mu, in no segment)"}
    if status == "exempt":
        if firm.get("exempt_reason") == "utility":
            div = str(firm.get("industry_division"))
            zh = names.of("industry", div, "zh") if names is not None else None
            en = names.of("industry", div, "en") if names is not None else None
            return {"zh": f"T 类（不适合评价）：行业大类 {zh or div} 属于水、电、气等公用事业",
                    "en": f"class T (not suited): industry division {en or div} is a utility"}
        n = ev.scheme.exempt.min_years_in_production
        return {"zh": f"T 类（不适合评价）：投产不足 {n} 年",
                "en": f"class T (not suited): in production under {n} years"}
    seg = next(s for s in ev.scheme.segments if s.id == firm["segment"])
    cls, rule = firm["class"], seg.classes
    group_zh, group_en = _group_names(seg, str(firm["group"]).split(":", 1)[-1], names) if seg.rank_within \
        else ("", "")
    where_zh = f"（{group_zh}）" if seg.rank_within else ""
    where_en = f" ({group_en})" if seg.rank_within else ""
    head_zh = (f"{seg.zh}{where_zh} {_n(firm['group_size'])} 家中总分 {_f(firm['score'])}，"
               f"排名第 {_n(firm['rank'])} 名")
    head_en = (f"{seg.en}{where_en}, {_n(firm['group_size'])} firms: score {_f(firm['score'])}, "
               f"rank {_n(firm['rank'])}")
    if rule.rule == "percentile":
        n = int(firm["group_size"])
        cuts = rule.cuts(n)
        spans = []
        for j, b in enumerate(rule.bands):
            lo_j = cuts[j - 1] if j else 0
            spans.append((b.cls, lo_j + 1, cuts[j]))
        parts = [f"{c} {a}–{z}" if z > a else f"{c} {a}" if z == a else f"{c} —" for c, a, z in spans]
        mine = next(x for x in spans if x[0] == cls)
        tied = _n(firm["rank"]) != _n(firm["rank_last"])
        tz = {"worse": "较低", "better": "较高", "middle": "居中"}[rule.ties]
        te = {"worse": "lower", "better": "higher", "middle": "middle"}[rule.ties]
        tie_zh = (f"（与其他企业并列第 {_n(firm['rank'])}–{_n(firm['rank_last'])} 名，"
                  f"按并列规则取{tz}位次）"
                  if tied else "")
        tie_en = (f" (tied at ranks {_n(firm['rank'])}–{_n(firm['rank_last'])}; the tie rule takes the "
                  f"{te} position)" if tied else "")
        where = f"{mine[1]}–{mine[2]}" if mine[2] > mine[1] else f"{mine[1]}"
        return {"zh": f"{head_zh}，位次 {firm['position']:.1%}{tie_zh}；本组 {n} 家按方案比例及取整规则，"
                      f"{cls} 类为第 {where} 名（{'，'.join(parts)}）",
                "en": f"{head_en}, position {firm['position']:.1%}{tie_en}; with the scheme's shares and rounding "
                      f"for {n} firms, class {cls} is ranks {where} ({', '.join(parts)})"}
    band = next(b for b in rule.bands if b.cls == cls)
    return {"zh": f"{head_zh}，达到 {cls} 类分数线 {band.upto:g}",
            "en": f"{head_en}, reaching class {cls}'s line {band.upto:g}"}


def evaluation_document(ev: Evaluation, names: Names | None = None) -> dict[str, Any]:
    """The JSON document of one evaluation (docs/evaluation.md, "Outputs")."""
    cat = indicators()
    # Each table is turned into JSON-ready rows once, column by column, then grouped by
    # enterprise (a frame's to_dict per enterprise cost 9 s at 10 000 enterprises).
    item_of: dict[Any, list[dict[str, Any]]] = {}
    item_ids = ev.items["entity_id"].tolist()
    for eid, r in zip(item_ids, records(ev.items, ITEM_FIELDS), strict=True):
        ind = cat[r["indicator"]]
        r.update({"zh": ind.zh, "en": ind.en, "unit": ind.unit, "direction": ind.direction})
        item_of.setdefault(eid, []).append(r)
    meas: dict[Any, list[dict[str, Any]]] = {}
    if len(ev.measures):
        fields = tuple(str(c) for c in ev.measures.columns if c != "entity_id")
        for eid, r in zip(ev.measures["entity_id"].tolist(), records(ev.measures, fields), strict=True):
            meas.setdefault(eid, []).append(r)
    out = []
    for firm in records(ev.firms):
        eid = firm["entity_id"]
        its = item_of.get(eid, [])
        ms = meas.get(eid, [])
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
            "measures": ms, "measures_yuan": firm["measures_yuan"], "why": why(ev, firm, names), "move_up": move,
        })
    return {
        "qingshan_version": __version__, "year": ev.year,
        "scheme": {"id": ev.scheme.id, "zh": ev.scheme.zh, "en": ev.scheme.en, "source": ev.scheme.source,
                   "notes": list(ev.scheme.notes)},
        "carbon_efficiency": None if ev.carbon is None else {
            "id": ev.carbon.id, "document": ev.carbon.document, "co2": ev.carbon.co2,
            "industry_digits": ev.carbon.industry_digits, "level_limits": list(ev.carbon.level_limits),
            "grade_limits": list(ev.carbon.grade_limits)},
        "measure_set": None if ev.measure_set is None else {"id": ev.measure_set.id, "zh": ev.measure_set.zh,
                                                             "en": ev.measure_set.en},
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


def build(city: City, year: int, scheme: str | Path | None = None, adjustments: Path | None = None
          ) -> dict[str, Any]:
    """The city's evaluation of ``year`` under its profile (``scheme`` overrides the
    profile's 亩均 scheme)."""
    key = ("evaluation_document", year, str(scheme), str(adjustments))
    if key not in city.memo:  # the evaluation is kept by the city; so is its document
        from qingshan.documents.names import names

        city.memo[key] = evaluation_document(city.evaluation(year, scheme=scheme, adjustments=adjustments),
                                             names(city))
    return {**city.header(year), **city.memo[key]}


@functools.cache
def scheme_title(name: str) -> dict[str, str]:
    """A shipped scheme's names, as selectors show it (``{"id", "zh", "en"}``); the name
    itself for one that is not shipped."""
    from qingshan.evaluation.scheme import load_scheme

    if name not in known_schemes():
        return {"id": name, "zh": name, "en": name}
    s = load_scheme(name)
    return {"id": name, "zh": s.zh, "en": s.en}


def known_schemes() -> list[str]:
    """The shipped 亩均 schemes (the only ones a web request may name)."""
    from qingshan.evaluation.scheme import preset_names

    return preset_names()
