"""Excel workbooks: one sheet per table, a bold frozen header row, written atomically. A
workbook of a document starts with its About sheet (:func:`about_sheet`): the Qingshan
version, the profile with its selections, the factor set and the package."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from qingshan import __version__
from qingshan.documents.values import clean
from qingshan.i18n import halves, tr
from qingshan.reports.files import write_atomic


def fill_workbook(wb: Any, sheets: list[tuple[str, pd.DataFrame]]) -> None:
    """Write ``sheets`` into an open xlsxwriter workbook and close it."""
    head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    for name, df in sheets:
        ws = wb.add_worksheet(name[:31])
        ws.freeze_panes(1, 0)
        ws.set_column(0, max(len(df.columns) - 1, 0), 16)
        ws.write_row(0, 0, [str(c) for c in df.columns], head)
        cols = [[clean(v) for v in df[c].tolist()] for c in df.columns]
        for i, row in enumerate(zip(*cols, strict=True), start=1):
            ws.write_row(i, 0, row)
    wb.close()


def write_workbook(path: str | Path, sheets: list[tuple[str, pd.DataFrame]]) -> Path:
    return write_atomic(path, lambda p: fill_workbook(xlsxwriter.Workbook(str(p), {"constant_memory": True}),
                                                      sheets))


def workbook_bytes(sheets: list[tuple[str, pd.DataFrame]]) -> bytes:
    """The same workbook in memory (the web application's Excel export)."""
    buf = io.BytesIO()
    fill_workbook(xlsxwriter.Workbook(buf, {"in_memory": True}), sheets)
    return buf.getvalue()


def about_rows(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """The (item, value) rows that say what produced a result: the Qingshan version, and
    from the document's header (:meth:`qingshan.city.City.header`) whichever of these it
    has: the profile (id, version, names, digest, each selection and whether it is
    borrowed), the factor set (name, version, grid series, choices) and the package
    (source, digest), then its run notes."""
    rows = [(tr("软件版本", "Qingshan version"), str(doc.get("qingshan_version") or __version__))]
    p = doc.get("profile")
    if p:
        rows += [(tr("司法辖区配置", "jurisdiction profile"), f"{p['id']} {p['version']}"),
                 (tr("配置名称", "profile name"), f"{p['zh']} / {p['en']}"),
                 (tr("配置摘要", "profile digest"), str(p["digest"]))]
        if p.get("year") is not None:
            rows.append((tr("配置适用年份", "profile data year"), str(p["year"])))
        for key, sel in (p.get("selections") or {}).items():
            rows.append((key, str(sel["value"])))
            if sel.get("borrowed"):
                rows.append((f"{key} · {tr('借用', 'borrowed')}", tr(*halves(str(sel["borrowed"])))))
    fs = doc.get("factor_set")
    if fs:
        rows.append((tr("因子集", "factor set"), f"{fs['name']} {fs['version']}"
                     + (tr("（本次运行覆盖）", " (overridden for this run)") if fs.get("overridden") else "")))
        if fs.get("grid_series"):
            rows.append((tr("电网因子口径", "grid factor series"), f"{fs['grid_series']} / {fs.get('grid_region')}"))
        choices = ", ".join(f"{k} = {v}" for k, v in (fs.get("choices") or {}).items())
        rows.append((tr("因子选择", "factor choices"), choices or tr("（因子集缺省）", "(the set's defaults)")))
    pkg = doc.get("package")
    if pkg:
        rows += [(tr("数据包", "package"), str(pkg["source"])),
                 (tr("数据包摘要", "package digest"), str(pkg["digest"]))]
    rows += [(tr("运行说明", "run note"), str(n[tr("zh", "en")])) for n in doc.get("run_notes") or ()]
    return rows


def about_frame(rows: list[tuple[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[tr("项目", "item"), tr("内容", "value")])


def about_sheet(doc: dict[str, Any]) -> tuple[str, pd.DataFrame]:
    """The About (说明) sheet of a document's workbook: :func:`about_rows`."""
    return tr("说明", "About"), about_frame(about_rows(doc))


def with_about(doc: dict[str, Any], sheets: list[tuple[str, pd.DataFrame]]) -> list[tuple[str, pd.DataFrame]]:
    """``sheets`` headed by the document's About sheet, when the document says which
    profile produced it (every document of :mod:`qingshan.documents` does)."""
    return [about_sheet(doc), *sheets] if "profile" in doc else sheets


def document_sheets(doc: dict[str, Any]) -> list[tuple[str, pd.DataFrame]]:
    """The About sheet (:func:`with_about`), then every table of a document (each list of
    records, at any depth) as a sheet named after its path; values that are not scalars go
    to a cell as text."""
    sheets: list[tuple[str, pd.DataFrame]] = []

    def walk(prefix: str, v: Any) -> None:
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            sheets.append((prefix[-31:] or "data", pd.DataFrame(v)))
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(f"{prefix}.{k}" if prefix else str(k), x)

    walk("", doc)
    tidy = [(n, df.map(lambda v: v if isinstance(v, int | float | str | type(None)) else str(v)))
            for n, df in sheets]
    return with_about(doc, tidy or [("data", pd.DataFrame([{k: str(v) for k, v in doc.items()}]))])
