"""Data packages: the validated :class:`Package`, and writing a package to disk atomically
(CSV folder, XLSX workbook, or the Parquet copy a city keeps of its validated package).

A package is a mapping ``table name -> DataFrame`` whose columns are the canonical
names of :mod:`qingshan.schema.tables`; its tables are the spec's (:data:`TABLE_ORDER`), so a
new table is an entry of ``spec/tables.toml``, not a change here. Files are written into a
temporary sibling folder and moved into place only when every file is complete, so an
interrupted write never leaves a half package behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd

from qingshan.schema.tables import TABLE_ORDER, tables

#: Columns the readers add to every table: the file and the row a person sees.
LOCATION_COLUMNS = ("_file", "_row")


class Package(Mapping[str, pd.DataFrame]):
    """A validated package: one typed table per table of the spec, in canonical units
    (docs/data-package.md). Tables are read as ``pkg["energy"]`` or ``pkg.energy``; a
    table the package did not have is an empty frame with the spec's columns."""

    def __init__(self, frames: Mapping[str, pd.DataFrame], source: str) -> None:
        unknown = set(frames) - set(TABLE_ORDER)
        if unknown:
            raise KeyError(f"not tables of the spec: {sorted(unknown)}")
        specs = tables()
        self._tables = {name: frames[name] if name in frames else
                        pd.DataFrame(columns=[*LOCATION_COLUMNS, *specs[name].column_names])
                        for name in TABLE_ORDER}
        self.source = source

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self._tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._tables[name]
        except KeyError:
            raise AttributeError(name) from None

    def table(self, name: str) -> pd.DataFrame:
        return self._tables[name]

    @property
    def years(self) -> list[int]:
        ys = set(self["energy"]["year"].dropna().unique()) | set(self["economics"]["year"].dropna().unique())
        return sorted(int(y) for y in ys)

    def rows(self) -> dict[str, int]:
        """Rows per table."""
        return {name: len(t) for name, t in self._tables.items()}


def write_csv_package(package: Mapping[str, pd.DataFrame], folder: str | os.PathLike[str]) -> Path:
    """Write ``package`` as ``<table>.csv`` files (UTF-8) into ``folder``, replacing it."""
    dest = Path(folder)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        for name in TABLE_ORDER:
            if name in package:
                package[name].to_csv(tmp / f"{name}.csv", index=False, encoding="utf-8")
        _replace_dir(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def write_xlsx_package(package: Mapping[str, pd.DataFrame], path: str | os.PathLike[str]) -> Path:
    """Write ``package`` as one workbook with a sheet per table (sheet = Chinese name)."""
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmpname = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".xlsx", dir=dest.parent)
    os.close(fd)
    try:
        with pd.ExcelWriter(tmpname, engine="xlsxwriter") as xw:
            for name in TABLE_ORDER:
                if name in package:
                    sheet = tables()[name].sheet_aliases[0]
                    package[name].to_excel(xw, sheet_name=sheet, index=False)
        os.replace(tmpname, dest)
    except BaseException:
        Path(tmpname).unlink(missing_ok=True)
        raise
    return dest


def _replace_dir(src: Path, dest: Path) -> None:
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(dest, old)
        os.replace(src, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(src, dest)
