"""Reader for NBS statistical form 205-1 《能源购进、消费与库存》 (energy purchase, consumption
and stock of an industrial enterprise).

Enterprises already file this form with the statistics bureau every period, so a city can
hand in the forms themselves instead of re-typing them into the ``energy`` table. This
module turns each form into a :class:`~qingshan.data.readers.RawTable` of the ``energy``
table: text cells under the canonical column names, with the row number of the *form* row
each energy row came from, so that validation messages point at the form.

The layout handled (column letters and numbers as printed on the form; docs/form-205-1.md
gives the sources and what is still unconfirmed):

====  =======================  ================================================
col   heading                  use here
====  =======================  ================================================
甲    能源名称                 carrier (resolved against ``spec/carriers.csv``)
乙    计量单位                 unit, passed on as written
丙    代码                     carrier, when the name does not resolve
1     期初库存量               stock identity check only
2     购进量 实物量            stock identity check only
3     购进金额（千元）         not used
4     消费量合计               identity check: 4 = 5 + 7
5     工业生产消费             ``fuel`` = 5 − 6
6     其中：用于原材料         ``feedstock`` = 6 (an "of which" item of 5)
7     非工业生产消费           ``non_industrial`` = 7
8     合计中：运输工具消费     identity check: 8 ≤ 4
9     期末库存量               identity check: 9 = 1 + 2 − 4 (warning only)
10    采用折标系数             read and checked to be positive; not used yet
丁    参考折标系数             not used
====  =======================  ================================================

Only single-month forms are accepted: the energy table is monthly, and a cumulative
(1–N月) or annual form is not a month's data.

Problem codes (all in docs/form-205-1.md):

- P080 the reporting period is missing, unreadable or not a single month (error)
- P081 a row with figures is not imported: carrier not in the catalogue, or no name (warning);
  name and code disagree (warning)
- P082 an internal identity of the form does not hold (warning)
- P083 the form's structure: no form found, a required column, the credit code (error)
- P084 a figure is not a number or is negative (error for columns 5–7, else warning)
- P085 采用折标系数 is not a positive number (warning)
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from qingshan.data.readers import RawTable
from qingshan.data.spec import carriers, resolve_carrier, tables
from qingshan.data.units import conversion_factor, normalise_unit_label
from qingshan.errors import Problem, Severity

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

#: Rows of the form that are the sum of rows listed below them. When any listed part has a
#: figure, the parent row is not imported (it would be counted twice) and the parts are.
#: 原煤 = 无烟煤 + 炼焦烟煤 + 一般烟煤 + 褐煤: the coal-type split the carbon factors need.
BREAKDOWNS: dict[str, frozenset[str]] = {
    "raw_coal": frozenset({"anthracite", "bituminous_coal", "lignite"}),
}

#: Text that marks a row as an "of which" (其中) item of the row above it; NBS tables mark
#: such items with "#" or "其中：".
_OF_WHICH = re.compile(r"^(?:其中[:：]?|#)+")
#: Item numbering in front of a name ("1.", "（2）", "三、").
_NUMBERING = re.compile(r"^(?:\d{1,2}[.、]|\(\d{1,2}\)|[一二三四五六七八九十]{1,3}[、.])")
_TOTAL_WORDS = ("合计", "总计")
_TOTAL_CODES = frozenset({"40"})

_HEADER_WORDS = ("实物量", "金额", "合计", "工业生产", "原材料", "非工业", "运输", "期初", "期末",
                 "系数", "计量单位", "代码", "消费量", "购进", "能源名称")
_META_WORDS = ("统一社会信用代码", "社会信用代码", "组织机构代码", "单位详细名称", "表号",
               "制定机关", "制表机关", "文号", "有效期至", "报告期", "期别", "综合机关名称",
               "能源购进")
_FOOTER_PREFIXES = ("单位负责人", "统计负责人", "填表人", "审核人", "报出日期", "说明", "注:",
                    "备注", "补充资料")
_CREDIT_LABELS = ("统一社会信用代码", "社会信用代码")
_PERIOD_LABELS = ("报告期别", "报告期", "统计期", "所属期", "报表期", "期别")
_NOT_PERIOD_CONTEXT = ("有效期", "报出", "日期", "文号", "批准", "填报")

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

_DASHES = "-~—–−至到"
_MONTH_RE = re.compile(rf"^(\d{{4}})年(?:(\d{{1,2}})月?[{_DASHES}])?(\d{{1,2}})月份?$")
_ISO_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?(?:[T ].*)?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})$")
_YEAR_RE = re.compile(r"^(\d{4})(?:年|年度|年报|年全年)?$")
_QUARTER_RE = re.compile(r"^(\d{4})年?(?:第)?([1-4一二三四])季度?$")
_PERIOD_IN_TEXT = re.compile(
    rf"\d{{4}}年(?:(?:\d{{1,2}}月?[{_DASHES}])?\d{{1,2}}月份?|度|(?:第)?[1-4一二三四]季度?)?"
    r"|\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?")
_USCC_RE = re.compile(r"[0-9A-Z]{18}")
_EMPTY_NUMBER = frozenset({"", "-", "—", "–", "−", "/", "\\"})


# --------------------------------------------------------------------------- cells


def _norm(text: str) -> str:
    """Compatibility-normalise (full-width → ASCII) and drop all white space."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person reads (1000.0 → '1000')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _number(text: str) -> tuple[float | None, int, bool]:
    """Parse a figure: (value or None when blank, decimals written, parsed ok)."""
    s = _norm(text).replace(",", "")
    if s in _EMPTY_NUMBER:
        return None, 0, True
    try:
        v = float(s)
    except ValueError:
        return None, 0, False
    if math.isnan(v) or math.isinf(v):
        return None, 0, False
    mant = s.lower().split("e")[0]
    dec = len(mant.split(".")[1]) if "." in mant else 0
    return v, dec, True


def _fmt(value: float, decimals: int) -> str:
    """A quantity as text, rounded to the decimals the form used (700.19999 → '700.2')."""
    return f"{round(value, min(max(decimals, 0), 12)):.12g}"


def _is_number(text: str) -> bool:
    v, _, ok = _number(text)
    return ok and v is not None


def _row_text(row: Sequence[str]) -> list[str]:
    return [_norm(c) for c in row]


# --------------------------------------------------------------------------- layout


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


def _clean_name(text: str) -> tuple[str, bool]:
    """The carrier name without numbering and "of which" marks, and whether it had one."""
    s = _NUMBERING.sub("", _norm(text))
    of_which = bool(_OF_WHICH.match(s))
    return _NUMBERING.sub("", _OF_WHICH.sub("", s)), of_which


def _resolves(text: str) -> bool:
    name, _ = _clean_name(text)
    return bool(name) and resolve_carrier(name) is not None


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


# --------------------------------------------------------------------------- metadata


@dataclass(frozen=True)
class _Found:
    value: str
    row: int  # 0-based
    col: int


def _label_value(row: Sequence[str], col: int, label: str) -> tuple[str, list[str]]:
    """Text after ``label`` in its own cell, and the non-empty cells to its right."""
    t = _norm(row[col])
    rest = t[t.index(label) + len(label):].lstrip(":")
    right = [_norm(c) for c in row[col + 1:]]
    return rest, [c for c in right if c]


def _below(grid: Sequence[Sequence[str]], r: int, c: int) -> str:
    if r + 1 < len(grid) and c < len(grid[r + 1]):
        return _norm(grid[r + 1][c])
    return ""


def _is_label(text: str) -> bool:
    return text.endswith(":") or any(w in text for w in _META_WORDS)


def _find_credit_code(grid: Sequence[Sequence[str]], rows: Sequence[int]) -> list[_Found]:
    found: list[_Found] = []
    for r in rows:
        row = grid[r]
        for c, cell in enumerate(row):
            t = _norm(cell)
            label = next((lb for lb in _CREDIT_LABELS if lb in t), None)
            if label is None:
                continue
            rest, right = _label_value(row, c, label)
            rest = re.sub(r"^\([^)]*\)", "", rest).lstrip(":").replace("□", "")
            if rest:
                m = re.match(r"[0-9A-Za-z]+", rest)  # stop where the next label begins
                found.append(_Found((m.group(0) if m else rest).upper(), r, c))
                continue
            # the value in the next cell, or one character per cell (the printed boxes)
            chars = ""
            for v in right:
                if _is_label(v):
                    break
                chars += v.replace("□", "").upper()
                if len(chars) >= 18:
                    break
            if chars:
                found.append(_Found(chars, r, c))
                continue
            below = _below(grid, r, c).upper()
            if below:
                found.append(_Found(below, r + 1, c))
    if not found:  # no label: a lone 18-character code in the header area
        for r in rows:
            for c, cell in enumerate(grid[r]):
                t = _norm(cell).upper()
                if _USCC_RE.fullmatch(t) and any(ch.isdigit() for ch in t):
                    found.append(_Found(t, r, c))
    return found


@dataclass(frozen=True)
class ReportPeriod:
    """A 报告期 as read: ``kind`` is month, cumulative (1–N月), annual, quarter or invalid."""

    kind: str
    month: str | None  # YYYY-MM when kind == "month"
    first: int = 0  # first and last month of the span
    last: int = 0


def parse_report_period(text: str) -> ReportPeriod:
    """Classify a 报告期 text: a single month, a cumulative 1–N月 span, a year or a quarter."""
    s = _norm(text)
    m = _MONTH_RE.match(s)
    if m:
        year, last = int(m.group(1)), int(m.group(3))
        first = int(m.group(2)) if m.group(2) else last
        if not (1 <= first <= last <= 12):
            return ReportPeriod("invalid", None)
        if first == last:
            return ReportPeriod("month", f"{year:04d}-{last:02d}", first, last)
        return ReportPeriod("cumulative", None, first, last)
    for pat in (_ISO_RE, _COMPACT_RE):
        m = pat.match(s)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12:
                return ReportPeriod("month", f"{year:04d}-{month:02d}", month, month)
            return ReportPeriod("invalid", None)
    if _YEAR_RE.match(s):
        return ReportPeriod("annual", None, 1, 12)
    if _QUARTER_RE.match(s):
        return ReportPeriod("quarter", None)
    return ReportPeriod("invalid", None)


def _period_prefix(text: str) -> str:
    """The period at the start of ``text`` ('2024年3月单位…' → '2024年3月'), else the text."""
    m = _PERIOD_IN_TEXT.match(text)
    return m.group(0) if m else text


def _find_period(grid: Sequence[Sequence[str]], rows: Sequence[int]) -> list[_Found]:
    found: list[_Found] = []
    year_month: dict[str, _Found] = {}
    for r in rows:
        row = grid[r]
        for c, cell in enumerate(row):
            t = _norm(cell)
            label = next((lb for lb in _PERIOD_LABELS if lb in t), None)
            if label is None:
                continue
            rest, right = _label_value(row, c, label)
            part = None
            m = re.match(r"^\((年|月)\)", rest)  # 期别(年) / 期别(月) as separate fields
            if m:
                part = m.group(1)
                rest = rest[m.end():].lstrip(":")
            if rest:
                value = _period_prefix(rest)
            else:
                # the next cell, or "2024 | 年 | 3 | 月" written over several cells
                parts = list(itertools.takewhile(lambda v: not _is_label(v), right))
                value = _period_prefix("".join(parts))
            at = (r, c)
            if not value:
                value, at = _below(grid, r, c), (r + 1, c)
            if not value:
                continue
            if part is not None:
                year_month[part] = _Found(value, *at)
            else:
                found.append(_Found(value, *at))
    if year_month:
        y, mo = year_month.get("年"), year_month.get("月")
        if y is not None and mo is not None:
            yv = re.sub(r"年$", "", y.value)
            mv = re.sub(r"月份?$", "", mo.value)
            found.append(_Found(f"{yv}年{mv}月", mo.row, mo.col))
        else:
            part = y or mo
            assert part is not None
            found.append(_Found(part.value, part.row, part.col))
    if not found:  # no label: a lone 'YYYY年M月' line, or the month in the title
        for r in rows:
            preceding = ""
            for c, cell in enumerate(grid[r]):
                t = _norm(cell)
                if not t:
                    continue
                if "能源购进" in t:
                    m = _PERIOD_IN_TEXT.search(t)
                    if m:
                        found.append(_Found(m.group(0), r, c))
                context_ok = not (preceding.endswith(":")
                                  or any(w in preceding for w in _NOT_PERIOD_CONTEXT))
                if context_ok and _MONTH_RE.match(t):
                    found.append(_Found(t, r, c))
                preceding = t
    return found


# --------------------------------------------------------------------------- rows


@dataclass
class FormRow:
    """One carrier row of a form, parsed (values keyed by column, None where blank)."""

    row: int  # 1-based row number in the sheet or file
    name: str
    unit: str
    code: str
    carrier: str | None
    of_which: bool
    values: dict[str, float | None] = field(default_factory=dict)
    decimals: dict[str, int] = field(default_factory=dict)
    bad: bool = False

    def v(self, key: str) -> float:
        x = self.values.get(key)
        return 0.0 if x is None else x

    def has_figures(self) -> bool:
        return any(self.values.get(k) not in (None, 0.0) for k in NUMERIC_COLUMNS[:9])


@cache
def _code_map() -> dict[str, str]:
    return {c.form_205_1_code: c.carrier for c in carriers().values() if c.form_205_1_code}


def _normalise_code(code: str) -> str:
    s = _norm(code)
    return s.zfill(2) if s.isdigit() and len(s) == 1 else s


def _resolve_name(name: str) -> str | None:
    if not name:
        return None
    c = resolve_carrier(name)
    if c is None:
        bare = re.sub(r"\([^)]*\)$", "", name)
        if bare and bare != name:
            c = resolve_carrier(bare)
    return c


def _col(key: str) -> str:
    return f"{key} {COLUMNS[key][0]}"


def _tol(row: FormRow, keys: Sequence[str]) -> float:
    dec = max((row.decimals.get(k, 0) for k in keys), default=0)
    scale = max((abs(row.v(k)) for k in keys), default=0.0)
    return 0.5 * 10.0 ** (-dec) + 1e-9 * scale


def _warn(problems: list[Problem], code: str, label: str, row: int | None, column: str | None,
          value: str | None, zh: str, en: str, severity: Severity = "warning") -> None:
    problems.append(Problem(code, label, row, column, value, zh, en, severity))


def _check_identities(fr: FormRow, label: str, problems: list[Problem]) -> None:
    """The form's own arithmetic: 4 = 5 + 7, 6 ≤ 5, 8 ≤ 4, 9 = 1 + 2 − 4 (warnings, P082)."""
    vals = fr.values
    if vals.get("4") is not None:
        rhs = fr.v("5") + fr.v("7")
        if abs(fr.v("4") - rhs) > _tol(fr, ("4", "5", "7")):
            _warn(problems, "P082", label, fr.row, _col("4"), _fmt(fr.v("4"), 6),
                  f"「{fr.name}」消费量合计（列4）应等于工业生产消费（列5）与非工业生产消费"
                  f"（列7）之和 {_fmt(rhs, 6)}",
                  f"'{fr.name}': total consumption (col. 4) should equal industrial (col. 5) plus "
                  f"non-industrial (col. 7) consumption, {_fmt(rhs, 6)}")
    if vals.get("6") is not None and fr.v("6") > fr.v("5") + _tol(fr, ("5", "6")):
        _warn(problems, "P082", label, fr.row, _col("6"), _fmt(fr.v("6"), 6),
              f"「{fr.name}」用于原材料（列6）是工业生产消费（列5）中的一项，不应大于列5 "
              f"{_fmt(fr.v('5'), 6)}；燃料用量（列5−列6）将为负",
              f"'{fr.name}': used as raw material (col. 6) is part of industrial consumption "
              f"(col. 5) and cannot exceed it ({_fmt(fr.v('5'), 6)}); fuel use (col. 5 − col. 6) "
              "would be negative")
    if vals.get("8") is not None and vals.get("4") is not None \
            and fr.v("8") > fr.v("4") + _tol(fr, ("4", "8")):
        _warn(problems, "P082", label, fr.row, _col("8"), _fmt(fr.v("8"), 6),
              f"「{fr.name}」运输工具消费（列8）是消费量合计（列4）中的一项，不应大于列4",
              f"'{fr.name}': transport use (col. 8) is part of total consumption (col. 4) and "
              "cannot exceed it")
    if vals.get("1") is not None or vals.get("9") is not None:
        used = fr.v("4") if vals.get("4") is not None else fr.v("5") + fr.v("7")
        rhs = fr.v("1") + fr.v("2") - used
        if abs(fr.v("9") - rhs) > _tol(fr, ("1", "2", "4", "5", "7", "9")):
            _warn(problems, "P082", label, fr.row, _col("9"), _fmt(fr.v("9"), 6),
                  f"「{fr.name}」期末库存量（列9）应等于期初库存（列1）＋购进（列2）－消费合计（列4）"
                  f"＝{_fmt(rhs, 6)}；如有调出、盘亏等其他流向可忽略本警告",
                  f"'{fr.name}': closing stock (col. 9) should equal opening stock (col. 1) + "
                  f"purchases (col. 2) − total consumption (col. 4) = {_fmt(rhs, 6)}; ignore this "
                  "warning if other flows (transfers out, stock losses) explain the gap")


def _parse_rows(grid: Sequence[Sequence[str]], block: _Block, cols: dict[str, int], label: str,
                problems: list[Problem]) -> list[FormRow]:
    def cell(row: Sequence[str], key: str) -> str:
        j = cols.get(key)
        return row[j].strip() if j is not None and j < len(row) else ""

    out: list[FormRow] = []
    seen: dict[str, int] = {}
    parent: FormRow | None = None
    for i in range(block.header_end + 1, block.data_end):
        row = grid[i]
        if not any(c.strip() for c in row):
            continue
        raw_name = cell(row, "甲")
        name_n = _norm(raw_name)
        if name_n in COLUMNS or name_n == "能源名称":
            continue  # a repeated header line
        name, of_which = _clean_name(raw_name)
        code = _normalise_code(cell(row, "丙"))
        fr = FormRow(row=i + 1, name=name or code, unit=cell(row, "乙"), code=code, carrier=None,
                     of_which=of_which)
        for key in NUMERIC_COLUMNS:
            text = cell(row, key)
            v, dec, ok = _number(text)
            if not ok:
                if key in ("10", "丁"):
                    if key == "10":
                        _warn(problems, "P085", label, fr.row, _col(key), text,
                              "采用折标系数应为正数",
                              "the coefficient applied should be a positive number")
                    continue
                fr.bad = fr.bad or key in EMITTED_COLUMNS
                _warn(problems, "P084", label, fr.row, _col(key), text, "应为数字",
                      "expected a number", "error" if key in EMITTED_COLUMNS else "warning")
                continue
            if v is not None and v < 0 and key not in ("10", "丁"):
                severity: Severity = "error" if key in EMITTED_COLUMNS else "warning"
                if key in EMITTED_COLUMNS:
                    fr.bad = True
                _warn(problems, "P084", label, fr.row, _col(key), text,
                      f"{COLUMNS[key][0]}不得为负", f"{COLUMNS[key][1]} cannot be negative",
                      severity)
            fr.values[key] = v
            fr.decimals[key] = dec
        if any(w in name for w in _TOTAL_WORDS) or code in _TOTAL_CODES:
            continue  # 能源合计 and other totals are sums of the rows listed
        if fr.has_figures() and not fr.bad:
            _check_identities(fr, label, problems)
            c10 = fr.values.get("10")
            if c10 is not None and c10 <= 0:
                _warn(problems, "P085", label, fr.row, _col("10"), _fmt(c10, 6),
                      "采用折标系数应为正数", "the coefficient applied should be a positive number")
        if not name and not code:
            if fr.has_figures():
                _warn(problems, "P081", label, fr.row, _col("甲"), None,
                      "该行有数据但没有能源名称或代码，未导入",
                      "this row has figures but no energy name or code; not imported")
            continue
        by_name = _resolve_name(name)
        by_code = _code_map().get(code) if code else None
        fr.carrier = by_name or by_code
        if by_name and by_code and by_name != by_code:
            _warn(problems, "P081", label, fr.row, _col("丙"), code,
                  f"代码 {code} 对应「{carriers()[by_code].name_zh}」，与能源名称「{name}」不符；"
                  "按名称导入",
                  f"code {code} means '{carriers()[by_code].name_en}', which does not match the "
                  f"name '{name}'; imported by the name")
        if not of_which:
            parent = fr
        elif parent is not None and not any(fr.carrier in parts for parts in BREAKDOWNS.values()):
            continue  # an "of which" item, already counted in its parent row
        if fr.carrier is None:
            if fr.has_figures():
                _warn(problems, "P081", label, fr.row, _col("甲"), raw_name,
                      f"能源品种「{fr.name}」不在能源品种目录中，本行未导入；如需计入，"
                      "请在 energy 表中按目录品种填写",
                      f"energy carrier '{fr.name}' is not in the carrier catalogue, so this row is "
                      "not imported; enter it in the energy table under a catalogue carrier if "
                      "it must count")
            continue
        key = normalise_unit_label(fr.name)
        if key in seen:
            _warn(problems, "P083", label, fr.row, _col("甲"), raw_name,
                  f"能源「{fr.name}」在本表中重复出现（第{seen[key]}行），本行未导入",
                  f"energy '{fr.name}' appears twice in this form (row {seen[key]}); this row is "
                  "not imported", "error")
            continue
        seen[key] = fr.row
        out.append(fr)
    return out


def _apply_breakdowns(rows: list[FormRow], label: str, problems: list[Problem]) -> list[FormRow]:
    """Drop a parent row (原煤) when its parts are given, and check that the parts add up."""
    keep = list(rows)
    for parent_c, parts in BREAKDOWNS.items():
        children = [r for r in rows if r.carrier in parts and r.has_figures()]
        if not children:
            continue
        for p in [r for r in rows if r.carrier == parent_c]:
            keep.remove(p)
            if not p.has_figures():
                continue
            same_unit = all(normalise_unit_label(c.unit) == normalise_unit_label(p.unit)
                            for c in children)
            if not same_unit:
                continue
            names = "+".join(c.name for c in children)
            for k in ("1", "2", "4", "5", "6", "7", "9"):
                given = [c for c in children if c.values.get(k) is not None]
                if p.values.get(k) is None and not given:
                    continue
                if k in ("1", "2", "9") and not given:
                    continue  # stocks and purchases are not always split by coal type
                total = sum(c.v(k) for c in children)
                dec = max([p.decimals.get(k, 0)] + [c.decimals.get(k, 0) for c in children])
                if abs(p.v(k) - total) > 0.5 * 10.0 ** (-dec) + 1e-9 * abs(total):
                    _warn(problems, "P082", label, p.row, _col(k), _fmt(p.v(k), 6),
                          f"「{p.name}」{COLUMNS[k][0]}（列{k}）为 {_fmt(p.v(k), 6)}，"
                          f"但其分项 {names} 之和为 {_fmt(total, 6)}；按分项导入，{p.name}行不导入",
                          f"'{p.name}' {COLUMNS[k][1]} (col. {k}) is {_fmt(p.v(k), 6)} but its "
                          f"parts {names} add up to {_fmt(total, 6)}; the parts are imported, "
                          f"the '{p.name}' row is not")
    return keep


@dataclass
class _Rec:
    row: int
    carrier: str
    use: str
    quantity: float
    decimals: int
    unit: str


def _emit(rows: list[FormRow], entity_id: str, period: str, label: str) -> RawTable:
    """Energy rows: fuel = col5 − col6, feedstock = col6, non_industrial = col7."""
    records: dict[tuple[str, str], _Rec] = {}
    extra: list[_Rec] = []
    for fr in rows:
        if fr.bad or fr.carrier is None:
            continue
        uses: list[tuple[str, float | None, int]] = []
        if fr.values.get("5") is not None or fr.values.get("6") is not None:
            uses.append(("fuel", fr.v("5") - fr.v("6"),
                         max(fr.decimals.get("5", 0), fr.decimals.get("6", 0))))
        uses.append(("feedstock", fr.values.get("6"), fr.decimals.get("6", 0)))
        uses.append(("non_industrial", fr.values.get("7"), fr.decimals.get("7", 0)))
        for use, q, dec in uses:
            if q is None or q == 0:
                continue
            rec = _Rec(fr.row, fr.carrier, use, q, dec, fr.unit)
            prev = records.get((fr.carrier, use))
            if prev is None:
                records[(fr.carrier, use)] = rec
                continue
            # two form rows for one catalogue carrier (炼焦烟煤 + 一般烟煤): add them up
            try:
                f = conversion_factor(fr.unit, prev.unit)
            except (KeyError, ValueError):
                extra.append(rec)  # units that do not convert: validation reports them
                continue
            prev.quantity += q * f
            prev.decimals = max(prev.decimals, dec) if f == 1.0 else 12
    spec = tables()["energy"]
    recs = sorted([*records.values(), *extra], key=lambda r: r.row)
    blank = dict.fromkeys(spec.column_names, "")
    frame = pd.DataFrame(
        [{**blank, "entity_id": entity_id, "period": period, "carrier": r.carrier,
          "quantity": _fmt(r.quantity, r.decimals), "unit": r.unit, "use": r.use}
         for r in recs],
        columns=list(spec.column_names), dtype=object)
    rows_s = pd.Series([r.row for r in recs], index=frame.index, dtype="int64")
    return RawTable("energy", label, frame, rows_s)


# --------------------------------------------------------------------------- public API


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
        problems.append(Problem(
            "P083", label, None, None, None,
            "未找到 205-1 表（应有表头行「能源名称 计量单位 代码 …」）",
            "no form 205-1 found (expected a header row '能源名称 计量单位 代码 …')"))
        return None
    return _parse_block(grid, blocks[0], label, problems)


def _parse_block(grid: Sequence[Sequence[str]], block: _Block, label: str,
                 problems: list[Problem]) -> RawTable | None:
    width = max(len(r) for r in grid) if grid else 0
    grid = [list(r) + [""] * (width - len(r)) for r in grid]
    usable = True
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

    codes = _find_credit_code(grid, meta_rows)
    entity_id = ""
    distinct = sorted({f.value for f in codes})
    if not codes:
        usable = False
        problems.append(Problem(
            "P083", label, block.header + 1, "统一社会信用代码", None,
            "表头未找到统一社会信用代码（应有「统一社会信用代码：」及18位代码）",
            "no unified social credit code (统一社会信用代码) found above the form header"))
    elif len(distinct) > 1:
        usable = False
        problems.append(Problem(
            "P083", label, codes[0].row + 1, "统一社会信用代码", " / ".join(distinct),
            "表头有多个不同的统一社会信用代码",
            "the form header gives several different credit codes"))
    elif not _USCC_RE.fullmatch(distinct[0]):
        usable = False
        problems.append(Problem(
            "P083", label, codes[0].row + 1, "统一社会信用代码", distinct[0],
            "统一社会信用代码应为18位数字或大写字母（GB 32100-2015）",
            "the unified social credit code should be 18 digits or capital letters "
            "(GB 32100-2015)"))
    else:
        entity_id = distinct[0]

    period = _read_period(grid, meta_rows, block, label, problems)
    if period is None:
        usable = False

    rows = _parse_rows(grid, block, cols, label, problems)
    rows = _apply_breakdowns(rows, label, problems)
    if not usable or period is None:
        return None
    return _emit(rows, entity_id, period, label)


def _read_period(grid: Sequence[Sequence[str]], meta_rows: Sequence[int], block: _Block,
                 label: str, problems: list[Problem]) -> str | None:
    found = _find_period(grid, meta_rows)
    if not found:
        problems.append(Problem(
            "P080", label, block.header + 1, "报告期", None,
            "表头未找到报告期（如「报告期：2024年3月」）",
            "no reporting period (报告期, e.g. '2024年3月') found above the form header"))
        return None
    parsed = [(f, parse_report_period(f.value)) for f in found]
    months = sorted({p.month for _, p in parsed if p.kind == "month" and p.month})
    others = [(f, p) for f, p in parsed if p.kind != "month"]
    if len(months) == 1 and not others:
        return months[0]
    if len(months) > 1:
        problems.append(Problem(
            "P080", label, found[0].row + 1, "报告期", " / ".join(f.value for f in found),
            "表头有多个不同的报告期", "the form header gives several different reporting periods"))
        return None
    f, p = others[0]
    if p.kind == "cumulative":
        zh = (f"报告期「{f.value}」是 {p.first}–{p.last} 月的累计数，不是单月数据。能源表按月记录，"
              "累计表不能直接导入：请提供单月报表（如「2024年3月」），或用本期累计减去上期累计得到当月数后"
              "填入 energy 表")
        en = (f"the reporting period '{f.value}' is cumulative (months {p.first} to {p.last}), "
              "not one month. The energy table holds monthly figures, so a cumulative form cannot "
              "be imported: supply single-month forms (e.g. '2024年3月'), or subtract the previous "
              "cumulative form and enter the month's figures in the energy table")
    elif p.kind == "annual":
        zh = (f"报告期「{f.value}」是全年数，不是单月数据；能源表按月记录，请提供各月的单月报表")
        en = (f"the reporting period '{f.value}' is a whole year, not one month; the energy "
              "table holds monthly figures: supply the single-month forms")
    elif p.kind == "quarter":
        zh = f"报告期「{f.value}」是季度数，不是单月数据；请提供单月报表"
        en = (f"the reporting period '{f.value}' is a quarter, not one month; supply "
              "single-month forms")
    else:
        zh = f"无法识别报告期「{f.value}」；应为单月，如「2024年3月」或「2024-03」"
        en = (f"cannot read the reporting period '{f.value}'; expected one month, e.g. "
              "'2024年3月' or '2024-03'")
    problems.append(Problem("P080", label, f.row + 1, "报告期", f.value, zh, en))
    return None


def _parse_grid(grid: list[list[str]], label: str, problems: list[Problem]) -> list[RawTable]:
    out: list[RawTable] = []
    for block in _find_forms(grid):
        t = _parse_block(grid, block, label, problems)
        if t is not None:
            out.append(t)
    return out


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


def _sheet_grid(workbook: Any, sheet: str) -> list[list[str]]:
    """Every cell of a sheet as text, from A1 (so row numbers are those Excel shows)."""
    data = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return [[_cell_text(c) for c in row] for row in data]


def _open_workbook(path: Path, problems: list[Problem]) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types
        problems.append(Problem("P001", path.name, None, None, None,
                                f"无法打开工作簿：{exc}", f"cannot open workbook: {exc}"))
        return None


def _no_form(label: str, problems: list[Problem], severity: Severity) -> None:
    problems.append(Problem(
        "P083", label, None, None, None,
        "未找到 205-1 表（应有表头行「能源名称 计量单位 代码 …」）" +
        ("，已忽略" if severity == "warning" else ""),
        "no form 205-1 found (expected a header row '能源名称 计量单位 代码 …')" +
        ("; ignored" if severity == "warning" else ""), severity))


_EXCEL = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def read_form_sheet(path: Path, sheet: str, problems: list[Problem]) -> list[RawTable]:
    """Read every form 205-1 on one sheet of a workbook."""
    label = f"{path.name}[{sheet}]"
    wb = _open_workbook(path, problems)
    if wb is None:
        return []
    try:
        grid = _sheet_grid(wb, sheet)
    except Exception as exc:  # calamine raises its own error types
        problems.append(Problem("P001", label, None, None, None,
                                f"无法读取工作表：{exc}", f"cannot read the sheet: {exc}"))
        return []
    if not _find_forms(grid):
        _no_form(label, problems, "error")
        return []
    return _parse_grid(grid, label, problems)


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
        if not _find_forms(grid):
            _no_form(path.name, problems, "error")
            return []
        return _parse_grid(grid, path.name, problems)
    if suffix in _EXCEL:
        wb = _open_workbook(path, problems)
        if wb is None:
            return []
        out = []
        found_any = False
        for sheet in wb.sheet_names:
            label = f"{path.name}[{sheet}]"
            try:
                grid = _sheet_grid(wb, sheet)
            except Exception as exc:  # calamine raises its own error types
                problems.append(Problem("P001", label, None, None, None,
                                        f"无法读取工作表：{exc}", f"cannot read the sheet: {exc}"))
                continue
            if not _find_forms(grid):
                if any(c for row in grid for c in row):
                    _no_form(label, problems, "warning")
                continue
            found_any = True
            out.extend(_parse_grid(grid, label, problems))
        if not found_any:
            _no_form(path.name, problems, "error")
        return out
    problems.append(Problem(
        "P083", path.name, None, None, None,
        "205-1 表应为 CSV 或 Excel 文件，本文件已忽略",
        "a form 205-1 file should be CSV or Excel; this file is ignored", "warning"))
    return []
