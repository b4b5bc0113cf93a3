"""A :class:`~qingshan.reports.model.Report` as a Word file (.docx, python-docx): the same
headings, paragraphs and tables as the PDF. Every style names the Chinese font for East
Asian text (``w:eastAsia``, :data:`~qingshan.reports.fonts.FAMILY`, with the theme's East
Asian font removed so that it does not win), so Word and LibreOffice set the Chinese in a
CJK font; the file embeds none."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from qingshan import __version__
from qingshan.reports.files import write_bytes
from qingshan.reports.fonts import FAMILY
from qingshan.reports.model import Facts, Grid, Heading, Report, Text

LATIN = "Arial"
STYLES = ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Table Grid")


def east_asian(style_or_run: Any, family: str = FAMILY) -> None:
    """Name ``family`` as the East Asian font of a style or run (and drop a theme font that would override it)."""
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), family)
    for theme in ("w:eastAsiaTheme", "w:asciiTheme", "w:hAnsiTheme"):
        attr = qn(theme)
        if attr in fonts.attrib:
            del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)


def render(report: Report) -> bytes:
    """The report as .docx bytes."""
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(1.8))
    for name in STYLES:
        east_asian(doc.styles[name])
    doc.styles["Normal"].font.size = Pt(10)
    doc.core_properties.title = report.title
    doc.core_properties.subject = report.meta.get("subject", report.kind)
    doc.core_properties.author = f"青山 Qingshan {__version__}"
    doc.core_properties.language = "zh-CN" if report.lang == "zh" else "en"
    doc.add_paragraph(report.title, style="Title")
    doc.add_paragraph(report.subtitle, style="Subtitle")
    for b in report.blocks:
        if isinstance(b, Heading):
            doc.add_paragraph(b.text, style="Heading 1" if b.level == 1 else "Heading 2")
        elif isinstance(b, Text):
            para = doc.add_paragraph()
            run = para.add_run(b.text)
            if b.kind == "note":
                run.font.size, run.font.color.rgb = Pt(8), RGBColor(0x55, 0x55, 0x55)
            elif b.kind == "verdict":
                run.font.size, run.bold = Pt(13), True
        elif isinstance(b, Facts):
            _grid(doc, Grid(("", ""), b.pairs, (False, False)), header=False)
        else:
            _grid(doc, b)
    footer = sec.footer.paragraphs[0]
    footer.text = report.footer
    for run in footer.runs:
        run.font.size = Pt(7)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _grid(doc: Any, g: Grid, header: bool = True) -> None:
    if not g.rows:
        doc.add_paragraph(g.empty)
        return
    rows = ([g.columns] if header else []) + list(g.rows)
    table = doc.add_table(rows=len(rows), cols=len(g.columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for i, row in enumerate(rows):
        cells = table.rows[i].cells
        for j, text in enumerate(row):
            para = cells[j].paragraphs[0]
            run = para.add_run(text)
            run.font.size = Pt(8)
            if header and i == 0:
                run.bold = True
            elif g.numeric[j]:
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if header:  # the header row repeats on every page
        tr_pr = table.rows[0]._tr.get_or_add_trPr()
        repeat = tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
        tr_pr.append(repeat)
    doc.add_paragraph()


def write(report: Report, path: str | Path) -> Path:
    return write_bytes(render(report), path)
