"""Carrier rows of a form → energy rows: figures, the form's own identities, "of which"
(其中) items and breakdowns (原煤 → coal types)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from qingshan.data.cells import FORMULA_ERRORS
from qingshan.data.form_205_1.cells import _fmt, _norm, _number
from qingshan.data.form_205_1.layout import COLUMNS, EMITTED_COLUMNS, NUMERIC_COLUMNS, _Block
from qingshan.data.form_205_1.names import _clean_name, _code_map, _normalise_code, _resolve_name
from qingshan.data.raw import RawTable
from qingshan.errors import Problem, Severity
from qingshan.schema.carriers import carriers
from qingshan.schema.tables import tables
from qingshan.schema.units import conversion_factor, normalise_unit_label

#: Rows of the form that are the sum of rows listed below them. When any listed part has a
#: figure, the parent row is not imported (it would be counted twice) and the parts are.
#: 原煤 = 无烟煤 + 炼焦烟煤 + 一般烟煤 + 褐煤: the coal-type split the carbon factors need.
#: 煤制品 = 型煤 + 其他煤制品: the carbon factors have a row for each (oxidation 90 % and 98 %)
#: and none for the total, so burnt 煤制品 needs the split as well (validation P147).
BREAKDOWNS: dict[str, frozenset[str]] = {
    "raw_coal": frozenset({"anthracite", "bituminous_coal", "lignite"}),
    "coal_products": frozenset({"briquette", "other_coal_products"}),
}

_TOTAL_WORDS = ("合计", "总计")
_TOTAL_CODES = frozenset({"40"})


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


def _col(key: str) -> str:
    return f"{key} {COLUMNS[key][0]}"


def _tol(row: FormRow, keys: Sequence[str]) -> float:
    dec = max((row.decimals.get(k, 0) for k in keys), default=0)
    scale = max((abs(row.v(k)) for k in keys), default=0.0)
    return 0.5 * 10.0 ** (-dec) + 1e-9 * scale


def _warn(problems: list[Problem], code: str, label: str, row: int | None, column: str | None,
          value: str | None, zh: str, en: str, severity: Severity = "warning") -> None:
    problems.append(Problem(code, label, row, column, value, zh, en, severity))


def _not_a_number(text: str) -> tuple[str, str]:
    """What to say of a figure that is not a number: a formula error is named as such."""
    if text.strip() in FORMULA_ERRORS:
        return ("公式错误值：工作表中的公式出错，单元格中没有数值；请修正公式或填入数值",
                "a formula error value: the formula failed in the sheet and the cell holds no figure; fix "
                "the formula or type the value")
    return ("应为数字（小数点用「.」，千分位逗号每三位一个，如 1,234.5）",
            "expected a number (decimal point '.', thousands commas every three digits, as in 1,234.5)")


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
                zh, en = _not_a_number(text)
                _warn(problems, "P084", label, fr.row, _col(key), text, zh, en,
                      "error" if key in EMITTED_COLUMNS else "warning")
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
