"""The GEP export (``qingshan gep export``): the export document of
:func:`qingshan.documents.gep.export_document` as a workbook (Chinese headers by default,
English with ``--lang en``), as CSV files in a folder, or as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from qingshan.i18n import tr
from qingshan.reports.files import write_json
from qingshan.reports.workbook import about_frame, about_rows, write_workbook

#: Column headers: column → (中文, English).
HEADERS: dict[str, tuple[str, str]] = {
    "year": ("年份", "year"), "district": ("区县代码", "district"), "district_name": ("区县", "district name"),
    "ecosystem": ("生态系统类型", "ecosystem"), "class": ("类别", "class"), "service": ("服务", "service"),
    "indicator": ("指标", "indicator"), "quantity": ("功能量", "quantity"), "quantity_unit": ("功能量单位", "unit"),
    "price": ("价格（核算年）", "price (accounting year)"), "price_unit": ("价格单位", "price unit"),
    "base_price": ("原价格", "price as quoted"), "price_year": ("价格年份", "price year"),
    "price_index_ratio": ("价格指数比", "index ratio"), "price_source": ("价格来源", "price source"),
    "output_value_yuan": ("产值（元）", "output value (yuan)"), "value_yuan": ("价值量（元）", "value (yuan)"),
    "signed_value_yuan": ("计入GEP（元）", "in GEP (yuan)"), "source": ("功能量来源", "quantity source"),
    "zh": ("名称", "name (zh)"), "en": ("英文名称", "name (en)"),
    "value_base": ("基期价值（元）", "base value (yuan)"), "value_target": ("报告期价值（元）", "target value (yuan)"),
    "change": ("变化（元）", "change (yuan)"), "quantity_effect": ("功能量效应（元）", "quantity effect (yuan)"),
    "price_effect": ("价格效应（元）", "price effect (yuan)"), "unsplit": ("未分解（元）", "unsplit (yuan)"),
    "scope_change": ("核算范围变化（元）", "scope change (yuan)"),
    "why_zh": ("原因", "why (zh)"), "why_en": ("原因（英文）", "why"),
    "gdp_yuan": ("GDP（元）", "GDP (yuan)"), "gep_yuan": ("GEP（元）", "GEP (yuan)"),
    "gep_gdp_ratio": ("GEP/GDP", "GEP/GDP"), "gdp_growth": ("GDP增速", "GDP growth"),
    "gep_growth": ("GEP增速", "GEP growth"), "d": ("耦合协调度D", "coordination degree D"),
    "c": ("耦合度C", "coupling C"), "t": ("综合指数T", "index T"), "f": ("GDP归一化", "GDP normalised"),
    "g": ("GEP归一化", "GEP normalised"), "grade_zh": ("协调等级", "grade (zh)"),
    "grade_en": ("协调等级（英文）", "grade"),
    "area_ha": ("面积（公顷）", "area (ha)"), "carbon_storage_tC": ("碳储量（tC）", "carbon storage (t C)"),
    "carbon_storage_change_tC_per_a": ("碳储量年变化（tC/a）", "storage change (t C/a)"),
    "water_yield_m3": ("产水量（m³）", "water yield (m³)"),
    "soil_retention_t": ("土壤保持量（t）", "soil retention (t)"),
}


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    return df.rename(columns={c: tr(*HEADERS[c]) for c in df.columns if c in HEADERS})


def export_sheets(doc: dict[str, Any]) -> list[tuple[str, pd.DataFrame]]:
    """The sheets of the export: About, then per year GEP by service and the rows, the
    physical totals and what is not accounted; per comparison the effects by service and the
    rows; the coordination table."""
    about = [*about_rows(doc), (tr("价格集", "price set"), doc["price_set"]["name"]),
             (tr("价格指数", "price index"), doc["price_set"]["index"]),
             (tr("生态数据包", "ecological package"), doc["eco_package"]["source"]),
             (tr("数据包摘要", "package digest"), doc["eco_package"]["digest"])]
    sheets = [(tr("说明", "About"), about_frame(about))]
    for a in doc["accounts"]:
        y = a["year"]
        sheets.append((tr(f"{y}按服务", f"{y} by service"), _frame(a["by_service"])))
        sheets.append((tr(f"{y}按区县", f"{y} by district"), _frame(a["by_district"])))
        sheets.append((tr(f"{y}核算表", f"{y} rows"), _frame(a["rows"])))
        sheets.append((tr(f"{y}功能量", f"{y} physical"), _frame(a["physical"])))
        sheets.append((tr(f"{y}未核算", f"{y} not accounted"), _frame(a["not_accounted"])))
    for c in doc["comparisons"]:
        k = f"{c['from']}-{c['to']}"
        sheets.append((tr(f"{k}变化按服务", f"{k} change by service"), _frame(c["by_service"])))
        sheets.append((tr(f"{k}变化明细", f"{k} change rows"), _frame(c["rows"])))
    sheets.append((tr("GDP-GEP协调", "GDP-GEP coordination"), _frame(doc["coordination"]["rows"])))
    return sheets


def write_export(doc: dict[str, Any], fmt: str, out: Path) -> Path:
    """Write the export as ``xlsx`` (one workbook), ``csv`` (a folder of files, one per
    sheet) or ``json``; returns the path written."""
    if fmt == "xlsx":
        return write_workbook(out, export_sheets(doc))
    if fmt == "json":
        return write_json(doc, out)
    out.mkdir(parents=True, exist_ok=True)
    for i, (name, frame) in enumerate(export_sheets(doc)):
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
        frame.to_csv(out / f"{i:02d}_{safe}.csv", index=False, encoding="utf-8-sig")
    return out
