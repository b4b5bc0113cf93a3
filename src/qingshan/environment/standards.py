"""Loaders of the environmental standards shipped under ``standards/`` (docs/environment.md):
each file is read, checked and returned as the typed table the methods take.

- :func:`aqi_breakpoints` — HJ 633-2012 Table 1 / HJ 633-2026 Table 3 (``hj633-<ed>.csv``):
  ``pollutant, averaging, iaqi, concentration`` for :mod:`qingshan.methods.aqi`;
- :func:`air_limits` — GB 3095-2012 / GB 3095-2026 Table 1 (``gb3095-<ed>.csv``):
  ``pollutant, averaging, grade_1, grade_2`` of the phase in force on a day, for
  :mod:`qingshan.methods.air_assessment`;
- :func:`water_limits` — GB 3838-2002 Table 1 (``gb3838-2002.csv``) for
  :mod:`qingshan.methods.water_quality`;
- :func:`water_grades` — the grades of 环办〔2011〕22号 (``surface-water-grades-2011.csv``);
- :func:`sea_water_limits` — GB 3097-1997 Table 1, the items confirmed in two copies
  (``gb3097-1997.csv``), for the sea-ward estuary sections of
  :mod:`qingshan.methods.water_quality`.

Every problem of a file is collected before anything is raised (codes ES001–ES005):

- ``ES001`` a required column is missing;
- ``ES002`` a number is missing or not a number where one is required;
- ``ES003`` a breakpoint table is not increasing (concentration and IAQI must both rise);
- ``ES004`` a code outside the known ones (pollutant, averaging, direction, water body, kind);
- ``ES005`` a limit table has no phase in force on the day asked for.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from qingshan.errors import Problem, ValidationError

FOLDER = Path(__file__).resolve().parent / "standards"
POLLUTANTS = ("SO2", "NO2", "PM10", "PM2_5", "CO", "O3")
AVERAGING = ("1h", "8h", "24h", "annual")
HJ633_EDITIONS = ("2012", "2026")
GB3095_EDITIONS = ("2012", "2026")


def _read(name: str, columns: tuple[str, ...], numeric: tuple[str, ...],
          problems: list[Problem], optional_numbers: tuple[str, ...] = ()) -> pd.DataFrame:
    path = FOLDER / name
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in columns:
        if col not in frame.columns:
            problems.append(Problem("ES001", name, None, col, None, "标准文件须有此列",
                                    "a column the standard's file must have"))
    if _missing_columns(problems):
        return frame
    for col in numeric:
        raw = frame[col].str.strip()
        num = pd.to_numeric(raw.mask(raw == ""), errors="coerce")
        bad = num.isna() & ((raw != "") | (col not in optional_numbers))
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(Problem("ES002", name, int(i) + 2, col, str(raw.iloc[i]), "一个数值",
                                    "a number"))
        frame[col] = num
    return frame


def _missing_columns(problems: list[Problem]) -> bool:
    return any(p.code == "ES001" for p in problems)


def _codes(frame: pd.DataFrame, name: str, col: str, allowed: tuple[str, ...],
           problems: list[Problem]) -> None:
    for i in np.flatnonzero(~frame[col].isin(allowed).to_numpy()):
        problems.append(Problem("ES004", name, int(i) + 2, col, str(frame[col].iloc[i]),
                                f"以下之一：{'、'.join(allowed)}", f"one of {', '.join(allowed)}"))


@cache
def aqi_breakpoints(edition: str) -> pd.DataFrame:
    """The IAQI breakpoints of HJ 633-``edition`` (``"2012"``: Table 1; ``"2026"``: Table 3),
    columns ``pollutant, averaging, iaqi, concentration`` (µg/m³; CO mg/m³). Raises
    :class:`ValidationError` with every problem of the file."""
    if edition not in HJ633_EDITIONS:
        raise KeyError(f"HJ 633 edition {edition!r}: expected one of {HJ633_EDITIONS}")
    name = f"hj633-{edition}.csv"
    problems: list[Problem] = []
    t = _read(name, ("pollutant", "averaging", "iaqi", "concentration"), ("iaqi", "concentration"), problems)
    if not _missing_columns(problems):
        _codes(t, name, "pollutant", POLLUTANTS, problems)
        _codes(t, name, "averaging", AVERAGING, problems)
        for (pol, avg), g in t.groupby(["pollutant", "averaging"], sort=True):
            g = g.sort_values("iaqi")
            if g[["iaqi", "concentration"]].isna().any(axis=None):
                continue  # ES002 already says which number
            if not (np.diff(g["concentration"].to_numpy()) > 0).all() or g["iaqi"].iloc[0] != 0:
                problems.append(Problem("ES003", name, None, f"{pol} {avg}", None,
                                        "分指数从 0 起，浓度限值随分指数严格递增",
                                        "IAQI from 0 with concentrations rising strictly"))
    if problems:
        raise ValidationError(problems)
    return t[["pollutant", "averaging", "iaqi", "concentration"]].reset_index(drop=True)


@cache
def _gb3095(edition: str) -> pd.DataFrame:
    name = f"gb3095-{edition}.csv"
    problems: list[Problem] = []
    t = _read(name, ("pollutant", "averaging", "grade_1", "grade_2", "valid_from", "valid_to"),
              ("grade_1", "grade_2"), problems)
    if not _missing_columns(problems):
        _codes(t, name, "pollutant", POLLUTANTS, problems)
        _codes(t, name, "averaging", AVERAGING, problems)
        for col in ("valid_from", "valid_to"):
            d = pd.to_datetime(t[col].replace("", None), format="%Y-%m-%d", errors="coerce")
            bad = d.isna() & ((t[col] != "") | (col == "valid_from"))
            for i in np.flatnonzero(bad.to_numpy()):
                problems.append(Problem("ES002", name, int(i) + 2, col, str(t[col].iloc[i]),
                                        "日期 YYYY-MM-DD", "a date YYYY-MM-DD"))
            t[col] = d
    if problems:
        raise ValidationError(problems)
    return t


def gb3095_edition(day: dt.date) -> str:
    """The GB 3095 edition for ``day``: 2012 before 2026-03-01, 2026 from then (the first
    ``valid_from`` of ``gb3095-2026.csv``, GB 3095-2026 §4.4)."""
    first = _gb3095("2026")["valid_from"].min().date()
    return "2026" if day >= first else "2012"


def air_limits(day: dt.date, edition: str | None = None) -> pd.DataFrame:
    """GB 3095 limits in force on ``day`` (``pollutant, averaging, grade_1, grade_2, unit,
    valid_from, valid_to``): the edition of :func:`gb3095_edition` (or ``edition``) and its
    phase covering the day (GB 3095-2026: transitional limits to 2030-12-31, final from
    2031-01-01). ``ES005`` when no phase covers the day."""
    ed = edition or gb3095_edition(day)
    if ed not in GB3095_EDITIONS:
        raise KeyError(f"GB 3095 edition {ed!r}: expected one of {GB3095_EDITIONS}")
    t = _gb3095(ed)
    ts = pd.Timestamp(day)
    rows = t[(t["valid_from"] <= ts) & (t["valid_to"].isna() | (t["valid_to"] >= ts))]
    if rows.empty:
        raise ValidationError([Problem("ES005", f"gb3095-{ed}.csv", None, "valid_from", str(day),
                                       "有一个阶段的限值覆盖该日", "a phase of limits covering that day")])
    return rows.reset_index(drop=True)


@cache
def water_limits() -> pd.DataFrame:
    """GB 3838-2002 Table 1 (``item, direction, water_body, class_1 … class_5, assessed_2011,
    name_zh, name_en, unit``); water temperature has no limits (direction ``none``)."""
    name = "gb3838-2002.csv"
    problems: list[Problem] = []
    cls = ("class_1", "class_2", "class_3", "class_4", "class_5")
    t = _read(name, ("item", "name_zh", "name_en", "unit", "direction", "water_body", *cls, "assessed_2011"),
              cls, problems, optional_numbers=cls)
    if not _missing_columns(problems):
        _codes(t, name, "direction", ("max", "min", "none"), problems)
        _codes(t, name, "water_body", ("all", "river", "lake"), problems)
        _codes(t, name, "assessed_2011", ("yes", "no"), problems)
        need = t["direction"].isin(["max", "min"])
        for col in cls:
            for i in np.flatnonzero((need & t[col].isna()).to_numpy()):
                problems.append(Problem("ES002", name, int(i) + 2, col, "", "一个限值", "a limit"))
    if problems:
        raise ValidationError(problems)
    return t


@cache
def water_grades() -> pd.DataFrame:
    """The section and basin grades of 环办〔2011〕22号 (``kind, grade_zh, grade_en, class_from,
    class_to, i_iii_min_pct, i_iii_below_pct, worse_v_min_pct, worse_v_below_pct``)."""
    name = "surface-water-grades-2011.csv"
    problems: list[Problem] = []
    nums = ("class_from", "class_to", "i_iii_min_pct", "i_iii_below_pct", "worse_v_min_pct", "worse_v_below_pct")
    t = _read(name, ("kind", "grade_zh", "grade_en", *nums), nums, problems, optional_numbers=nums)
    if not _missing_columns(problems):
        _codes(t, name, "kind", ("section", "basin"), problems)
    if problems:
        raise ValidationError(problems)
    return t


@cache
def sea_water_limits() -> pd.DataFrame:
    """GB 3097-1997 Table 1 (``item, name_zh, name_en, unit, direction, class_1 … class_4,
    tag, source``): ``direction`` ``max`` (column head "≤") or ``min_exclusive`` (">",
    dissolved oxygen); ``tag`` ``C`` (confirmed in two copies), ``R`` or ``U``."""
    name = "gb3097-1997.csv"
    problems: list[Problem] = []
    cls = ("class_1", "class_2", "class_3", "class_4")
    t = _read(name, ("item", "name_zh", "name_en", "unit", "direction", *cls, "tag", "source"), cls, problems)
    if not _missing_columns(problems):
        _codes(t, name, "direction", ("max", "min_exclusive"), problems)
        _codes(t, name, "tag", ("C", "R", "U"), problems)
    if problems:
        raise ValidationError(problems)
    return t
