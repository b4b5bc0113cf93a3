"""Account results as Excel and CSV, with the profile, the factor set and the factor rows
used (the JSON is the accounts document, :mod:`qingshan.documents.accounts`). Every text
cell and header of a CSV goes through :func:`qingshan.reports.safe.safe_frame`, as every
cell of a workbook does (:mod:`qingshan.reports.workbook`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from qingshan.accounts import AccountResult
from qingshan.documents.accounts import ENTERPRISE_FIELDS, ROLLUP_FIELDS
from qingshan.documents.accounts import select_years as _select_years
from qingshan.glossary import label
from qingshan.i18n import tr
from qingshan.reports.files import write_atomic
from qingshan.reports.safe import safe_frame
from qingshan.reports.workbook import about_frame, about_rows, write_workbook


def write_csv(result: AccountResult, path: str | Path, years: list[int] | None = None) -> Path:
    """Enterprise-year accounts as one CSV (UTF-8 with BOM so Excel opens it in Chinese)."""
    return write_atomic(path, lambda p: csv_frame(result, years).to_csv(p, index=False, encoding="utf-8-sig"))


def csv_frame(result: AccountResult, years: list[int] | None = None) -> pd.DataFrame:
    """The enterprise-year accounts as the CSV holds them (file or standard output): the
    enterprise fields, texts escaped (:func:`~qingshan.reports.safe.safe_frame`)."""
    frame = _select_years(result.yearly, years)
    return safe_frame(frame[[c for c in ENTERPRISE_FIELDS if c in frame.columns]])


def _labelled(frame: pd.DataFrame, fields: tuple[str, ...] | None = None) -> pd.DataFrame:
    cols = [c for c in (fields or tuple(frame.columns)) if c in frame.columns]
    return frame[cols].rename(columns={c: label(c) for c in cols})


def write_xlsx(result: AccountResult, path: str | Path, years: list[int] | None = None, *,
               monthly: bool = True, header: dict[str, Any] | None = None) -> Path:
    """A workbook: read-me (with the profile of ``header``), enterprise years (and months
    unless ``monthly`` is false), roll-ups, products and the citation of every factor row used."""
    meta = about_rows({"factor_set": result.factor_set, **(header or {})})
    meta += [(f"{tr('因子文件', 'factor file')} {k}", f"sha256 {v}") for k, v in result.factor_set["files"].items()]
    meta += [(tr("说明", "note"), n[tr("zh", "en")]) for n in result.notes if not years or n["year"] in years]
    citations = pd.DataFrame([{"factor_id": k, **v} for k, v in sorted(result.citations.items())])
    sheets: list[tuple[str, pd.DataFrame]] = [
        (tr("说明", "About"), about_frame(meta)),
        (tr("企业年度", "Enterprise years"), _labelled(_select_years(result.yearly, years), ENTERPRISE_FIELDS)),
    ]
    if monthly:
        sheets.append((tr("企业月度", "Enterprise months"), _labelled(_select_years(result.monthly, years))))
    for lvl, name_zh, name_en in (("city", "城市", "City"), ("district", "区县", "Districts"),
                                  ("park", "园区", "Parks"), ("industry", "行业", "Industries")):
        sheets.append((tr(name_zh, name_en), _labelled(_select_years(result.rollups[lvl], years), ROLLUP_FIELDS)))
    sheets.append((tr("单位产品", "Products"), _labelled(_select_years(result.products, years))))
    sheets.append((tr("因子来源", "Factors used"), citations))

    return write_workbook(path, sheets)


def write_monthly_csv(result: AccountResult, path: str | Path, years: list[int] | None = None) -> Path:
    """Enterprise-month accounts as CSV (UTF-8 with BOM), for volumes Excel handles slowly."""
    frame = _select_years(result.monthly, years)
    return write_atomic(path, lambda p: safe_frame(frame.rename(columns={c: label(c) for c in frame.columns}))
                        .to_csv(p, index=False, encoding="utf-8-sig"))
