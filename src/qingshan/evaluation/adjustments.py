"""Bonus and deduction input (加减分项): a CSV with one row per enterprise, year and
adjustment item of the scheme, and a count (e.g. the number of sub-let tenants). Every bad
row is reported with its row and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qingshan.errors import Problem, ValidationError
from qingshan.evaluation.scheme import Scheme

COLUMNS = ("entity_id", "year", "adjustment", "count")


def read_adjustments(path: Path, scheme: Scheme) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ValidationError([Problem("A001", path.name, None, None, None, f"可读的 CSV 文件：{exc}",
                                       f"a readable CSV file: {exc}")]) from exc
    problems: list[Problem] = []
    for c in COLUMNS:
        if c not in raw.columns:
            problems.append(Problem("A002", path.name, None, c, None, f"列 {c}", f"a column {c}"))
    if problems:
        raise ValidationError(problems)
    known = {a.id for a in scheme.adjustments}
    year = pd.to_numeric(raw["year"], errors="coerce")
    count = pd.to_numeric(raw["count"], errors="coerce")
    for i in range(len(raw)):
        row = i + 2
        if pd.isna(year.iloc[i]) or year.iloc[i] != int(year.iloc[i]):
            problems.append(Problem("A003", path.name, row, "year", raw["year"].iloc[i], "四位年份", "a 4-digit year"))
        if pd.isna(count.iloc[i]) or count.iloc[i] < 0:
            problems.append(Problem("A003", path.name, row, "count", raw["count"].iloc[i], "非负数", "a number ≥ 0"))
        if raw["adjustment"].iloc[i] not in known:
            problems.append(Problem("A004", path.name, row, "adjustment", raw["adjustment"].iloc[i],
                                    f"本方案的加减分项：{', '.join(sorted(known)) or '（无）'}",
                                    f"an adjustment item of the scheme: {', '.join(sorted(known)) or '(none)'}"))
    if problems:
        raise ValidationError(problems)
    return pd.DataFrame({"entity_id": raw["entity_id"].astype("string"), "year": year.astype("int64"),
                         "adjustment": raw["adjustment"], "count": count.astype("float64")})
