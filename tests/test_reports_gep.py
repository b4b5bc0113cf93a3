"""The GEP section of the city's report (docs/reports.md): its numbers are the GEP
documents' (:mod:`qingshan.documents.gep`), formatted as the report prints them (亿元 with two
decimals), in the PDF's extracted text under the Chinese heading set in the CJK font, and in
the Word file; a city without an ecological package, a year the package does not hold, the
package's first year and a failed account each say so in one line."""

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
from qingshan.documents import gep as gep_doc
from qingshan.ecology.demo import write_demo_eco_package
from qingshan.errors import ConfigError
from qingshan.reports import fonts, gep_section, pdf, printable, word
from qingshan.reports.model import Heading, Report, Text, hundred_million, number
from tests.web_city import demo_city

pypdf = pytest.importorskip("pypdf")
pdfium = pytest.importorskip("pypdfium2")
docx = pytest.importorskip("docx")

HEADING_ZH = "生态系统生产总值（GEP）"
HEADING_EN = "Gross ecosystem product (GEP)"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    """40 demo enterprises, 2020–2025, with the demo's ecological package (LULC 2020 and 2025)."""
    d = tmp_path_factory.mktemp("gep-report")
    write_csv_package(generate_demo_city(enterprises=40, years=range(2020, 2026)), d / "package")
    write_city_config(d, "demo")
    write_demo_eco_package(d / "ecology")
    with City.open(d) as c:
        yield c


@pytest.fixture(scope="module")
def src(city: City) -> dict[str, Any]:
    s = printable.sources(city, "city", year=2025)
    assert s["gep"]["status"] == "ok", s["gep"]
    return s


def _flat(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return _flat("".join(p.extract_text() or "" for p in reader.pages))


def test_hundred_million_by_hand() -> None:
    """29,604,517,394.91 yuan = 296.0451… 亿元 → 296.05; a change of −150,000,000 yuan is −1.50."""
    assert hundred_million(29_604_517_394.91) == "296.05"
    assert hundred_million(-150_000_000) == "-1.50"
    assert hundred_million(1_234_567_890_123.0) == "12,345.68"
    assert hundred_million(None) == "—" and hundred_million(float("nan")) == "—"


def test_the_documents_indicators_add_up_to_gep(src: dict[str, Any]) -> None:
    """by_indicator (added for the report) holds every valued row: its values sum to GEP and
    to each service's total, and its quantity is the rows' quantities summed by hand."""
    a = src["gep"]["account"]
    assert math.isclose(sum(r["value_yuan"] for r in a["by_indicator"]), a["gep_yuan"], rel_tol=1e-12)
    for s in a["by_service"]:
        mine = [r["value_yuan"] for r in a["by_indicator"] if r["service"] == s["service"]]
        assert math.isclose(sum(mine), s["value_yuan"], rel_tol=1e-12), s["service"]
    rows = [r for r in a["rows"] if r["indicator"] == "water_yield_volume"]
    (wy,) = [r for r in a["by_indicator"] if r["indicator"] == "water_yield_volume"]
    assert wy["quantity_unit"] == "m3" and wy["indicator_zh"] == "产水量"
    assert math.isclose(wy["quantity"], sum(r["quantity"] for r in rows), rel_tol=1e-12)


def _expected(src: dict[str, Any], lang: str) -> list[str]:
    """Texts the section must print, read from the GEP documents."""
    g = src["gep"]
    a, c, k = g["account"], g["comparison"], g["coordination"]
    out = [hundred_million(a["gep_yuan"]), a["price_set"]["name"], a["eco_package"]["digest"]]
    out += [hundred_million(r["value_yuan"]) for r in a["by_class"] + a["by_district"]]
    out += [number(r["quantity"], 0) for r in a["by_indicator"] if r["quantity"] and abs(r["quantity"]) >= 100]
    assert c is not None and c["from"] == 2020 and c["to"] == 2025
    assert c["total"]["scope_change"] > 0  # carbon sequestration, accounted in 2025 only
    for key in ("change", "quantity_effect", "price_effect", "scope_change"):
        v = c["total"][key]
        out.append(("+" if v > 0 else "") + hundred_million(v))
    coord = [r for r in k["rows"] if r["year"] == 2025]
    assert len(coord) == len(a["by_district"])
    out += [number(r["d"], 3) for r in coord] + [number(r["gep_gdp_ratio"], 3) for r in coord]
    out += [r["grade_zh" if lang == "zh" else "grade_en"] for r in coord]
    out += [r["why_zh" if lang == "zh" else "why_en"] for r in a["not_accounted"]]
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pdf_holds_the_gep_documents_numbers(src: dict[str, Any], lang: str) -> None:
    report = printable.build("city", src, lang)
    text = _pdf_text(pdf.render(report))
    assert _flat(HEADING_ZH if lang == "zh" else HEADING_EN) in text
    gep = hundred_million(src["gep"]["account"]["gep_yuan"])
    assert gep == f"{src['gep']['account']['gep_yuan'] / 1e8:,.2f}"
    assert _flat(f"生态系统生产总值（GEP）{gep}亿元" if lang == "zh" else f"product was {gep}") in text
    for s in _expected(src, lang):
        assert _flat(s) in text, (lang, s)


def test_the_heading_is_set_in_the_cjk_font(src: dict[str, Any]) -> None:
    """The page holding the Chinese heading uses the embedded CJK font, and drawn with a font
    without CJK glyphs that page looks different."""
    import numpy as np

    report = printable.build("city", src, "zh")
    data = pdf.render(report)
    reader = pypdf.PdfReader(io.BytesIO(data))
    (page_no,) = [i for i, p in enumerate(reader.pages) if HEADING_ZH in _flat(p.extract_text() or "")][:1]
    res = reader.pages[page_no]["/Resources"]["/Font"]
    names = {str(res[k].get_object()["/BaseFont"]) for k in res}
    assert any("QingshanCJK" in n or "WenQuanYi" in n for n in names), names

    def image(body: bytes) -> Any:
        return np.asarray(pdfium.PdfDocument(body)[page_no].render(scale=1.0).to_pil().convert("L"))

    img = image(data)
    assert (img < 128).mean() > 0.005
    if DEJAVU.is_file():
        other = image(pdf.render(report, fonts.Font(DEJAVU, 0)))
        assert (np.abs(other.astype(int) - img.astype(int)) > 64).sum() > 400


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_word_holds_the_same_numbers(src: dict[str, Any], lang: str) -> None:
    report = printable.build("city", src, lang)
    d = docx.Document(io.BytesIO(word.render(report)))
    texts = [p.text for p in d.paragraphs] + [c.text for t in d.tables for row in t.rows for c in row.cells]
    joined = _flat("".join(texts))
    for s in _expected(src, lang):
        assert _flat(s) in joined, (lang, s)
    head = HEADING_ZH if lang == "zh" else HEADING_EN
    start = next(i for i, b in enumerate(report.blocks) if isinstance(b, Heading) and head in b.text)
    section = Report("city", lang, "", "", report.blocks[start:], "").texts()
    assert set(filter(None, section)) <= set(texts)


def _section(report: Report, head: str) -> list[str]:
    start = next(i for i, b in enumerate(report.blocks) if isinstance(b, Heading) and head in b.text)
    return [b.text for b in report.blocks[start + 1:] if isinstance(b, Heading | Text)]


def test_a_year_the_package_lacks_and_its_first_year(city: City) -> None:
    other = printable.sources(city, "city", year=2024)
    assert other["gep"] == {"status": "other_year", "year": 2024, "years": [2020, 2025]}
    assert _section(printable.build("city", other, "zh"), HEADING_ZH) == [
        "生态数据包的年份为 2020、2025，不含 2024 年，本报告未核算 GEP。"]
    first = printable.sources(city, "city", year=2020)
    assert first["gep"]["status"] == "ok" and first["gep"]["comparison"] is None
    texts = _section(printable.build("city", first, "en"), HEADING_EN)
    assert "2020 is the package's first year: there is no earlier year to compare with." in texts
    assert any(hundred_million(first["gep"]["account"]["gep_yuan"]) in x for x in texts)


def test_a_city_without_a_package_says_so(tmp_path: Path) -> None:
    with City.open(demo_city(tmp_path)) as c:
        s = printable.sources(c, "city")
    assert s["gep"] == {"status": "none", "year": s["year"]}
    assert _section(printable.build("city", s, "zh"), HEADING_ZH) == [
        "本市没有生态数据包，未核算生态系统生产总值（GEP）。"]
    assert _section(printable.build("city", s, "en"), HEADING_EN) == [
        "The city has no ecological package: no GEP is accounted."]


def test_a_failed_account_is_one_line_and_the_energy_report_still_prints(city: City,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: Any, **__: Any) -> Any:
        raise ConfigError("[E999] 没有价格集 / no price set")

    monkeypatch.setattr(gep_doc, "account_document", fail)
    g = gep_section.sources(city, 2025)
    assert g == {"status": "error", "year": 2025, "message": "[E999] 没有价格集 / no price set"}
    texts = [b.text for b in gep_section.blocks(g, "zh", "九、" + HEADING_ZH) if isinstance(b, Heading | Text)]
    assert texts == ["九、" + HEADING_ZH, "未能核算 GEP：[E999] 没有价格集 / no price set"]


def test_other_reports_have_no_gep_section(city: City) -> None:
    s = printable.sources(city, "district", "459902", 2025)
    assert "gep" not in s
