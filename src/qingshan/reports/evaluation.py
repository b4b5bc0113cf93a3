"""Evaluation results as Excel (the JSON is the evaluation document,
:mod:`qingshan.documents.evaluation`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from qingshan.documents.evaluation import evaluation_document
from qingshan.evaluation import Evaluation
from qingshan.i18n import tr
from qingshan.reports.workbook import about_frame, about_rows, write_workbook


def write_xlsx(ev: Evaluation, path: str | Path, *, header: dict[str, Any] | None = None) -> Path:
    """Sheets: about (with the profile of ``header``), class counts per segment, enterprises
    (with the explanation), items, measures, parks, migration."""
    doc = evaluation_document(ev)
    rows = []
    for e in doc["enterprises"]:
        r = {k: v for k, v in e.items() if k not in ("items", "measures", "why", "move_up")}
        r["why"] = e["why"][tr("zh", "en")]
        mv = e["move_up"] or {}
        r.update({f"move_up_{k}": v for k, v in mv.items()})
        rows.append(r)
    about = [*about_rows(header or {}), (tr("评价年份", "year"), ev.year),
             (tr("评价方案", "scheme"), f"{ev.scheme.id} {tr(ev.scheme.zh, ev.scheme.en)}"),
             (tr("方案依据", "source"), ev.scheme.source.get("document", "")),
             (tr("碳效码", "carbon efficiency"), ev.carbon.document if ev.carbon else "—"),
             (tr("差别化政策", "measures"), tr(ev.measure_set.zh, ev.measure_set.en) if ev.measure_set else "—")]
    about += [(tr("方案说明", "scheme note"), n) for n in ev.scheme.notes]
    about += [(tr("说明", "note"), n[tr("zh", "en")]) for n in ev.notes]
    items = ev.items.merge(ev.firms[["entity_id", "name"]], on="entity_id", how="left")
    mig = ev.migration.reset_index().rename(columns={"from": tr("上年类别", "class last year")}) \
        if not ev.migration.empty else pd.DataFrame()
    counts = pd.DataFrame([{tr("评价分组", "segment"): seg, **{c: n.get(c, 0) for c in ("A", "B", "C", "D", "T")},
                            tr("合计", "total"): sum(n.values())} for seg, n in doc["summary"]["classes"].items()])
    sheets = [(tr("说明", "About"), about_frame(about)),
              (tr("类别统计", "Class counts"), counts),
              (tr("企业评价", "Enterprises"), pd.DataFrame(rows)),
              (tr("指标得分", "Items"), items),
              (tr("差别化政策", "Measures"), ev.measures),
              (tr("园区评价", "Parks"), ev.parks),
              (tr("类别迁移", "Migration"), mig)]
    return write_workbook(path, sheets)
