"""Atomic file output: write to a temporary sibling, then rename into place."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_atomic(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` and move ``tmp`` onto ``path`` only if it succeeded."""
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=dest.suffix, dir=dest.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def write_json(doc: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """A document as compact UTF-8 JSON (Python's C encoder: an indented dump of a city's
    accounts takes three times as long); non-finite numbers are refused (documents hold none)."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    def write(p: Path) -> None:
        p.write_text(text, encoding="utf-8")

    return write_atomic(path, write)


def write_bytes(data: bytes, path: str | os.PathLike[str]) -> Path:
    """``data`` written to ``path`` atomically (a report's PDF or Word file)."""
    def write(p: Path) -> None:
        p.write_bytes(data)

    return write_atomic(path, write)
