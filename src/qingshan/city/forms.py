"""What the web's reports page needs of the data layer (issue #14): the columns a reporter
fills in for a table, and an uploaded form 205-1 read as reports in a child process with
the limits of an upload (:mod:`qingshan.city.isolated`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qingshan.city import isolated
from qingshan.data.reported import PERIOD_COLUMN, FormReport, form_reports
from qingshan.errors import Problem, ValidationError
from qingshan.schema.tables import tables

__all__ = ["FormReport", "read_forms", "report_fields"]


def report_fields(kind: str) -> list[dict[str, Any]]:
    """The columns of table ``kind`` a reporter fills in: all but its enterprise and period."""
    skip = {"entity_id", PERIOD_COLUMN[kind]}
    return [{"name": c.name, "zh": c.zh, "en": c.en, "required": c.required, "choices": list(c.choices),
             "default": c.default} for c in tables()[kind].columns if c.name not in skip]


def read_forms(path: Path, limits: isolated.Limits, label: str) -> tuple[list[FormReport], list[Problem]]:
    """Every form 205-1 in ``path`` as a report, read in a child process under ``limits``;
    a file beyond the limits, or one that breaks the reader, is one problem naming ``label``."""
    try:
        found: tuple[list[FormReport], list[Problem]] = isolated.run(form_reports, (path,), limits, label=label)
    except ValidationError as exc:
        return [], list(exc.problems)
    return found
