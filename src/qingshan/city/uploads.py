"""Staged uploads of a data directory: ``uploads/<token>.xlsx`` with ``<token>.json`` (the
file name as uploaded, the time, whom it was staged for) and, once checked,
``<token>.cache/`` (the validated package as Parquet, :mod:`qingshan.city.cache`).

Each upload has a random **accept token** of its own (``secrets.token_urlsafe(32)``),
never a hash of its content: two uploads of the same file are two uploads, and accepting
one cannot remove the other's file. Only the uploader is given the accept token; the data
directory keeps its SHA-256 (the staged files are named after it, ``token``), so the
folder's listing gives no one a token to accept. An upload is staged for an **owner** (the
web binds it to the session, or the browser, that uploaded it): :func:`claimed` finds it
only for the same owner. Uploads older than the configured age
(``QINGSHAN_UPLOAD_MAX_AGE_HOURS``) are removed by :func:`clean`, which the web application
runs at start-up and whenever it stages an upload.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from qingshan.settings import setting

FOLDER = "uploads"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_ACCEPT = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class Staged:
    token: str  # the staged files' name: the first 32 hex digits of the accept token's SHA-256
    path: Path  # the workbook
    source_name: str  # the file name as uploaded
    accept: str = ""  # the accept token: known only to :func:`stage`'s caller, never stored

    @property
    def cache(self) -> Path:
        """Where the child process that checks the upload keeps the validated package."""
        return self.path.with_name(f"{self.token}.cache")


def folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def max_age() -> float:
    """Seconds an upload is kept (``QINGSHAN_UPLOAD_MAX_AGE_HOURS``)."""
    return float(setting("upload_max_age_hours")) * 3600


def display_name(name: str | None) -> str:
    """The uploaded file's name as shown and recorded: its last path part, printable, at most
    120 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:120] or "upload.xlsx"


def name_of(accept: str) -> str:
    """The staged files' name of the accept token ``accept``."""
    return hashlib.sha256(accept.encode("utf-8")).hexdigest()[:32]


def stage(data_dir: Path, stream: BinaryIO, source_name: str | None, owner: str = "") -> Staged:
    """Copy ``stream`` into a new staged upload for ``owner`` (written under a temporary
    name, then renamed); its :attr:`Staged.accept` is the token to accept it with."""
    root = folder(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    accept = secrets.token_urlsafe(32)
    token = name_of(accept)
    path = root / f"{token}.xlsx"
    tmp = root / f".{token}.part"
    try:
        with tmp.open("wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        name = display_name(source_name)
        meta = {"source_name": name, "time": _now(), "owner": owner}
        (root / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        tmp.rename(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        (root / f"{token}.json").unlink(missing_ok=True)
        raise
    return Staged(token, path, name, accept)


def claimed(data_dir: Path, accept: str, owner: str = "") -> Staged | None:
    """The staged upload of the accept token ``accept`` if it was staged for ``owner``; else
    ``None`` (an unknown, removed or malformed token, or another owner's upload)."""
    if not _ACCEPT.match(accept):
        return None
    found = staged(data_dir, name_of(accept))
    if found is None:
        return None
    try:
        theirs = str(json.loads((folder(data_dir) / f"{found.token}.json").read_text("utf-8"))["owner"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not secrets.compare_digest(theirs.encode("utf-8"), owner.encode("utf-8")):
        return None
    return Staged(found.token, found.path, found.source_name, accept)


def staged(data_dir: Path, token: str) -> Staged | None:
    """The staged upload named ``token`` (:attr:`Staged.token`, not the accept token), or
    ``None`` (an unknown, removed or malformed name)."""
    if not _TOKEN.match(token):
        return None
    root = folder(data_dir)
    path = root / f"{token}.xlsx"
    if not path.exists():
        return None
    try:
        name = str(json.loads((root / f"{token}.json").read_text("utf-8"))["source_name"])
    except (OSError, ValueError, KeyError, TypeError):
        name = path.name
    return Staged(token, path, name)


def remove(data_dir: Path, token: str) -> None:
    """Remove the staged upload ``token`` and what its check kept."""
    root = folder(data_dir)
    for suffix in (".xlsx", ".json"):
        (root / f"{token}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(root / f"{token}.cache", ignore_errors=True)


def clean(data_dir: Path, age: float, keep: Iterable[str] = ()) -> int:
    """Remove every upload (and leftover) older than ``age`` seconds, except the tokens in
    ``keep`` (an accept running on them). Returns how many entries were removed."""
    root = folder(data_dir)
    if not root.is_dir():
        return 0
    kept = set(keep)
    cutoff = time.time() - age
    removed = 0
    for entry in list(root.iterdir()):
        token = entry.name.lstrip(".").split(".", 1)[0]
        if token in kept:
            continue
        try:
            if entry.stat().st_mtime >= cutoff:
                continue
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed += 1
        except OSError:
            continue
    return removed


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

