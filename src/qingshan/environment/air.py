"""The air-quality engine (docs/environment.md, "Engines and commands"): daily AQI per
station, district and city, and the annual assessment per station, district and city, on
the package tables ``air_stations`` and ``air_daily``.

- **Daily AQI per station**: :func:`qingshan.methods.aqi.aqi_table` (daily report) on each
  station-day, the HJ 633 edition chosen per day by :func:`~qingshan.methods.aqi.edition_for`
  (HJ 633-2012 before 2026-03-01, HJ 633-2026 from then) unless the profile's
  ``environment.aqi_standard`` names one edition.
- **Valid days**: where ``valid_hours`` is given and below 20, the day's 24 h means (SO2,
  NO2, PM10, PM2.5, CO) are not valid (GB 3095-2026 §6.4 Table 4: a daily mean needs ≥ 20
  hourly values) and are left out; the O3 values are kept (their own rule, ≥ 6 hours per
  8 h mean, needs hourly data the table does not hold).
- **District and city daily values**: each pollutant's concentration of an area and day is
  the arithmetic mean of the concentrations its stations have that day (missing ones
  skipped); the area's AQI is computed from those means. HJ 663-2013 is reported to form a
  city's concentration so (城市点位的算术平均值); its text was not read, so the rule is
  **unverified** (docs/environment.md). Every station of the area counts, whatever its level.
- **Annual assessment**: :mod:`qingshan.methods.air_assessment` on the valid daily values of
  the year; GB 3095 limits of the edition and phase in force on 31 December of the year
  (the annual statistic is a whole-year value: a Qingshan decision, docs/environment.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qingshan.environment.standards import air_limits, aqi_breakpoints, gb3095_edition
from qingshan.methods import air_assessment as assess
from qingshan.methods.aqi import aqi_table, edition_for

#: package column of ``air_daily`` → indicator of :mod:`qingshan.methods.aqi`
COLUMNS = {"so2_24h": "SO2_24h", "no2_24h": "NO2_24h", "pm10_24h": "PM10_24h", "pm25_24h": "PM2_5_24h",
           "co_24h": "CO_24h", "o3_8h_max": "O3_8h", "o3_1h_max": "O3_1h"}
INDICATORS = tuple(COLUMNS.values())
#: indicators that are 24 h means (GB 3095 Table 4: ≥ 20 hourly values)
DAILY_MEANS = ("SO2_24h", "NO2_24h", "PM10_24h", "PM2_5_24h", "CO_24h")
#: the columns of a daily AQI frame the documents carry
AQI_FIELDS = ("edition", "aqi", "primary", "level", "category_zh", "category_en", "colour", "complete")


def concentrations(daily: pd.DataFrame) -> pd.DataFrame:
    """``air_daily`` rows as ``station_id, date`` (datetime) and the method's indicator
    columns (µg/m³; CO mg/m³), invalid 24 h means (``valid_hours`` < 20) set missing."""
    out = pd.DataFrame({"station_id": daily["station_id"].astype(str).to_numpy(),
                        "date": pd.to_datetime(daily["date"]).to_numpy()})
    for col, ind in COLUMNS.items():
        out[ind] = pd.to_numeric(daily[col], errors="coerce").to_numpy("float64") if col in daily.columns \
            else np.nan
    if "valid_hours" in daily.columns:
        hours = pd.to_numeric(daily["valid_hours"], errors="coerce").to_numpy("float64")
        short = np.isfinite(hours) & ~assess.day_is_valid(hours)
        for ind in DAILY_MEANS:
            out.loc[short, ind] = np.nan
    return out


def daily_aqi(frame: pd.DataFrame, override: str | None = None) -> pd.DataFrame:
    """The daily AQI of each row of ``frame`` (a ``date`` column and indicator columns):
    ``edition`` (HJ 633 edition of the row's day), the IAQI per indicator and pollutant,
    ``aqi``, ``primary``, ``level``, category and colour (:func:`aqi_table`)."""
    editions = np.asarray([edition_for(d.date(), override) for d in pd.to_datetime(frame["date"])], dtype=object)
    parts = []
    for ed in sorted(set(editions.tolist())):
        mask = editions == ed
        sub = frame.loc[mask, [c for c in INDICATORS if c in frame.columns]]
        if ed == "2026":
            sub = sub.drop(columns=["O3_1h"], errors="ignore")  # HJ 633-2026 §4.2.2: no O3 1 h index
        res = aqi_table(sub, aqi_breakpoints(ed), edition=ed, report="daily")
        res.insert(0, "edition", ed)
        parts.append(res)
    if not parts:
        return pd.DataFrame(columns=["edition", "aqi"], index=frame.index)
    return pd.concat(parts).reindex(frame.index)


def area_means(conc: pd.DataFrame, stations: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Per area (``by`` = ``"district"``: each station's ``district_id``; ``None``: the whole
    city) and day: the arithmetic mean of its stations' concentrations (missing skipped)
    and ``stations`` (how many stations reported any value). Rows of stations missing from
    ``stations`` count for no area."""
    st = stations.set_index(stations["station_id"].astype(str))
    data = conc[conc["station_id"].isin(st.index)].copy()  # stations of the table only
    data["area"] = data["station_id"].map(st["district_id"].astype(str)) if by == "district" else "city"
    data["reported"] = data[list(INDICATORS)].notna().any(axis=1)
    g = data.groupby(["area", "date"], sort=True)
    out = g[list(INDICATORS)].mean()
    out["stations"] = g["reported"].sum().astype("int64")
    return out.reset_index()


@dataclass
class AirResult:
    """The air assessment of one year: daily AQI per station and area, annual statistics
    and compliance per station, district and city, the ranking of districts, and which
    HJ 633 edition applied to which days."""

    year: int
    override: str | None
    gb3095: dict[str, Any]
    stations: pd.DataFrame
    station_days: pd.DataFrame
    district_days: pd.DataFrame
    city_days: pd.DataFrame
    annual: pd.DataFrame
    statistics: pd.DataFrame
    ranking: pd.DataFrame
    editions: list[dict[str, Any]] = field(default_factory=list)


def _with_aqi(frame: pd.DataFrame, override: str | None) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    res = daily_aqi(frame, override)
    return pd.concat([frame, res[[c for c in res.columns if c not in frame.columns]]], axis=1)


def _annual_rows(days: pd.DataFrame, key: str, scope: str, limits: pd.DataFrame
                 ) -> tuple[list[dict[str, Any]], list[pd.DataFrame]]:
    rows, stats = [], []
    for unit, g in days.groupby(key, sort=True):
        s = assess.compliance(assess.annual_statistics(g), limits)
        s.insert(0, "unit", str(unit))
        s.insert(0, "scope", scope)
        stats.append(s)
        verdicts = s["complies"].tolist()
        complete = bool(s["complete"].all())
        rows.append({"scope": scope, "unit": str(unit), "days": int(g["aqi"].notna().sum()),
                     "good_days": int((g["aqi"] <= 100).sum()),
                     "good_day_ratio": assess.good_day_ratio(g["aqi"]),
                     "composite_index": assess.composite_index(s, limits),
                     "complete": complete,
                     "complies": all(bool(v) for v in verdicts) if complete else None,
                     "exceeding": ",".join(str(p) for p, v in zip(s["pollutant"], verdicts, strict=True)
                                           if v is not None and not v)})
    return rows, stats


def _editions(days: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for ed, g in days.groupby("edition", sort=True):
        d = pd.to_datetime(g["date"])
        out.append({"edition": f"HJ 633-{ed}", "first_day": d.min().date().isoformat(),
                    "last_day": d.max().date().isoformat(), "days": int(d.dt.normalize().nunique())})
    return out


def assess_air(stations: pd.DataFrame, daily: pd.DataFrame, year: int, *,
               override: str | None = None) -> AirResult:
    """The air assessment of ``year`` from ``air_stations`` and ``air_daily`` rows (package
    columns, see module doc); ``override`` is an HJ 633 edition (``"2012"``, ``"2026"``)
    for every day, or ``None`` for the edition by date."""
    conc = concentrations(daily)
    conc = conc[conc["date"].dt.year == year].sort_values(["station_id", "date"]).reset_index(drop=True)
    last = dt.date(year, 12, 31)
    limits = air_limits(last)
    lim = limits.iloc[0]
    gb = {"edition": f"GB 3095-{gb3095_edition(last)}", "grade": 2,
          "phase_from": lim["valid_from"].date().isoformat(),
          "phase_to": None if pd.isna(lim["valid_to"]) else lim["valid_to"].date().isoformat()}
    station_days = _with_aqi(conc, override)
    district_days = _with_aqi(area_means(conc, stations, "district"), override)
    city_days = _with_aqi(area_means(conc, stations, None), override)
    annual, stats = [], []
    for days, key, scope in ((station_days, "station_id", "station"), (district_days, "area", "district"),
                             (city_days, "area", "city")):
        r, s = _annual_rows(days, key, scope, limits)
        annual += r
        stats += s
    annual_frame = pd.DataFrame(annual, columns=["scope", "unit", "days", "good_days", "good_day_ratio",
                                                 "composite_index", "complete", "complies", "exceeding"])
    annual_frame["complies"] = annual_frame["complies"].astype("boolean")
    annual_frame["complete"] = annual_frame["complete"].astype(bool)
    dist = annual_frame[annual_frame["scope"] == "district"].set_index("unit")["composite_index"].dropna()
    ranking = assess.rank_districts(dist) if len(dist) else pd.DataFrame(columns=["district", "composite_index",
                                                                                    "rank"])
    return AirResult(year=year, override=override, gb3095=gb, stations=stations.reset_index(drop=True),
                     station_days=station_days, district_days=district_days, city_days=city_days,
                     annual=annual_frame, statistics=pd.concat(stats, ignore_index=True) if stats else pd.DataFrame(),
                     ranking=ranking, editions=_editions(station_days))
