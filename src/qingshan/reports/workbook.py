"""Excel workbooks: one sheet per table, a bold frozen header row, written atomically."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from qingshan.reports.files import write_atomic


def clean(v: Any) -> Any:
    """A cell or JSON value: ``None`` for every kind of missing, Python scalars for numpy ones."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return None
    return v


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
