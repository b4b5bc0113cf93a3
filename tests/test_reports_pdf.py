"""The printable reports (docs/reports.md) as PDF and Word, in both languages: the PDF's
text (pypdf) holds the Chinese title and the documents' numbers; a page rendered to an
image (pypdfium2) is not blank and shows CJK glyphs in the title area, which a render with a
font that has no CJK glyphs does not; the Word file read back (python-docx) holds the same
words and names the East Asian font. A missing font is R001, naming the Debian package."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qingshan.city import City
from qingshan.errors import ConfigError
from qingshan.reports import fonts, pdf, printable, word
from qingshan.reports.model import Report, number
from tests.web_city import demo_city

pypdf = pytest.importorskip("pypdf")
pdfium = pytest.importorskip("pypdfium2")
docx = pytest.importorskip("docx")

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PROJECT = Path(__file__).parents[1] / "src" / "qingshan" / "screening" / "demo_projects" / "aluminium_expansion.yaml"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    with City.open(demo_city(tmp_path_factory.mktemp("reports"))) as c:
        yield c


@pytest.fixture(scope="module")
def units(city: City) -> dict[str, str]:
    acc = printable.sources(city, "city")["accounts"]
    firm = sorted(acc["enterprises"], key=lambda e: -(e["energy_tce"] or 0))[0]
    return {"district": str(firm["district_id"]), "park": str(firm["park_id"]), "enterprise": str(firm["entity_id"])}


@pytest.fixture(scope="module")
def sources(city: City, units: dict[str, str]) -> dict[str, dict[str, Any]]:
    from qingshan.documents import screening as screening_doc

    out = {k: printable.sources(city, k, units.get(k)) for k in ("city", "district", "park", "enterprise",
                                                                  "evaluation")}
    out["screen"] = {"screening": screening_doc.build(city, screening_doc.read_project(PROJECT))}
    return out


def _text(data: bytes) -> str:
    """Every page's text, without white space (a wrapped line breaks a title)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in reader.pages))


def _flat(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _expected_numbers(kind: str, src: dict[str, Any], units: dict[str, str]) -> list[str]:
    """Numbers the report must print, read from its JSON documents (formatted as reports print them)."""
    if kind in ("city", "district", "park"):
        year = src["year"]
        rows = [r for r in src["accounts"]["rollups"][kind] if r["year"] == year
                and (kind == "city" or str(r["unit_id"]) == units[kind])]
        (row,) = rows
        return [number(row["energy_tce"]), number(row["co2_t"]), number(row["energy_per_va"], 3)]
    if kind == "enterprise":
        last = src["enterprise"]["yearly"][-1]
        return [number(last["energy_tce"]), number(last["co2_t"])]
    if kind == "evaluation":
        firms = [f for f in src["evaluation"]["enterprises"] if f["class"] == "A"]
        return [number(f["score"], 2) for f in firms[:5]] + [f["entity_id"] for f in firms[:5]]
    fig = src["screening"]["figures"]
    return [number(fig["energy_tce"], 1), number(fig["co2_t"], 1)]


KINDS = ("city", "district", "park", "enterprise", "evaluation", "screen")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_pdf_text_holds_the_title_and_the_documents_numbers(kind: str, lang: str, sources: dict[str, Any],
                                                            units: dict[str, str]) -> None:
    report = printable.build(kind, sources[kind], lang, units.get(kind))
    data = pdf.render(report)
    assert data[:5] == b"%PDF-"
    text = _text(data)
    assert _flat(report.title) in text
    for n in _expected_numbers(kind, sources[kind], units):
        assert _flat(n) in text, (kind, lang, n)
    if lang == "zh":
        assert re.search(r"[\u4e00-\u9fff]{4}", text)
        assert any(w in text for w in ("综合能耗", "亩均", "审查理由"))
    else:
        assert any(w in text for w in ("energy", "Energy", "class", "Reasons"))
    meta = pypdf.PdfReader(io.BytesIO(data)).metadata
    assert meta is not None and meta.title == report.title


def _render(data: bytes) -> Any:
    import numpy as np

    page = pdfium.PdfDocument(data)[0]
    return np.asarray(page.render(scale=1.5).to_pil().convert("L"))


def test_a_rendered_page_shows_cjk_glyphs_in_its_title(sources: dict[str, Any], monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    import numpy as np

    report = printable.build("district", sources["district"], "zh", None)
    img = _render(pdf.render(report))
    dark = img < 128
    assert dark.mean() > 0.005  # not blank
    title = dark[: img.shape[0] // 8]  # the title area: the top eighth of the page
    assert title.sum() > 800, title.sum()
    # the same report with a font that has no CJK glyph draws something else where the title is
    if DEJAVU.is_file():
        other = _render(pdf.render(report, fonts.Font(DEJAVU, 0)))
        diff = np.abs(other[: img.shape[0] // 8].astype(int) - img[: img.shape[0] // 8].astype(int)) > 64
        assert diff.sum() > 400, diff.sum()
    # the embedded font is the CJK one (a subset)
    reader = pypdf.PdfReader(io.BytesIO(pdf.render(report)))
    names = {str(f["/BaseFont"]) for f in _fonts(reader.pages[0])}
    assert any("WenQuanYi" in n or "QingshanCJK" in n for n in names), names


def _fonts(page: Any) -> list[Any]:
    res = page["/Resources"]["/Font"]
    return [res[k].get_object() for k in res]


def test_a_missing_font_is_r001_naming_the_package(monkeypatch: pytest.MonkeyPatch,
                                                   sources: dict[str, Any]) -> None:
    monkeypatch.delenv(fonts.ENV, raising=False)
    monkeypatch.setattr(fonts, "CANDIDATES", (Path("/nonexistent/wqy-zenhei.ttc"),))
    with pytest.raises(ConfigError, match=r"\[R001\].*fonts-wqy-zenhei"):
        pdf.render(printable.build("city", sources["city"], "zh"))
    monkeypatch.setenv(fonts.ENV, "/nonexistent/font.ttf")
    with pytest.raises(ConfigError, match=r"\[R001\]"):
        fonts.cjk_font()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_word_holds_the_same_words_and_names_the_east_asian_font(kind: str, lang: str, sources: dict[str, Any],
                                                                 units: dict[str, str]) -> None:
    report: Report = printable.build(kind, sources[kind], lang, units.get(kind))
    d = docx.Document(io.BytesIO(word.render(report)))
    texts = [p.text for p in d.paragraphs] + [c.text for t in d.tables for row in t.rows for c in row.cells]
    joined = _flat("".join(texts))
    assert _flat(report.title) in joined
    for n in _expected_numbers(kind, sources[kind], units):
        assert _flat(n) in joined, (kind, lang, n)
    assert set(filter(None, report.texts()[:-1])) <= set(texts), "the Word file holds every text of the report"
    from docx.oxml.ns import qn

    for style in ("Normal", "Heading 1", "Title"):
        fonts_el = d.styles[style].element.rPr.rFonts
        assert fonts_el.get(qn("w:eastAsia")) == fonts.FAMILY and fonts_el.get(qn("w:eastAsiaTheme")) is None
    assert d.core_properties.title == report.title


def test_the_cli_writes_each_report(tmp_path: Path, city: City, units: dict[str, str]) -> None:
    from click.testing import CliRunner

    from qingshan.cli import main

    folder = str(city.data_dir) if getattr(city, "data_dir", None) else None
    assert folder is not None
    runner = CliRunner()
    for args, suffix in ((["report", "city", folder, "--format", "pdf"], "pdf"),
                         (["report", "district", units["district"], folder, "--format", "docx"], "docx"),
                         (["--lang", "en", "report", "enterprise", units["enterprise"], folder], "pdf"),
                         (["report", "screen", str(PROJECT), folder, "--format", "docx"], "docx")):
        out = tmp_path / f"r-{len(list(tmp_path.iterdir()))}.{suffix}"
        r = runner.invoke(main, [*args, "--out", str(out)])
        assert r.exit_code == 0, r.output
        assert out.stat().st_size > 5000
    bad = runner.invoke(main, ["report", "district", "nope", folder, "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 2 and "R002" in bad.output
