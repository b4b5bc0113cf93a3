"""Excel workbooks: one sheet per table, a bold frozen header row, written atomically."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from qingshan.documents.values import clean
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


def document_sheets(doc: dict[str, Any]) -> list[tuple[str, pd.DataFrame]]:
    """Every table of a document (each list of records, at any depth) as a sheet named
    after its path; values that are not scalars go to a cell as text."""
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
    return tidy or [("data", pd.DataFrame([{k: str(v) for k, v in doc.items()}]))]
