"""The printed formats of a report: PDF (:mod:`qingshan.reports.pdf`) and Word
(:mod:`qingshan.reports.word`), by name, with their media types and file suffixes."""

from __future__ import annotations

from typing import Literal

from qingshan.reports.model import Report

PrintFormat = Literal["pdf", "docx"]
PRINT_FORMATS: tuple[PrintFormat, ...] = ("pdf", "docx")
MEDIA = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def render(report: Report, fmt: str) -> bytes:
    """``report`` as a file of format ``fmt`` (``pdf`` or ``docx``)."""
    if fmt == "pdf":
        from qingshan.reports import pdf

        return pdf.render(report)
    from qingshan.reports import word

    return word.render(report)
