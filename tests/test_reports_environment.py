"""The environment sections of the city's and a district's report (docs/reports.md,
docs/environment.md "Report sections"): 环境空气质量, 地表水环境质量 and 排污许可与总量 print
the numbers of the air, water and permits documents, checked here against values worked
out by hand from the documents' own rows (the good-day ratio from the daily AQI, the class
shares from the sections, a district's total from its enterprises) and against GB 3095-2012
Table 1; the PDF and the Word file hold them; a district's report holds its own part only;
a package without the tables, a year they do not hold and a failing section each give one
line, and the rest of the report is printed."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qingshan.city import City
from qingshan.city.config import write_city_config
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package
from qingshan.documents import air as air_doc
from qingshan.documents import water as water_doc
from qingshan.errors import ConfigError
from qingshan.reports import environment_section, pdf, printable, word
from qingshan.reports.model import Block, Grid, Heading, Report, Text, number, percent

pypdf = pytest.importorskip("pypdf")
docx = pytest.importorskip("docx")

HEADINGS = {"zh": ["九、环境空气质量", "十、地表水环境质量", "十一、排污许可与总量"],
            "en": ["9. Ambient air quality", "10. Surface water quality", "11. Discharge permits and totals"]}
MONITORING = ("air_stations", "air_daily", "water_sections", "water_samples", "permits", "permit_reports",
              "pollutant_quotas")


def _package(folder: Path, drop: tuple[str, ...] = ()) -> Path:
    pkg = generate_demo_city(enterprises=40, years=range(2020, 2026))
    write_csv_package({k: v for k, v in pkg.items() if k not in drop}, folder / "package")
    write_city_config(folder, "demo")
    return folder


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    """40 demo enterprises, 2020–2025, with the demo's monitoring and permit tables (no
    ecological package: the GEP section is its one line)."""
    with City.open(_package(tmp_path_factory.mktemp("env-report"))) as c:
        yield c


@pytest.fixture(scope="module")
def src(city: City) -> dict[str, Any]:
    s = printable.sources(city, "city")
    assert s["year"] == city.latest_year == 2025
    env = s["environment"]
    assert [env[p]["status"] for p in ("air", "water", "permits")] == ["ok", "ok", "ok"], env
    return s


def _flat(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _section(report: Report, head: str) -> list[Block]:
    """The blocks from the level-1 heading ``head`` to the next level-1 heading."""
    start = next(i for i, b in enumerate(report.blocks) if isinstance(b, Heading) and b.text == head)
    end = next((i for i, b in enumerate(report.blocks[start + 1:], start + 1)
                if isinstance(b, Heading) and b.level == 1), len(report.blocks))
    return list(report.blocks[start + 1:end])


def _texts(blocks: list[Block]) -> list[str]:
    return Report("city", "zh", "", "", tuple(blocks), "").texts()[2:-1]


def _grids(blocks: list[Block]) -> list[Grid]:
    return [b for b in blocks if isinstance(b, Grid)]


def _lines(blocks: list[Block]) -> list[str]:
    return [b.text for b in blocks if isinstance(b, Heading | Text)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_city_report_has_the_three_sections_before_gep(src: dict[str, Any], lang: str) -> None:
    """After the largest energy users (八, 8) and before GEP, which ends the report."""
    report = printable.build("city", src, lang)
    heads = [b.text for b in report.blocks if isinstance(b, Heading) and b.level == 1]
    top = "八、重点用能企业（前 20 家）" if lang == "zh" else "8. Largest energy users (top 20)"
    gep = "十二、生态系统生产总值（GEP）" if lang == "zh" else "12. Gross ecosystem product (GEP)"
    assert heads[-5:] == [top, *HEADINGS[lang], gep]


def test_air_numbers_by_hand(src: dict[str, Any]) -> None:
    """The good-day ratio counted from the city's daily AQI (HJ 633 Table 2: 优 and 良 are
    AQI ≤ 100), and PM2.5 against GB 3095-2012 Table 1 grade II (annual 35 µg/m³, 24 h
    75 µg/m³), as the section prints them."""
    a = src["environment"]["air"]["document"]
    aqi = [d["aqi"] for d in a["days"]["city"] if d["aqi"] is not None]
    good = sum(1 for x in aqi if x <= 100)
    assert (good, len(aqi)) == (a["city"]["good_days"], a["city"]["days"]) == (330, 365)
    assert math.isclose(a["city"]["good_day_ratio"], good / len(aqi), rel_tol=1e-12)
    ratio = f"{good / len(aqi) * 100:.1f}%"
    assert ratio == "90.4%" == percent(a["city"]["good_day_ratio"])
    (pm25,) = [s for s in a["statistics"] if s["scope"] == "city" and s["pollutant"] == "PM2_5"]
    assert (pm25["annual_limit"], pm25["short_limit"]) == (35.0, 75.0)
    assert pm25["complies"] is (pm25["annual_mean"] <= 35 and pm25["percentile_value"] <= 75)
    blocks = _section(printable.build("city", src, "zh"), HEADINGS["zh"][0])
    assert (f"2025年青山市环境空气优良天数 {good} 天（有效天数 {len(aqi)} 天），优良天数比例 {ratio}；"
            f"环境空气质量综合指数 {number(a['city']['composite_index'], 2)}；") in _lines(blocks)[0]
    table, ranking = _grids(blocks)
    assert ("细颗粒物（PM2.5）", number(pm25["annual_mean"], 1), "35", "24小时平均第95百分位数",
            number(pm25["percentile_value"], 1), "75", "微克/立方米", "达标") in table.rows
    assert [r[0] for r in ranking.rows] == [str(d["rank"]) for d in a["districts"]]
    assert len(ranking.rows) == 5
    facts = next(b for b in blocks if not isinstance(b, Heading | Text | Grid))
    assert ("AQI 技术规定", "HJ 633-2012（2025-01-01 至 2025-12-31，365 天）") in facts.pairs
    assert _lines(blocks)[-1].startswith("未经核实：" + air_doc.UNVERIFIED[0]["zh"])
    assert "HJ 663-2026" in _lines(blocks)[-1]  # the edition that replaced HJ 663-2013 is named


def test_water_numbers_by_hand(src: dict[str, Any]) -> None:
    """The share of sections in classes Ⅰ–Ⅲ counted from the section table, and each
    section's class, deciding items and target as printed."""
    w = src["environment"]["water"]["document"]
    classed = [s["class"] for s in w["sections"] if s["class"] is not None]
    share = 100 * sum(1 for c in classed if c <= 3) / len(classed)
    assert math.isclose(share, w["city"]["i_iii"], rel_tol=1e-12) and f"{share:.1f}%" == "80.0%"
    met = sum(1 for s in w["sections"] if s["meets_target"])
    assert met == w["city"]["meeting_target"]
    blocks = _section(printable.build("city", src, "en"), HEADINGS["en"][1])
    assert (f"In 2025, surface-water sections assessed in 青山市: {len(classed)}; {share:.1f}% in classes I–III"
            in _lines(blocks)[0])
    shares, sections = _grids(blocks)
    assert shares.rows[0][:3] == ("青山市", str(len(classed)), "80.0%")
    s4 = next(r for r in sections.rows if "(QSW04)" in r[0])
    doc4 = next(s for s in w["sections"] if s["section_id"] == "QSW04")
    assert doc4["class"] == 4 and doc4["deciding"] == "do,codmn,nh3n,tp"
    assert s4 == ("钢水河钢城段 (QSW04)", "钢城区", "IV",
                  "dissolved oxygen, permanganate index, ammonia nitrogen, total phosphorus (as P)", "IV", "yes")


def test_permit_numbers_by_hand(src: dict[str, Any]) -> None:
    """The district over its quota: its actual tonnes are the sum of its enterprises'; the
    first over-permit row's excess is actual − permitted."""
    p = src["environment"]["permits"]["document"]
    (over,) = [r for r in p["districts"] if r["over_quota_t"] > 0]
    mine = [e["actual_t"] for e in p["enterprises"]
            if e["district_id"] == over["district_id"] and e["pollutant"] == over["pollutant"]]
    assert math.isclose(sum(mine), over["actual_t"], rel_tol=1e-12)
    assert math.isclose(over["actual_t"] - over["quota_t"], over["over_quota_t"], rel_tol=1e-12)
    first = p["over_permit"][0]
    assert math.isclose(first["actual_t"] - first["permitted_t"], first["over_t"], rel_tol=1e-12)
    blocks = _section(printable.build("city", src, "zh"), HEADINGS["zh"][2])
    c = p["counts"]
    assert _lines(blocks)[0] == (f"2025年全市持有排污许可的企业—污染物共 {c['permits']} 项，其中超过年许可排放量 "
                                 f"{c['over_permit']} 项；排放超过总量控制指标的区县—污染物 "
                                 f"{c['districts_over_quota']} 项，涉及企业 {c['over_quota_enterprises']} 家。")
    totals, listed, batches = _grids(blocks)
    assert (over["district"], over["pollutant_zh"], number(over["permitted_t"], 2), number(sum(mine), 2),
            number(over["quota_t"], 2), number(over["over_quota_t"], 2), str(over["enterprises"])) in totals.rows
    assert len(totals.rows) == len(p["districts"])
    assert listed.rows[0][4:7] == (number(first["permitted_t"], 2), number(first["actual_t"], 2),
                                   f"{first['actual_t'] / first['permitted_t'] * 100:.0f}%")
    assert listed.rows[0][7] == "；".join(first["reasons_zh"])
    assert [r[0] for r in batches.rows] == [b["batch_zh"] for b in p["four_batches"]]
    assert any("four_batches-demo" in x for x in _lines(blocks))


def _expected(src: dict[str, Any], lang: str) -> list[str]:
    env = src["environment"]
    a, w, p = (env[k]["document"] for k in ("air", "water", "permits"))
    return [*HEADINGS[lang], percent(a["city"]["good_day_ratio"]), number(a["city"]["composite_index"], 2),
            f"{number(w['city']['i_iii'], 1)}%", number(p["districts"][0]["actual_t"], 2),
            number(p["over_permit"][0]["actual_t"], 2)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pdf_and_word_hold_the_sections(src: dict[str, Any], lang: str) -> None:
    report = printable.build("city", src, lang)
    reader = pypdf.PdfReader(io.BytesIO(pdf.render(report)))
    text = _flat("".join(p.extract_text() or "" for p in reader.pages))
    for s in _expected(src, lang):
        assert _flat(s) in text, (lang, s)
    d = docx.Document(io.BytesIO(word.render(report)))
    texts = [p.text for p in d.paragraphs] + [c.text for t in d.tables for row in t.rows for c in row.cells]
    start = next(i for i, b in enumerate(report.blocks) if isinstance(b, Heading) and b.text == HEADINGS[lang][0])
    section = set(filter(None, _texts(list(report.blocks[start:]))))
    assert section <= set(texts), section - set(texts)


def test_a_districts_report_holds_its_own_part(city: City, src: dict[str, Any]) -> None:
    p = src["environment"]["permits"]["document"]
    code = str(p["over_permit"][0]["district_id"])
    name = p["over_permit"][0]["district"]
    s = printable.sources(city, "district", code)
    assert "gep" not in s and s["environment"]["air"]["status"] == "ok"
    report = printable.build("district", s, "zh", code)
    heads = [b.text for b in report.blocks if isinstance(b, Heading) and b.level == 1]
    assert [h.split("、", 1)[1] for h in heads[-3:]] == ["环境空气质量", "地表水环境质量", "排污许可与总量"]
    a = s["environment"]["air"]["document"]
    (mine,) = [d for d in a["districts"] if d["code"] == code]
    air = _section(report, heads[-3])
    assert _lines(air)[0].startswith(f"2025年{name}环境空气优良天数 {mine['good_days']} 天")
    assert f"综合指数在 5 个区县中由小到大排第 {mine['rank']} 位。" in _lines(air)[0]
    (table,) = _grids(air)  # its pollutants; no ranking of the other districts
    ours = [x for x in a["statistics"] if x["scope"] == "district" and x["code"] == code]
    assert [r[1] for r in table.rows] == [number(x["annual_mean"], 2 if x["pollutant"] == "CO" else 1) for x in ours]
    water = _section(report, heads[-2])
    shares, sections = _grids(water)
    assert shares.rows == (shares.rows[0],) and shares.rows[0][0] == f"{name}（{code}）"
    w = s["environment"]["water"]["document"]
    assert len(sections.rows) == sum(1 for x in w["sections"] if x["district_id"] == code) >= 1
    assert {r[1] for r in sections.rows} == {name}
    permits = _section(report, heads[-1])
    totals, listed, batches = _grids(permits)
    assert {r[0] for r in totals.rows} == {r[2] for r in listed.rows} == {r[2] for r in batches.rows} == {name}
    assert len(listed.rows) == sum(1 for r in p["over_permit"] if r["district_id"] == code)
    others = {d["name"] for d in a["districts"]} - {name}
    assert not any(o in x for o in others for x in _texts(air + water + permits))


def test_a_parks_report_has_no_environment_section(city: City, src: dict[str, Any]) -> None:
    park = next(r for r in src["accounts"]["rollups"]["park"] if r["year"] == 2025)
    assert "environment" not in printable.sources(city, "park", str(park["unit_id"]))


def test_a_year_the_tables_do_not_hold_is_one_line(city: City) -> None:
    env = environment_section.sources(city, 2019)
    assert env["air"] == {"status": "other_year", "year": 2019, "years": [2020, 2021, 2022, 2023, 2024, 2025]}
    blocks = environment_section.blocks(env, "zh", ["甲", "乙", "丙"])
    assert _lines(blocks) == ["甲", "空气监测数据的年份为 2020–2025，不含 2019 年，本节从略。",
                              "乙", "地表水监测数据的年份为 2020–2025，不含 2019 年，本节从略。",
                              "丙", "排污许可执行数据的年份为 2020–2025，不含 2019 年，本节从略。"]
    en = environment_section.blocks(env, "en", ["A", "B", "C"])
    assert _lines(en)[1] == "The air monitoring data cover 2020–2025, not 2019: this section is left out."


def test_a_city_without_the_tables_says_so(tmp_path: Path) -> None:
    with City.open(_package(tmp_path, MONITORING)) as c:
        s = printable.sources(c, "city")
    assert {k: v["status"] for k, v in s["environment"].items() if k != "year"} == dict.fromkeys(
        ("air", "water", "permits"), "none")
    zh = printable.build("city", s, "zh")
    assert [_lines(_section(zh, h)) for h in HEADINGS["zh"]] == [
        ["本市数据包中没有空气监测数据（air_stations、air_daily），本报告未评价环境空气质量。"],
        ["本市数据包中没有地表水监测数据（water_sections、water_samples），本报告未评价地表水环境质量。"],
        ["本市数据包中没有排污许可执行数据（permits），本报告未比较排污许可与总量。"]]
    en = printable.build("city", s, "en")
    assert _lines(_section(en, HEADINGS["en"][0])) == [
        "The city's package has no air monitoring data (air_stations, air_daily): this report does not assess "
        "air quality."]
    pdf.render(zh)


def test_a_failing_section_is_one_line_and_the_rest_prints(city: City, src: dict[str, Any],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def config_error(*_: Any, **__: Any) -> Any:
        raise ConfigError("[E999] 标准文件缺失 / no standard")

    def crash(*_: Any, **__: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(air_doc, "build", config_error)
    monkeypatch.setattr(water_doc, "build", crash)
    env = environment_section.sources(city, 2025)
    assert env["air"] == {"status": "error", "year": 2025, "message": "[E999] 标准文件缺失 / no standard"}
    assert env["water"] == {"status": "error", "year": 2025, "message": "RuntimeError: boom"}
    assert env["permits"]["status"] == "ok"
    report = printable.build("city", src | {"environment": env}, "zh")
    assert _lines(_section(report, HEADINGS["zh"][0])) == ["未能评价环境空气质量：[E999] 标准文件缺失 / no standard"]
    assert _lines(_section(report, HEADINGS["zh"][1])) == ["未能评价地表水环境质量：RuntimeError: boom"]
    assert len(_grids(_section(report, HEADINGS["zh"][2]))) == 3
    # a document the section cannot read: that section's one line, the next ones whole
    broken = src["environment"] | {"air": {"status": "ok", "year": 2025, "document": {"year": 2025}}}
    blocks = environment_section.blocks(broken, "en", ["A", "B", "C"])
    assert _lines(blocks)[:3] == ["A", "This section could not be made: KeyError: 'city'", "B"]
    assert len(_grids(blocks)) == 5
    pdf.render(report)
