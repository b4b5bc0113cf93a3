"""Reader for NBS form 205-1 《能源购进、消费与库存》 (qingshan.data.form_205_1).

Every expected energy row below is worked out by hand from the form rows written in the
test, using the mapping of docs/form-205-1.md: fuel = col. 5 − col. 6, feedstock = col. 6,
non_industrial = col. 7; 原煤 is replaced by its coal-type rows when they are given.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.data.form_205_1 import (
    parse_form,
    parse_report_period,
    read_form_file,
    read_form_sheet,
)
from qingshan.data.raw import RawTable
from qingshan.data.uscc import uscc_check_char
from qingshan.errors import Problem
from qingshan.schema.tables import tables

DATA = Path(__file__).parent / "data" / "form_205_1"

ENT = "91450200MA5K2G301P"  # steel sample (tests/data/form_205_1/205-1_steel_2024-03.csv)
ENT_CHEM = "91450200MA5K2H402P"  # chemical sample (GB18030 file with two forms)
ENT_XLSX = "91450200MA5K2X5037"  # the workbook written by the fixture below

HEADER = [
    ["能源名称", "计量单位", "代码", "期初库存量", "购进量", "", "消费量", "", "", "", "",
     "期末库存量", "采用折标系数", "参考折标系数"],
    ["", "", "", "", "实物量", "金额（千元）", "合计", "工业生产消费", "其中：用于原材料",
     "非工业生产消费", "合计中：运输工具消费", "", "", ""],
    ["甲", "乙", "丙", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "丁"],
]


def row(name: str, unit: str, code: str = "", *figures: str) -> list[str]:
    """A carrier row: name, unit, code, then columns 1 … 10 and 丁 (missing = blank)."""
    cells = [name, unit, code, *figures]
    return cells + [""] * (14 - len(cells))


def form(*rows: list[str], period: str = "报告期：2024年3月",
         credit: str = f"统一社会信用代码：{ENT}") -> list[list[str]]:
    """A form as a grid: title, 表号 line, credit code, period, the header, the rows."""
    return [
        ["能源购进、消费与库存"],
        ["", "", "", "", "", "", "", "", "", "", "", "表号：", "205-1表"],
        [credit, "", "", "", "", "", "", "", "", "", "", "制定机关：", "国家统计局"],
        ["单位详细名称：青山示范钢铁有限公司", "", "", "", period],
        *HEADER,
        *rows,
        ["单位负责人：", "", "统计负责人：", "", "填表人：", "", "报出日期：2024年4月8日"],
    ]


FIRST_DATA_ROW = 8  # rows 1-4 are the title block and rows 5-7 the header


def energy(t: RawTable) -> set[tuple[int, str, str, str, str]]:
    """(form row, carrier, use, quantity, unit) of every emitted energy row."""
    f = t.frame
    return {(int(r), c, u, q, un) for r, c, u, q, un in
            zip(t.rows, f["carrier"], f["use"], f["quantity"], f["unit"], strict=True)}


def codes(problems: list[Problem]) -> list[tuple[str, int | None, str]]:
    return [(p.code, p.row, p.severity) for p in problems]


def parse(grid: list[list[str]]) -> tuple[RawTable | None, list[Problem]]:
    problems: list[Problem] = []
    return parse_form(grid, "205-1_test.csv", problems), problems


# --------------------------------------------------------------------------- mapping


def test_feedstock_split_and_frame_shape() -> None:
    # 天然气: col 4 = 1000 + 50; col 5 = 1000 of which col 6 = 300 used as raw material.
    t, problems = parse(form(row("天然气", "万立方米", "15", "", "1050", "3150", "1050", "1000",
                                 "300", "50", "", "", "12.143", "12.143")))
    assert problems == []
    assert t is not None
    assert t.table == "energy" and t.file == "205-1_test.csv"
    assert tuple(t.frame.columns) == tables()["energy"].column_names
    assert energy(t) == {
        (FIRST_DATA_ROW, "natural_gas", "fuel", "700", "万立方米"),  # 1000 − 300
        (FIRST_DATA_ROW, "natural_gas", "feedstock", "300", "万立方米"),
        (FIRST_DATA_ROW, "natural_gas", "non_industrial", "50", "万立方米"),
    }
    assert set(t.frame["entity_id"]) == {ENT}
    assert set(t.frame["period"]) == {"2024-03"}
    for col in ("measured_ncv", "measured_carbon_content", "measured_oxidation"):
        assert set(t.frame[col]) == {""}
    assert all(isinstance(v, str) for v in t.frame.to_numpy().ravel())


def test_decimals_kept_and_zero_uses_omitted() -> None:
    # 1000.3 − 300.1 is 700.1999… in binary; the form's one decimal gives 700.2.
    # 洗精煤 has col 5 = col 6: fuel 0 is omitted; 柴油 has nothing in cols 5-7.
    t, problems = parse(form(
        row("天然气", "万立方米", "15", "", "", "", "1000.3", "1000.3", "300.1"),
        row("洗精煤", "吨", "06", "", "", "", "800", "800", "800"),
        row("柴油", "吨", "21", "2", "", "", "", "", "", "", "", "2"),
    ))
    assert problems == []
    assert t is not None
    assert energy(t) == {
        (8, "natural_gas", "fuel", "700.2", "万立方米"),
        (8, "natural_gas", "feedstock", "300.1", "万立方米"),
        (9, "cleaned_coal", "feedstock", "800", "吨"),
    }


def test_raw_coal_replaced_by_its_coal_types() -> None:
    # 原煤 3100 = 无烟煤 1000 + 炼焦烟煤 1600 + 一般烟煤 500 (of which 100 non-industrial).
    # 炼焦烟煤 and 一般烟煤 are both 'bituminous_coal': their fuel adds up, 1600 + 400.
    t, problems = parse(form(
        row("原煤", "吨", "01", "500", "3000", "2400", "3100", "3000", "", "100", "", "400"),
        row("其中：无烟煤", "吨", "", "100", "1000", "850", "1000", "1000", "", "", "", "100"),
        row("    炼焦烟煤", "吨", "", "300", "1500", "1200", "1600", "1600", "", "", "", "200"),
        row("    一般烟煤", "吨", "", "100", "500", "350", "500", "400", "", "100", "", "100"),
        row("    褐煤", "吨"),
    ))
    assert problems == []
    assert t is not None
    assert energy(t) == {
        (9, "anthracite", "fuel", "1000", "吨"),
        (10, "bituminous_coal", "fuel", "2000", "吨"),
        (11, "bituminous_coal", "non_industrial", "100", "吨"),
    }


def test_raw_coal_parts_that_do_not_add_up_are_reported() -> None:
    # 原煤 col 5 says 3000, its parts only 2500: the parts are imported, with a warning.
    t, problems = parse(form(
        row("原煤", "吨", "01", "", "", "", "3000", "3000"),
        row("无烟煤", "吨", "", "", "", "", "1000", "1000"),
        row("一般烟煤", "吨", "", "", "", "", "1500", "1500"),
    ))
    assert t is not None
    assert energy(t) == {(9, "anthracite", "fuel", "1000", "吨"),
                         (10, "bituminous_coal", "fuel", "1500", "吨")}
    assert sorted((p.code, p.row, p.column, p.severity) for p in problems) == [
        ("P082", 8, "4 消费量合计", "warning"), ("P082", 8, "5 工业生产消费", "warning")]
    assert "2500" in problems[0].expected_en


def test_raw_coal_without_coal_types_is_imported() -> None:
    t, problems = parse(form(row("原煤", "吨", "01", "", "", "", "100", "100"),
                             row("无烟煤", "吨")))
    assert problems == []
    assert t is not None
    assert energy(t) == {(8, "raw_coal", "fuel", "100", "吨")}


def test_totals_and_blank_rows_are_skipped() -> None:
    t, problems = parse(form(
        row("电力", "万千瓦时", "33", "", "120", "800", "120", "120"),
        ["", "", "", "", "", "", "", "", "", "", "", "", "", ""],
        row("能源合计", "吨标准煤", "40", "", "", "", "147.48"),
        row("合计", "吨标准煤", "", "", "", "", "147.48"),
    ))
    assert problems == []
    assert t is not None
    assert energy(t) == {(8, "electricity", "fuel", "120", "万千瓦时")}


def test_of_which_item_is_not_counted_twice() -> None:
    # An "of which" row (其中 / #) other than the coal types is part of the row above it.
    t, problems = parse(form(row("天然气", "万立方米", "15", "", "", "", "10", "10"),
                             row("#液化天然气", "万立方米", "", "", "", "", "4", "4")))
    assert problems == []
    assert t is not None
    assert energy(t) == {(8, "natural_gas", "fuel", "10", "万立方米")}


def test_carrier_found_by_code_and_name_code_conflict() -> None:
    t, problems = parse(form(
        row("外购电", "万千瓦时", "33", "", "", "", "5", "5"),     # name unknown, code 33
        row("柴油", "吨", "19", "", "", "", "3", "3"),             # code 19 is 汽油
        row("天然气(万立方米)", "万立方米", "", "", "", "", "2", "2"),  # unit in the name
        row("", "吨", "09", "", "", "", "4", "4"),                 # a code and no name
        row("", "吨", "", "", "", "", "5", "5"),                   # neither: not imported
    ))
    assert t is not None
    assert energy(t) == {(8, "electricity", "fuel", "5", "万千瓦时"),
                         (9, "diesel", "fuel", "3", "吨"),
                         (10, "natural_gas", "fuel", "2", "万立方米"),
                         (11, "coke", "fuel", "4", "吨")}
    assert codes(problems) == [("P081", 9, "warning"), ("P081", 12, "warning")]
    assert problems[0].column == "丙 代码"


def test_unknown_carrier_with_figures_is_a_warning() -> None:
    t, problems = parse(form(
        row("电力", "万千瓦时", "33", "", "", "", "1", "1"),
        row("余热余压", "百万千焦", "37", "", "", "", "50", "50"),
        row("其他燃料", "吨标准煤", "39"),  # printed, but empty: no problem
        row("煤矸石（用于燃料）", "吨", "", "", "", "", "0", "0"),  # zeros: no problem
    ))
    assert t is not None
    assert energy(t) == {(8, "electricity", "fuel", "1", "万千瓦时")}
    assert codes(problems) == [("P081", 9, "warning")]
    assert problems[0].value == "余热余压"
    assert "余热余压" in problems[0].expected_zh and "not imported" in problems[0].expected_en


def test_same_carrier_twice_is_an_error() -> None:
    t, problems = parse(form(row("电力", "万千瓦时", "33", "", "", "", "1", "1"),
                             row("电力", "万千瓦时", "33", "", "", "", "2", "2")))
    assert t is not None
    assert energy(t) == {(8, "electricity", "fuel", "1", "万千瓦时")}
    assert codes(problems) == [("P083", 9, "error")]


def test_units_are_passed_on_as_written() -> None:
    # Validation normalises units; the reader does not touch them (including a blank one).
    t, _ = parse(form(row("电力", "万 千瓦时", "33", "", "", "", "1", "1"),
                      row("柴油", "", "21", "", "", "", "1", "1")))
    assert t is not None
    assert set(t.frame["unit"]) == {"万 千瓦时", ""}


# --------------------------------------------------------------------------- checks


def test_identity_warnings() -> None:
    t, problems = parse(form(
        # col 4 = 100 but col 5 + col 7 = 90
        row("焦炭", "吨", "09", "", "", "", "100", "80", "", "10"),
        # col 6 = 50 exceeds col 5 = 40: fuel would be −10
        row("天然气", "万立方米", "15", "", "", "", "40", "40", "50"),
        # col 9 = 30 but 10 + 50 − 40 = 20 (a warning: other flows may explain it)
        row("柴油", "吨", "21", "10", "50", "", "40", "40", "", "", "", "30"),
        # col 8 = 60 exceeds col 4 = 40
        row("汽油", "吨", "19", "", "", "", "40", "40", "", "", "60"),
        # everything consistent; stocks blank (no stock check)
        row("电力", "万千瓦时", "33", "", "100", "", "100", "90", "", "10"),
    ))
    assert t is not None
    found = sorted((p.code, p.row, p.column, p.severity) for p in problems)
    assert found == [
        ("P082", 8, "4 消费量合计", "warning"),
        ("P082", 9, "6 其中：用于原材料", "warning"),
        ("P082", 10, "9 期末库存量", "warning"),
        ("P082", 11, "8 合计中：运输工具消费", "warning"),
    ]
    # the negative fuel quantity is passed on, so validation blocks it (P012)
    assert (9, "natural_gas", "fuel", "-10", "万立方米") in energy(t)


def test_rounding_does_not_trigger_identity_warnings() -> None:
    t, problems = parse(form(
        row("电力", "万千瓦时", "33", "", "", "", "0.3", "0.1", "", "0.2"),
        row("柴油", "吨", "21", "1.10", "2.20", "", "3.30", "3.30", "", "", "", "0"),
    ))
    assert t is not None and problems == []


def test_bad_numbers() -> None:
    t, problems = parse(form(
        row("电力", "万千瓦时", "33", "", "", "", "1", "一百"),       # col 5 not a number
        row("柴油", "吨", "21", "", "", "n/a", "2", "2"),             # col 3: warning only
        row("汽油", "吨", "19", "", "", "", "-2", "-2"),              # negative consumption
        row("焦炭", "吨", "09", "", "", "", "1", "1", "", "", "", "", "0"),  # coefficient 0
        row("天然气", "万立方米", "15", "", "", "", "1,000", "1,000", "", "", "", "", "—"),
    ))
    assert t is not None
    found = sorted((p.code, p.row, p.column, p.severity) for p in problems)
    assert found == [
        ("P084", 8, "5 工业生产消费", "error"),  # no identity checks on a row that is unreadable
        ("P084", 9, "3 购进金额（千元）", "warning"),
        ("P084", 10, "4 消费量合计", "warning"),
        ("P084", 10, "5 工业生产消费", "error"),
        ("P085", 11, "10 采用折标系数", "warning"),
    ]
    # rows with an unreadable or negative quantity are not emitted; "1,000" reads as 1000
    assert energy(t) == {(9, "diesel", "fuel", "2", "吨"), (11, "coke", "fuel", "1", "吨"),
                         (12, "natural_gas", "fuel", "1000", "万立方米")}


# --------------------------------------------------------------------------- period


@pytest.mark.parametrize(("text", "kind", "month"), [
    ("2024年3月", "month", "2024-03"),
    ("2024 年 03 月", "month", "2024-03"),
    ("2024年3月份", "month", "2024-03"),
    ("2024年1-1月", "month", "2024-01"),
    ("2024年1～1月", "month", "2024-01"),
    ("2024-03", "month", "2024-03"),
    ("2024/3", "month", "2024-03"),
    ("202403", "month", "2024-03"),
    ("2024-03-01", "month", "2024-03"),
    ("２０２４年３月", "month", "2024-03"),
    ("2024年1-3月", "cumulative", None),
    ("2024年1—3月", "cumulative", None),
    ("2024年1月-3月", "cumulative", None),
    ("2024年1至12月", "cumulative", None),
    ("2024年", "annual", None),
    ("2024年度", "annual", None),
    ("2024年第一季度", "quarter", None),
    ("2024年13月", "invalid", None),
    ("三月", "invalid", None),
])
def test_parse_report_period(text: str, kind: str, month: str | None) -> None:
    p = parse_report_period(text)
    assert (p.kind, p.month) == (kind, month)


@pytest.mark.parametrize("period_cells", [
    ["报告期：2024年3月"],
    ["报告期：", "2024年3月"],
    ["报告期", "2024-03"],
    ["", "2024 年 3 月"],             # a centred line without a label
    ["报告期别：2024年1-1月", ""],    # a 1–1月 span is the single month January
    ["报告期：", "2024", "年", "3", "月"],  # the printed "____年__月" filled in cell by cell
    ["报告期：2024年3月", "有效期至：", "2026年1月"],
])
def test_period_placements(period_cells: list[str]) -> None:
    grid = form(row("电力", "万千瓦时", "33", "", "", "", "1", "1"))
    grid[3] = ["单位详细名称：青山示范钢铁有限公司", "", "", *period_cells]
    t, problems = parse(grid)
    assert problems == []
    assert t is not None
    expected = "2024-01" if "1-1月" in "".join(period_cells) else "2024-03"
    assert set(t.frame["period"]) == {expected}


def test_period_in_the_title_and_labels_sharing_a_cell() -> None:
    grid = form(row("电力", "万千瓦时", "33", "", "", "", "1", "1"), period="",
                credit=f"统一社会信用代码：{ENT}    单位详细名称：青山示范钢铁有限公司")
    grid[0] = ["能源购进、消费与库存（2024年3月）"]
    t, problems = parse(grid)
    assert problems == [] and t is not None
    assert set(t.frame["entity_id"]) == {ENT} and set(t.frame["period"]) == {"2024-03"}


def test_period_as_separate_year_and_month_fields() -> None:
    # NBS online-reporting exports carry 期别(年) and 期别(月) as two fields.
    grid = form(row("电力", "万千瓦时", "33", "", "", "", "1", "1"))
    grid[3] = ["期别(年)", "2024", "期别(月)", "03"]
    t, problems = parse(grid)
    assert problems == [] and t is not None
    assert set(t.frame["period"]) == {"2024-03"}


def test_expiry_date_is_not_taken_for_the_period() -> None:
    grid = form(row("电力", "万千瓦时", "33", "", "", "", "1", "1"), period="")
    grid[1] += ["有效期至：", "2026年1月"]
    t, problems = parse(grid)
    assert t is None
    assert codes(problems) == [("P080", 5, "error")]  # not found: reported at the header


@pytest.mark.parametrize(("period", "word"), [
    ("报告期：2024年1-3月", "cumulative"),
    ("报告期：2024年1-12月", "cumulative"),
    ("报告期：2024年", "whole year"),
    ("报告期：2024年第一季度", "quarter"),
    ("报告期：2024年13月", "cannot read"),
])
def test_period_not_a_single_month(period: str, word: str) -> None:
    t, problems = parse(form(row("电力", "万千瓦时", "33", "", "", "", "1", "1"),
                             period=period))
    assert t is None
    assert codes(problems) == [("P080", 4, "error")]
    assert word in problems[0].expected_en
    assert problems[0].column == "报告期"


def test_cumulative_form_still_reports_row_problems() -> None:
    # Collect-all: the rows of an unusable form are still checked.
    t, problems = parse(form(row("焦炭", "吨", "09", "", "", "", "100", "80"),
                             period="报告期：2024年1-3月"))
    assert t is None
    assert sorted(codes(problems)) == [("P080", 4, "error"), ("P082", 8, "warning")]


# --------------------------------------------------------------------------- credit code


@pytest.mark.parametrize("credit_cells", [
    [f"统一社会信用代码：{ENT}"],
    [f"统一社会信用代码:{ENT.lower()}"],
    ["统一社会信用代码（或组织机构代码）：", ENT],
    ["统一社会信用代码", "", ENT, "单位详细名称：某公司"],
    ["统一社会信用代码：", *ENT],                     # one character per printed box
    [f"统一社会信用代码 {ENT[:6]} {ENT[6:12]} {ENT[12:]}"],
    [ENT],                                             # a lone code above the header
])
def test_credit_code_placements(credit_cells: list[str]) -> None:
    grid = form(row("电力", "万千瓦时", "33", "", "", "", "1", "1"))
    grid[2] = credit_cells
    t, problems = parse(grid)
    assert problems == []
    assert t is not None
    assert set(t.frame["entity_id"]) == {ENT}


def test_credit_code_below_its_label() -> None:
    # a flat export: labels on one line, values on the next
    grid = [["统一社会信用代码", "单位详细名称", "报告期"],
            [ENT, "青山示范钢铁有限公司", "2024年3月"],
            *HEADER, row("电力", "万千瓦时", "33", "", "", "", "1", "1")]
    t, problems = parse(grid)
    assert problems == [] and t is not None
    assert set(t.frame["entity_id"]) == {ENT}
    assert t.rows.tolist() == [6]


@pytest.mark.parametrize(("credit", "value"), [
    ("单位详细名称：某公司", None),                 # no credit code at all
    ("统一社会信用代码：9145020", "9145020"),        # too short
])
def test_credit_code_problems(credit: str, value: str | None) -> None:
    t, problems = parse(form(row("电力", "万千瓦时", "33", "", "", "", "1", "1"),
                             credit=credit))
    assert t is None
    assert [(p.code, p.severity, p.value) for p in problems] == [("P083", "error", value)]


def test_two_different_credit_codes() -> None:
    other = "91450200MA5K2H402P"
    grid = form(row("电力", "万千瓦时", "33", "", "", "", "1", "1"))
    grid[1] = [f"统一社会信用代码：{other}"]
    t, problems = parse(grid)
    assert t is None and codes(problems) == [("P083", 2, "error")]


# --------------------------------------------------------------------------- layouts


def test_text_header_without_column_numbers_in_another_order() -> None:
    # No 甲 乙 丙 1 2 … row; 代码 before 计量单位 and no reference-coefficient column.
    grid = [
        ["统一社会信用代码", ENT],
        ["报告期：", "2024年3月"],
        ["能源名称", "代码", "计量单位", "期初库存量", "购进量实物量", "购进金额（千元）",
         "消费量合计", "工业生产消费", "用于原材料", "非工业生产消费", "运输工具消费",
         "期末库存量", "采用折标系数"],
        ["天然气（气态）", "15", "万立方米", "", "50", "1500", "50", "50", "30", "", "", "",
         "12.143"],
    ]
    t, problems = parse(grid)
    assert problems == [] and t is not None
    assert energy(t) == {(4, "natural_gas", "fuel", "20", "万立方米"),
                         (4, "natural_gas", "feedstock", "30", "万立方米")}


def test_missing_required_column() -> None:
    grid = [["统一社会信用代码", ENT], ["报告期：", "2024年3月"],
            ["能源名称", "计量单位", "消费量合计"], ["电力", "万千瓦时", "1"]]
    t, problems = parse(grid)
    assert t is None
    assert codes(problems) == [("P083", 3, "error")]
    assert "工业生产消费" in problems[0].expected_zh


def test_no_form_in_grid() -> None:
    t, problems = parse([["这不是报表"], ["a", "b"]])
    assert t is None and codes(problems) == [("P083", None, "error")]


def test_parse_form_reads_only_the_first_of_several_forms() -> None:
    grid = form(row("电力", "万千瓦时", "33", "", "", "", "1", "1"))
    grid += form(row("电力", "万千瓦时", "33", "", "", "", "2", "2"), period="报告期：2024年4月")
    t, problems = parse(grid)
    assert problems == [] and t is not None
    assert energy(t) == {(8, "electricity", "fuel", "1", "万千瓦时")}


# --------------------------------------------------------------------------- files


def test_sample_csv_utf8() -> None:
    problems: list[Problem] = []
    [t] = read_form_file(DATA / "205-1_steel_2024-03.csv", problems)
    assert problems == []
    assert t.file == "205-1_steel_2024-03.csv"
    assert set(t.frame["entity_id"]) == {ENT} and set(t.frame["period"]) == {"2024-03"}
    assert energy(t) == {
        (9, "anthracite", "fuel", "1000", "吨"),
        (10, "bituminous_coal", "fuel", "2000", "吨"),       # 炼焦烟煤 1600 + 一般烟煤 400
        (11, "bituminous_coal", "non_industrial", "100", "吨"),
        (13, "cleaned_coal", "fuel", "800", "吨"),
        (14, "coke", "fuel", "1100", "吨"),
        (15, "coke_oven_gas", "fuel", "120", "万立方米"),
        (16, "blast_furnace_gas", "fuel", "900.5", "万立方米"),
        (17, "diesel", "fuel", "10", "吨"),
        (17, "diesel", "non_industrial", "8", "吨"),
        (18, "heat", "fuel", "2800", "百万千焦"),
        (18, "heat", "non_industrial", "200", "百万千焦"),
        (19, "electricity", "fuel", "1480.25", "万千瓦时"),
        (19, "electricity", "non_industrial", "20", "万千瓦时"),
    }


def test_sample_csv_gb18030_with_two_forms() -> None:
    problems: list[Problem] = []
    tabs = read_form_file(DATA / "205-1_chemical_2024-04_05_gb18030.csv", problems)
    assert problems == []
    assert [sorted(set(t.frame["period"])) for t in tabs] == [["2024-04"], ["2024-05"]]
    assert energy(tabs[0]) == {
        (6, "natural_gas", "fuel", "20", "万立方米"),        # 50 − 30
        (6, "natural_gas", "feedstock", "30", "万立方米"),
        (7, "electricity", "fuel", "300", "万千瓦时"),
        (8, "lpg", "non_industrial", "2", "吨"),
    }
    assert energy(tabs[1]) == {
        (16, "natural_gas", "fuel", "25", "万立方米"),       # 60 − 35
        (16, "natural_gas", "feedstock", "35", "万立方米"),
        (17, "electricity", "fuel", "310", "万千瓦时"),
    }


def write_workbook(path: Path, *, notes: bool, entities: str | None = None) -> None:
    """A workbook as enterprises download it: merged header cells, the credit code in 18
    boxes, figures as numbers, a title block starting in row 2. ``entities`` (CSV text)
    adds an entities sheet, making the workbook a whole data package."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    if notes:
        wb.add_worksheet("填表说明").write(0, 0, "本表由企业按月填报。")
    if entities is not None:
        es = wb.add_worksheet("entities")
        for i, line in enumerate(entities.splitlines()):
            es.write_row(i, 0, line.split(","))
    ws = wb.add_worksheet("205-1 示范")
    ws.write(1, 0, "能源购进、消费与库存")
    ws.write(2, 10, "表号：")
    ws.write(2, 11, "205-1表")
    ws.write(3, 0, "统一社会信用代码")
    for i, ch in enumerate(ENT_XLSX):
        ws.write(3, 1 + i, ch)
    ws.write(4, 0, "单位详细名称：青山示范水泥有限公司")
    ws.write(4, 5, "报告期：")
    ws.write(4, 6, "2024 年 5 月")
    ws.merge_range(5, 0, 6, 0, "能源名称")
    ws.merge_range(5, 1, 6, 1, "计量单位")
    ws.merge_range(5, 2, 6, 2, "代码")
    ws.merge_range(5, 3, 6, 3, "期初库存量")
    ws.merge_range(5, 4, 5, 5, "购进量")
    ws.merge_range(5, 6, 5, 10, "消费量")
    for j, head in enumerate(["实物量", "金额（千元）", "合计", "工业生产消费", "其中：用于原材料",
                              "非工业生产消费", "合计中：运输工具消费"], start=4):
        ws.write(6, j, head)
    ws.merge_range(5, 11, 6, 11, "期末库存量")
    ws.merge_range(5, 12, 6, 12, "采用折标系数")
    ws.merge_range(5, 13, 6, 13, "参考折标系数")
    for j, key in enumerate(["甲", "乙", "丙"]):
        ws.write(7, j, key)
    for j in range(1, 11):
        ws.write_number(7, 2 + j, j)
    ws.write(7, 13, "丁")
    # row 9: 一般烟煤 1200 t (no 原煤 total row on this sheet)
    ws.write_row(8, 0, ["一般烟煤", "吨", ""])
    ws.write_row(8, 3, [300.0, 1000.0, 600.0, 1200.0, 1200.0, None, None, None, 100.0, 0.7143])
    # row 10: electricity 800.5 万kWh industrial + 1.5 non-industrial
    ws.write_row(9, 0, ["电力", "万千瓦时", "33"])
    ws.write_row(9, 3, [None, 802.0, 4800.0, 802.0, 800.5, None, 1.5, None, None, 1.229])
    # row 11: 天然气 3.2 万m³, 1.2 of it as raw material
    ws.write_row(10, 0, ["天然气", "万立方米", "15"])
    ws.write_row(10, 3, [None, 3.2, 96.0, 3.2, 3.2, 1.2, None, None, None, 12.143])
    ws.write(11, 0, "能源合计")
    ws.write(11, 2, "40")
    wb.close()


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    p = tmp_path / "205-1_2024-05.xlsx"
    write_workbook(p, notes=True)
    return p


XLSX_ROWS = {
    (9, "bituminous_coal", "fuel", "1200", "吨"),
    (10, "electricity", "fuel", "800.5", "万千瓦时"),
    (10, "electricity", "non_industrial", "1.5", "万千瓦时"),
    (11, "natural_gas", "fuel", "2", "万立方米"),       # 3.2 − 1.2
    (11, "natural_gas", "feedstock", "1.2", "万立方米"),
}


def test_workbook_every_sheet(workbook: Path) -> None:
    problems: list[Problem] = []
    [t] = read_form_file(workbook, problems)
    # the notes sheet holds no form: a warning, not an error
    assert [(p.code, p.file, p.severity) for p in problems] == [
        ("P083", "205-1_2024-05.xlsx[填表说明]", "warning")]
    assert t.file == "205-1_2024-05.xlsx[205-1 示范]"
    assert set(t.frame["entity_id"]) == {ENT_XLSX} and set(t.frame["period"]) == {"2024-05"}
    assert energy(t) == XLSX_ROWS


def test_workbook_one_sheet(workbook: Path) -> None:
    problems: list[Problem] = []
    [t] = read_form_sheet(workbook, "205-1 示范", problems)
    assert problems == [] and energy(t) == XLSX_ROWS
    problems = []
    assert read_form_sheet(workbook, "填表说明", problems) == []
    assert codes(problems) == [("P083", None, "error")]
    problems = []
    assert read_form_sheet(workbook, "no such sheet", problems) == []
    assert codes(problems) == [("P001", None, "error")]


def test_other_files(tmp_path: Path) -> None:
    problems: list[Problem] = []
    pdf = tmp_path / "205-1_scan.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert read_form_file(pdf, problems) == []
    assert codes(problems) == [("P083", None, "warning")]
    problems = []
    bad = tmp_path / "205-1_bad.csv"
    bad.write_bytes(b"\xff\xfe\x00\xd8\x00\xdc\x81")
    assert read_form_file(bad, problems) == []
    assert codes(problems) == [("P001", None, "error")]
    problems = []
    broken = tmp_path / "205-1_broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    assert read_form_file(broken, problems) == []
    assert codes(problems) == [("P001", None, "error")]
    problems = []
    folder = tmp_path / "205-1_forms"
    folder.mkdir()
    shutil.copy(DATA / "205-1_steel_2024-03.csv", folder)
    assert len(read_form_file(folder, problems)) == 1 and problems == []


# --------------------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6)),
                min_size=1, max_size=4))
def test_emitted_uses_add_up_to_total_consumption(
        figures: list[tuple[int, int, int]]) -> None:
    """Parts add up to the whole: fuel + feedstock + non_industrial = col. 4 = col. 5 + col. 7."""
    names = [("电力", "万千瓦时"), ("柴油", "吨"), ("焦炭", "吨"), ("天然气", "万立方米")]
    rows = []
    for (name, unit), (a, b, c) in zip(names, figures, strict=False):
        c5, c6, c7 = a + b, b, c
        if name == "电力":
            c6, c5 = 0, a  # electricity cannot be feedstock
        rows.append(row(name, unit, "", "", "", "", str(c5 + c7), str(c5), str(c6), str(c7)))
    t, problems = parse(form(*rows))
    assert problems == [] and t is not None
    for r in rows:
        carrier = {"电力": "electricity", "柴油": "diesel", "焦炭": "coke",
                   "天然气": "natural_gas"}[r[0]]
        got = sum(float(q) for c, q in zip(t.frame["carrier"], t.frame["quantity"], strict=True)
                  if c == carrier)
        assert got == float(r[6])


# --------------------------------------------------------------------------- end to end


def uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def test_package_with_forms_validates(tmp_path: Path) -> None:
    """A package folder with entities.csv and 205-1 forms (two CSV, one workbook) yields the
    energy rows in canonical units: 万千瓦时 → kWh × 10 000, 万立方米 → m³ × 10 000,
    百万千焦 → GJ × 1."""
    from qingshan.data.validate import check_package

    assert uscc(ENT[:17]) == ENT and uscc(ENT_XLSX[:17]) == ENT_XLSX
    d = tmp_path / "package"
    d.mkdir()
    (d / "entities.csv").write_text(
        "entity_id,entity_type,name,district_id,industry_code,scale\n"
        "450999,city,青山市,,,\n"
        "450901,district,东区,,,\n"
        f"{ENT},enterprise,青山示范钢铁有限公司,450901,3120,规上\n"
        f"{ENT_CHEM},enterprise,青山示范化工有限公司,450901,2614,规上\n"
        f"{ENT_XLSX},enterprise,青山示范水泥有限公司,450901,3011,规上\n",
        encoding="utf-8")
    for f in DATA.glob("205-1_*.csv"):
        shutil.copy(f, d)
    write_workbook(d / "205-1_2024-05.xlsx", notes=False)

    pkg, problems = check_package(d)
    assert [p.message() for p in problems] == []
    en = pkg.energy
    got = {(e, per, c, u, round(float(q), 6), un, f, int(r)) for e, per, c, u, q, un, f, r in zip(
        en["entity_id"], en["period"], en["carrier"], en["use"], en["quantity"], en["unit"],
        en["_file"], en["_row"], strict=True)}
    steel, chem, xlsx = ("205-1_steel_2024-03.csv", "205-1_chemical_2024-04_05_gb18030.csv",
                         "205-1_2024-05.xlsx[205-1 示范]")
    assert got == {
        (ENT, "2024-03", "anthracite", "fuel", 1000, "t", steel, 9),
        (ENT, "2024-03", "bituminous_coal", "fuel", 2000, "t", steel, 10),
        (ENT, "2024-03", "bituminous_coal", "non_industrial", 100, "t", steel, 11),
        (ENT, "2024-03", "cleaned_coal", "fuel", 800, "t", steel, 13),
        (ENT, "2024-03", "coke", "fuel", 1100, "t", steel, 14),
        (ENT, "2024-03", "coke_oven_gas", "fuel", 1_200_000, "m3", steel, 15),
        (ENT, "2024-03", "blast_furnace_gas", "fuel", 9_005_000, "m3", steel, 16),
        (ENT, "2024-03", "diesel", "fuel", 10, "t", steel, 17),
        (ENT, "2024-03", "diesel", "non_industrial", 8, "t", steel, 17),
        (ENT, "2024-03", "heat", "fuel", 2800, "GJ", steel, 18),
        (ENT, "2024-03", "heat", "non_industrial", 200, "GJ", steel, 18),
        (ENT, "2024-03", "electricity", "fuel", 14_802_500, "kWh", steel, 19),
        (ENT, "2024-03", "electricity", "non_industrial", 200_000, "kWh", steel, 19),
        (ENT_CHEM, "2024-04", "natural_gas", "fuel", 200_000, "m3", chem, 6),
        (ENT_CHEM, "2024-04", "natural_gas", "feedstock", 300_000, "m3", chem, 6),
        (ENT_CHEM, "2024-04", "electricity", "fuel", 3_000_000, "kWh", chem, 7),
        (ENT_CHEM, "2024-04", "lpg", "non_industrial", 2, "t", chem, 8),
        (ENT_CHEM, "2024-05", "natural_gas", "fuel", 250_000, "m3", chem, 16),
        (ENT_CHEM, "2024-05", "natural_gas", "feedstock", 350_000, "m3", chem, 16),
        (ENT_CHEM, "2024-05", "electricity", "fuel", 3_100_000, "kWh", chem, 17),
        (ENT_XLSX, "2024-05", "bituminous_coal", "fuel", 1200, "t", xlsx, 9),
        (ENT_XLSX, "2024-05", "electricity", "fuel", 8_005_000, "kWh", xlsx, 10),
        (ENT_XLSX, "2024-05", "electricity", "non_industrial", 15_000, "kWh", xlsx, 10),
        (ENT_XLSX, "2024-05", "natural_gas", "fuel", 20_000, "m3", xlsx, 11),
        (ENT_XLSX, "2024-05", "natural_gas", "feedstock", 12_000, "m3", xlsx, 11),
    }


def test_package_problems_point_at_the_form_row(tmp_path: Path) -> None:
    """Validation messages about form rows name the form file and row; a cumulative form
    is reported and its rows are not loaded."""
    from qingshan.data.validate import check_package

    d = tmp_path / "package"
    d.mkdir()
    (d / "entities.csv").write_text(
        "entity_id,entity_type,name,district_id,industry_code,scale\n"
        "450999,city,青山市,,,\n450901,district,东区,,,\n"
        f"{ENT},enterprise,青山示范钢铁有限公司,450901,3120,规上\n", encoding="utf-8")
    first = form(row("电力", "万千瓦时", "33", "", "", "", "1", "1"),
                 row("柴油", "桶", "21", "", "", "", "2", "2"))  # 桶 is not a known unit
    grid = first + form(row("电力", "万千瓦时", "33", "", "", "", "3", "3"),
                 period="报告期：2024年1-3月")
    with open(d / "205-1_2024.csv", "w", encoding="gb18030", newline="") as fh:
        csv.writer(fh).writerows(grid)
    pkg, problems = check_package(d)
    assert sorted((p.code, p.file, p.row) for p in problems) == [
        ("P032", "205-1_2024.csv", 9),
        ("P080", "205-1_2024.csv", len(first) + 4),  # the second form's 报告期 line
    ]
    assert set(pkg.energy["period"]) == {"2024-03"}


def test_workbook_package_with_a_form_sheet(tmp_path: Path) -> None:
    """A one-workbook package: an entities sheet and a sheet named 205-1 …"""
    from qingshan.data.validate import check_package

    wb = tmp_path / "package.xlsx"
    write_workbook(wb, notes=False, entities=(
        "entity_id,entity_type,name,district_id,industry_code,scale\n"
        "450999,city,青山市,,,\n450901,district,东区,,,\n"
        f"{ENT_XLSX},enterprise,青山示范水泥有限公司,450901,3011,规上\n"))
    pkg, problems = check_package(wb)
    assert [p.message() for p in problems] == []
    en = pkg.energy
    assert set(en["_file"]) == {"package.xlsx[205-1 示范]"}
    got = {(c, u, float(q), un) for c, u, q, un in
           zip(en["carrier"], en["use"], en["quantity"], en["unit"], strict=True)}
    assert got == {("bituminous_coal", "fuel", 1200.0, "t"),
                   ("electricity", "fuel", 8_005_000.0, "kWh"),
                   ("electricity", "non_industrial", 15_000.0, "kWh"),
                   ("natural_gas", "fuel", 20_000.0, "m3"),
                   ("natural_gas", "feedstock", 12_000.0, "m3")}
