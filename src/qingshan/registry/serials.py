"""Serial numbers of registry blocks, in a Chinese format (docs/registries.md, "Serials").

A block of rights is a contiguous range of serial numbers, each standing for one *serial
unit* of the right (1 tce, 1 m³, 1 kg …, the right type's ``serial_unit``)::

    459900-YN-2025-000000001-000005000
    │      │  │    │         └ last serial
    │      │  │    └ first serial (numbering starts at 1 per region, right and vintage)
    │      │  └ vintage (the year the rights are for)
    │      └ right code (YN 用能权, YS 用水权, PW-COD 排污权 of one pollutant, TP, TS)
    └ region: the GB/T 2260 six-digit code of the issuing jurisdiction

Serials are at least nine digits, zero-padded (more digits if a number needs them). A
partial transfer splits a block: the owner keeps the first serials and the receiver gets the
last, the convention of UNDP's carbon registry (../shared/reference/platform.md, a.1:
``CA0004-VU-CH-356-1-2000-2023`` + ``…-2001-3000-2023``). Issuance continues the numbering
of the region, right and vintage, so ranges never overlap.

Pure functions on integers; nothing here reads a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

#: Digits a serial is padded to.
WIDTH = 9
#: A right code: two capital letters, and for 排污权 the pollutant (``PW-COD``, ``PW-NH3N``).
RIGHT_CODE = r"[A-Z]{2}(?:-[A-Z0-9]{1,10})?"
_SERIAL = re.compile(rf"(\d{{6}})-({RIGHT_CODE})-(\d{{4}})-(\d{{{WIDTH},}})-(\d{{{WIDTH},}})")


@dataclass(frozen=True, order=True)
class SerialRange:
    """The serials ``first``–``last`` (both included) of one region, right and vintage."""

    region: str
    right: str
    vintage: int
    first: int
    last: int

    def __post_init__(self) -> None:
        if not (len(self.region) == 6 and self.region.isdigit()):
            raise ValueError(f"region {self.region!r} is not a six-digit GB/T 2260 code")
        if not re.fullmatch(RIGHT_CODE, self.right):
            raise ValueError(f"right code {self.right!r} is not of the form YN or PW-COD")
        if not 1000 <= self.vintage <= 9999:
            raise ValueError(f"vintage {self.vintage} is not a four-digit year")
        if not 1 <= self.first <= self.last:
            raise ValueError(f"serials {self.first}–{self.last}: expected 1 ≤ first ≤ last")

    @property
    def quantity(self) -> int:
        """How many serial units the range holds."""
        return self.last - self.first + 1

    def __str__(self) -> str:
        return (f"{self.region}-{self.right}-{self.vintage}-{str(self.first).zfill(WIDTH)}-"
                f"{str(self.last).zfill(WIDTH)}")


def parse(text: str) -> SerialRange:
    """A serial range from its text; :class:`ValueError` naming what was expected."""
    m = _SERIAL.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"{text!r} is not a serial range of the form 459900-YN-2025-000000001-000005000")
    region, right, vintage, first, last = m.groups()
    return SerialRange(region, right, int(vintage), int(first), int(last))


def split(r: SerialRange, moved: int) -> tuple[SerialRange | None, SerialRange]:
    """``r`` split for a movement of ``moved`` serial units: (what the owner keeps, what
    moves). The owner keeps the first serials; the last ``moved`` move. Moving the whole
    range keeps nothing (``None``)."""
    if not 1 <= moved <= r.quantity:
        raise ValueError(f"cannot move {moved} of the {r.quantity} serials of {r}")
    if moved == r.quantity:
        return None, r
    cut = r.last - moved
    return (SerialRange(r.region, r.right, r.vintage, r.first, cut),
            SerialRange(r.region, r.right, r.vintage, cut + 1, r.last))


def next_range(region: str, right: str, vintage: int, last_issued: int, quantity: int) -> SerialRange:
    """The range an issuance of ``quantity`` gets after ``last_issued`` (0: none yet)."""
    return SerialRange(region, right, vintage, last_issued + 1, last_issued + quantity)


def contiguous(a: SerialRange, b: SerialRange) -> bool:
    """``b`` starts right after ``a`` ends, in the same region, right and vintage."""
    return (a.region, a.right, a.vintage) == (b.region, b.right, b.vintage) and a.last + 1 == b.first


def overlap(a: SerialRange, b: SerialRange) -> bool:
    """``a`` and ``b`` share a serial."""
    return (a.region, a.right, a.vintage) == (b.region, b.right, b.vintage) and a.first <= b.last \
        and b.first <= a.last


def partitions(parent: SerialRange, parts: Iterable[SerialRange]) -> bool:
    """``parts`` cover ``parent``'s serials exactly, each once (in any order)."""
    ordered = sorted(parts, key=lambda r: r.first)
    if not ordered or any((p.region, p.right, p.vintage) != (parent.region, parent.right, parent.vintage)
                          for p in ordered):
        return False
    if ordered[0].first != parent.first or ordered[-1].last != parent.last:
        return False
    return all(contiguous(a, b) for a, b in pairwise(ordered))


def overlaps(ranges: Iterable[SerialRange]) -> list[tuple[SerialRange, SerialRange]]:
    """Every pair of neighbouring ranges (sorted by serial) that share a serial."""
    out = []
    by_key: dict[tuple[str, str, int], list[SerialRange]] = {}
    for r in ranges:
        by_key.setdefault((r.region, r.right, r.vintage), []).append(r)
    for rs in by_key.values():
        rs.sort(key=lambda r: (r.first, r.last))
        high: SerialRange | None = None
        for r in rs:
            if high is not None and r.first <= high.last:
                out.append((high, r))
            if high is None or r.last > high.last:
                high = r
    return out
