"""Workbooks, opened safely: what a workbook holds is checked from its zip container and
its XML *before* the reader (python-calamine) sees it, and each sheet is then read as text
cells with the row numbers Excel shows.

Why: calamine builds a dense grid from the first to the last used cell, so one stray cell
at XFD1048576 makes it ask for 550 GB and abort the process; and it loads every shared
string when the workbook is opened, so a 1 MB file can expand to gigabytes. Both are
refused here with a coded problem instead:

- P007 the zip container: more entries or more declared bytes than a workbook needs, an
  entry compressed more than :data:`MAX_RATIO` times (a zip bomb), or content that is not
  what the zip declares;
- P008 a sheet: its used range (from ``<dimension ref>`` and every cell reference, since a
  dimension can lie) beyond :data:`MAX_SHEET_CELLS`; a shared string longer than Excel's own
  limit of 32 767 characters; shared strings beyond :data:`MAX_SHARED_STRINGS_BYTES`; or
  string cells that would expand to more than :data:`MAX_SHEET_TEXT` bytes of text.

Formula error cells (``#DIV/0!``, ``#N/A`` …) are read by calamine as empty cells; their
error text is taken from the sheet XML and put back, so validation can name them (P019).

The content decides the format, not the name: an .xlsx saved as ``.xls`` is read as
.xlsx. A genuine .xls (BIFF8 in a compound file) is checked by :mod:`qingshan.data.biff`.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from qingshan.data.biff import check_biff
from qingshan.data.files import head, open_binary, sniff
from qingshan.errors import Problem

#: Most entries a workbook's zip may hold.
MAX_ZIP_ENTRIES = 10_000
#: Most bytes all entries of a workbook may declare once decompressed (a full sheet of
#: 1 048 576 rows × 16 columns is about 700 MB of XML).
MAX_WORKBOOK_BYTES = 1 << 30
#: Highest compression ratio accepted for an entry larger than :data:`RATIO_FLOOR`. Sheet
#: XML compresses 5–20 times; deflate can reach about 1 000 on repeated bytes, which is
#: what zip bombs are made of.
MAX_RATIO = 200
RATIO_FLOOR = 1 << 20
#: Most cells of a sheet's used range (rows × columns from A1): 1 048 576 rows (Excel's
#: limit) of 16 columns.
MAX_SHEET_CELLS = 1 << 24
#: Most bytes of ``sharedStrings.xml``.
MAX_SHARED_STRINGS_BYTES = 256 << 20
#: Longest text of one cell: Excel's own limit (Excel specifications and limits).
MAX_CELL_CHARS = 32_767
#: Most bytes of text the string cells of one sheet may expand to.
MAX_SHEET_TEXT = 1 << 30
#: Shared strings longer than this (bytes of XML) are "long": the cells referring to them
#: are counted one by one when a sheet's text is estimated.
LONG_STRING = 256

_CHUNK = 16 << 20
#: What reading a damaged zip can raise (zipfile, zlib and struct errors, an unsupported
#: compression method or zip version, a name or offset that leads nowhere).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError,
               KeyError, IndexError, OverflowError, struct.error, ElementTree.ParseError)
_REL_NS = "relationships"
_DIMENSION = re.compile(rb'<dimension\b[^>]*?\bref="([A-Z]{0,3})([0-9]{0,7})(?::([A-Z]{1,3})([0-9]{1,7}))?"')
_CELL_COL = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_ROW_R = re.compile(rb'<row r="([0-9]{1,10})"')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,10})"')
_R_ATTR = re.compile(rb'\sr="([A-Z]{0,3})([0-9]{0,10})"')
_ERROR_CELL = re.compile(rb'<c\b([^>]*?\bt="e"[^>/]*)>(.*?)</c>', re.DOTALL)
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_SHARED_FAST = re.compile(rb't="s"><v>([0-9]{1,10})</v>')
_SHARED_CELL = re.compile(rb'<c\b[^>]*?\bt="s"[^>]*>\s*<v>([0-9]{1,10})</v>')
_TAGS = re.compile(rb"<[^>]*>")


def column_number(letters: bytes | str) -> int:
    """1 for A, 27 for AA, 16 384 for XFD."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def _cells(rows: int, cols: int) -> int:
    return max(rows, 0) * max(cols, 0)


@dataclass
class _SheetScan:
    """What the XML of one sheet says about its size, and its formula error cells."""

    max_row: int = 0
    max_col: int = 0
    shared_cells: int = 0
    text_bytes: int = 0
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    # state of the slow scan (cells or rows without a reference)
    row: int = 0
    col: int = 0


@dataclass
class ZipWorkbook:
    """What was learnt from an .xlsx/.xlsm zip before calamine opens it."""

    zf: zipfile.ZipFile
    sheets: dict[str, str]  # sheet name -> worksheet entry
    shared_lengths: np.ndarray  # bytes of each shared string's XML
    shared_max: int  # the longest
    short_max: int  # the longest of those up to :data:`LONG_STRING` bytes
    long_refs: re.Pattern[bytes] | None  # a cell referring to a longer one, if there are few


def _p(code: str, label: str, zh: str, en: str, value: str | None = None) -> Problem:
    return Problem(code, label, None, None, value, zh, en)


def _drain(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The content of one entry in chunks, as zipfile checks it: never more than the size
    declared, and a CRC error when the content is not what was declared."""
    with zf.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _damaged(label: str, entry: str, exc: Exception) -> Problem:
    return _p("P007", label, f"工作簿内的「{entry}」已损坏或与声明的大小不符（{exc}）",
              f"the workbook's entry '{entry}' is damaged or not the size it declares ({exc})", entry)


def _sheet_map(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet entry, from ``xl/workbook.xml`` and its relationships."""
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if zf.getinfo(n).file_size > RATIO_FLOOR * 16:
            return {}
    try:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except _ZIP_ERRORS:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels if r.tag.endswith("Relationship")}
    out: dict[str, str] = {}
    for el in book.iter():
        if not el.tag.endswith("}sheet"):
            continue
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id") and _REL_NS in k), None)
        target = targets.get(rid, "")
        if not target:
            continue
        entry = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        out[el.get("name", "")] = re.sub(r"[^/]+/\.\./", "", entry)
    return out


def inspect_zip(path: Path, label: str, problems: list[Problem]) -> ZipWorkbook | None:
    """Check a workbook's zip container and shared strings (P007, P008); None, with the
    problem recorded, when the workbook must not be opened."""
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS as exc:
        problems.append(_p("P001", label, f"无法打开工作簿：不是有效的 zip 文件（{exc}）",
                           f"cannot open the workbook: not a valid zip file ({exc})"))
        return None
    infos = zf.infolist()
    bad: list[Problem] = []
    if len(infos) > MAX_ZIP_ENTRIES:
        bad.append(_p("P007", label, f"工作簿的 zip 含 {len(infos)} 个条目，超过上限 {MAX_ZIP_ENTRIES}",
                      f"the workbook's zip holds {len(infos)} entries, more than the limit of {MAX_ZIP_ENTRIES}",
                      str(len(infos))))
    total = sum(i.file_size for i in infos)
    if total > MAX_WORKBOOK_BYTES:
        bad.append(_p("P007", label,
                      f"工作簿解压后共 {total / 2**20:.0f} MB，超过上限 {MAX_WORKBOOK_BYTES >> 20} MB",
                      f"the workbook declares {total / 2**20:.0f} MB once decompressed, more than the limit "
                      f"of {MAX_WORKBOOK_BYTES >> 20} MB", f"{total} bytes"))
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            ratio = i.file_size / max(i.compress_size, 1)
            bad.append(_p("P007", label,
                          f"工作簿内的「{i.filename}」压缩比为 {ratio:.0f}:1（解压后 {i.file_size / 2**20:.0f} MB），"
                          f"超过 {MAX_RATIO}:1：疑似压缩炸弹",
                          f"the workbook's entry '{i.filename}' is compressed {ratio:.0f} to 1 "
                          f"({i.file_size / 2**20:.0f} MB decompressed), more than {MAX_RATIO} to 1: "
                          "a likely zip bomb", i.filename))
    if bad:
        problems.extend(bad)
        zf.close()
        return None
    sheets = _sheet_map(zf)
    worksheets = set(sheets.values()) | {n for n in zf.namelist() if n.startswith("xl/worksheets/")}
    shared = next((n for n in zf.namelist() if n.lower().endswith("sharedstrings.xml")), None)
    for i in infos:  # everything calamine may read except sheets (scanned when read)
        if i.filename in worksheets or i.filename == shared or i.is_dir():
            continue
        try:
            for _ in _drain(zf, i):
                pass
        except _ZIP_ERRORS as exc:
            problems.append(_damaged(label, i.filename, exc))
            zf.close()
            return None
    lengths = np.zeros(0, dtype=np.int64)
    if shared is not None:
        got = _shared_strings(zf, zf.getinfo(shared), label, problems)
        if got is None:
            zf.close()
            return None
        lengths = got
    long = np.flatnonzero(lengths > LONG_STRING)
    refs = None
    if 0 < long.size <= 64:
        refs = re.compile(rb't="s"><v>(?:' + b"|".join(str(k).encode() for k in long) + rb")</v>")
    short = lengths[lengths <= LONG_STRING]
    return ZipWorkbook(zf, sheets, lengths, int(lengths.max(initial=0)), int(short.max(initial=0)), refs)


def _shared_strings(zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str,
                    problems: list[Problem]) -> np.ndarray | None:
    """Bytes of each shared string (<si> element), after checking them (P008)."""
    if info.file_size > MAX_SHARED_STRINGS_BYTES:
        problems.append(_p("P008", label,
                           f"共享字符串表（sharedStrings.xml）解压后 {info.file_size / 2**20:.0f} MB，"
                           f"超过上限 {MAX_SHARED_STRINGS_BYTES >> 20} MB",
                           f"the shared strings (sharedStrings.xml) are {info.file_size / 2**20:.0f} MB "
                           f"decompressed, more than the limit of {MAX_SHARED_STRINGS_BYTES >> 20} MB",
                           f"{info.file_size} bytes"))
        return None
    try:
        data = b"".join(_drain(zf, info))
    except _ZIP_ERRORS as exc:
        problems.append(_damaged(label, info.filename, exc))
        return None
    parts = data.split(b"<si")[1:]
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    # A string's XML is at least as long as its text in UTF-8 bytes; only strings whose XML
    # is longer than the limit in characters can be too long, and only those are decoded.
    for k in np.flatnonzero(lengths > MAX_CELL_CHARS):
        seg = parts[int(k)].split(b"</si>", 1)[0]
        text = _TAGS.sub(b"", seg.split(b">", 1)[-1]).decode("utf-8", "replace")
        if len(text) > MAX_CELL_CHARS:
            problems.append(_p("P008", label,
                               f"第 {k + 1} 个共享字符串长 {len(text)} 个字符，超过 Excel 单元格上限 {MAX_CELL_CHARS}",
                               f"shared string {k + 1} is {len(text)} characters long, more than Excel's limit "
                               f"of {MAX_CELL_CHARS} per cell", f"{text[:20]}…"))
            return None
    return lengths


def _greater(value: str, digits: bool) -> bytes:
    """A regular expression for a token of letters (column) or digits (row) greater than
    ``value``: longer, or as long and larger at the first place it differs."""
    cls, top = ("0-9", "9") if digits else ("A-Z", "Z")
    alts = [f"[{cls}]{{{len(value) + 1},}}"]
    for i, ch in enumerate(value):
        if ch != top:
            rest = len(value) - i - 1
            alts.append(re.escape(value[:i]) + f"[{chr(ord(ch) + 1)}-{top}]" + (f"[{cls}]{{{rest}}}" if rest else ""))
    return ("(?:" + "|".join(alts) + ")").encode()


def _letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


#: A cell or row tag not written ``<c r="`` / ``<row r="`` (no reference, another attribute
#: first, white space other than a space), or a tag with a namespace prefix, or an entity
#: in a reference: such a part is scanned tag by tag.
_IRREGULAR = re.compile(rb'<(?:c|row)(?![A-Za-z0-9_.:-]| r=")')
_PREFIXED = re.compile(rb":(?:c|row)[\s>/]")


def _regular(part: bytes) -> bool:
    """Whether every cell and row tag of ``part`` is written ``<c r="A1"`` / ``<row r="1"``,
    as Excel, WPS, LibreOffice and the usual libraries write them, so that searching bytes
    finds every cell's position."""
    return (_IRREGULAR.search(part) is None and _PREFIXED.search(part) is None and b'r="&' not in part)


def _scan_part(part: bytes, scan: _SheetScan, wb: ZipWorkbook) -> None:
    """Add one piece of sheet XML (ending at a cell or row boundary) to ``scan``: the
    farthest row and column, formula errors and the text of shared-string cells."""
    if _regular(part):
        # Without a Python object per cell: guess the farthest column and row (the first
        # row's cells, the last row tag) and search for a cell beyond either.
        first_cols = _CELL_COL.findall(part[:1 << 16])
        col = max([scan.max_col, *(column_number(c) for c in set(first_cols))])
        row = scan.max_row
        last = part.rfind(b'<row r="')
        if last >= 0 and (m := _ROW_R.match(part, last)) is not None:
            row = max(row, int(m.group(1)))
        beyond = rb'<c r="(?:' + _greater(_letters(col), False) + rb"[0-9]|[A-Z]{1,3}" + _greater(str(row), True) \
            + rb'")'
        if col == 0 or re.search(beyond, part):
            col = max([col, *(column_number(c) for c in set(_CELL_COL.findall(part)))])
            row = max([row, *map(int, set(_CELL_ROW.findall(part)))])
        scan.max_col, scan.max_row, scan.row = col, row, row
    else:
        _scan_slowly(part, scan)
    if b't="e"' in part:
        for m in _ERROR_CELL.finditer(part):
            r = _R_ATTR.search(b" " + m.group(1))
            v = _VALUE.search(m.group(2))
            if r and r.group(1) and r.group(2) and v:
                at = (int(r.group(2)) - 1, column_number(r.group(1)) - 1)
                scan.errors[at] = v.group(1).decode("utf-8", "replace")
    n_shared = part.count(b't="s"')
    if n_shared:
        scan.shared_cells += n_shared
        regular = part.count(b't="s"><v>') == n_shared
        if wb.shared_max <= LONG_STRING:
            scan.text_bytes += n_shared * wb.shared_max
        elif regular and wb.long_refs is not None:
            n_long = len(wb.long_refs.findall(part))
            scan.text_bytes += (n_shared - n_long) * wb.short_max + n_long * wb.shared_max
        else:
            scan.text_bytes += _shared_text(part, wb, regular)


def _shared_text(part: bytes, wb: ZipWorkbook, fast: bool) -> int:
    """Bytes of the shared strings the string cells of ``part`` refer to."""
    idx = np.array((_SHARED_FAST if fast else _SHARED_CELL).findall(part), dtype=np.int64)
    idx = idx[(idx >= 0) & (idx < wb.shared_lengths.size)]
    return int(wb.shared_lengths[idx].sum())


_TAG_ANY = re.compile(rb'<(?:[A-Za-z0-9_.-]+:)?(row|c)(?=[\s>/])([^>]*)>')
_R_ANY = re.compile(rb'\sr\s*=\s*["\']([^"\']*)["\']')
_REF = re.compile(r"^\$?([A-Za-z]{0,3})\$?([0-9]{0,10})$")


def _scan_slowly(part: bytes, scan: _SheetScan) -> None:
    """Follow rows and cells one by one where some are written unusually (no reference,
    a namespace prefix, odd quoting): calamine places a cell without a reference after the
    previous one. Only such files take this path."""
    import html

    for m in _TAG_ANY.finditer(part):
        r = _R_ANY.search(m.group(2))
        ref = _REF.match(html.unescape(r.group(1).decode("utf-8", "replace")).strip()) if r else None
        if m.group(1) == b"row":
            scan.row = int(ref.group(2)) if ref and ref.group(2) else scan.row + 1
            scan.col = 0
        elif ref and ref.group(1) and ref.group(2):
            scan.col = column_number(ref.group(1).upper())
            scan.max_row = max(scan.max_row, int(ref.group(2)))
        else:
            scan.col += 1
        scan.max_row = max(scan.max_row, scan.row)
        scan.max_col = max(scan.max_col, scan.col)


def _too_large(scan_rows: int, scan_cols: int) -> bool:
    return _cells(scan_rows, scan_cols) > MAX_SHEET_CELLS


def _parts(wb: ZipWorkbook, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A worksheet's XML in pieces of about :data:`_CHUNK` bytes, each ending where a cell
    or a row begins, so that no tag and no cell is split."""
    carry = b""
    for chunk in _drain(wb.zf, info):
        buf = carry + chunk
        cut = max(buf.rfind(b"<c "), buf.rfind(b"<c>"), buf.rfind(b"<row"))
        if cut > 0:
            yield buf[:cut]
            carry = buf[cut:]
        else:
            carry = buf
    if carry:
        yield carry


def scan_sheet(wb: ZipWorkbook, entry: str, label: str, problems: list[Problem]) -> _SheetScan | None:
    """Check one worksheet's XML before calamine reads it (P007, P008): the used range from
    every cell reference (a ``<dimension>`` can lie, and calamine ignores it), and the text
    its string cells expand to."""
    try:
        info = wb.zf.getinfo(entry)
    except KeyError:
        return _SheetScan()
    scan = _SheetScan()
    declared = ""
    try:
        for part in _parts(wb, info):
            if not declared and (d := _DIMENSION.search(part[:4096])) is not None:
                declared = (d.group(1) + d.group(2) + (b":" + d.group(3) + d.group(4) if d.group(3) else b"")).decode()
            _scan_part(part, scan, wb)
            if _too_large(scan.max_row, scan.max_col):
                problems.append(_sheet_problem(label, declared, scan.max_row, scan.max_col))
                return None
            if scan.text_bytes > MAX_SHEET_TEXT:
                problems.append(_p(
                    "P008", label,
                    f"该表的文本单元格展开后超过 {MAX_SHEET_TEXT >> 20} MB（长字符串被大量单元格引用）",
                    f"the sheet's text cells expand to more than {MAX_SHEET_TEXT >> 20} MB (long shared "
                    "strings referred to by many cells)", f"{scan.shared_cells} text cells"))
                return None
    except _ZIP_ERRORS as exc:
        problems.append(_damaged(label, entry, exc))
        return None
    return scan


def _sheet_problem(label: str, declared: str, rows: int, cols: int) -> Problem:
    where = f"A1:{_letters(cols)}{rows}"
    found = f"{where} (<dimension ref=\"{declared}\">)" if declared else where
    return _p("P008", label,
              f"工作表的使用范围为 {where}（{rows} 行 × {cols} 列 = {_cells(rows, cols):,} 个单元格），超过上限 "
              f"{MAX_SHEET_CELLS:,} 个单元格；请删除远处的空白或零散单元格后另存",
              f"the sheet's used range is {where} ({rows} rows × {cols} columns = {_cells(rows, cols):,} cells), "
              f"more than the limit of {MAX_SHEET_CELLS:,} cells; delete stray cells far from the table and "
              "save again", found)


def _reader_failed(exc: BaseException) -> bool:
    """Whether ``exc`` is the reader failing on the file: any error, or a panic of calamine's
    Rust code (pyo3 raises it as ``PanicException``, which derives from BaseException)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


@dataclass
class Workbook:
    """A workbook opened for reading sheets: the calamine workbook, and for an .xlsx the
    checks of its zip (:func:`inspect_zip`)."""

    path: Path
    label: str
    book: Any
    zipped: ZipWorkbook | None

    @property
    def sheet_names(self) -> list[str]:
        return list(self.book.sheet_names)

    def close(self) -> None:
        if self.zipped is not None:
            self.zipped.zf.close()


def open_workbook(path: Path, label: str, problems: list[Problem]) -> Workbook | None:
    """Open a workbook whatever its extension says (P001 when it is none, P007/P008 when its
    zip or shared strings are beyond the limits)."""
    from python_calamine import CalamineWorkbook

    try:
        kind = sniff(head(path, 8))
    except OSError as exc:
        problems.append(_p("P006", label, f"无法读取该文件：{exc.strerror or exc}",
                           f"the file cannot be read: {exc.strerror or exc}"))
        return None
    zipped = None
    if kind == "zip":
        zipped = inspect_zip(path, label, problems)
        if zipped is None:
            return None
    try:
        with open_binary(path) as fh:
            data = fh.read()
        if kind == "ole" and not check_biff(data, label, MAX_SHEET_CELLS, problems):
            return None
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as exc:  # calamine's own error types, and its panics
        if not _reader_failed(exc):
            raise
        if zipped is not None:
            zipped.zf.close()
        problems.append(_p("P001", label, f"无法打开工作簿：{exc}", f"cannot open workbook: {exc}"))
        return None
    return Workbook(path, label, book, zipped)


#: Rows of a sheet turned into text at a time: a sheet of a million rows is never held as
#: Python objects all at once.
SHEET_BATCH_ROWS = 65_536


def _checked_errors(wb: Workbook, sheet: str, label: str, problems: list[Problem]) -> dict[tuple[int, int], str] | None:
    """The sheet's XML checked (P007, P008) before calamine reads it, and its formula
    error cells by (row, column) from 0; None when the sheet must not be read."""
    errors: dict[tuple[int, int], str] = {}
    if wb.zipped is not None:
        entries = [wb.zipped.sheets[sheet]] if sheet in wb.zipped.sheets else sorted(
            n for n in wb.zipped.zf.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        for entry in entries:
            scan = scan_sheet(wb.zipped, entry, label, problems)
            if scan is None:
                return None
            if len(entries) == 1:
                errors = scan.errors
    return errors


def _row_batches(wb: Workbook, sheet: str, errors: dict[tuple[int, int], str]) -> Iterator[list[list[Any]]]:
    """The sheet's rows from A1 (row ``i`` is row ``i + 1`` in Excel), formula errors as
    their text, :data:`SHEET_BATCH_ROWS` at a time."""
    data = wb.book.get_sheet_by_name(sheet)
    pad: list[Any] = [""] * (data.start[1] if data.start else 0)  # rows start at the first used column
    batch: list[list[Any]] = []
    for i, row in enumerate(data.iter_rows()):
        cells = pad + row if pad else row
        if errors:
            for c in range(len(cells)):
                if (i, c) in errors:
                    cells[c] = errors[(i, c)]
        batch.append(cells)
        if len(batch) == SHEET_BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def read_sheet(wb: Workbook, sheet: str, label: str, problems: list[Problem]) -> list[list[Any]] | None:
    """Every cell of a sheet from A1 (so that row ``i`` of the result is row ``i + 1`` in
    Excel), formula errors as their text, after the sheet's XML is checked (P008). For
    small sheets (forms); tables are read by :func:`read_sheet_text`."""
    errors = _checked_errors(wb, sheet, label, problems)
    if errors is None:
        return None
    try:
        return [row for batch in _row_batches(wb, sheet, errors) for row in batch]
    except BaseException as exc:  # calamine's own error types, and its panics
        if not _reader_failed(exc):
            raise
        problems.append(_p("P001", label, f"无法读取工作表：{exc}", f"cannot read the sheet: {exc}"))
        return None


def read_sheet_text(wb: Workbook, sheet: str, label: str, problems: list[Problem]) -> pd.DataFrame | None:
    """A sheet as a grid of text cells (:func:`text_cells`), read and turned into text a
    batch of rows at a time; None when it cannot be read (the problem is in ``problems``)."""
    errors = _checked_errors(wb, sheet, label, problems)
    if errors is None:
        return None
    parts: list[pd.DataFrame] = []
    start = 1
    try:
        for batch in _row_batches(wb, sheet, errors):
            part = text_cells(batch, first_row=start)
            start += len(batch)
            parts.append(part)
    except BaseException as exc:  # calamine's own error types, and its panics
        if not _reader_failed(exc):
            raise
        problems.append(_p("P001", label, f"无法读取工作表：{exc}", f"cannot read the sheet: {exc}"))
        return None
    if not parts:
        return text_cells([])
    return parts[0] if len(parts) == 1 else pd.concat(parts)


def text_cells(rows: list[list[Any]], first_row: int = 1) -> pd.DataFrame:
    """A grid of cell values as text, as a person reads them: integral numbers without
    ``.0``, other numbers in their shortest exact form, dates as ``YYYY-MM-DD``, text
    stripped; index = row number in the sheet (``rows[0]`` is row ``first_row``)."""
    frame = pd.DataFrame(rows, dtype=object)
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    if frame.empty:
        return frame
    out = {}
    for c in frame.columns:
        s = frame[c]
        text = s.astype(str)
        floats = s.map(type).isin([float]).to_numpy(dtype=bool)
        if floats.any():
            v = s[floats].to_numpy(dtype=float)
            whole = np.isfinite(v) & (v == np.floor(v)) & (np.abs(v) < 1e15)
            t = v.astype(str).astype(object)
            t[whole] = v[whole].astype(np.int64).astype(str)
            text[floats] = t
        out[c] = text.str.strip()
    return pd.DataFrame(out, index=frame.index)
