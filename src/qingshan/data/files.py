"""The files of a package before anything is parsed: is each one a regular file that can be
read (P006), what it holds whatever its name says (a workbook under ``.xls`` or ``.csv`` is
still a workbook), how its text is encoded, and the limits a file must stay within before
it is parsed (P007): the header of a CSV file, the size and nesting of a GeoJSON file.

Nothing here parses a table; :mod:`qingshan.data.readers` does, after these checks.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np

from qingshan.errors import Problem

#: Most columns a table's header may have. The widest table has 12 columns; a header of
#: thousands of cells is a damaged export or a deliberate bomb (pandas would build a frame
#: of that many columns before anything could be checked).
MAX_HEADER_COLUMNS = 1000
#: Bytes of a CSV file read to find its header row: a header longer than this is refused.
HEADER_PROBE_BYTES = 1 << 20
#: Largest ``boundaries.geojson`` read (the outlines of a city's districts and parks are a
#: few MB even at survey resolution).
MAX_GEOJSON_BYTES = 100 << 20
#: Deepest nesting of JSON arrays and objects accepted: a MultiPolygon in a Feature in a
#: FeatureCollection is 6 levels deep.
MAX_JSON_DEPTH = 32
#: Largest form 205-1 CSV file read (one enterprise's month is a few KB).
MAX_FORM_CSV_BYTES = 64 << 20

Kind = Literal["zip", "ole", "text", "utf16", "empty"]

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _problem(label: str, zh: str, en: str) -> Problem:
    return Problem("P006", label, None, None, None, zh, en)


def entry_problem(path: Path, label: str | None = None) -> Problem | None:
    """Why ``path`` (an entry of a package folder, or the package itself) cannot be read as
    a file, or None when it is a regular file this process can open (P006).

    A symbolic link is refused even when it resolves: what a package holds must be its own
    files, so that what is validated, hashed and kept is what was handed in."""
    label = label or path.name
    try:
        st = os.lstat(path)
    except OSError as exc:
        return _problem(label, f"无法访问该文件：{exc.strerror}", f"cannot access the file: {exc.strerror}")
    if stat.S_ISLNK(st.st_mode):
        target = os.readlink(path)
        dangling = not path.exists()
        return _problem(
            label,
            f"是指向「{target}」的链接{'（目标不存在）' if dangling else ''}；请把文件本身放进数据包",
            f"a link to '{target}'{' (which does not exist)' if dangling else ''}; put the file itself "
            "into the package")
    if stat.S_ISDIR(st.st_mode):
        return _problem(label, "是文件夹，不是文件：以表名命名的条目应为 CSV 文件或工作簿",
                        "a folder, not a file: an entry named after a table must be a CSV file or a workbook")
    if not stat.S_ISREG(st.st_mode):
        return _problem(label, "不是普通文件（管道、设备或套接字），无法读取",
                        "not a regular file (a pipe, device or socket); it cannot be read")
    try:
        with open_binary(path) as fh:
            fh.read(1)
    except OSError as exc:
        why = exc.strerror or str(exc)
        return _problem(label, f"无法读取该文件：{why}", f"the file cannot be read: {why}")
    return None


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for reading bytes (one place, so tests can make a file unreadable)."""
    return open(path, "rb")


def head(path: Path, n: int = HEADER_PROBE_BYTES) -> bytes:
    with open_binary(path) as fh:
        return fh.read(n)


def sniff(data: bytes) -> Kind:
    """What the first bytes of a file say it is, whatever its name."""
    if data.startswith(_ZIP_MAGIC):
        return "zip"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(_UTF16_BOMS):
        return "utf16"
    if not data.strip():
        return "empty"
    return "text"


def is_workbook(path: Path) -> bool:
    """Whether the file holds a workbook (an .xlsx/.xlsm/.ods zip or an .xls compound
    file), whatever its extension."""
    try:
        return sniff(head(path, 8)) in ("zip", "ole")
    except OSError:
        return False


def encoding_problem(data: bytes, label: str) -> Problem:
    """P001 for text that is neither UTF-8 nor GB18030, saying what it is when it can tell."""
    if data.startswith(_UTF16_BOMS):
        return Problem("P001", label, None, None, None,
                       "文件是 UTF-16 编码（Excel「Unicode 文本」）；请另存为「CSV UTF-8」或 GB18030 编码的 CSV",
                       "the file is UTF-16 (Excel's 'Unicode text'); save it as 'CSV UTF-8' or as GB18030 CSV")
    return Problem("P001", label, None, None, None,
                   "文件编码应为 UTF-8 或 GB18030", "expected UTF-8 or GB18030 text")


_SEPARATORS = (",", "\t", ";")


def first_line(text: str) -> str:
    """The first line with anything but separators in it: the header row."""
    for line in text.splitlines():
        if line.strip(" ,;\t"):
            return line
    return ""


def separator(header: str, known: Callable[[str], bool]) -> str:
    """The field separator of a CSV file from its header line: the one (comma, tab or
    semicolon) that splits it into the most headers ``known`` accepts, then the one that
    splits it into the most fields, then the comma."""
    def score(sep: str) -> tuple[int, int, bool]:
        return sum(map(known, split_header(header, sep))), header.count(sep), sep == ","
    return max(_SEPARATORS, key=score)


def split_header(header: str, sep: str) -> list[str]:
    return [c.strip().strip('"').strip() for c in header.split(sep)]


def header_problem(data: bytes, text: str, label: str) -> Problem | None:
    """P007 when the header row of a CSV file is too long to be a header."""
    line = first_line(text)
    if len(data) >= HEADER_PROBE_BYTES and "\n" not in text and "\r" not in text:
        return Problem("P007", label, 1, None, None,
                       f"表头行超过 {HEADER_PROBE_BYTES // 1024} KB，不是表头",
                       f"the header row is longer than {HEADER_PROBE_BYTES // 1024} KB: not a header")
    n = max(line.count(s) for s in _SEPARATORS) + 1
    if n > MAX_HEADER_COLUMNS:
        return Problem("P007", label, 1, None, str(n),
                       f"表头有 {n} 列，超过上限 {MAX_HEADER_COLUMNS} 列",
                       f"the header has {n} columns, more than the limit of {MAX_HEADER_COLUMNS}")
    return None


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPEN = np.frombuffer(b"[{", np.uint8)
_CLOSE = np.frombuffer(b"]}", np.uint8)


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text, counted without parsing it
    (string contents are left out), so that a document nested 100 000 deep is refused
    before a parser recurses into it."""
    stripped = _JSON_STRING.sub(b'""', data)
    b = np.frombuffer(stripped, np.uint8)
    if b.size == 0:
        return 0
    step = np.isin(b, _OPEN).astype(np.int32) - np.isin(b, _CLOSE).astype(np.int32)
    return int(np.cumsum(step).max(initial=0))
