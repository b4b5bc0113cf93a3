"""Serial numbers of registry blocks (docs/registries.md, "Serials"): the format, and the
split arithmetic worked by hand from UNDP's own example (../shared/reference/platform.md, a.1:
a first block CA0004-VU-CH-356-1-3000-2023; the next issuance of 2 000 is 3001–5000; a
transfer of 1 000 out of 1–3000 leaves the owner 1–2000 and gives the buyer 2001–3000)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingshan.registry.serials import (
    SerialRange,
    contiguous,
    next_range,
    overlap,
    overlaps,
    parse,
    partitions,
    split,
)


def test_the_format_is_region_right_vintage_first_last() -> None:
    r = SerialRange("459900", "YN", 2025, 1, 5000)
    assert str(r) == "459900-YN-2025-000000001-000005000"
    assert r.quantity == 5000
    pw = SerialRange("459900", "PW-COD", 2025, 1, 1234)  # 1.234 t at 1 kg a serial
    assert str(pw) == "459900-PW-COD-2025-000000001-000001234"
    assert parse(str(pw)) == pw and parse(str(r)) == r
    assert str(SerialRange("459900", "YS", 2025, 1, 1_234_567_890)) == "459900-YS-2025-000000001-1234567890"
    assert parse("459900-YS-2025-000000001-1234567890").last == 1_234_567_890


@pytest.mark.parametrize("text", ["4599-YN-2025-000000001-000005000",  # region of four digits
                                  "459900-yn-2025-000000001-000005000",  # lower case right
                                  "459900-YN-25-000000001-000005000",  # two-digit vintage
                                  "459900-YN-2025-1-5000",  # not padded
                                  "459900-YN-2025-000005000-000000001",  # last before first
                                  "459900-YN-2025-000000000-000000005"])  # serial 0
def test_malformed_serials_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse(text)


def test_undp_example_issuance_continues_and_a_transfer_splits() -> None:
    first = SerialRange("459900", "TP", 2023, 1, 3000)
    second = next_range("459900", "TP", 2023, first.last, 2000)
    assert (second.first, second.last) == (3001, 5000) and contiguous(first, second)
    kept, moved = split(first, 1000)
    assert kept is not None and (kept.first, kept.last) == (1, 2000)  # the owner keeps the first serials
    assert (moved.first, moved.last) == (2001, 3000)  # the buyer gets the last
    assert partitions(first, [moved, kept]) and not overlap(kept, moved)
    assert split(first, 3000) == (None, first)  # the whole block moves
    for bad in (0, 3001, -1):
        with pytest.raises(ValueError):
            split(first, bad)


def test_overlaps_and_partitions() -> None:
    a = SerialRange("459900", "YN", 2025, 1, 100)
    b = SerialRange("459900", "YN", 2025, 100, 150)  # shares serial 100
    c = SerialRange("459900", "YN", 2024, 1, 100)  # another vintage: no overlap
    d = SerialRange("459900", "YS", 2025, 1, 100)  # another right
    assert overlaps([a, b, c, d]) == [(a, b)]
    assert overlaps([a, SerialRange("459900", "YN", 2025, 101, 150), c, d]) == []
    inner = SerialRange("459900", "YN", 2025, 20, 30)  # inside a; found even after a longer neighbour
    assert (a, inner) in overlaps([a, SerialRange("459900", "YN", 2025, 5, 10), inner])
    assert not partitions(a, [SerialRange("459900", "YN", 2025, 1, 50)])  # a gap
    assert not partitions(a, [SerialRange("459900", "YN", 2025, 1, 60), SerialRange("459900", "YN", 2025, 50, 100)])
    assert not partitions(a, [SerialRange("459900", "YN", 2024, 1, 100)])  # another vintage


@given(first=st.integers(1, 10**9), size=st.integers(1, 10**6), data=st.data())
def test_a_split_partitions_its_block(first: int, size: int, data: st.DataObject) -> None:
    r = SerialRange("459900", "PW-NOX", 2025, first, first + size - 1)
    n = data.draw(st.integers(1, size))
    kept, moved = split(r, n)
    parts = [p for p in (kept, moved) if p is not None]
    assert moved.quantity == n and sum(p.quantity for p in parts) == r.quantity
    assert moved.last == r.last and partitions(r, parts) and overlaps(parts) == []
    assert all(parse(str(p)) == p for p in parts)
