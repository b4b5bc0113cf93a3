"""The title block above a form's header: the unified social credit code and the reporting
period (报告期)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from qingshan.data.form_205_1.cells import _norm
from qingshan.data.form_205_1.layout import _META_WORDS, _Block
from qingshan.errors import Problem

_CREDIT_LABELS = ("统一社会信用代码", "社会信用代码")
_PERIOD_LABELS = ("报告期别", "报告期", "统计期", "所属期", "报表期", "期别")
_NOT_PERIOD_CONTEXT = ("有效期", "报出", "日期", "文号", "批准", "填报")

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


def _labelled_cells(grid: Sequence[Sequence[str]], rows: Sequence[int],
                    labels: Sequence[str]) -> Iterator[tuple[int, int, str, list[str]]]:
    """Each cell of ``rows`` holding one of ``labels`` (the first listed that occurs): its row,
    its column, the text after the label in that cell and the non-empty cells to its right."""
    for r in rows:
        row = grid[r]
        for c, cell in enumerate(row):
            t = _norm(cell)
            label = next((lb for lb in labels if lb in t), None)
            if label is None:
                continue
            rest, right = _label_value(row, c, label)
            yield r, c, rest, right


def _below(grid: Sequence[Sequence[str]], r: int, c: int) -> str:
    if r + 1 < len(grid) and c < len(grid[r + 1]):
        return _norm(grid[r + 1][c])
    return ""


def _is_label(text: str) -> bool:
    return text.endswith(":") or any(w in text for w in _META_WORDS)


def _find_credit_code(grid: Sequence[Sequence[str]], rows: Sequence[int]) -> list[_Found]:
    found: list[_Found] = []
    for r, c, rest, right in _labelled_cells(grid, rows, _CREDIT_LABELS):
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


def _read_credit_code(grid: Sequence[Sequence[str]], meta_rows: Sequence[int], block: _Block,
                      label: str, problems: list[Problem]) -> str | None:
    """The form's credit code (the entity id), or None after reporting why there is none."""
    codes = _find_credit_code(grid, meta_rows)
    distinct = sorted({f.value for f in codes})
    if not codes:
        problems.append(Problem(
            "P083", label, block.header + 1, "统一社会信用代码", None,
            "表头未找到统一社会信用代码（应有「统一社会信用代码：」及18位代码）",
            "no unified social credit code (统一社会信用代码) found above the form header"))
    elif len(distinct) > 1:
        problems.append(Problem(
            "P083", label, codes[0].row + 1, "统一社会信用代码", " / ".join(distinct),
            "表头有多个不同的统一社会信用代码",
            "the form header gives several different credit codes"))
    elif not _USCC_RE.fullmatch(distinct[0]):
        problems.append(Problem(
            "P083", label, codes[0].row + 1, "统一社会信用代码", distinct[0],
            "统一社会信用代码应为18位数字或大写字母（GB 32100-2015）",
            "the unified social credit code should be 18 digits or capital letters "
            "(GB 32100-2015)"))
    else:
        return distinct[0]
    return None


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
    for r, c, rest, right in _labelled_cells(grid, rows, _PERIOD_LABELS):
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


def _read_period(grid: Sequence[Sequence[str]], meta_rows: Sequence[int], block: _Block,
                 label: str, problems: list[Problem]) -> str | None:
    """The form's single month as YYYY-MM, or None after reporting why there is none (P080)."""
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
