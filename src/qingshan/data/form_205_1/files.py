"""Form 205-1 files: CSV (UTF-8 or GB18030), workbooks (one sheet or every sheet) and folders."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from qingshan.data.form_205_1.cells import _cell_text
from qingshan.data.form_205_1.form import _no_form, _parse_grid
from qingshan.data.raw import RawTable
from qingshan.errors import Problem

_EXCEL = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def _decode(raw: bytes) -> str | None:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def _csv_grid(path: Path, label: str, problems: list[Problem]) -> list[list[str]] | None:
    text = _decode(path.read_bytes())
    if text is None:
        problems.append(Problem("P001", label, None, None, None,
                                "文件编码应为 UTF-8 或 GB18030", "expected UTF-8 or GB18030 text"))
        return None
    try:
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        problems.append(Problem("P001", label, None, None, None,
                                f"无法解析 CSV：{exc}", f"cannot parse CSV: {exc}"))
        return None


def _sheet_grid(workbook: Any, sheet: str, label: str,
                problems: list[Problem]) -> list[list[str]] | None:
    """Every cell of a sheet as text, from A1 (so row numbers are those Excel shows)."""
    try:
        data = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        return [[_cell_text(c) for c in row] for row in data]
    except Exception as exc:  # calamine raises its own error types
        problems.append(Problem("P001", label, None, None, None,
                                f"无法读取工作表：{exc}", f"cannot read the sheet: {exc}"))
        return None


def _open_workbook(path: Path, problems: list[Problem]) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types
        problems.append(Problem("P001", path.name, None, None, None,
                                f"无法打开工作簿：{exc}", f"cannot open workbook: {exc}"))
        return None


def _read_grid(grid: list[list[str]], label: str, problems: list[Problem]) -> list[RawTable]:
    """Every form in the grid of one CSV file or sheet, where finding none is an error."""
    found = _parse_grid(grid, label, problems)
    if found is None:
        _no_form(label, problems, "error")
        return []
    return found


def read_form_sheet(path: Path, sheet: str, problems: list[Problem]) -> list[RawTable]:
    """Read every form 205-1 on one sheet of a workbook."""
    label = f"{path.name}[{sheet}]"
    wb = _open_workbook(path, problems)
    if wb is None:
        return []
    grid = _sheet_grid(wb, sheet, label, problems)
    if grid is None:
        return []
    return _read_grid(grid, label, problems)


def read_form_file(path: Path, problems: list[Problem]) -> list[RawTable]:
    """Read every form 205-1 in a CSV file (UTF-8 or GB18030), a workbook (every sheet) or a
    folder of such files."""
    if path.is_dir():
        out: list[RawTable] = []
        for f in sorted(path.iterdir()):
            if f.is_file() and f.suffix.lower() in (".csv", *_EXCEL):
                out.extend(read_form_file(f, problems))
        return out
    suffix = path.suffix.lower()
    if suffix == ".csv":
        grid = _csv_grid(path, path.name, problems)
        if grid is None:
            return []
        return _read_grid(grid, path.name, problems)
    if suffix in _EXCEL:
        wb = _open_workbook(path, problems)
        if wb is None:
            return []
        out = []
        found_any = False
        for sheet in wb.sheet_names:
            label = f"{path.name}[{sheet}]"
            grid = _sheet_grid(wb, sheet, label, problems)
            if grid is None:
                continue
            found = _parse_grid(grid, label, problems)
            if found is None:
                if any(c for row in grid for c in row):
                    _no_form(label, problems, "warning")
                continue
            found_any = True
            out.extend(found)
        if not found_any:
            _no_form(path.name, problems, "error")
        return out
    problems.append(Problem(
        "P083", path.name, None, None, None,
        "205-1 表应为 CSV 或 Excel 文件，本文件已忽略",
        "a form 205-1 file should be CSV or Excel; this file is ignored", "warning"))
    return []
