"""Excel workbooks: one sheet per table, a bold frozen header row, written atomically. A
workbook of a document starts with its About sheet (:func:`about_sheet`): the Qingshan
version, the profile with its selections, the factor set and the package.

No cell is ever a formula or a link: the workbook is opened with xlsxwriter's
``strings_to_formulas``, ``strings_to_urls`` and ``strings_to_numbers`` off, each cell is
written by its type (``write_string``, ``write_number``, ``write_boolean``), and every text,
headers included, goes through :func:`qingshan.reports.safe.safe_text`, so that a text which
a spreadsheet would evaluate after an edit starts with ``'``."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from qingshan import __version__
from qingshan.documents.values import clean
from qingshan.i18n import halves, tr
from qingshan.reports.files import write_atomic
from qingshan.reports.safe import safe_text

#: xlsxwriter's options: a string is written as the string it is, never as a formula,
#: a link or a number
SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _cell(v: Any) -> Any:
    """A value as a cell holds it: ``None`` (blank), a bool, a finite number, or a safe text."""
    v = clean(v)
    if v is None or isinstance(v, bool | int | float):
        return v
    return safe_text(v if isinstance(v, str) else str(v))


def _sheet_name(name: str, used: set[str]) -> str:
    """A name Excel accepts (at most 31 characters, none of ``[]:*?/\\``, not quoted), unique
    in the workbook."""
    base = _SHEET_BAD.sub("_", name).strip("'")[:31] or "data"
    out, n = base, 1
    while out.lower() in used:
        n += 1
        out = f"{base[:31 - len(str(n)) - 1]}~{n}"
    used.add(out.lower())
    return out


def fill_workbook(wb: Any, sheets: list[tuple[str, pd.DataFrame]]) -> None:
    """Write ``sheets`` into an open xlsxwriter workbook and close it. Each cell is written
    by its type, texts through :func:`~qingshan.reports.safe.safe_text`."""
    head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    used: set[str] = set()
    for name, df in sheets:
        ws = wb.add_worksheet(_sheet_name(name, used))
        ws.freeze_panes(1, 0)
        ws.set_column(0, max(len(df.columns) - 1, 0), 16)
        for j, c in enumerate(df.columns):
            ws.write_string(0, j, safe_text(str(c)), head)
        cols = [[_cell(v) for v in df.iloc[:, j].tolist()] for j in range(df.shape[1])]
        for i, row in enumerate(zip(*cols, strict=True), start=1):
            for j, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(i, j, v)
                elif isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                else:
                    ws.write_number(i, j, v)
    wb.close()


def write_workbook(path: str | Path, sheets: list[tuple[str, pd.DataFrame]]) -> Path:
    return write_atomic(path, lambda p: fill_workbook(
        xlsxwriter.Workbook(str(p), {"constant_memory": True, **SAFE_OPTIONS}), sheets))


def workbook_bytes(sheets: list[tuple[str, pd.DataFrame]]) -> bytes:
    """The same workbook in memory (the web application's Excel export)."""
    buf = io.BytesIO()
    fill_workbook(xlsxwriter.Workbook(buf, {"in_memory": True, **SAFE_OPTIONS}), sheets)
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
        if fs.get("gwp_set"):
            rows.append((tr("全球增温潜势（GWP）取值", "GWP set (CO2e of N2O, CF4, C2F6)"), str(fs["gwp_set"])))
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
