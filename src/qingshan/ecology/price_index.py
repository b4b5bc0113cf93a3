"""Price-index series (价格指数) for moving GEP prices to the accounting year.

A series ships as ``qingshan/ecology/prices/price_index_<name>.csv`` with columns ``year,
change_pct, source, status``: ``change_pct`` is the annual change in percent with the previous
year = 100 (上年=100, e.g. 5.4 for an index of 105.4), ``source`` is where the value was read and
``status`` is ``[R]`` (read in the NBS statistical communiqué itself) or ``[S]`` (read in a
secondary report of the NBS figure). :func:`load_price_index` chains the changes into a
fixed-base index (定基指数) for :func:`qingshan.methods.gep_value.index_price`:

    I[y₀] = 100,  I[t] = I[t−1] · (100 + c[t]) / 100,

where y₀ is the first year listed (its own ``change_pct`` links it to a year outside the series
and is not used). A year missing inside the series is never interpolated: the whole series is
refused (V101), so no price is ever indexed across the gap.

Shipped series
--------------
``cpi``: national 居民消费价格指数, annual change 2006–2025, as published by the National Bureau
of Statistics (国家统计局) each January (December CPI release) and repeated in the annual
《中华人民共和国国民经济和社会发展统计公报》. Every value was read in a report of the NBS figure
(Xinhua, 中新网, 人民网 or a reprint of the NBS release); none in the communiqué itself, so every
row is ``[S]``. The row-by-row sources are in the CSV; docs/gep/price-index.md lists them. 2005
was not found and is absent: 2006 = 100 is the base, so a 2005 price cannot be indexed.

The construction-installation price index (建筑安装工程价格指数) that 陈召亚 et al. 2016
(中国生态农业学报 24(2):244) use for reservoir costs is not shipped: no national series was read.

Problems are collected and raised together (ValidationError): V100 unknown series or missing
column; V101 a year missing inside the series; V102 a change that is not a finite number above
−100 %; V103 a year that is not a four-digit integer or is listed twice; V104 a row without a
source or with a status other than ``[R]``/``[S]``.
"""

from __future__ import annotations

import io
import math
from importlib import resources

import pandas as pd

from qingshan.errors import Problem, ValidationError

COLUMNS = ("year", "change_pct", "source", "status")
STATUSES = ("[R]", "[S]")
PREFIX = "price_index_"
BASE = 100.0


def _p(code: str, file: str, row: int | None, col: str | None, value: object, zh: str, en: str) -> Problem:
    return Problem(code, file, row, col, None if value is None else str(value), zh, en)


def shipped_price_indices() -> tuple[str, ...]:
    """Names of the index series that ship with Qingshan (``cpi``)."""
    folder = resources.files("qingshan.ecology").joinpath("prices")
    return tuple(
        sorted(
            f.name.removeprefix(PREFIX).removesuffix(".csv")
            for f in folder.iterdir()
            if f.name.startswith(PREFIX) and f.name.endswith(".csv")
        )
    )


def parse_price_index(text: str, name: str) -> dict[int, float]:
    """The fixed-base index (first year = 100) from CSV text of annual changes.

    ``text`` has the columns ``year, change_pct, source, status``; ``name`` names the file in
    messages. Returns ``{year: index}`` for every year from the first to the last listed.
    Every problem is collected and raised together (codes in the module docstring).
    """
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValidationError([_p("V100", name, 1, c, None, "缺少该列", "this column is missing") for c in missing])
    problems: list[Problem] = []
    changes: dict[int, float] = {}
    for i, r in enumerate(df.to_dict("records")):
        row = i + 2  # header is row 1
        year_text = r["year"].strip()
        year: int | None = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
        if year is None:
            problems.append(
                _p("V103", name, row, "year", year_text or None, "年份须为四位数字", "a year must have four digits")
            )
        elif year in changes:
            problems.append(_p("V103", name, row, "year", year, "年份重复", "year listed twice"))
        try:
            change = float(r["change_pct"])
        except ValueError:
            change = math.nan
        if not (math.isfinite(change) and change > -100.0):
            problems.append(
                _p(
                    "V102",
                    name,
                    row,
                    "change_pct",
                    r["change_pct"] or None,
                    "涨跌幅须为大于 −100 的有限数值（%，上年=100）",
                    "the change must be a finite number above −100 (%, previous year = 100)",
                )
            )
        if not r["source"].strip():
            problems.append(_p("V104", name, row, "source", None, "须注明来源", "a value needs its source"))
        if r["status"].strip() not in STATUSES:
            problems.append(
                _p("V104", name, row, "status", r["status"] or None, "状态须为 [R] 或 [S]", "status must be [R] or [S]")
            )
        if year is not None and year not in changes:
            changes[year] = change
    if changes:
        first, last = min(changes), max(changes)
        problems.extend(
            _p(
                "V101",
                name,
                None,
                "year",
                y,
                "价格指数缺少该年份，不能跨越缺失年份编制定基指数（不插值）",
                "the series lacks this year; a fixed-base index cannot be chained across it (no interpolation)",
            )
            for y in range(first, last + 1)
            if y not in changes
        )
    if problems:
        raise ValidationError(problems)
    return chain_index(changes)


def chain_index(changes: dict[int, float]) -> dict[int, float]:
    """Chain annual changes (%, previous year = 100) of consecutive years into a fixed-base index.

    I[y₀] = 100 for the first year y₀; I[t] = I[t−1] · (100 + c[t]) / 100. The years must be
    consecutive (V101 otherwise); :func:`parse_price_index` checks this with the rest of a file.
    """
    years = sorted(changes)
    gaps = [y for y in range(years[0], years[-1] + 1) if y not in changes] if years else []
    if gaps:
        raise ValidationError(
            [
                _p("V101", "price index", None, "year", y, "价格指数缺少该年份", "the price index lacks this year")
                for y in gaps
            ]
        )
    index: dict[int, float] = {}
    for y in years:
        index[y] = BASE if y == years[0] else index[y - 1] * (100.0 + changes[y]) / 100.0
    return index


def load_price_index(name: str) -> dict[int, float]:
    """A shipped fixed-base index by name (``cpi``: national CPI, 2006 = 100)."""
    names = shipped_price_indices()
    if name not in names:
        raise ValidationError(
            [
                _p(
                    "V100",
                    "price index",
                    None,
                    None,
                    name,
                    f"未知的价格指数，可选：{', '.join(names)}",
                    f"unknown price index; choose one of {', '.join(names)}",
                )
            ]
        )
    text = resources.files("qingshan.ecology").joinpath("prices", f"{PREFIX}{name}.csv").read_text("utf-8")
    return parse_price_index(text, f"prices/{PREFIX}{name}.csv")
