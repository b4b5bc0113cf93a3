"""A unit's or an enterprise's months (issue #16, item 2): the energy, CO2 and electricity of
each month of a range the data hold, with the change on the month before (环比) and on the
same month a year before (同比).

The range is ``from_month``–``to_month`` (``YYYY-MM``), by default the twelve months of the
page's year; a month the data do not hold, or a range that ends before it starts, is refused
with a message in both languages (:class:`MonthRangeError`, a 422 on the web). Figures are
sums of the enterprises' monthly accounts, the same rows the rolling targets use.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from qingshan.documents.values import clean

#: the monthly figures a page shows, and those whose changes it shows
FIELDS = ("energy_tce", "co2_t", "electricity_kwh")
COMPARED = ("energy_tce", "co2_t")
_PERIOD = re.compile(r"(\d{4})-(\d{2})")


class MonthRangeError(ValueError):
    """A month range the data cannot give: ``zh`` and ``en`` say why."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


def period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _parse(name: str, text: str, held: list[str]) -> str:
    m = _PERIOD.fullmatch(text.strip())
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise MonthRangeError(f"参数 {name} 应为 YYYY-MM 形式的月份，收到 {text[:20]!r}",
                              f"{name} must be a month as YYYY-MM; got {text[:20]!r}")
    p = m.group(0)
    if held and not held[0] <= p <= held[-1]:
        raise MonthRangeError(f"数据中没有 {p}（{held[0]}–{held[-1]}）",
                              f"{p} is not in the data ({held[0]}–{held[-1]})")
    return p


def window(held: list[str], year: int, start: str | None, end: str | None) -> tuple[str, str]:
    """The range ``(from, to)`` a page shows: the ones given, checked, else the year's months
    the data hold (all of ``held`` clipped to ``year``)."""
    first = _parse("from_month", start, held) if start else None
    last = _parse("to_month", end, held) if end else None
    mine = [p for p in held if p.startswith(f"{year:04d}-")] or held
    a = first or (mine[0] if mine else period(year, 1))
    b = last or (mine[-1] if mine else period(year, 12))
    if a > b:
        raise MonthRangeError(f"月份范围的起点 {a} 晚于终点 {b}", f"the month range starts ({a}) after it ends ({b})")
    return a, b


def _change(now: Any, before: Any) -> float | None:
    a, b = clean(now), clean(before)
    return None if a is None or b is None or b == 0 else float(a) / float(b) - 1.0


def build(monthly: pd.DataFrame, year: int, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """The months of ``monthly`` (enterprise-month rows of the unit, with ``year`` and
    ``month``) in the range: ``held`` (every month the rows hold, for the selector),
    ``from``, ``to`` and ``rows`` (each month's figures, ``*_mom`` on the month before and
    ``*_yoy`` on the same month a year before, as fractions)."""
    cols = [c for c in FIELDS if c in monthly.columns]
    if monthly.empty:
        sums = pd.DataFrame(columns=["period", *cols])
    else:
        sums = (monthly.groupby(["year", "month"], sort=True)[cols].sum(min_count=1).reset_index())
        sums["period"] = [period(int(y), int(m)) for y, m in zip(sums["year"], sums["month"], strict=True)]
    held = sums["period"].tolist()
    a, b = window(held, year, start, end)
    by_period = {str(r["period"]): r for r in sums.to_dict("records")}
    rows = []
    for i, p in enumerate(held):
        if not a <= p <= b:
            continue
        r = by_period[p]
        before = by_period.get(held[i - 1]) if i > 0 else None
        y, m = int(p[:4]), int(p[5:])
        if before is not None and before["period"] != period(y - 1 if m == 1 else y, 12 if m == 1 else m - 1):
            before = None  # a gap in the data: no month before to compare with
        last_year = by_period.get(period(y - 1, m))
        row: dict[str, Any] = {"period": p, "year": y, "month": m} | {c: clean(r[c]) for c in cols}
        for c in COMPARED:
            if c in cols:
                row[f"{c}_mom"] = _change(r[c], before[c]) if before is not None else None
                row[f"{c}_yoy"] = _change(r[c], last_year[c]) if last_year is not None else None
        rows.append(row)
    return {"held": held, "from": a, "to": b, "rows": rows}
