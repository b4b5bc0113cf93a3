"""Monitoring data of the demo city 青山市: air stations with a row per station and day, and
surface-water and estuary sections with a monthly sample of the GB 3838-2002 basic items.

Every level, station and section is in ``spec/demo_monitoring.toml`` and every number there
is a demo assumption (docs/demo-city.md, "Environmental monitoring"). The generator has its
own seed sequence (``spawn_key`` :data:`SPAWN_KEY` of the city's seed), so the tables of
the enterprise package are the same with or without it.

Air: city-wide annual levels falling geometrically from the first to the last year, a
cosine season (PM, SO2, NO2, CO peak in January; O3 in early September), a city-wide AR(1)
weather anomaly shared by the stations, station factors and noise, a few winter episodes,
days with fewer than 20 valid hours, and a block of days one station does not report.
Water: each item drawn around a share of its limit for the section's target class
(GB 3838-2002 Table 1, ``environment/standards/gb3838-2002.csv``), trace items far below
class I, and storm run-off samples above the target at the sections that name an item to fail.
The sea-ward estuary section (``estuary_side = "sea"``) also gets the GB 3097-1997 items that
are not GB 3838 items (``environment/standards/gb3097-1997.csv``) around its sea target class,
drawn after every other value so that the other tables do not change.
"""

from __future__ import annotations

import io
import tomllib
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from qingshan.data.demo._arrays import FloatArray

#: The spawn key of the monitoring generator under the city's seed (issue #18).
SPAWN_KEY = (18, 1)

#: Items drawn far below class I (heavy metals, cyanide, phenol, oil, surfactant, sulphide).
TRACE_ITEMS = ("cu", "zn", "fluoride", "se", "as", "hg", "cd", "cr6", "pb", "cyanide", "volatile_phenol",
               "petroleum", "las", "sulfide")

AIR_COLUMNS = ("so2_24h", "no2_24h", "pm10_24h", "pm25_24h", "co_24h", "o3_8h_max", "o3_1h_max")


@cache
def monitoring_calibration() -> dict[str, Any]:
    """``spec/demo_monitoring.toml`` (cached; do not mutate)."""
    text = resources.files("qingshan.data").joinpath("spec/demo_monitoring.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def _limits() -> pd.DataFrame:
    text = resources.files("qingshan.environment").joinpath("standards/gb3838-2002.csv").read_text("utf-8")
    cols = ["item", "unit", "direction", "water_body", "class_1", "class_2", "class_3", "class_4", "class_5"]
    return pd.read_csv(io.StringIO(text), usecols=cols)


@cache
def _sea_limits() -> pd.DataFrame:
    text = resources.files("qingshan.environment").joinpath("standards/gb3097-1997.csv").read_text("utf-8")
    return pd.read_csv(io.StringIO(text), usecols=["item", "unit", "direction", "class_1", "class_2", "class_3",
                                                   "class_4"])


def _ar1(rng: np.random.Generator, n: int, phi: float) -> FloatArray:
    """A stationary AR(1) series of unit variance."""
    e = rng.standard_normal(n) * np.sqrt(1.0 - phi * phi)
    z = np.empty(n)
    z[0] = rng.standard_normal()
    for i in range(1, n):
        z[i] = phi * z[i - 1] + e[i]
    return z


def _trend(first: float, last: float, year_index: FloatArray, n_years: int) -> FloatArray:
    if n_years == 1:
        return np.full(year_index.shape, first)
    out: FloatArray = first * (last / first) ** (year_index / (n_years - 1))
    return out


def air_tables(rng: np.random.Generator, years: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``air_stations`` and ``air_daily`` tables for every day of ``years``."""
    a = monitoring_calibration()["air"]
    st = a["station"]
    days = pd.date_range(f"{years.min()}-01-01", f"{years.max()}-12-31", freq="D")
    days = days[np.isin(days.year, years)]
    n, k = len(days), len(st)
    doy = days.day_of_year.to_numpy().astype(float)
    yi = np.searchsorted(years, days.year.to_numpy()).astype(float)
    ny = len(years)
    winter = 1.0 + a["winter_amplitude"] * np.cos(2 * np.pi * (doy - 15.0) / 365.25)
    summer = 1.0 + a["o3_amplitude"] * np.cos(2 * np.pi * (doy - a["o3_peak_day"]) / 365.25)
    sig, phi = float(a["daily_sigma"]), float(a["persistence"])
    # winter pollution episodes: PM, NO2 and CO multiplied on a few consecutive days
    episode = np.ones(n)
    month = days.month.to_numpy()
    for y in years:
        cand = np.flatnonzero((days.year.to_numpy() == y) & ((month >= 11) | (month <= 2)))
        lo, hi = a["episode_days"]
        for start in rng.choice(cand, size=min(int(a["episodes_per_year"]), cand.size), replace=False):
            length = int(rng.integers(lo, hi + 1))
            episode[start:start + length] = rng.uniform(1.8, 2.6)
    fac = {p: np.array([s[p] for s in st], dtype=float) for p in ("pm", "so2", "no2", "o3")}

    def field(level: FloatArray, season: FloatArray, station: FloatArray, z: FloatArray,
              extra: FloatArray | float = 1.0) -> FloatArray:
        noise = rng.standard_normal((n, k)) * 0.12
        out: FloatArray = ((level * season * np.exp(sig * z - sig * sig / 2) * extra)[:, None] * station[None, :]
                           * np.exp(noise - 0.0072))
        return out

    z_pm, z_gas, z_o3 = _ar1(rng, n, phi), _ar1(rng, n, phi), _ar1(rng, n, phi)
    pm25 = field(_trend(a["pm25_first"], a["pm25_last"], yi, ny), winter, fac["pm"], z_pm, episode)
    pm10 = pm25 * a["pm10_over_pm25"] * np.exp(rng.standard_normal((n, k)) * 0.08)
    so2 = field(_trend(a["so2_first"], a["so2_last"], yi, ny), 1.0 + 0.5 * (winter - 1.0), fac["so2"], z_gas)
    no2 = field(_trend(a["no2_first"], a["no2_last"], yi, ny), 1.0 + 0.6 * (winter - 1.0), fac["no2"], z_gas,
                1.0 + 0.5 * (episode - 1.0))
    co = field(np.full(n, float(a["co_mean"])), 1.0 + 0.5 * (winter - 1.0), np.ones(k), z_gas,
               1.0 + 0.4 * (episode - 1.0))
    o3 = field(np.full(n, float(a["o3_8h_mean"])), summer, fac["o3"], z_o3)
    o3_1h = o3 * a["o3_1h_over_8h"] * np.exp(rng.standard_normal((n, k)) * 0.06)
    hours = np.where(rng.random((n, k)) < 0.85, 24, rng.integers(20, 24, size=(n, k)))
    short = rng.random((n, k)) < a["short_days_share"]
    hours = np.where(short, rng.integers(8, 20, size=(n, k)), hours)
    keep = np.ones((n, k), dtype=bool)
    ids = [s["station_id"] for s in st]
    if a["outage_station"] in ids and int(a["outage_year_index"]) < ny:
        j = ids.index(a["outage_station"])
        in_year = np.flatnonzero(yi == int(a["outage_year_index"]))
        first = int(rng.integers(in_year[0] + 120, in_year[0] + 200))  # a summer block
        keep[first:first + int(a["outage_days"]), j] = False
    values = {"so2_24h": so2, "no2_24h": no2, "pm10_24h": pm10, "pm25_24h": pm25, "co_24h": co,
              "o3_8h_max": o3, "o3_1h_max": o3_1h}
    co_gap = rng.random((n, k)) < 0.005  # a CO analyser out on a few days: that value is empty
    cols: dict[str, Any] = {
        "station_id": np.repeat(np.array(ids, dtype=object)[None, :], n, axis=0)[keep],
        "date": np.repeat(days.strftime("%Y-%m-%d").to_numpy(dtype=object)[:, None], k, axis=1)[keep],
    }
    for c in AIR_COLUMNS:
        v = np.round(values[c], 1) if c == "co_24h" else np.round(values[c])
        if c == "co_24h":
            v = np.where(co_gap, np.nan, v)
        cols[c] = v[keep]
    cols["valid_hours"] = hours[keep].astype(np.int64)
    daily = pd.DataFrame(cols)
    stations = pd.DataFrame({"station_id": ids, "name": [s["name"] for s in st],
                             "district_id": [s["district"] for s in st], "level": [s["level"] for s in st],
                             "lon": [float(s["lon"]) for s in st], "lat": [float(s["lat"]) for s in st]})
    return stations, daily


def water_tables(rng: np.random.Generator, years: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``water_sections`` table and a monthly sample of every GB 3838 Table 1 item at
    each section for every month of ``years``."""
    w = monitoring_calibration()["water"]
    secs = w["section"]
    lim = _limits()
    items = list(dict.fromkeys(lim["item"]))
    unit = dict(zip(lim["item"], lim["unit"], strict=False))
    parts = []
    days_of: dict[str, tuple[list[str], pd.PeriodIndex]] = {}
    for s in secs:
        body = "lake" if s["water_body"] in ("lake", "reservoir") else "river"
        rows = lim[lim["water_body"].isin(["all", body])].drop_duplicates(["item", "direction"])
        target = f"class_{int(s['target_class'])}"
        months = pd.period_range(f"{years.min()}-01", f"{years.max()}-12", freq="M")
        months = months[np.isin(months.year, years)]
        m = len(months)
        lo, hi = w["sampling_days"]
        day = rng.integers(lo, hi + 1, size=m)
        dates = [f"{p.year:04d}-{p.month:02d}-{d:02d}" for p, d in zip(months, day, strict=True)]
        days_of[s["section_id"]] = (dates, months)
        mon = months.month.to_numpy()
        storm = np.zeros(m, dtype=bool)
        if s["fails"]:
            for y in years:
                cand = np.flatnonzero((months.year.to_numpy() == y) & np.isin(mon, w["rain_months"]))
                storm[rng.choice(cand, size=min(int(w["rain_events_per_year"]), cand.size), replace=False)] = True
        for item in items:
            r = rows[rows["item"] == item]
            share = np.minimum(np.exp(np.log(w["share_median"]) + w["share_sigma"] * rng.standard_normal(m)), 0.95)
            if item == "water_temperature":
                v = w["temperature_mean"] + w["temperature_swing"] * np.cos(2 * np.pi * (mon - 7.5) / 12) \
                    + rng.normal(0, 1.0, m)
            elif item == "ph":
                v = np.clip(rng.normal(w["ph_mean"], w["ph_sd"], m), 6.5, 8.6)
            elif r.empty or r[target].isna().all():  # TN in rivers and estuaries: no class in Table 1
                v = w["tn_river"] * np.exp(0.25 * rng.standard_normal(m))
            elif item in TRACE_ITEMS:
                v = float(r["class_1"].iloc[0]) * w["trace_share_of_class_1"] * np.exp(0.3 * rng.standard_normal(m))
            elif r["direction"].iloc[0] == "min":  # dissolved oxygen: above its limit, below 11 mg/L
                v = np.minimum(float(r[target].iloc[0]) * (2.0 - share), w["do_max"])
            else:
                v = float(r[target].iloc[0]) * share
                if item == s["fails"]:
                    lo_x, hi_x = (float(x) for x in w["rain_excess"])
                    v = np.where(storm, float(r[target].iloc[0]) * rng.uniform(lo_x, hi_x, size=m), v)
            parts.append(pd.DataFrame({"section_id": s["section_id"], "date": dates, "item": item,
                                       "value": _significant(np.asarray(v, dtype=float)), "unit": unit[item]}))
    parts += _sea_samples(rng, w, [s for s in secs if s.get("estuary_side") == "sea"], days_of, years)
    samples = pd.concat(parts, ignore_index=True).sort_values(["section_id", "date"], kind="stable",
                                                              ignore_index=True)
    sections = pd.DataFrame({
        "section_id": [s["section_id"] for s in secs], "name": [s["name"] for s in secs],
        "district_id": [s["district"] for s in secs], "water_body": [s["water_body"] for s in secs],
        "river": [s["river"] for s in secs], "level": [s["level"] for s in secs],
        "target_class": [int(s["target_class"]) for s in secs],
        "estuary_side": [s.get("estuary_side") for s in secs],
        "sea_target_class": pd.array([s.get("sea_target_class") for s in secs], dtype="Int64"),
        "lon": [float(s["lon"]) for s in secs], "lat": [float(s["lat"]) for s in secs]})
    return sections, samples


def _sea_samples(rng: np.random.Generator, w: dict[str, Any], secs: list[dict[str, Any]],
                 days_of: dict[str, tuple[list[str], pd.PeriodIndex]], years: np.ndarray) -> list[pd.DataFrame]:
    """The GB 3097-1997 items of the sea-ward estuary sections on their sampling days: each
    around a share of its limit for the section's ``sea_target_class``; ``sea_fails`` above
    it in storm months."""
    lim = _sea_limits().set_index("item")
    parts = []
    for s in secs:
        dates, months = days_of[s["section_id"]]
        m = len(dates)
        target = f"class_{int(s['sea_target_class'])}"
        storm = np.zeros(m, dtype=bool)
        if s.get("sea_fails"):
            mon = months.month.to_numpy()
            for y in years:
                cand = np.flatnonzero((months.year.to_numpy() == y) & np.isin(mon, w["rain_months"]))
                storm[rng.choice(cand, size=min(int(w["rain_events_per_year"]), cand.size), replace=False)] = True
        for item in w["sea_items"]:
            limit = float(lim.loc[item, target])
            share = np.minimum(np.exp(np.log(w["share_median"]) + w["share_sigma"] * rng.standard_normal(m)), 0.95)
            v = limit * share
            if item == s.get("sea_fails"):
                lo_x, hi_x = (float(x) for x in w["rain_excess"])
                v = np.where(storm, limit * rng.uniform(lo_x, hi_x, size=m), v)
            parts.append(pd.DataFrame({"section_id": s["section_id"], "date": dates, "item": item,
                                       "value": _significant(np.asarray(v, dtype=float)),
                                       "unit": str(lim.loc[item, "unit"])}))
    return parts


def _significant(v: FloatArray, digits: int = 3) -> FloatArray:
    """``v`` rounded to ``digits`` significant figures, as a laboratory reports it."""
    with np.errstate(divide="ignore"):
        mag = np.where(v > 0, np.floor(np.log10(np.abs(np.where(v > 0, v, 1.0)))), 0.0)
    scale = 10.0 ** (digits - 1 - mag)
    out: FloatArray = np.round(v * scale) / scale
    return out


def monitoring_tables(seed: int, years: np.ndarray) -> dict[str, pd.DataFrame]:
    """The four monitoring tables of the demo city for ``years`` (sorted, distinct)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=SPAWN_KEY))
    stations, daily = air_tables(rng, years)
    sections, samples = water_tables(rng, years)
    return {"air_stations": stations, "air_daily": daily, "water_sections": sections, "water_samples": samples}
