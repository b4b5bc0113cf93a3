"""Carrier names and codes in column 甲 and 丙: numbering and 其中 marks, and resolution
against the carrier catalogue (``spec/carriers.csv``)."""

from __future__ import annotations

import re
from functools import cache

from qingshan.data.form_205_1.cells import _norm
from qingshan.schema.carriers import carriers, resolve_carrier

#: Text that marks a row as an "of which" (其中) item of the row above it; NBS tables mark
#: such items with "#" or "其中：".
_OF_WHICH = re.compile(r"^(?:其中[:：]?|#)+")
#: Item numbering in front of a name ("1.", "（2）", "三、").
_NUMBERING = re.compile(r"^(?:\d{1,2}[.、]|\(\d{1,2}\)|[一二三四五六七八九十]{1,3}[、.])")


def _clean_name(text: str) -> tuple[str, bool]:
    """The carrier name without numbering and "of which" marks, and whether it had one."""
    s = _NUMBERING.sub("", _norm(text))
    of_which = bool(_OF_WHICH.match(s))
    return _NUMBERING.sub("", _OF_WHICH.sub("", s)), of_which


def _resolves(text: str) -> bool:
    name, _ = _clean_name(text)
    return bool(name) and resolve_carrier(name) is not None


@cache
def _code_map() -> dict[str, str]:
    return {c.form_205_1_code: c.carrier for c in carriers().values() if c.form_205_1_code}


def _normalise_code(code: str) -> str:
    s = _norm(code)
    return s.zfill(2) if s.isdigit() and len(s) == 1 else s


def _resolve_name(name: str) -> str | None:
    if not name:
        return None
    c = resolve_carrier(name)
    if c is None:
        bare = re.sub(r"\([^)]*\)$", "", name)
        if bare and bare != name:
            c = resolve_carrier(bare)
    return c
