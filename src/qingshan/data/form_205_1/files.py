"""Form 205-1 files: CSV (UTF-8 or GB18030), workbooks (one sheet or every sheet) and folders."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from qingshan.data.files import MAX_FORM_CSV_BYTES, encoding_problem, entry_problem, is_workbook, open_binary
from qingshan.data.form_205_1.cells import _cell_text
from qingshan.data.form_205_1.form import _no_form, _parse_grid
from qingshan.data.raw import RawTable
from qingshan.data.workbook import Workbook, open_workbook, read_sheet
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
    with open_binary(path) as fh:
        raw = fh.read(MAX_FORM_CSV_BYTES + 1)
    if len(raw) > MAX_FORM_CSV_BYTES:
        problems.append(Problem("P007", label, None, None, None,
                                f"205-1 表文件超过 {MAX_FORM_CSV_BYTES >> 20} MB，不是一张报表",
                                f"a form 205-1 file larger than {MAX_FORM_CSV_BYTES >> 20} MB is not one form"))
        return None
    text = _decode(raw)
    if text is None:
        problems.append(encoding_problem(raw, label))
        return None
    try:
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        problems.append(Problem("P001", label, None, None, None,
                                f"无法解析 CSV：{exc}", f"cannot parse CSV: {exc}"))
        return None


def _sheet_grid(workbook: Workbook, sheet: str, label: str,
                problems: list[Problem]) -> list[list[str]] | None:
    """Every cell of a sheet as text, from A1 (so row numbers are those Excel shows)."""
    data = read_sheet(workbook, sheet, label, problems)
    if data is None:
        return None
    return [[_cell_text(c) for c in row] for row in data]


def _open_workbook(path: Path, problems: list[Problem]) -> Workbook | None:
    return open_workbook(path, path.name, problems)


def _read_grid(grid: list[list[str]], label: str, problems: list[Problem]) -> list[RawTable]:
    """Every form in the grid of one CSV file or sheet, where finding none is an error."""
    found = _parse_grid(grid, label, problems)
    if found is None:
        _no_form(label, problems, "error")
        return []
    return found


def read_form_sheet(path: Path, sheet: str, problems: list[Problem], *,
                    workbook: Workbook | None = None) -> list[RawTable]:
    """Read every form 205-1 on one sheet of a workbook (``workbook``: the workbook at
    ``path``, already open)."""
    label = f"{path.name}[{sheet}]"
    wb = workbook or _open_workbook(path, problems)
    if wb is None:
        return []
    try:
        grid = _sheet_grid(wb, sheet, label, problems)
    finally:
        if workbook is None:
            wb.close()
    if grid is None:
        return []
    return _read_grid(grid, label, problems)


def read_form_file(path: Path, problems: list[Problem]) -> list[RawTable]:
    """Read every form 205-1 in a CSV file (UTF-8 or GB18030), a workbook (every sheet) or a
    folder of such files."""
    if path.is_dir() and not path.is_symlink():
        out: list[RawTable] = []
        for f in sorted(path.iterdir()):
            if not f.name.startswith(".") and f.suffix.lower() in (".csv", *_EXCEL):
                out.extend(read_form_file(f, problems))
        return out
    bad = entry_problem(path)
    if bad is not None:
        problems.append(bad)
        return []
    suffix = path.suffix.lower()
    workbook = is_workbook(path)
    if suffix == ".csv" and not workbook:
        grid = _csv_grid(path, path.name, problems)
        if grid is None:
            return []
        return _read_grid(grid, path.name, problems)
    if suffix in _EXCEL or workbook:
        wb = _open_workbook(path, problems)
        if wb is None:
            return []
        try:
            return _read_workbook_forms(path, wb, problems)
        finally:
            wb.close()
    problems.append(Problem(
        "P083", path.name, None, None, None,
        "205-1 表应为 CSV 或 Excel 文件，本文件已忽略",
        "a form 205-1 file should be CSV or Excel; this file is ignored", "warning"))
    return []


def _read_workbook_forms(path: Path, wb: Workbook, problems: list[Problem]) -> list[RawTable]:
    """Every form on every sheet of a form workbook; finding none anywhere is an error."""
    out: list[RawTable] = []
    found_any = False
    for sheet in wb.sheet_names:
        label = f"{path.name}[{sheet}]"
        grid = _sheet_grid(wb, sheet, label, problems)
        if grid is None:
            found_any = True  # the sheet's own problem says why
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
