"""Legacy ``.xls`` workbooks (BIFF8 in an OLE compound file), checked before the reader
sees them, as :mod:`qingshan.data.workbook` checks an ``.xlsx``.

A BIFF cell record stores its column in 16 bits, so one stray cell can stand at column
65 535 of row 65 535: calamine would build a grid of 4 294 836 225 cells (about 137 GB)
and abort the process. The cell records of every sheet are walked here first (the
workbook stream is read from the compound file: header, FAT, directory) and a sheet whose
used range exceeds :data:`~qingshan.data.workbook.MAX_SHEET_CELLS` is refused (P008); a
compound file that cannot be followed is P001.

Layouts: [MS-CFB] (compound file: header, FAT, DIFAT, directory, mini stream) and
[MS-XLS] 2.4 (records: BOF 0x0809, BOUNDSHEET 0x0085, EOF 0x000A, and the cell records
listed in :data:`_CELL_RECORDS`).
"""

from __future__ import annotations

import struct

import numpy as np

from qingshan.errors import Problem

_END = 0xFFFFFFFE
_FREE = 0xFFFFFFFF
#: Records that place one cell: row (u16) and column (u16) first. NUMBER, RK, LABELSST,
#: LABEL, BOOLERR, FORMULA, BLANK, RSTRING (and their BIFF2–4 forms).
_CELL_RECORDS = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x0205, 0x0006, 0x0406, 0x0201, 0x00D6,
                           0x0001, 0x0002, 0x0003, 0x0004, 0x0005})
#: MULRK and MULBLANK: row, first column, …, last column (u16 at the end).
_MULTI_RECORDS = frozenset({0x00BD, 0x00BE})
_BOF, _EOF, _BOUNDSHEET = 0x0809, 0x000A, 0x0085


class _Broken(Exception):
    pass


def _chain(fat: np.ndarray, start: int, limit: int) -> list[int]:
    """The sectors of a chain, refusing loops and sectors outside the table."""
    out: list[int] = []
    s = start
    while s != _END:
        if s >= fat.size or len(out) > limit:
            raise _Broken(f"sector chain broken at {s}")
        out.append(s)
        s = int(fat[s])
    return out


def _stream(data: bytes, name: tuple[str, ...]) -> bytes:
    """The first stream of the compound file ``data`` called one of ``name``."""
    if len(data) < 512:
        raise _Broken("shorter than a compound file header")
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if shift not in (9, 12) or mini_shift != 6:
        raise _Broken("not a compound file header")
    ssz = 1 << shift
    n_fat, dir_start, _, mini_cutoff, minifat_start, n_minifat, difat_start, n_difat = struct.unpack_from(
        "<IIIIIIII", data, 0x2C)
    n_sectors = (len(data) - ssz) // ssz + 1

    def sector(s: int) -> bytes:
        off = (s + 1) * ssz
        if s >= n_sectors or off + ssz > len(data) + ssz:
            raise _Broken(f"sector {s} beyond the file")
        return data[off:off + ssz]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s not in (_FREE, _END)]
    s = difat_start
    for _ in range(n_difat):
        if s in (_END, _FREE):
            break
        difat = struct.unpack(f"<{ssz // 4}I", sector(s))
        fat_sectors += [x for x in difat[:-1] if x not in (_FREE, _END)]
        s = difat[-1]
    if len(fat_sectors) < n_fat or n_fat > n_sectors:
        raise _Broken("FAT shorter than declared")
    fat = np.frombuffer(b"".join(sector(x) for x in fat_sectors[:n_fat]), dtype="<u4")
    directory = b"".join(sector(x) for x in _chain(fat, dir_start, n_sectors))
    entries = [directory[i:i + 128] for i in range(0, len(directory) - 127, 128)]
    if not entries:
        raise _Broken("no directory")
    root_start, root_size = struct.unpack_from("<IQ", entries[0], 0x74)
    for e in entries:
        length = struct.unpack_from("<H", e, 0x40)[0]
        if e[0x42] != 2 or not 2 <= length <= 64:
            continue
        if e[:length - 2].decode("utf-16-le", "replace") not in name:
            continue
        start, size = struct.unpack_from("<IQ", e, 0x74)
        if shift == 9:  # version 3: the high 32 bits may hold anything
            size &= 0xFFFFFFFF
        if size >= mini_cutoff:
            body = b"".join(sector(x) for x in _chain(fat, start, n_sectors))
        else:
            minifat = np.frombuffer(b"".join(sector(x) for x in _chain(fat, minifat_start, n_sectors))
                                    [: n_minifat * ssz], dtype="<u4")
            mini = b"".join(sector(x) for x in _chain(fat, root_start, n_sectors))[:root_size]
            body = b"".join(mini[m << 6:(m + 1) << 6] for m in _chain(minifat, start, len(mini) >> 6))
        if len(body) < size:
            raise _Broken("stream shorter than declared")
        return body[:size]
    raise _Broken("no Workbook stream")


def sheet_extents(data: bytes) -> list[tuple[str, int, int]]:
    """(sheet name, rows, columns) of every sheet's used range from A1, from the cell
    records of the workbook stream (a sheet's substream starts with the BOF record at the
    position its BOUNDSHEET record gives and ends with the matching EOF)."""
    wb = _stream(data, ("Workbook", "Book"))
    sheets: dict[int, str] = {}
    out: list[tuple[str, int, int]] = []
    stack: list[str | None] = []  # the substreams open: a sheet's name, or None
    rows = cols = 0
    pos, end = 0, len(wb)
    unpack = struct.unpack_from
    while pos + 4 <= end:
        typ, length = unpack("<HH", wb, pos)
        start, body = pos, pos + 4
        pos = body + length
        if typ == _BOF:
            stack.append(sheets.get(start))
            if stack[-1] is not None:
                rows = cols = 0
        elif typ == _EOF:
            name = stack.pop() if stack else None
            if name is not None:
                out.append((name, rows, cols))
        elif typ == _BOUNDSHEET and length >= 8:
            n, flags = wb[body + 6], wb[body + 7]
            raw = wb[body + 8:body + 8 + (2 * n if flags & 1 else n)]
            sheets[unpack("<I", wb, body)[0]] = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
        elif (typ in _CELL_RECORDS or typ in _MULTI_RECORDS) and length >= 4:
            r, c = unpack("<HH", wb, body)
            if typ in _MULTI_RECORDS and length >= 6:
                c = unpack("<H", wb, body + length - 2)[0]
            rows, cols = max(rows, r + 1), max(cols, c + 1)
    return out


def check_biff(data: bytes, label: str, limit: int, problems: list[Problem]) -> bool:
    """Whether an .xls may be opened; the problem recorded when not (P001, P008)."""
    try:
        extents = sheet_extents(data)
    except (_Broken, struct.error, ValueError, IndexError) as exc:
        problems.append(Problem("P001", label, None, None, None, f"无法打开工作簿：复合文件已损坏（{exc}）",
                                f"cannot open workbook: the compound file is damaged ({exc})"))
        return False
    ok = True
    for name, rows, cols in extents:
        if rows * cols > limit:
            problems.append(Problem(
                "P008", f"{label}[{name}]", None, None, f"{rows} × {cols}",
                f"工作表的使用范围为 {rows} 行 × {cols} 列 = {rows * cols:,} 个单元格，超过上限 {limit:,} 个单元格；"
                "请删除远处的零散单元格后另存",
                f"the sheet's used range is {rows} rows × {cols} columns = {rows * cols:,} cells, more than "
                f"the limit of {limit:,} cells; delete stray cells far from the table and save again"))
            ok = False
    return ok
