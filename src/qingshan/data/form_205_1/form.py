"""One form, from a grid of text cells to a :class:`~qingshan.data.readers.RawTable` of the
``energy`` table."""

from __future__ import annotations

from collections.abc import Sequence

from qingshan.data.form_205_1.cells import _cell_text
from qingshan.data.form_205_1.header import _read_credit_code, _read_period
from qingshan.data.form_205_1.layout import (
    COLUMNS,
    REQUIRED_COLUMNS,
    _Block,
    _column_map,
    _find_forms,
    _is_footer,
)
from qingshan.data.form_205_1.rows import _apply_breakdowns, _emit, _parse_rows
from qingshan.data.raw import RawTable
from qingshan.errors import Problem, Severity


def parse_form(cells: list[list[str]], label: str, problems: list[Problem]) -> RawTable | None:
    """Parse one form from a grid of text cells (row 0 is the first row of the sheet).

    If the grid holds several forms, only the first is parsed; :func:`read_form_file` and
    :func:`read_form_sheet` read them all. Returns None when the form cannot be used (no
    form, no credit code, no single-month reporting period); every problem found, including
    row problems of an unusable form, is appended to ``problems``.
    """
    grid = [[_cell_text(c) for c in row] for row in cells]
    blocks = _find_forms(grid)
    if not blocks:
        _no_form(label, problems, "error")
        return None
    return _parse_block(grid, blocks[0], label, problems)


def _parse_block(grid: Sequence[Sequence[str]], block: _Block, label: str,
                 problems: list[Problem]) -> RawTable | None:
    width = max(len(r) for r in grid) if grid else 0
    grid = [list(r) + [""] * (width - len(r)) for r in grid]
    cols = _column_map(grid, block)
    missing = [k for k in REQUIRED_COLUMNS if k not in cols]
    if missing:
        names = "、".join(f"{k} {COLUMNS[k][0]}" for k in missing)
        problems.append(Problem(
            "P083", label, block.header + 1, None, None,
            f"205-1 表缺少列：{names}（表头应含 能源名称、计量单位、工业生产消费，"
            "或栏次行 甲 乙 丙 1 2 …）",
            f"form 205-1 lacks columns: {', '.join(COLUMNS[k][1] for k in missing)} (the "
            "header should name 能源名称, 计量单位, 工业生产消费, or carry the column-number "
            "row 甲 乙 丙 1 2 …)"))
        return None
    meta_rows = [r for r in range(block.meta_start, block.header) if not _is_footer(grid[r])]
    entity_id = _read_credit_code(grid, meta_rows, block, label, problems)
    period = _read_period(grid, meta_rows, block, label, problems)
    rows = _parse_rows(grid, block, cols, label, problems)
    rows = _apply_breakdowns(rows, label, problems)
    if entity_id is None or period is None:
        return None
    return _emit(rows, entity_id, period, label)


def _parse_grid(grid: list[list[str]], label: str, problems: list[Problem]) -> list[RawTable] | None:
    """Every usable form in ``grid``; None (nothing reported) when the grid holds no form."""
    blocks = _find_forms(grid)
    if not blocks:
        return None
    out: list[RawTable] = []
    for block in blocks:
        t = _parse_block(grid, block, label, problems)
        if t is not None:
            out.append(t)
    return out


def _no_form(label: str, problems: list[Problem], severity: Severity) -> None:
    problems.append(Problem(
        "P083", label, None, None, None,
        "未找到 205-1 表（应有表头行「能源名称 计量单位 代码 …」）" +
        ("，已忽略" if severity == "warning" else ""),
        "no form 205-1 found (expected a header row '能源名称 计量单位 代码 …')" +
        ("; ignored" if severity == "warning" else ""), severity))
