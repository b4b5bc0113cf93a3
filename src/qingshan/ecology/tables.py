"""Reading and checking the tables of an ecological data package (CSV files named in its
manifest): header aliases (Chinese, English, InVEST's names, case-insensitive), types,
bounds, choices, duplicate keys, and the rules every statistic and price must meet (a year
and a source). Problems are collected, never raised one by one.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd

from qingshan.data import files
from qingshan.ecology.spec import Column, TableSpec, eco_spec
from qingshan.errors import Problem

#: Largest table file read (a biophysical table has tens of rows; a yearbook extract a few
#: thousand). Larger files are refused before parsing (L004).
MAX_TABLE_BYTES = 64 << 20


def problem(
    code: str, file: str, row: int | None, column: str | None, value: object, zh: str, en: str, severity: str = "error"
) -> Problem:
    return Problem(
        code,
        file,
        row,
        column,
        None if value is None else str(value),
        zh,
        en,
        "warning" if severity == "warning" else "error",
    )


def _decode(data: bytes) -> str | None:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def read_raw(path: Path, label: str, problems: list[Problem]) -> pd.DataFrame | None:
    """The file's cells as text (header row 1), or None after recording why not (L003, L004,
    L018)."""
    bad = files.entry_problem(path, label)
    if bad is not None:
        problems.append(problem("L003", label, None, None, None, bad.expected_zh, bad.expected_en))
        return None
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        problems.append(
            problem(
                "L004",
                label,
                None,
                None,
                f"{size} B",
                f"表格文件不应超过 {MAX_TABLE_BYTES >> 20} MB（未解析）",
                f"a table file must not exceed {MAX_TABLE_BYTES >> 20} MB (not parsed)",
            )
        )
        return None
    data = path.read_bytes()
    kind = files.sniff(data[:8])
    if kind in ("zip", "ole"):
        problems.append(
            problem(
                "L018",
                label,
                None,
                None,
                None,
                "表格须为 CSV 文件（工作簿请另存为 CSV UTF-8）",
                "a table must be a CSV file (save a workbook as CSV UTF-8)",
            )
        )
        return None
    text = _decode(data)
    if text is None:
        enc = files.encoding_problem(data, label)
        problems.append(problem("L018", label, None, None, None, enc.expected_zh, enc.expected_en))
        return None
    head = files.header_problem(data, text, label)
    if head is not None:
        problems.append(problem("L018", label, 1, None, head.value, head.expected_zh, head.expected_en))
        return None
    if not text.strip():
        problems.append(
            problem("L018", label, None, None, None, "文件为空，应有表头行", "the file is empty; expected a header row")
        )
        return None
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        problems.append(
            problem("L018", label, None, None, None, f"无法按 CSV 解析：{exc}", f"not readable as CSV: {exc}")
        )
        return None


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "")) if text else None
    except ValueError:
        return None


def _type_column(raw: pd.Series, col: Column, label: str, problems: list[Problem]) -> pd.Series:
    out: list[object] = []
    for i, cell in enumerate(raw.astype(str).str.strip()):
        row = i + 2
        if cell == "":
            out.append(None)
            continue
        if col.type == "string":
            value: object = cell
            if col.choices is not None:
                value = _choice(cell, col)
                if value is None:
                    problems.append(
                        problem(
                            "L024",
                            label,
                            row,
                            col.name,
                            cell,
                            f"应为以下之一：{', '.join(col.choices)}",
                            f"expected one of: {', '.join(col.choices)}",
                        )
                    )
            out.append(value)
            continue
        x = _number(cell)
        if x is None:
            problems.append(problem("L021", label, row, col.name, cell, "应为数字", "expected a number"))
            out.append(None)
            continue
        if not math.isfinite(x):
            problems.append(
                problem(
                    "L023",
                    label,
                    row,
                    col.name,
                    cell,
                    "应为有限数值（非 NaN 或无穷）",
                    "expected a finite number (not NaN or infinity)",
                )
            )
            out.append(None)
            continue
        if col.type in ("int", "year") and x != int(x):
            problems.append(problem("L021", label, row, col.name, cell, "应为整数", "expected an integer"))
            out.append(None)
            continue
        if col.type == "year" and not 1900 <= x <= 2200:
            problems.append(
                problem(
                    "L022",
                    label,
                    row,
                    col.name,
                    cell,
                    "应为四位年份（1900–2200）",
                    "expected a four-digit year (1900-2200)",
                )
            )
            out.append(None)
            continue
        lo, hi = col.min, col.max
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            rng = f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
            unit = f" {col.unit}" if col.unit else ""
            neg = lo == 0 and x < 0
            problems.append(
                problem(
                    "L022",
                    label,
                    row,
                    col.name,
                    cell,
                    ("不应为负数" if neg else f"应在 {rng}{unit} 范围内"),
                    ("must not be negative" if neg else f"expected a value in {rng}{unit}"),
                )
            )
            out.append(None)
            continue
        out.append(int(x) if col.type in ("int", "year") else x)
    dtype = "Int64" if col.type in ("int", "year") else ("float64" if col.type == "float" else "object")
    return pd.Series(out, dtype=dtype, index=raw.index)


def _choice(cell: str, col: Column) -> str | None:
    if col.name == "ecosystem":
        return eco_spec().ecosystem_code(cell)
    folded = cell.casefold()
    for c in col.choices or ():
        if folded == c.casefold():
            return c
    for alias, code in col.choice_aliases.items():
        if folded == alias.casefold():
            return code
    return None


#: Columns whose empty cell has its own code: a price without a year (L026), a statistic or
#: price without a source (L027).
_EMPTY_CODES = {
    "price_year": ("L026", "价格须注明价格年份", "a price needs its price year"),
    "source": ("L027", "须注明来源（文件、年份、表号）", "a source is required (document, edition, table)"),
}


def type_table(
    raw: pd.DataFrame, spec: TableSpec, label: str, needed: set[str], problems: list[Problem]
) -> pd.DataFrame:
    """The table in canonical columns, typed, with ``_file`` and ``_row``; every problem
    recorded. ``needed`` are the columns the package's models need besides the required."""
    headers = spec.header_map()
    found: dict[str, str] = {}
    for h in raw.columns:
        canon = headers.get(str(h).strip().casefold())
        if canon is not None and canon not in found:
            found[canon] = h
    frame = pd.DataFrame(index=raw.index)
    for col in spec.columns:
        must = col.required or col.name in needed
        if col.name not in found:
            if must:
                problems.append(
                    problem(
                        "L019",
                        label,
                        1,
                        col.name,
                        None,
                        f"缺少必需列「{col.name}」（{col.zh}；可用表头：{', '.join((col.name, *col.aliases))}）",
                        f"required column '{col.name}' is missing ({col.en}; accepted headers: "
                        f"{', '.join((col.name, *col.aliases))})",
                    )
                )
            continue
        typed = _type_column(raw[found[col.name]], col, label, problems)
        if must:
            empty = raw[found[col.name]].astype(str).str.strip() == ""
            code, zh, en = _EMPTY_CODES.get(col.name, ("L020", "必填，不能为空", "required; must not be empty"))
            for i in empty[empty].index:
                problems.append(problem(code, label, int(i) + 2, col.name, None, zh, en))
        frame[col.name] = typed
    _duplicates(frame, spec, label, problems)
    frame.insert(0, "_row", [int(i) + 2 for i in raw.index])
    frame.insert(0, "_file", label)
    return frame.reset_index(drop=True)


def _duplicates(frame: pd.DataFrame, spec: TableSpec, label: str, problems: list[Problem]) -> None:
    if not all(k in frame.columns for k in spec.key) or frame.empty:
        return
    keys = frame[list(spec.key)]
    complete = keys.notna().all(axis=1)
    dup = complete & keys.duplicated(keep="first")
    if not dup.any():
        return
    first: dict[tuple[object, ...], int] = {}
    for i, key in zip(keys.index[complete], keys[complete].itertuples(index=False, name=None), strict=True):
        first.setdefault(key, int(i) + 2)
    for i in dup[dup].index:
        key = tuple(keys.loc[i])
        shown = ", ".join(f"{k}={v!s}" for k, v in zip(spec.key, key, strict=True))
        problems.append(
            problem(
                "L025",
                label,
                int(i) + 2,
                ", ".join(spec.key),
                shown,
                f"重复行：与第{first[key]}行的键相同",
                f"duplicate row: same key as row {first[key]}",
            )
        )


def merge_biophysical(frames: list[pd.DataFrame], problems: list[Problem]) -> pd.DataFrame:
    """One biophysical table from several files (InVEST keeps carbon pools, water-yield and
    SDR parameters in separate tables): rows joined on ``lucode``; a column given in two
    files must agree (L031)."""
    if len(frames) == 1:
        return frames[0]
    out = frames[0]
    for other in frames[1:]:
        shared = [c for c in other.columns if c in out.columns and c not in ("_file", "_row", "lucode")]
        merged = out.merge(other.drop(columns=["_file", "_row"]), on="lucode", how="outer", suffixes=("", "__r"))
        for c in shared:
            a, b = merged[c], merged[f"{c}__r"]
            bad = a.notna() & b.notna() & (a.astype(str) != b.astype(str))
            for i in bad[bad].index:
                problems.append(
                    problem(
                        "L031",
                        str(other["_file"].iloc[0]),
                        None,
                        c,
                        f"lucode={merged.at[i, 'lucode']!s}",
                        f"与「{merged.at[i, '_file']!s}」中的值「{a[i]!s}」不一致",
                        f"disagrees with the value '{a[i]!s}' in '{merged.at[i, '_file']!s}'",
                    )
                )
            merged[c] = a.where(a.notna(), b)
            merged = merged.drop(columns=[f"{c}__r"])
        merged["_file"] = merged["_file"].fillna(str(other["_file"].iloc[0]))
        out = merged
    return out
