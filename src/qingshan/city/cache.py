"""The validated package a city keeps beside its store, so that an unchanged package is
neither validated nor loaded again.

The key of a validated package is the SHA-256 of its files (names and bytes) and of the
factor set it was checked against. ``cache/package/`` in the data directory holds the
typed tables as Parquet, the problems found and the key; it is replaced atomically. An
upload keeps its own copy beside it (``uploads/<token>.cache/``), written by the child
process that checked it, and adopted as the city's when the upload is accepted
(:func:`adopt`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from qingshan.data.package import Package
from qingshan.errors import Problem

FOLDER = "cache/package"
_MANIFEST = "manifest.json"


def package_files(path: Path) -> list[Path]:
    """The files that make up the package at ``path``: a workbook, or every file below a
    folder (form 205-1 files may sit in a sub-folder), hidden ones left out as the reader
    leaves them out."""
    if path.is_dir():
        return sorted(f for f in path.rglob("*") if f.is_file()
                      and not any(part.startswith(".") for part in f.relative_to(path).parts))
    return [path]


def package_digest(path: Path, *salt: str) -> str:
    """SHA-256 of the package's file names and contents, and of ``salt`` (the factor set
    and choices it is validated and accounted with)."""
    h = hashlib.sha256()
    for s in salt:
        h.update(s.encode())
        h.update(b"\0")
    for f in package_files(path):
        if path.is_dir():  # a workbook's own name is not part of its content
            h.update(f.relative_to(path).as_posix().encode())
            h.update(b"\0")
        try:
            with f.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
        except OSError as exc:  # unreadable: validation names the file (P006); the key stays defined
            h.update(f"unreadable: {exc.errno}".encode())
    return h.hexdigest()


def _json_columns(frame: pd.DataFrame) -> list[str]:
    """Object columns holding dicts or lists (GeoJSON shapes), kept as JSON text."""
    return [str(c) for c in frame.columns if frame[c].dtype == object
            and frame[c].map(lambda v: isinstance(v, dict | list)).any()]


def folder_of(data_dir: Path) -> Path:
    """Where a data directory keeps the validated copy of its package."""
    return data_dir / FOLDER


def save(dest: Path, key: str, pkg: Package, problems: list[Problem]) -> bool:
    """Keep ``pkg`` and its problems under ``key`` in the folder ``dest`` (replacing what
    was kept). Returns false, keeping nothing, when the copy cannot be written (a full
    disk, or another process replacing it at the same moment): the copy only saves time."""
    try:
        _save(dest, key, pkg, problems)
    except OSError:
        return False
    return True


def adopt(src: Path, dest: Path) -> bool:
    """Make the folder ``src`` (a copy kept by :func:`save`) the copy at ``dest``, by
    rename. Returns false, changing nothing, when ``src`` is missing or the rename fails."""
    if not (src / _MANIFEST).exists():
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        _swap(src, dest)
    except OSError:
        return False
    return True


def _swap(new: Path, dest: Path) -> None:
    old = dest.with_name(f".old.{os.getpid()}.{dest.name}")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    new.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


def _save(dest: Path, key: str, pkg: Package, problems: list[Problem]) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".package.", dir=dest.parent))
    try:
        encoded: dict[str, list[str]] = {}
        for name, frame in pkg.items():
            cols = _json_columns(frame)
            out = frame.assign(**{c: frame[c].map(json.dumps) for c in cols}) if cols else frame
            # one thread (nthreads=1): this may run on a second thread while the interpreter
            # shuts down, when pyarrow's own thread pool takes no more work
            pq.write_table(pa.Table.from_pandas(out, preserve_index=False, nthreads=1), tmp / f"{name}.parquet")
            encoded[name] = cols
        manifest = {"key": key, "source": pkg.source, "json_columns": encoded,
                    "problems": [{k: v for k, v in p.to_dict().items() if k != "message"} for p in problems]}
        (tmp / _MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
        _swap(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load(folder: Path, key: str) -> tuple[Package, list[Problem]] | None:
    """The package kept in ``folder`` under ``key``, or ``None`` if what is kept there has
    another key or is unreadable."""
    try:
        manifest: dict[str, Any] = json.loads((folder / _MANIFEST).read_text("utf-8"))
        if manifest.get("key") != key:
            return None
        frames = {}
        for name, cols in manifest["json_columns"].items():
            frame = pd.read_parquet(folder / f"{name}.parquet")
            for c in cols:
                frame[c] = frame[c].map(json.loads)
            frames[name] = frame
        problems = [Problem(**p) for p in manifest["problems"]]
        return Package(frames, str(manifest["source"])), problems
    except (OSError, ValueError, KeyError, TypeError):
        return None
