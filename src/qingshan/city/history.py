"""Package history: every accepted package of a data directory, kept as a numbered version.

::

    history/
      0001/  meta.json  package/         the package in use when the history began
      0002/  meta.json  package.xlsx     an accepted upload
      0003/  meta.json  package/         version 1 restored (a new version; nothing is overwritten)

``meta.json`` holds the version number, the UTC time it was recorded, the source file name
(as uploaded), the SHA-256 of the content (:func:`content_digest`), who recorded it
(``web upload``, ``cli restore``), a ``user`` field for issue #14 (always ``null`` for now)
and, for a restore, the version restored.

**The latest version is the city's package.** There is no second, "live" copy: a data
directory with a history reads its package from the highest-numbered version
(:func:`latest`). A version is written into a temporary folder (``history/.tmp-*``) and
made visible by one ``rename``, so the rename is the moment of commit: a crash before it
leaves the old package in use and a temporary folder that the next writer removes; a crash
after it leaves the new package in use, complete. The history and the package in use
cannot disagree, because they are the same thing.

Writers (an accept, a restore) take the city's lock (:func:`writing`, an exclusive
``flock`` on ``history/.lock``), so there is one at a time per data directory, across
processes; a second writer gets :class:`~qingshan.errors.BusyError` at once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qingshan import __version__
from qingshan.city.cache import package_digest
from qingshan.data.package import Package
from qingshan.errors import BusyError, ConfigError
from qingshan.i18n import tr
from qingshan.schema.tables import TABLE_ORDER, tables

FOLDER = "history"
META = "meta.json"
_LOCK = ".lock"
_TMP = ".tmp-"
_NUMBER = re.compile(r"^\d{4,}$")
#: keys listed per table and kind in a difference
EXAMPLES = 5


@dataclass(frozen=True)
class Version:
    """One recorded package: ``folder`` holds ``meta.json`` and the package (``package``)."""

    number: int
    folder: Path
    meta: dict[str, Any]

    @property
    def package(self) -> Path:
        return self.folder / str(self.meta["package"])

    @property
    def sha256(self) -> str:
        return str(self.meta["sha256"])

    def describe(self) -> dict[str, Any]:
        return {**self.meta, "version": self.number}


def folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def content_digest(path: Path) -> str:
    """SHA-256 of a package's content: a workbook's bytes, or a folder's file names and
    bytes (:func:`qingshan.city.cache.package_digest` without a salt)."""
    return package_digest(path)


def versions(data_dir: Path) -> list[Version]:
    """Every complete version, oldest first (a folder without a readable ``meta.json`` is
    not one)."""
    root = folder(data_dir)
    if not root.is_dir():
        return []
    out = []
    for d in root.iterdir():
        if not (d.is_dir() and _NUMBER.match(d.name)):
            continue
        try:
            meta = json.loads((d / META).read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict) and meta.get("version") == int(d.name) and (d / str(meta.get("package"))).exists():
            out.append(Version(int(d.name), d, meta))
    return sorted(out, key=lambda v: v.number)


def latest(data_dir: Path) -> Version | None:
    """The version in use: the highest-numbered one."""
    found = versions(data_dir)
    return found[-1] if found else None


def version(data_dir: Path, number: int) -> Version:
    for v in versions(data_dir):
        if v.number == number:
            return v
    known = ", ".join(str(v.number) for v in versions(data_dir)) or tr("无", "none")
    raise ConfigError(tr(f"{data_dir} 的历史中没有版本 {number}（已有：{known}）",
                         f"{data_dir} has no version {number} in its history (versions: {known})"))


class CityLock:
    """The city's write lock, held from :func:`lock` until :meth:`release` (possibly by
    another thread: an accept takes it in the request and releases it when its background
    job ends)."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


def lock(data_dir: Path) -> CityLock:
    """Take the city's write lock at once, or raise :class:`BusyError`. The kernel releases
    it if the process dies."""
    root = folder(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # pragma: no cover - no flock on this platform: one process per city is assumed
        pass
    except OSError:
        os.close(fd)
        raise BusyError(tr("另一次采用或恢复正在更改该城市的数据，请稍后再试",
                           "another accept or restore is changing this city's data; try again when it has "
                           "finished")) from None
    return CityLock(fd)


@contextmanager
def writing(data_dir: Path) -> Iterator[None]:
    """Hold the city's write lock for the block (:func:`lock`)."""
    held = lock(data_dir)
    try:
        yield
    finally:
        held.release()


def clean(data_dir: Path) -> int:
    """Remove what interrupted writers left (``history/.tmp-*``), if no writer is running
    now. Returns how many were removed."""
    root = folder(data_dir)
    if not root.is_dir():
        return 0
    try:
        held = lock(data_dir)
    except BusyError:
        return 0
    try:
        stale = [d for d in root.iterdir() if d.name.startswith(_TMP)]
        for d in stale:
            shutil.rmtree(d, ignore_errors=True)
        return len(stale)
    finally:
        held.release()


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fsync_tree(path: Path) -> None:
    for f in [path] if path.is_file() else sorted(path.rglob("*")):
        if f.is_file():
            with f.open("rb") as fh:
                os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - directories cannot be opened on this platform
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(data_dir: Path, number: int, source: Path, meta: dict[str, Any]) -> Version:
    root = folder(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    name = "package" + (source.suffix.lower() if source.is_file() else "")
    tmp = Path(tempfile.mkdtemp(prefix=_TMP, dir=root))
    try:
        if source.is_dir():
            shutil.copytree(source, tmp / name, ignore=shutil.ignore_patterns(".*"))
        else:
            shutil.copyfile(source, tmp / name)
        _fsync_tree(tmp / name)
        full = {"version": number, "time": _now(), **meta, "package": name,
                "sha256": content_digest(tmp / name), "qingshan": __version__}
        with (tmp / META).open("w", encoding="utf-8") as fh:
            json.dump(full, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        _fsync_dir(tmp)
        dest = root / f"{number:04d}"
        os.rename(tmp, dest)  # the commit; fails rather than replace an existing version
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Version(number, dest, full)


def record(data_dir: Path, source: Path, *, source_name: str, who: str, current: Path | None,
           user: str | None = None, restored_from: int | None = None) -> Version:
    """Record ``source`` (a workbook or a package folder) as the next version and so make it
    the city's package. The caller holds the city's lock (:func:`writing`). A data
    directory whose package predates the history (``current``: ``package/``,
    ``package.xlsx`` or the package ``city.toml`` names) first records that package as
    version 1, so that nothing accepted is ever lost."""
    found = versions(data_dir)
    if not found and current is not None and current.exists():
        found.append(_write(data_dir, 1, current, {
            "source_name": current.name, "who": "before history", "user": None, "restored_from": None,
            "note": "the package in use when the history began"}))
    number = found[-1].number + 1 if found else 1
    return _write(data_dir, number, source, {"source_name": source_name, "who": who, "user": user,
                                             "restored_from": restored_from})


def restore(data_dir: Path, number: int, *, who: str = "cli restore", user: str | None = None) -> Version | None:
    """Make version ``number`` the city's package again, as a new version. ``None`` when it
    is the version in use already (nothing is recorded)."""
    with writing(data_dir):
        old = version(data_dir, number)
        now = latest(data_dir)
        if now is not None and now.number == number:
            return None
        return record(data_dir, old.package, source_name=str(old.meta.get("source_name", old.package.name)),
                      who=who, current=None, user=user, restored_from=number)


# --- differences -----------------------------------------------------------------------

def _same(x: pd.Series, y: pd.Series) -> np.ndarray:
    """Element-wise equality, missing equal to missing (numbers, texts, GeoJSON shapes)."""
    if pd.api.types.is_numeric_dtype(x.dtype) and pd.api.types.is_numeric_dtype(y.dtype) \
            and not pd.api.types.is_bool_dtype(x.dtype):
        a, b = x.to_numpy(dtype=float, na_value=np.nan), y.to_numpy(dtype=float, na_value=np.nan)
        out: np.ndarray = (a == b) | (np.isnan(a) & np.isnan(b))
        return out
    a, b = _objects(x), _objects(y)
    return np.fromiter((u == v for u, v in zip(a, b, strict=True)), dtype=bool, count=len(a))


def _objects(s: pd.Series) -> np.ndarray:
    """The values as Python objects, every missing value as ``None``."""
    values: np.ndarray = s.astype(object).to_numpy(copy=True)
    values[s.isna().to_numpy()] = None
    return values


def _keys(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for k in key:
        out[k] = out[k].astype("string")
    out["_n"] = out.groupby(key, dropna=False, observed=True).cumcount()  # a repeated key is still compared
    return out


def table_diff(a: pd.DataFrame, b: pd.DataFrame, key: list[str], columns: list[str]) -> dict[str, Any]:
    """Rows of ``b`` added to, removed from and changed against ``a``, matched on ``key``."""
    cols = [c for c in columns if c not in key and (c in a.columns or c in b.columns)]
    ka = _keys(a[[c for c in [*key, *cols] if c in a.columns]], key)
    kb = _keys(b[[c for c in [*key, *cols] if c in b.columns]], key)
    on = [*key, "_n"]
    m = ka.merge(kb, on=on, how="outer", suffixes=("_a", "_b"), indicator=True)
    added, removed, both = m[m["_merge"] == "right_only"], m[m["_merge"] == "left_only"], m[m["_merge"] == "both"]
    changed = np.zeros(len(both), dtype=bool)
    by_column: dict[str, int] = {}
    for c in cols:
        in_both = c in a.columns and c in b.columns  # else a column present in one version only
        diff = ~_same(both[f"{c}_a"], both[f"{c}_b"]) if in_both else np.ones(len(both), dtype=bool)
        if diff.any():
            by_column[c] = int(diff.sum())
        changed |= diff

    def examples(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return [{str(k): (None if pd.isna(v) else str(v)) for k, v in row.items()}
                for row in frame[key].head(EXAMPLES).to_dict("records")]

    return {"key": key, "rows_a": len(a), "rows_b": len(b), "added": len(added), "removed": len(removed),
            "changed": int(changed.sum()), "columns_changed": by_column,
            "examples": {"added": examples(added), "removed": examples(removed),
                         "changed": examples(both[changed])}}


def diff_packages(a: Package, b: Package) -> dict[str, dict[str, Any]]:
    """Per table of the spec, the rows of ``b`` added, removed and changed against ``a``,
    matched on the table's key columns (``spec/tables.toml``: entities by ``entity_id``,
    energy by ``entity_id, period, carrier, use``, …); every other column of the spec is
    compared, the file and row a value came from are not."""
    specs = tables()
    return {name: table_diff(a[name], b[name], list(specs[name].key), list(specs[name].column_names))
            for name in TABLE_ORDER}
