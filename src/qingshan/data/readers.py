"""Readers for a data package: a folder of CSV files or one XLSX workbook.

Each reader returns :class:`~qingshan.data.raw.RawTable` objects: every cell as text, headers mapped to the
canonical column names of the spec, and the row number a person sees in the file. Typing,
unit conversion and checks happen in :mod:`qingshan.data.validate`, so that every problem
can be reported against the original cell.

Statistical form 205-1 (工业企业能源购进、消费与库存) is read by
:mod:`qingshan.data.form_205_1`: in a folder, files whose name starts with ``205-1``; in a
workbook, sheets whose name starts with ``205-1``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qingshan.data import form_205_1
from qingshan.data.boundaries import GEOJSON_NAME, read_geojson
from qingshan.data.raw import RawPackage, RawTable
from qingshan.errors import Problem
from qingshan.schema.tables import TABLE_ORDER, TableSpec, canonical_header, tables

FORM_205_1_PREFIX = "205-1"


def _table_for_name(stem: str) -> str | None:
    s = stem.strip().lower()
    for name, spec in tables().items():
        if s == name or s in (a.lower() for a in spec.sheet_aliases):
            return name
    return None


def _map_headers(spec: TableSpec, frame: pd.DataFrame, label: str,
                 problems: list[Problem]) -> tuple[pd.DataFrame, list[str]]:
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for col in frame.columns:
        canon = canonical_header(spec, str(col))
        if canon is None:
            unknown.append(str(col))
        elif canon in mapping.values():
            problems.append(Problem(
                "P003", label, 1, str(col), None,
                f"列「{canon}」重复出现（表头「{col}」与另一表头含义相同）",
                f"column '{canon}' appears twice (header '{col}' means the same as another)"))
        else:
            mapping[str(col)] = canon
    out = frame[list(mapping)].rename(columns=mapping)
    for c in spec.columns:
        if c.name not in out.columns:
            if c.required:
                problems.append(Problem(
                    "P002", label, 1, c.name, None,
                    f"缺少必需列「{c.name}」（可用表头：{'、'.join((c.name, *c.aliases))}）",
                    f"required column '{c.name}' is missing (accepted headers: "
                    f"{', '.join((c.name, *c.aliases))})"))
            out[c.name] = ""
    return out[list(spec.column_names)], unknown


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.fillna("").astype(str)
    out: pd.DataFrame = frame.apply(lambda s: s.str.strip())
    return out


def read_csv_table(path: Path, table: str, problems: list[Problem]) -> RawTable | None:
    """Read one CSV file (UTF-8 with or without BOM, or GB18030) as ``table``."""
    frame: pd.DataFrame | None = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc)
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            problems.append(Problem("P001", path.name, None, None, None,
                                    f"无法解析 CSV：{exc}", f"cannot parse CSV: {exc}"))
            return None
    if frame is None:
        problems.append(Problem("P001", path.name, None, None, None,
                                "文件编码应为 UTF-8 或 GB18030", "expected UTF-8 or GB18030 text"))
        return None
    spec = tables()[table]
    mapped, unknown = _map_headers(spec, _text_frame(frame), path.name, problems)
    rows = pd.Series(range(2, len(frame) + 2), index=mapped.index)
    return RawTable(table, path.name, mapped, rows, unknown)


def read_xlsx_sheet(path: Path, sheet: str, table: str, problems: list[Problem]) -> RawTable:
    frame = pd.read_excel(path, sheet_name=sheet, dtype=str, engine="calamine", header=0)
    label = f"{path.name}[{sheet}]"
    spec = tables()[table]
    mapped, unknown = _map_headers(spec, _text_frame(frame), label, problems)
    rows = pd.Series(range(2, len(frame) + 2), index=mapped.index)
    return RawTable(table, label, mapped, rows, unknown)


def read_package(path: str | Path) -> RawPackage:
    """Read a package from a folder of CSV files or a single ``.xlsx`` workbook."""
    p = Path(path)
    problems: list[Problem] = []
    found: dict[str, list[RawTable]] = {name: [] for name in TABLE_ORDER}
    if p.is_dir():
        for f in sorted(p.iterdir()):
            if f.name.startswith(FORM_205_1_PREFIX):
                found["energy"].extend(form_205_1.read_form_file(f, problems))
                continue
            if f.name.lower() == GEOJSON_NAME:
                geo = read_geojson(f, problems)
                if geo is not None:
                    found["boundaries"].append(RawTable("boundaries", f.name, geo,
                                                        pd.Series(range(1, len(geo) + 1), index=geo.index)))
                continue
            if f.suffix.lower() != ".csv":
                continue
            table = _table_for_name(f.stem)
            if table is None:
                problems.append(Problem(
                    "P004", f.name, None, None, None,
                    f"未知的表；文件名应为 {'、'.join(TABLE_ORDER)} 之一（或其中文名）",
                    f"unknown table; the file name should be one of {', '.join(TABLE_ORDER)}",
                    severity="warning"))
                continue
            t = read_csv_table(f, table, problems)
            if t is not None:
                found[table].append(t)
    elif p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        from python_calamine import CalamineWorkbook

        try:
            sheets = CalamineWorkbook.from_path(str(p)).sheet_names
        except Exception as exc:  # calamine raises its own error types
            problems.append(Problem("P001", p.name, None, None, None,
                                    f"无法打开工作簿：{exc}", f"cannot open workbook: {exc}"))
            sheets = []
        for sheet in sheets:
            if sheet.startswith(FORM_205_1_PREFIX):
                found["energy"].extend(form_205_1.read_form_sheet(p, sheet, problems))
                continue
            table = _table_for_name(sheet)
            if table is None:
                problems.append(Problem(
                    "P004", f"{p.name}[{sheet}]", None, None, None,
                    "未知的工作表，已忽略", "unknown sheet, ignored", severity="warning"))
                continue
            found[table].append(read_xlsx_sheet(p, sheet, table, problems))
    else:
        problems.append(Problem("P000", str(p), None, None, None,
                                "应为 CSV 文件夹或 .xlsx 工作簿",
                                "expected a folder of CSV files or an .xlsx workbook"))
    for name in ("entities", "energy"):
        if p.exists() and not found[name] and not any(pr.code == "P000" for pr in problems):
            problems.append(Problem("P005", str(p.name), None, None, None,
                                    f"缺少必需的表 {name}", f"required table {name} is missing"))
    return RawPackage(found, problems, str(p))
