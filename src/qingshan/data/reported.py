"""Enterprise reports as rows of the package (issue #14, self-reporting).

An enterprise's report is the rows of one table for one period of that enterprise: the
``energy`` of a month (as on form 205-1), or the ``economics``, ``production`` or
``pollutants`` of a year. :func:`report_table` turns a report's rows (keyed by column name
or header alias, as a web form or an API call gives them) into a
:class:`~qingshan.data.raw.RawTable`, so it is checked by the same validation as any
package. The latest accepted version of each report (:class:`Reported`) then *replaces*
its enterprise's rows of that table and period in the city's package
(:func:`qingshan.data.validate.check_raw`): the city's data are the bureau's package plus
the accepted reports, and every row that came from a report names it (``_file``: the
report's id and version), so which version fed a result is traceable.

A report names its period once; a row that gives another period is a mistake (Q003), one
that gives none takes the report's.

Problem codes:

- Q001 a field the table does not have (never ignored)
- Q002 a field given twice, by its name and a header alias
- Q003 a row's period (or year) is not the report's
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qingshan.data.raw import RawTable
from qingshan.errors import Problem
from qingshan.schema.tables import canonical_header, tables

#: The column that holds a report's period, per table that can be reported.
PERIOD_COLUMN = {"energy": "period", "economics": "year", "production": "year", "pollutants": "year"}


@dataclass(frozen=True)
class Reported:
    """The latest accepted version of one enterprise's report for one period."""

    id: int
    version: int
    kind: str  # the table
    entity_id: str
    period: str  # YYYY-MM for energy, YYYY for the yearly tables
    rows: tuple[Mapping[str, Any], ...]

    @property
    def label(self) -> str:
        """The file name the report's rows carry (``_file``) and its problems name."""
        return f"report-{self.id}-v{self.version}[{self.entity_id} {self.kind} {self.period}]"

    @property
    def key(self) -> tuple[str, int, int]:
        """(enterprise, year, month; 0 for a yearly table): the rows it replaces."""
        year, _, month = self.period.partition("-")
        return self.entity_id, int(year), int(month or 0)

    def describe(self) -> dict[str, Any]:
        return {"report": self.id, "version": self.version, "table": self.kind, "entity_id": self.entity_id,
                "period": self.period, "rows": len(self.rows), "label": self.label}


def digest(reports: Iterable[Reported]) -> str:
    """What the reports' rows are, as a hash: a package key changes when one is accepted."""
    body = json.dumps(sorted([r.id, r.version, r.kind, r.entity_id, r.period, list(r.rows)] for r in reports),
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def report_table(kind: str, entity_id: str, period: str | None, rows: Sequence[Mapping[str, Any]],
                 label: str, numbers: Sequence[int] | None = None) -> tuple[RawTable, list[Problem]]:
    """The report's rows as a raw table of ``kind`` (every cell text, under the canonical
    column names, rows numbered from 2 as under a header row unless ``numbers`` gives the
    rows of a form they came from), with its enterprise and period filled in, and the
    problems of its fields (Q001–Q003)."""
    numbers = list(numbers) if numbers is not None else list(range(2, len(rows) + 2))
    spec = tables()[kind]
    period_column = PERIOD_COLUMN.get(kind)
    unknown = sorted({str(k) for r in rows for k in r if canonical_header(spec, str(k)) is None})
    problems = [Problem("Q001", label, None, k, None, f"表 {kind} 没有该字段：{'、'.join(spec.column_names)}",
                        f"table {kind} has no such field: {', '.join(spec.column_names)}") for k in unknown]
    cells: dict[str, list[str]] = {c: [] for c in spec.column_names}
    for i, r in zip(numbers, rows, strict=True):
        canon = [canonical_header(spec, str(k)) for k in r]
        problems += [Problem("Q002", label, i, c, None, f"字段 {c} 出现两次（名称与别名）",
                             f"field {c} is given twice (by its name and an alias)")
                     for c in sorted({c for c in canon if c is not None and canon.count(c) > 1})]
        named = {canonical_header(spec, str(k)): ("" if v is None else str(v).strip()) for k, v in r.items()}
        named["entity_id"] = entity_id
        if period is not None and period_column is not None:
            given = named.get(period_column, "")
            if given and given != period:
                problems.append(Problem("Q003", label, i, period_column, given, f"报告期为 {period}",
                                        f"the report's period is {period}"))
            named[period_column] = period
        for c in spec.column_names:
            cells[c].append(named.get(c) or "")
    frame = pd.DataFrame(cells, dtype=object)
    return RawTable(kind, label, frame, pd.Series(numbers, dtype="int64"), unknown), problems


@dataclass(frozen=True)
class FormReport:
    """One form 205-1 of an uploaded file, as a month's energy report: the enterprise (its
    credit code on the form), the month, and the energy rows with the form rows they came
    from."""

    file: str
    entity_id: str
    period: str
    rows: tuple[dict[str, str], ...]
    numbers: tuple[int, ...]


def form_reports(path: Path) -> tuple[list[FormReport], list[Problem]]:
    """Every form 205-1 in ``path`` (CSV or workbook, :mod:`qingshan.data.form_205_1`) as a
    report, with the problems of reading it. A module-level function: an upload is read in
    a child process with limits (:func:`qingshan.city.isolated.run`)."""
    from qingshan.data.form_205_1 import read_form_file

    problems: list[Problem] = []
    out = []
    for t in read_form_file(path, problems):
        f = t.frame
        if f.empty:
            continue
        columns = [c for c in f.columns if c != "entity_id"]
        out.append(FormReport(t.file, str(f["entity_id"].iloc[0]), str(f["period"].iloc[0]),
                              tuple({c: str(v) for c, v in zip(columns, values, strict=True) if v != ""}
                                    for values in f[columns].itertuples(index=False, name=None)),
                              tuple(int(n) for n in t.rows)))
    return out, problems


def replaced(frame: pd.DataFrame, kind: str, reports: Sequence[Reported]) -> np.ndarray:
    """Which rows of the typed table ``frame`` the ``reports`` of that table replace (a
    boolean per row): those of a reported enterprise in a reported period."""
    keys = {r.key for r in reports if r.kind == kind}
    out = np.zeros(len(frame), dtype=bool)
    if not keys or frame.empty:
        return out
    mine = frame["entity_id"].isin({k[0] for k in keys}).to_numpy()
    if not mine.any():
        return out
    sub = frame.loc[mine]
    months = sub["month"] if "month" in sub.columns else pd.Series(0, index=sub.index)
    out[mine] = [pd.notna(y) and pd.notna(m) and (str(e), int(y), int(m)) in keys
                 for e, y, m in zip(sub["entity_id"], sub["year"], months, strict=True)]
    return out
