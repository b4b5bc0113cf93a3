"""Writing a data package to disk atomically (CSV folder or XLSX workbook).

A package is a mapping ``table name -> DataFrame`` whose columns are the canonical
names of :mod:`qingshan.data.spec`. Files are written into a temporary sibling folder
and moved into place only when every file is complete, so an interrupted write never
leaves a half package behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from qingshan.data.spec import TABLE_ORDER, tables

Package = Mapping[str, pd.DataFrame]


def write_csv_package(package: Package, folder: str | os.PathLike[str]) -> Path:
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


def write_xlsx_package(package: Package, path: str | os.PathLike[str]) -> Path:
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
