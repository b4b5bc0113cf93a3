"""Readers for a data package: a folder of CSV files or one XLSX workbook.

Each reader returns :class:`~qingshan.data.raw.RawTable` objects: every cell as text, headers mapped to the
canonical column names of the spec, and the row number a person sees in the file (blank
rows are skipped but counted, so row numbers stay those of the file). Typing, unit
conversion and checks happen in :mod:`qingshan.data.validate`, so that every problem can be
reported against the original cell.

Before anything is parsed, each file is checked (:mod:`qingshan.data.files`): a folder,
link, pipe or unreadable file named like a table is reported (P006), the header row of a
CSV file must be a plausible header (P007), and a workbook's zip and sheets are checked
before the workbook reader sees them (:mod:`qingshan.data.workbook`, P007/P008). The
content decides how a file is read, not its name: a workbook saved as ``energy.csv`` or
``package.xls`` is read as a workbook.

Statistical form 205-1 (工业企业能源购进、消费与库存) is read by
:mod:`qingshan.data.form_205_1`: in a folder, files whose name starts with ``205-1``; in a
workbook, sheets whose name starts with ``205-1``.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from qingshan.data import form_205_1
from qingshan.data.boundaries import GEOJSON_NAME, read_geojson
from qingshan.data.files import (
    HEADER_PROBE_BYTES,
    encoding_problem,
    entry_problem,
    first_line,
    head,
    header_problem,
    separator,
    sniff,
)
from qingshan.data.raw import RawPackage, RawTable
from qingshan.data.workbook import Workbook, open_workbook, read_sheet_text
from qingshan.errors import Problem
from qingshan.schema.tables import TABLE_ORDER, TableSpec, canonical_header, tables

FORM_205_1_PREFIX = "205-1"
#: Tables without which nothing can be accounted.
REQUIRED_TABLES = ("entities", "energy")
#: File suffixes read as a table in a folder (the content decides whether as text or as a
#: workbook).
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def _table_for_name(stem: str) -> str | None:
    s = stem.strip().lower()
    for name, spec in tables().items():
        if s == name or s in (a.lower() for a in spec.sheet_aliases):
            return name
    return None


class _Reading:
    """What reading one package found: its tables, its problems, and which tables could
    not be read (so that the problems they cause are not reported on top of the cause)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.found: dict[str, list[RawTable]] = {name: [] for name in TABLE_ORDER}
        self.unread: set[str] = set()
        self.empty: dict[str, list[str]] = {name: [] for name in TABLE_ORDER}

    def add(self, table: str, label: str, t: RawTable | None, ok: bool) -> None:
        if not ok:
            self.unread.add(table)
        elif t is None or t.frame.empty:
            self.empty[table].append(label)
        if t is not None:
            self.found[table].append(t)


def _map_headers(spec: TableSpec, headers: list[str], label: str,
                 problems: list[Problem]) -> tuple[dict[int, str], list[str]]:
    """Column position -> canonical name, and the headers that are not columns of the table."""
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    for j, col in enumerate(headers):
        canon = canonical_header(spec, col) if col else None
        if canon is None:
            if col:
                unknown.append(col)
        elif canon in mapping.values():
            problems.append(Problem(
                "P003", label, 1, col, None,
                f"列「{canon}」重复出现（表头「{col}」与另一表头含义相同）",
                f"column '{canon}' appears twice (header '{col}' means the same as another)"))
        else:
            mapping[j] = canon
    present = set(mapping.values())
    for c in spec.columns:
        if c.required and c.name not in present:
            problems.append(Problem(
                "P002", label, 1, c.name, None,
                f"缺少必需列「{c.name}」（可用表头：{'、'.join((c.name, *c.aliases))}）",
                f"required column '{c.name}' is missing (accepted headers: "
                f"{', '.join((c.name, *c.aliases))})"))
    return mapping, unknown


def _blank_rows(grid: pd.DataFrame) -> pd.Series:
    """Rows whose every cell is empty (checked on the first column, then on the rest)."""
    if grid.shape[1] == 0:
        return pd.Series(True, index=grid.index)
    blank = grid.iloc[:, 0] == ""
    if blank.any() and grid.shape[1] > 1:
        rest = grid.loc[blank].iloc[:, 1:]
        blank.loc[blank] = (rest == "").all(axis=1)
    return blank


def table_from_grid(table: str, label: str, grid: pd.DataFrame, problems: list[Problem],
                    header_row: int | None = None) -> RawTable | None:
    """A table from a grid of text cells whose index is the row number in the file: the
    first non-blank row is the header, blank rows are left out. None when the grid holds
    nothing at all."""
    blank = _blank_rows(grid)
    if blank.any():
        grid = grid.loc[~blank]
    if grid.empty:
        return None
    spec = tables()[table]
    headers = [str(h).strip() for h in grid.iloc[0]]
    mapping, unknown = _map_headers(spec, headers, label, problems)
    n = len(grid) - 1
    position = {canon: j for j, canon in mapping.items()}
    # column by column (a frame of two million rows is not copied as a whole)
    cols = {c: pd.Series(grid.iloc[1:, position[c]].array, copy=False) if c in position
            else pd.Series("", index=pd.RangeIndex(n), dtype=str) for c in spec.column_names}
    frame = pd.DataFrame(cols, copy=False)
    rows = pd.Series(grid.index[1:].to_numpy(dtype="int64"), index=frame.index)
    return RawTable(table, label, frame, rows, unknown)


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.fillna("").astype(str)
    out: pd.DataFrame = frame.apply(lambda s: s.str.strip())
    return out


def _read_csv_arrow(path: Path, sep: str, encoding: str, spec: TableSpec) -> pd.DataFrame | None:
    """The grid :func:`read_csv_table` reads with pandas, read by Arrow's CSV reader in
    blocks on every core: the same text cells, stripped, in the same rows (a blank line is a
    row of empty cells here too, so row numbers stay those of the file). Columns whose header
    names a text column of ``spec`` are categorical (one copy of each distinct value).

    None, for the careful reader to take over, whenever Arrow's reading could differ from it:
    rows of unequal length, bytes that are not valid in ``encoding``, or any other error."""
    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True, block_size=1 << 24,
                                            encoding="utf8" if encoding == "utf-8-sig" else encoding),
            parse_options=pa_csv.ParseOptions(delimiter=sep, newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types=_ALL_TEXT, strings_can_be_null=False,
                                                  quoted_strings_can_be_null=False))
    except (pa.ArrowException, OSError, ValueError, UnicodeError, LookupError):
        return None
    if table.num_columns > len(_ALL_TEXT) or any(t != pa.string() for t in table.schema.types):
        return None
    columns: dict[int, pd.Series] = {}
    index = pd.RangeIndex(1, table.num_rows + 1)
    for j, col in enumerate(table.columns):
        head = str(col[0]).strip() if table.num_rows else ""
        canon = canonical_header(spec, head) if head else None
        if canon is not None and spec.column(canon).type == "float":
            text = pc.utf8_trim_whitespace(col).to_pandas()
            text.index = index
            columns[j] = text
        else:  # strip each distinct value once
            enc = pc.dictionary_encode(col.combine_chunks())
            codes, cats = pd.factorize(pc.utf8_trim_whitespace(enc.dictionary).to_pandas())
            at = codes[enc.indices.to_numpy(zero_copy_only=False)]
            columns[j] = pd.Series(pd.Categorical.from_codes(at, categories=cats, validate=False), index=index)
    return pd.DataFrame(columns, index=index)


#: Arrow reads every cell as text (up to this many columns; a wider file is read by pandas).
_ALL_TEXT = {f"f{j}": pa.string() for j in range(256)}


def _probe(data: bytes) -> tuple[str, str] | None:
    """The text at the start of a file and its encoding (the probe may end inside a
    character, which is not a decoding error)."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return codecs.getincrementaldecoder(enc)().decode(data, final=len(data) < HEADER_PROBE_BYTES), enc
        except UnicodeDecodeError:
            continue
    return None


def read_csv_table(path: Path, table: str, problems: list[Problem],
                   label: str | None = None) -> tuple[RawTable | None, bool]:
    """Read one CSV file (UTF-8 with or without BOM, or GB18030; comma, tab or semicolon)
    as ``table``. Returns the table (None when the file holds nothing) and whether the file
    could be read at all."""
    label = label or path.name
    try:
        data = head(path)
    except OSError as exc:
        problems.append(Problem("P006", label, None, None, None, f"无法读取该文件：{exc.strerror or exc}",
                                f"the file cannot be read: {exc.strerror or exc}"))
        return None, False
    kind = sniff(data)
    if kind == "empty":
        return None, True
    if kind == "utf16":
        problems.append(encoding_problem(data, label))
        return None, False
    probe = _probe(data)
    if probe is None:
        problems.append(encoding_problem(data, label))
        return None, False
    text, first_enc = probe
    bad = header_problem(data, text, label)
    if bad is not None:
        problems.append(bad)
        return None, False
    spec = tables()[table]
    line = first_line(text)
    sep = separator(line, lambda h: canonical_header(spec, h) is not None)
    skip = 0
    for skip, ln in enumerate(text.splitlines()):  # noqa: B007 - leading blank lines
        if ln == line:
            break
    fast = _read_csv_arrow(path, sep, first_enc, spec) if skip == 0 else None
    if fast is not None:
        return table_from_grid(table, label, fast, problems), True
    frame: pd.DataFrame | None = None
    for enc in dict.fromkeys((first_enc, "utf-8-sig", "gb18030")):
        try:
            frame = pd.read_csv(path, sep=sep, header=None, dtype=str, na_filter=False, skip_blank_lines=False,
                                encoding=enc, skiprows=skip)
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
            problems.append(Problem("P001", label, None, None, None,
                                    f"无法解析 CSV：{exc}", f"cannot parse CSV: {exc}"))
            return None, False
        except OSError as exc:  # an I/O error half-way through
            problems.append(Problem("P006", label, None, None, None, f"无法读取该文件：{exc}",
                                    f"the file cannot be read: {exc}"))
            return None, False
    if frame is None:
        problems.append(encoding_problem(data, label))
        return None, False
    frame.index = pd.RangeIndex(skip + 1, skip + 1 + len(frame))
    return table_from_grid(table, label, _text_frame(frame), problems), True


def _sheet_table(wb: Workbook, sheet: str, table: str, label: str,
                 problems: list[Problem]) -> tuple[RawTable | None, bool]:
    grid = read_sheet_text(wb, sheet, label, problems)
    if grid is None:
        return None, False
    return table_from_grid(table, label, grid, problems), True


def read_xlsx_sheet(path: Path, sheet: str, table: str, problems: list[Problem]) -> RawTable | None:
    """Read one sheet of a workbook as ``table`` (None when it cannot be read or is empty)."""
    wb = open_workbook(path, path.name, problems)
    if wb is None:
        return None
    try:
        return _sheet_table(wb, sheet, table, f"{path.name}[{sheet}]", problems)[0]
    finally:
        wb.close()


def _unknown_sheet(label: str) -> Problem:
    return Problem("P004", label, None, None, None, "未知的工作表，已忽略", "unknown sheet, ignored",
                   severity="warning")


def _read_table_workbook(path: Path, table: str, r: _Reading) -> None:
    """A workbook in a package folder named after one table (``energy.xlsx``, or a workbook
    saved as ``energy.csv``): the sheet named after the table, else the first sheet."""
    wb = open_workbook(path, path.name, r.problems)
    if wb is None:
        r.unread.add(table)
        return
    try:
        names = wb.sheet_names
        chosen = [s for s in names if _table_for_name(s) == table] or names[:1]
        for sheet in names:
            label = f"{path.name}[{sheet}]"
            if sheet in chosen:
                t, ok = _sheet_table(wb, sheet, table, label, r.problems)
                r.add(table, label, t, ok)
            else:
                r.problems.append(_unknown_sheet(label))
        if not names:
            r.add(table, path.name, None, True)
    finally:
        wb.close()


def _add_forms(r: _Reading, found: list[RawTable], before: int) -> None:
    """Energy rows from forms 205-1; forms that could not be used (their errors, from
    ``before`` on, say why) count as an energy part that could not be read."""
    r.found["energy"].extend(found)
    if not found and any(p.severity == "error" for p in r.problems[before:]):
        r.unread.add("energy")


def _read_folder(p: Path, r: _Reading) -> None:
    for f in sorted(p.iterdir()):
        if f.name.startswith((".", "~$")):  # hidden files and Office lock files (~$energy.xlsx)
            continue
        if f.name.startswith(FORM_205_1_PREFIX):
            bad = entry_problem(f) if not f.is_dir() or f.is_symlink() else None
            if bad is not None:
                r.problems.append(bad)
                r.unread.add("energy")
                continue
            before = len(r.problems)
            _add_forms(r, form_205_1.read_form_file(f, r.problems), before)
            continue
        if f.name.lower() == GEOJSON_NAME:
            bad = entry_problem(f)
            if bad is not None:
                r.problems.append(bad)
                r.unread.add("boundaries")
                continue
            geo = read_geojson(f, r.problems)
            if geo is None:
                r.unread.add("boundaries")
            else:
                r.found["boundaries"].append(RawTable("boundaries", f.name, geo,
                                                      pd.Series(range(1, len(geo) + 1), index=geo.index)))
            continue
        suffix = f.suffix.lower()
        if suffix not in TABLE_SUFFIXES:
            continue
        table = _table_for_name(f.stem)
        if table is None:
            if suffix != ".txt":  # a .txt is as often a note as data; other suffixes are data
                r.problems.append(Problem(
                    "P004", f.name, None, None, None,
                    f"未知的表；文件名应为 {'、'.join(TABLE_ORDER)} 之一（或其中文名）",
                    f"unknown table; the file name should be one of {', '.join(TABLE_ORDER)}",
                    severity="warning"))
            continue
        bad = entry_problem(f)
        if bad is not None:
            r.problems.append(bad)
            r.unread.add(table)
            continue
        if sniff(head(f, 8)) in ("zip", "ole"):
            _read_table_workbook(f, table, r)
        else:
            t, ok = read_csv_table(f, table, r.problems)
            r.add(table, f.name, t, ok)


def _read_workbook(p: Path, r: _Reading) -> None:
    wb = open_workbook(p, p.name, r.problems)
    if wb is None:
        r.unread.update(TABLE_ORDER)
        return
    try:
        for sheet in wb.sheet_names:
            label = f"{p.name}[{sheet}]"
            if sheet.startswith(FORM_205_1_PREFIX):
                before = len(r.problems)
                _add_forms(r, form_205_1.read_form_sheet(p, sheet, r.problems, workbook=wb), before)
                continue
            table = _table_for_name(sheet)
            if table is None:
                r.problems.append(_unknown_sheet(label))
                continue
            t, ok = _sheet_table(wb, sheet, table, label, r.problems)
            r.add(table, label, t, ok)
    finally:
        wb.close()


def read_package(path: str | Path) -> RawPackage:
    """Read a package from a folder of CSV files or a single workbook (.xlsx, or .xls;
    the content decides, not the extension)."""
    p = Path(path)
    r = _Reading()
    if p.is_dir():
        _read_folder(p, r)
    elif p.is_file():
        bad = entry_problem(p, p.name) if not p.is_symlink() else None
        if bad is None and (p.suffix.lower() in WORKBOOK_SUFFIXES or sniff(head(p, 8)) in ("zip", "ole")):
            _read_workbook(p, r)
        elif bad is not None:
            r.problems.append(bad)
            r.unread.update(TABLE_ORDER)
        else:
            r.problems.append(Problem("P000", str(p), None, None, None,
                                      "应为 CSV 文件夹或 .xlsx 工作簿",
                                      "expected a folder of CSV files or an .xlsx workbook"))
    elif p.exists() or p.is_symlink():
        r.problems.append(entry_problem(p, str(p)) or Problem(
            "P000", str(p), None, None, None, "应为 CSV 文件夹或 .xlsx 工作簿",
            "expected a folder of CSV files or an .xlsx workbook"))
        r.unread.update(TABLE_ORDER)
    else:
        r.problems.append(Problem("P000", str(p), None, None, None,
                                  "应为 CSV 文件夹或 .xlsx 工作簿",
                                  "expected a folder of CSV files or an .xlsx workbook"))
    if p.exists():
        for name in REQUIRED_TABLES:
            if name in r.unread:
                continue  # the file is there but could not be read: that problem is the cause
            if not any(len(t.frame) for t in r.found[name]):
                if r.empty[name]:
                    where = "、".join(r.empty[name])
                    r.problems.append(Problem(
                        "P009", r.empty[name][0], None, None, None,
                        f"必需的表 {name} 没有任何数据行（{where} 只有表头或为空）",
                        f"the required table {name} has no data rows ({', '.join(r.empty[name])} "
                        "holds a header only, or nothing)"))
                elif not r.found[name]:
                    r.problems.append(Problem("P005", str(p.name), None, None, None,
                                              f"缺少必需的表 {name}", f"required table {name} is missing"))
    return RawPackage(r.found, r.problems, str(p), unread=r.unread)
