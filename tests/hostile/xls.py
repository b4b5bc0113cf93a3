"""A minimal legacy .xls writer for the tests: BIFF8 records ([MS-XLS] 2.4: BOF, BOUNDSHEET,
NUMBER, LABEL, EOF) in a version-3 compound file ([MS-CFB]: header, FAT sectors, one
directory sector, the Workbook stream in 512-byte sectors). Enough for calamine to read
numbers and text, and for a cell to be put anywhere a BIFF record can put it."""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from pathlib import Path

_END, _FREE, _FATSECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
Cell = tuple[int, int, float | str]


def _record(typ: int, body: bytes) -> bytes:
    return struct.pack("<HH", typ, len(body)) + body


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0006))


def _cell(row: int, col: int, value: float | str) -> bytes:
    if isinstance(value, str):
        text = value.encode("utf-16-le")
        return _record(0x0204, struct.pack("<HHHHB", row, col, 0, len(value), 1) + text)
    return _record(0x0203, struct.pack("<HHHd", row, col, 0, float(value)))


def workbook_stream(sheets: Mapping[str, Sequence[Cell]]) -> bytes:
    names = list(sheets)

    def boundsheet(pos: int, name: str) -> bytes:
        return _record(0x0085, struct.pack("<IBBBB", pos, 0, 0, len(name), 1) + name.encode("utf-16-le"))

    globals_len = len(_bof(0x0005)) + sum(len(boundsheet(0, n)) for n in names) + len(_record(0x000A, b""))
    bodies = [_bof(0x0010) + b"".join(_cell(*c) for c in cells) + _record(0x000A, b"") for cells in sheets.values()]
    positions, pos = [], globals_len
    for b in bodies:
        positions.append(pos)
        pos += len(b)
    stream = _bof(0x0005) + b"".join(boundsheet(p, n) for p, n in zip(positions, names, strict=True)) \
        + _record(0x000A, b"") + b"".join(bodies)
    return stream + bytes(max(0, 4096 - len(stream)))  # at least the mini-stream cutoff


def _entry(name: str, kind: int, start: int, size: int, child: int = _NOSTREAM) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0"
    return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", _NOSTREAM, _NOSTREAM, child) + bytes(16) + bytes(4) + bytes(16)
            + struct.pack("<IQ", start, size))


def write_xls(path: Path, sheets: Mapping[str, Sequence[Cell]]) -> Path:
    stream = workbook_stream(sheets)
    n = -(-len(stream) // 512)
    f = 1
    while 128 * f < f + 1 + n:
        f += 1
    assert f <= 109, "the header's DIFAT holds 109 FAT sectors"
    # sectors 0 … f-1: FAT; sector f: directory; sectors f+1 … f+n: the Workbook stream
    fat = [_FATSECT] * f + [_END, *range(f + 2, f + n + 1), _END]
    fat += [_FREE] * (128 * f - len(fat))
    directory = _entry("Root Entry", 5, _END, 0, child=1) + _entry("Workbook", 2, f + 1, len(stream))
    directory = directory.ljust(512, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH", 0x003E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, f, f, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", *range(f), *([_FREE] * (109 - f))))
    assert len(header) == 512
    path.write_bytes(header + struct.pack(f"<{128 * f}I", *fat) + directory + stream.ljust(n * 512, b"\0"))
    return path
