"""A :class:`~qingshan.reports.model.Report` as PDF (ReportLab): A4, the Chinese font of
:func:`~qingshan.reports.fonts.cjk_font` embedded as a subset, text wrapped by CJK rules,
tables with a repeated header row, page numbers and the report's footer on every page."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from qingshan import __version__
from qingshan.reports.files import write_bytes
from qingshan.reports.fonts import Font, cjk_font
from qingshan.reports.model import Facts, Grid, Heading, Report, Text

_registered: dict[Font, str] = {}
_lock = threading.Lock()
MARGIN = 16 * mm


def _font_name(font: Font) -> str:
    """The ReportLab name of ``font``, registered once per process."""
    with _lock:
        if font not in _registered:
            name = f"QingshanCJK{len(_registered)}"
            pdfmetrics.registerFont(TTFont(name, str(font.path), subfontIndex=font.index))
            _registered[font] = name
        return _registered[font]


def _styles(face: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=face, fontSize=9.5, leading=14, wordWrap="CJK", spaceAfter=4)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10, textColor=colors.HexColor("#555555"),
                                   spaceAfter=10),
        "h1": ParagraphStyle("h1", parent=base, fontSize=13, leading=18, spaceBefore=10, spaceAfter=5),
        "h2": ParagraphStyle("h2", parent=base, fontSize=11, leading=15, spaceBefore=6, spaceAfter=4),
        "body": base,
        "note": ParagraphStyle("note", parent=base, fontSize=8, leading=11, textColor=colors.HexColor("#555555")),
        "verdict": ParagraphStyle("verdict", parent=base, fontSize=13, leading=18,
                                  textColor=colors.HexColor("#8a1c1c")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10.5, spaceAfter=0),
        "num": ParagraphStyle("num", parent=base, fontSize=8, leading=10.5, spaceAfter=0, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, fontSize=8, leading=10.5, spaceAfter=0,
                               textColor=colors.HexColor("#222222")),
    }


#: subscript digits (₀–₉, which the CJK font lacks in part) set as subscripts
_SUBSCRIPTS = {0x2080 + d: f"<sub>{d}</sub>" for d in range(10)}


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).translate(_SUBSCRIPTS).replace("\n", "<br/>"), style)


def _widths(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], width: float) -> list[float]:
    """Column widths in proportion to their longest text (a CJK character counts twice), within bounds."""
    def size(s: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)

    need = [max([8, min(size(c), 14), *[min(size(r[j]), 60) for r in rows[:200]]]) + 3 for j, c in enumerate(columns)]
    total = sum(need) or 1
    return [width * n / total for n in need]


def _table(g: Grid, st: dict[str, ParagraphStyle], width: float) -> Flowable:
    if not g.rows:
        return _p(g.empty, st["note"])
    data: list[list[Any]] = [[_p(c, st["head"]) for c in g.columns]]
    data += [[_p(c, st["num"] if g.numeric[j] else st["cell"]) for j, c in enumerate(r)] for r in g.rows]
    t = LongTable(data, colWidths=_widths(g.columns, g.rows, width), repeatRows=1, hAlign="LEFT")
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b0b0b0")),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2ee")),
                           ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return t


def render(report: Report, font: Font | None = None) -> bytes:
    """The report as PDF bytes (``font``: the CJK font, :func:`~qingshan.reports.fonts.cjk_font` by default)."""
    face = _font_name(font or cjk_font())
    st = _styles(face)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + 4 * mm, title=report.title, author=f"青山 Qingshan {__version__}",
                            subject=report.meta.get("subject", report.kind), creator=f"Qingshan {__version__}",
                            lang="zh-CN" if report.lang == "zh" else "en")
    width = A4[0] - 2 * MARGIN
    story: list[Flowable] = [_p(report.title, st["title"]), _p(report.subtitle, st["subtitle"])]
    for b in report.blocks:
        if isinstance(b, Heading):
            story.append(_p(b.text, st["h1" if b.level == 1 else "h2"]))
        elif isinstance(b, Text):
            story.append(_p(b.text, st[b.kind]))
        elif isinstance(b, Facts):
            story.append(_facts(b, st, width))
        else:
            story.append(_table(b, st, width))
        story.append(Spacer(1, 2))

    def footer(canvas: Any, d: Any) -> None:
        canvas.saveState()
        canvas.setFont(face, 7)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(MARGIN, 9 * mm, report.footer)
        canvas.drawRightString(A4[0] - MARGIN, 9 * mm, f"{d.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def _facts(f: Facts, st: dict[str, ParagraphStyle], width: float) -> Flowable:
    data = [[_p(k, st["head"]), _p(v, st["cell"])] for k, v in f.pairs]
    t = LongTable(data, colWidths=[width * 0.25, width * 0.55], hAlign="LEFT")
    t.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#d0d0d0")),
                           ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return t


def write(report: Report, path: str | Path, font: Font | None = None) -> Path:
    return write_bytes(render(report, font), path)
