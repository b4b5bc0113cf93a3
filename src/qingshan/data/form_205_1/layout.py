"""Where a form sits in a grid: its header rows, the column layout 甲 乙 丙 1–10 丁 (from the
column-number row or, failing that, the heading text) and where its carrier rows end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qingshan.data.form_205_1.cells import _is_number, _norm, _row_text
from qingshan.data.form_205_1.names import _resolves

#: Column keys as printed in the column-number row of the form, with their headings.
COLUMNS: dict[str, tuple[str, str]] = {
    "甲": ("能源名称", "energy name"),
    "乙": ("计量单位", "unit"),
    "丙": ("代码", "code"),
    "1": ("期初库存量", "opening stock"),
    "2": ("购进量（实物量）", "purchases (physical)"),
    "3": ("购进金额（千元）", "purchase value (10³ yuan)"),
    "4": ("消费量合计", "total consumption"),
    "5": ("工业生产消费", "consumption in industrial production"),
    "6": ("其中：用于原材料", "of which: used as raw material"),
    "7": ("非工业生产消费", "non-industrial consumption"),
    "8": ("合计中：运输工具消费", "of the total: transport vehicles"),
    "9": ("期末库存量", "closing stock"),
    "10": ("采用折标系数", "standard-coal coefficient applied"),
    "丁": ("参考折标系数", "reference standard-coal coefficient"),
}
NUMERIC_COLUMNS: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "丁")
#: Columns without which a form cannot be mapped to energy rows.
REQUIRED_COLUMNS: tuple[str, ...] = ("甲", "乙", "5")
#: Columns whose figures become energy quantities (negative values there are errors).
EMITTED_COLUMNS: tuple[str, ...] = ("5", "6", "7")

_HEADER_WORDS = ("实物量", "金额", "合计", "工业生产", "原材料", "非工业", "运输", "期初", "期末",
                 "系数", "计量单位", "代码", "消费量", "购进", "能源名称")
_META_WORDS = ("统一社会信用代码", "社会信用代码", "组织机构代码", "单位详细名称", "表号",
               "制定机关", "制表机关", "文号", "有效期至", "报告期", "期别", "综合机关名称",
               "能源购进")
_FOOTER_PREFIXES = ("单位负责人", "统计负责人", "填表人", "审核人", "报出日期", "说明", "注:",
                    "备注", "补充资料")

#: Rules that name a column from its heading text (used when the form has no
#: column-number row 甲 乙 丙 1 2 …). The first matching rule wins, so the more specific
#: headings come first (合计中：运输工具消费 before 合计).
_TEXT_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("8", ("运输工具",)),
    ("7", ("非工业",)),
    ("6", ("原材料", "原料")),
    ("5", ("工业生产",)),
    ("1", ("期初",)),
    ("9", ("期末",)),
    ("10", ("采用",)),
    ("丁", ("参考",)),
    ("10", ("系数",)),
    ("3", ("金额",)),
    ("2", ("实物量", "购进")),
    ("4", ("合计", "消费量")),
    ("甲", ("名称", "品种")),
    ("乙", ("单位",)),
    ("丙", ("代码",)),
)


@dataclass
class _Block:
    """Where one form sits in a grid (0-based row indices)."""

    meta_start: int
    header: int
    header_end: int
    number_row: int | None
    data_end: int  # exclusive


def _is_header_row(row: Sequence[str]) -> bool:
    return any(t.startswith("能源名称") or t in ("能源品种", "品种名称") for t in _row_text(row))


def _is_number_row(row: Sequence[str]) -> bool:
    t = set(_row_text(row))
    return "甲" in t and len(t & {str(i) for i in range(1, 11)}) >= 3


def _is_footer(row: Sequence[str]) -> bool:
    first = next((t for t in _row_text(row) if t), "")
    return first.startswith(_FOOTER_PREFIXES)


def _is_meta(row: Sequence[str]) -> bool:
    return any(w in t for t in _row_text(row) if t for w in _META_WORDS)


def _is_boundary(row: Sequence[str]) -> bool:
    return _is_header_row(row) or _is_footer(row) or _is_meta(row)


def _header_extent(grid: Sequence[Sequence[str]], h: int) -> tuple[int | None, int]:
    """The column-number row (if any) and the last header row of the form headed at ``h``."""
    last = h
    for i in range(h + 1, min(h + 5, len(grid))):
        row = grid[i]
        if _is_number_row(row):
            return i, i
        texts = [t for t in _row_text(row) if t]
        is_continuation = (
            texts
            and any(w in t for t in texts for w in _HEADER_WORDS)
            and not any(_is_number(t) for t in texts)
            and not any(_resolves(t) for t in texts)
        )
        if not is_continuation:
            break
        last = i
    return None, last


def _find_forms(grid: Sequence[Sequence[str]]) -> list[_Block]:
    """Split a grid into forms: each has a header row with 能源名称 and its metadata above."""
    blocks: list[_Block] = []
    meta_start = 0
    r = 0
    while r < len(grid):
        if not _is_header_row(grid[r]):
            r += 1
            continue
        number_row, header_end = _header_extent(grid, r)
        d = header_end + 1
        while d < len(grid) and not _is_boundary(grid[d]):
            d += 1
        blocks.append(_Block(meta_start, r, header_end, number_row, d))
        meta_start = d
        r = d
    return blocks


def _column_map(grid: Sequence[Sequence[str]], block: _Block) -> dict[str, int]:
    """Map column keys (甲, 乙, 1 … 10, 丁) to grid column indices."""
    out: dict[str, int] = {}
    if block.number_row is not None:
        for j, t in enumerate(_row_text(grid[block.number_row])):
            t = t.strip("()")
            if t in COLUMNS and t not in out:
                out[t] = j
        return out
    width = max(len(grid[i]) for i in range(block.header, block.header_end + 1))
    for j in range(width):
        text = "".join(_norm(grid[i][j]) for i in range(block.header, block.header_end + 1)
                       if j < len(grid[i]))
        if not text:
            continue
        for key, words in _TEXT_RULES:
            if any(w in text for w in words):
                if key not in out:
                    out[key] = j
                break
    return out
