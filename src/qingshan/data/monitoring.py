"""Checks of the monitoring tables of a data package (issue #18): air stations and their
daily values, surface-water and estuary sections and their samples (P150–P158).

Cell checks come from the spec (``spec/tables.toml``: required cells, numbers, bounds such
as negative concentrations or a target class outside 1–5 (P012), codes, duplicate keys
(P035)); the checks here relate the tables to each other and to the package:

- P150 a day that is not a date ``YYYY-MM-DD`` (typed by :func:`parse_date`);
- P151 a number that must be whole (``valid_hours``, ``target_class``) is not;
- P152 an observation of a station or section that its table does not list;
- P153 a station's or section's ``district_id`` that is not a district of the entities table;
- P154 a water-sample item that is neither a GB 3838-2002 item
  (``environment/standards/gb3838-2002.csv``) nor a GB 3097-1997 item of sea-ward estuary
  sections (``environment/standards/gb3097-1997.csv``: ``cod_sea``, ``din``, ``po4_p``;
  ``do`` and ``petroleum`` are items of both);
- P155 a water-sample unit that is not the item's unit;
- P156 a day outside the package's years (the years of the energy and economics tables);
- P157 coordinates outside the city's box (the bounding box of the package's boundaries);
- P158 ``estuary_side`` on a section that is not an estuary, or ``sea_target_class`` on a
  section that is not a sea-ward estuary section (``estuary_side`` = ``sea``).

The typed tables keep the spec's columns; ``date`` is text ``YYYY-MM-DD`` with a ``year``
column beside it, ``item`` is the code of the GB 3838 or GB 3097 file, ``unit`` the item's
unit.
"""

from __future__ import annotations

import calendar
import io
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from qingshan.data.cells import nfkc
from qingshan.errors import Problem

#: The GB 3838-2002 items (Table 1 basic items) a water sample may name.
GB3838_FILE = "standards/gb3838-2002.csv"
#: The GB 3097-1997 items (Table 1, those held) a sample of a sea-ward estuary section may name.
GB3097_FILE = "standards/gb3097-1997.csv"

#: Spellings of the units of the GB 3838 file (its ``unit`` column) that a sample may use.
UNIT_SPELLINGS = {
    "mg/L": ("mg/l", "毫克/升", "mg·l-1", "mg·l⁻¹"),
    "dimensionless": ("无量纲", "无", "-", "ph", "pH"),
    "°C": ("℃", "°c", "摄氏度", "c", "degc"),
    "count/L": ("个/l", "个/升", "mpn/l", "cfu/l", "count/l"),
}

_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00(?:\.0+)?)?)?")


def parse_date(text: str) -> str | None:
    """A day as ``YYYY-MM-DD`` ('2024-1-5', '2024/01/05', '2024年1月5日', or a workbook's
    '2024-01-05 00:00:00'); None for a day the month does not have or trailing text."""
    m = _DATE.fullmatch(nfkc(text).strip())
    if m is None:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not 1 <= mo <= 12 or not 1 <= d <= calendar.monthrange(y, mo)[1]:
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def whole_numbers(frame: pd.DataFrame, num: pd.Series, column: str, typed: pd.Series,
                  problems: list[Problem]) -> pd.Series:
    """An ``int`` column of the spec: P151 where a number is not whole; nullable integers
    (``Int64``), missing where empty, unreadable or not whole."""
    frac = num.notna() & (num != np.round(num))
    problems += _rows(frame, frac, "P151", column, typed, "应为整数", "expected a whole number")
    return num.where(~frac).round().astype("Int64")


@cache
def _standard_items(name: str) -> pd.DataFrame:
    text = resources.files("qingshan.environment").joinpath(name).read_text("utf-8")
    return pd.read_csv(io.StringIO(text), usecols=["item", "name_zh", "unit"], dtype=str).drop_duplicates("item")


def _gb3838() -> pd.DataFrame:
    return _standard_items(GB3838_FILE)


def gb3838_items() -> dict[str, str]:
    """GB 3838-2002 item code -> unit, from the standards file."""
    t = _gb3838()
    return dict(zip(t["item"], t["unit"], strict=True))


def gb3097_items() -> dict[str, str]:
    """GB 3097-1997 item code -> unit, from the standards file (``do`` and ``petroleum``
    are GB 3838 items too, with the same unit)."""
    t = _standard_items(GB3097_FILE)
    return dict(zip(t["item"], t["unit"], strict=True))


def sample_items() -> dict[str, str]:
    """Every item code a water sample may name -> its unit: the GB 3838-2002 items, then
    the GB 3097-1997 items that are not GB 3838 items."""
    river = gb3838_items()
    return {**river, **{k: v for k, v in gb3097_items().items() if k not in river}}


@cache
def _item_names() -> dict[str, str]:
    """Accepted spellings of an item (code, Chinese name with and without its bracket) ->
    code; a GB 3838 item's spellings win over a GB 3097 item's (化学需氧量 is GB 3838's
    dichromate COD ``cod``; seawater COD is named by its code ``cod_sea`` or full name)."""
    t = pd.concat([_gb3838(), _standard_items(GB3097_FILE)], ignore_index=True)
    out: dict[str, str] = {}
    for code, zh in zip(t["item"], t["name_zh"], strict=True):
        for s in (code, nfkc(zh), nfkc(zh).split("(")[0]):
            out.setdefault(s.strip().lower(), code)
    return out


def resolve_item(text: str) -> str | None:
    return _item_names().get(nfkc(text).strip().lower())


def _unit_ok(unit: str, expected: str) -> bool:
    u = nfkc(unit).strip()
    return u == "" or u == expected or u.lower() in {s.lower() for s in UNIT_SPELLINGS.get(expected, ())}


def _rows(frame: pd.DataFrame, mask: pd.Series, code: str, column: str, values: pd.Series,
          zh: str, en: str) -> list[Problem]:
    if not mask.any():
        return []
    sel = frame.loc[mask]
    return [Problem(code, str(f), int(r), column, None if v is None or v is pd.NA or v != v else str(v), zh, en)
            for f, r, v in zip(sel["_file"], sel["_row"], values[mask], strict=True)]


def city_box(boundaries: pd.DataFrame) -> tuple[float, float, float, float] | None:
    """(lon_min, lat_min, lon_max, lat_max) of every parsed boundary, or None without any."""
    if boundaries.empty or "shape" not in boundaries:
        return None
    xs: list[float] = []
    ys: list[float] = []
    for g in boundaries["shape"].dropna():
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        for poly in polys:
            for ring in poly:
                a = np.asarray(ring, dtype=float)[:, :2]
                xs += [float(a[:, 0].min()), float(a[:, 0].max())]
                ys += [float(a[:, 1].min()), float(a[:, 1].max())]
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _places(frame: pd.DataFrame, districts: set[str] | None, box: tuple[float, float, float, float] | None,
            what_zh: str, what_en: str) -> list[Problem]:
    out: list[Problem] = []
    if districts is not None:
        bad = frame["district_id"].notna() & ~frame["district_id"].isin(districts)
        out += _rows(frame, bad, "P153", "district_id", frame["district_id"],
                     f"{what_zh}所在区县应为 entities 表中某区县（district）主体的 entity_id",
                     f"the {what_en}'s district_id must be the entity_id of a district in the entities table")
    if box is not None:
        x0, y0, x1, y1 = box
        for col, lo, hi in (("lon", x0, x1), ("lat", y0, y1)):
            v = frame[col]
            bad = v.notna() & ((v < lo) | (v > hi))
            out += _rows(frame, bad, "P157", col, v,
                         f"坐标应在城市范围内（边界外包框 {lo:.4f}–{hi:.4f}）",
                         f"coordinates must lie inside the city's box (bounding box of the boundaries, "
                         f"{lo:.4f}-{hi:.4f})")
    return out


def _known(frame: pd.DataFrame, column: str, known: set[str], table: str) -> list[Problem]:
    bad = frame[column].notna() & ~frame[column].isin(known)
    return _rows(frame, bad, "P152", column, frame[column],
                 f"应为 {table} 表中登记的{'站点' if table == 'air_stations' else '断面'}代码",
                 f"expected a {column} listed in the {table} table")


def _in_years(frame: pd.DataFrame, years: Iterable[int]) -> list[Problem]:
    ys = sorted(set(years))
    if not ys or frame.empty:
        return []
    bad = frame["year"].notna() & ~frame["year"].isin(ys)
    span = f"{ys[0]}–{ys[-1]}" if ys == list(range(ys[0], ys[-1] + 1)) else "、".join(map(str, ys))
    return _rows(frame, bad, "P156", "date", frame["date"],
                 f"日期应在数据包的年份内（{span}，即能源、经济表的年份）",
                 f"the day must lie within the package's years ({span.replace('、', ', ')}: the years of "
                 "the energy and economics tables)")


def _estuary_columns(sec: pd.DataFrame) -> list[Problem]:
    """P158: ``estuary_side`` only on estuary sections, ``sea_target_class`` only on
    sea-ward ones."""
    out: list[Problem] = []
    estuary = sec["water_body"] == "estuary"
    if "estuary_side" in sec.columns:
        side = sec["estuary_side"]
        out += _rows(sec, side.notna() & ~estuary, "P158", "estuary_side", side,
                     "只有入海河口断面（water_body = estuary）填写河口侧别",
                     "only an estuary section (water_body = estuary) has an estuary side")
    if "sea_target_class" in sec.columns:
        target = sec["sea_target_class"]
        sea = estuary & (sec["estuary_side"] == "sea") if "estuary_side" in sec.columns else estuary & False
        out += _rows(sec, target.notna() & ~sea.fillna(False).astype(bool), "P158", "sea_target_class", target,
                     "只有海侧入海河口断面（estuary_side = sea）填写海水水质目标（GB 3097-1997 类别）",
                     "only a sea-ward estuary section (estuary_side = sea) has a seawater target class "
                     "(GB 3097-1997)")
    return out


def check_monitoring(frames: dict[str, pd.DataFrame], districts: set[str] | None, years: Iterable[int],
                     boundaries: pd.DataFrame, problems: list[Problem]) -> dict[str, pd.DataFrame]:
    """Check the four monitoring tables (P152–P158) of a package typed by the spec; return
    them with ``item`` as codes and ``unit`` as the item's unit. ``districts`` is None when
    the entities table could not be read (its own problem is the cause)."""
    box = city_box(boundaries)
    years = list(years)
    st, daily = frames["air_stations"], frames["air_daily"]
    sec, samples = frames["water_sections"], frames["water_samples"]
    problems += _places(st, districts, box, "站点", "station")
    problems += _places(sec, districts, box, "断面", "section")
    problems += _estuary_columns(sec)
    problems += _known(daily, "station_id", set(st["station_id"].dropna()), "air_stations")
    problems += _known(samples, "section_id", set(sec["section_id"].dropna()), "water_sections")
    problems += _in_years(daily, years)
    problems += _in_years(samples, years)
    if not samples.empty:
        items = sample_items()
        typed = samples["item"]
        names = {v: resolve_item(str(v)) for v in typed.dropna().unique()}  # once per distinct value
        code = typed.map(names).astype(object).where(typed.notna(), None)
        problems += _rows(samples, typed.notna() & code.isna(), "P154", "item", typed,
                          f"未知的水质项目；应为 GB 3838-2002 或 GB 3097-1997 项目 {'、'.join(items)} 之一"
                          "（或其中文名）",
                          f"unknown water item; expected a GB 3838-2002 or GB 3097-1997 item, one of "
                          f"{', '.join(items)}")
        want = code.map(lambda c: items.get(c) if isinstance(c, str) else None).astype(object)
        unit = samples["unit"].astype(object).where(samples["unit"].notna(), "")
        pairs = {(u, w): _unit_ok(str(u), str(w)) for u, w in set(zip(unit, want, strict=True))}
        bad = want.notna() & ~pd.Series([pairs[(u, w)] for u, w in zip(unit, want, strict=True)],
                                        index=samples.index, dtype=bool)
        problems += _rows(samples, bad, "P155", "unit", unit + " ↔ " + code.astype(str),
                          "单位应为该项目的单位（GB 3838-2002 表1、GB 3097-1997 表1：mg/L；pH 无量纲；水温 °C；"
                          "粪大肠菌群 个/L）",
                          "the unit must be the item's (GB 3838-2002 Table 1, GB 3097-1997 Table 1: mg/L; pH "
                          "dimensionless; water temperature °C; fecal coliform count/L)")
        samples = samples.assign(item=code.where(code.notna(), typed),
                                 unit=want.where(want.notna(), samples["unit"]))
    return {**frames, "water_samples": samples}
