"""Air quality index (空气质量指数, AQI) per HJ 633, editions 2012 and 2026.

Sources (read):

- HJ 633-2012 《环境空气质量指数（AQI）技术规定（试行）》: Table 1 (breakpoints), formula (1)
  (IAQI), formula (2) (AQI = max), §3.3 and §4.4.2 (primary pollutant when AQI > 50, ties
  all named; 超标污染物 = IAQI > 100), Table 1 notes (1)–(3), Table 2 (levels and
  categories), §5.1.2 (daily report: 24 h means of SO2, NO2, PM10, PM2.5, CO, O3 daily
  maximum 1 h and daily maximum 8 h moving mean), §5.1.3 and Table 4 (real-time report:
  1 h values of SO2, NO2, CO, O3; O3 8 h moving mean; PM10 and PM2.5 indexed on their
  24 h moving means, the 1 h PM values are reported without an index), §6.2 ("计算结果应全部
  进位取整数，不保留小数": IAQI and AQI are rounded **up** to integers).
- HJ 633-2026 《环境空气质量指数（AQI）技术规定》 (approved 2026-02-14, in force 2026-03-01,
  replaces HJ 633-2012): Table 3 (breakpoints; PM10 100-point breakpoint 120, PM2.5 60),
  formula (1) (PM10 and PM2.5 **1 h** values use the 24 h breakpoints), notes b (SO2 1 h
  > 800 µg/m³ → IAQI 200) and c (O3 8 h > 800 µg/m³ → IAQI 300), §4.2.2 (daily report: 24 h
  means of SO2, NO2, CO, PM10, PM2.5 and O3 daily maximum 8 h mean; concentrations rounded
  by GB/T 8170 to integers, CO to one decimal), §4.2.3 (real-time report: 1 h values of
  the six pollutants), §4.2.6 (results rounded up, "向上进位取整数"), §4.3.1 (primary
  pollutant), Table 1 (levels), Appendix A Table A.1 (colours). The 超标污染物 concept is
  deleted (foreword).

IAQI_P = (IAQI_Hi − IAQI_Lo) / (BP_Hi − BP_Lo) · (C_P − BP_Lo) + IAQI_Lo, with BP_Lo ≤ C_P ≤
BP_Hi the neighbouring breakpoints (a concentration on a breakpoint gives that breakpoint's
IAQI from either side). Under HJ 633-2012 the concentration is used as given (not
truncated); under HJ 633-2026 it is first rounded per §4.2.2. The interpolated value is
compared at :func:`qingshan.methods.precision.comparable` precision, then rounded up.

A concentration above the last breakpoint has no segment in either table; it is given
IAQI 500 (the top of the scale) and flagged ``beyond_table`` — the standards do not say
this, it is the conservative reading (the AQI can only be at least 500). Negative or
missing concentrations give no IAQI. Breakpoint tables come in as a frame with columns
``pollutant, averaging, iaqi, concentration`` (the package's
``environment/standards/hj633-*.csv``).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pandas as pd

from qingshan.errors import Problem
from qingshan.methods.precision import comparable

EDITIONS = ("2012", "2026")
#: HJ 633-2026 in force from this day (its foreword); earlier data use HJ 633-2012.
EDITION_2026_FROM = dt.date(2026, 3, 1)
POLLUTANTS = ("SO2", "NO2", "PM10", "PM2_5", "CO", "O3")
#: Indicators (column names ``<pollutant>_<averaging>``) of each report, by edition.
#: Hourly 2012 indexes PM on the 24 h moving mean (Table 4); hourly 2026 indexes the PM 1 h
#: value on the 24 h breakpoints (formula (1)); daily 2026 drops the O3 1 h maximum (§4.2.2).
INDICATORS: dict[tuple[str, str], tuple[str, ...]] = {
    ("2012", "daily"): ("SO2_24h", "NO2_24h", "PM10_24h", "PM2_5_24h", "CO_24h", "O3_1h", "O3_8h"),
    ("2012", "hourly"): ("SO2_1h", "NO2_1h", "PM10_24h", "PM2_5_24h", "CO_1h", "O3_1h", "O3_8h"),
    ("2026", "daily"): ("SO2_24h", "NO2_24h", "PM10_24h", "PM2_5_24h", "CO_24h", "O3_8h"),
    ("2026", "hourly"): ("SO2_1h", "NO2_1h", "PM10_1h", "PM2_5_1h", "CO_1h", "O3_1h"),
}
#: HJ 633 Table 2 (2012) / Table 1 (2026): upper AQI of each level I–VI (VI open).
LEVEL_UPPER = (50, 100, 150, 200, 300)
CATEGORY_ZH = ("优", "良", "轻度污染", "中度污染", "重度污染", "严重污染")
CATEGORY_EN = ("excellent", "good", "lightly polluted", "moderately polluted",
               "heavily polluted", "severely polluted")
COLOUR_ZH = ("绿色", "黄色", "橙色", "红色", "紫色", "褐红色")
#: HJ 633-2026 Appendix A Table A.1 (RGB).
COLOUR_RGB = ((0, 228, 0), (255, 255, 0), (255, 126, 0), (255, 0, 0), (153, 0, 76),
              (126, 0, 35))
COLOUR_HEX = tuple("#{:02X}{:02X}{:02X}".format(*c) for c in COLOUR_RGB)
_TOP = 500.0


def edition_for(day: dt.date, override: str | None = None) -> str:
    """The HJ 633 edition for data of ``day``: ``override`` if given, else ``"2012"`` before
    2026-03-01 and ``"2026"`` from then (HJ 633-2026 foreword)."""
    if override is not None:
        if override not in EDITIONS:
            raise ValueError(f"HJ 633 edition {override!r}: expected one of {EDITIONS}")
        return override
    return "2026" if day >= EDITION_2026_FROM else "2012"


def round_gbt8170(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round to ``decimals`` places by GB/T 8170 进舍规则 (a dropped part of exactly one half
    rounds to the even digit; otherwise to nearest), on the shortest decimal form of each
    float so that 0.25 or 1.15 round as written."""
    arr = np.asarray(values, dtype="float64")
    q = Decimal(1).scaleb(-decimals)
    out = np.full(arr.shape, np.nan)
    flat, res = arr.ravel(), out.ravel()
    for i, v in enumerate(flat):
        if np.isfinite(v):
            res[i] = float(Decimal(repr(float(v))).quantize(q, rounding=ROUND_HALF_EVEN))
    return res.reshape(arr.shape)


def breakpoints(table: pd.DataFrame, pollutant: str, averaging: str) -> tuple[np.ndarray, np.ndarray]:
    """(concentrations, IAQI) of one pollutant and averaging time, ascending."""
    rows = table[(table["pollutant"] == pollutant) & (table["averaging"] == averaging)]
    if rows.empty:
        raise KeyError(f"no HJ 633 breakpoints for {pollutant} {averaging}")
    rows = rows.sort_values("iaqi")
    return rows["concentration"].to_numpy("float64"), rows["iaqi"].to_numpy("float64")


def individual_aqi(concentration: np.ndarray | pd.Series | float, pollutant: str,
                   averaging: str, table: pd.DataFrame,
                   edition: str = "2012") -> np.ndarray:
    """IAQI (空气质量分指数) of concentrations by HJ 633 formula (1), rounded up.

    ``averaging`` is the column of the table (``1h``, ``8h``, ``24h``); HJ 633-2026 PM 1 h
    values use ``24h`` (pass ``"1h"``: it is mapped). Returns float IAQI (NaN where there is
    none). The special rules for SO2 1 h and O3 8 h above 800 µg/m³ are applied by
    :func:`aqi_table` (they need other indicators); here such a value gives NaN.
    """
    c = np.atleast_1d(np.asarray(concentration, dtype="float64")).copy()
    if edition == "2026":
        c = round_gbt8170(c, 1 if pollutant == "CO" else 0)
    col = "24h" if pollutant in ("PM10", "PM2_5") and averaging == "1h" and edition == "2026" \
        else averaging
    bp, ia = breakpoints(table, pollutant, col)
    out = np.full(c.shape, np.nan)
    ok = np.isfinite(c) & (c >= 0)
    within = ok & (c <= bp[-1])
    idx = np.clip(np.searchsorted(bp, c, side="left"), 1, len(bp) - 1)
    lo, hi = bp[idx - 1], bp[idx]
    val = (ia[idx] - ia[idx - 1]) / (hi - lo) * (c - lo) + ia[idx - 1]
    out[within] = np.ceil(comparable(val[within]))
    truncated = ok & (c > bp[-1])
    if ia[-1] >= _TOP:
        out[truncated] = _TOP
    return out


def beyond_table(concentration: np.ndarray | pd.Series | float, pollutant: str,
                 averaging: str, table: pd.DataFrame, edition: str = "2012") -> np.ndarray:
    """Whether each concentration lies above the table's last breakpoint."""
    c = np.atleast_1d(np.asarray(concentration, dtype="float64"))
    if edition == "2026":
        c = round_gbt8170(c, 1 if pollutant == "CO" else 0)
    col = "24h" if pollutant in ("PM10", "PM2_5") and averaging == "1h" and edition == "2026" \
        else averaging
    bp, _ = breakpoints(table, pollutant, col)
    return np.asarray(np.isfinite(c) & (c > bp[-1]))


def aqi_level(aqi: np.ndarray | pd.Series) -> np.ndarray:
    """Level 1–6 (一级…六级) of AQI values (HJ 633 Table 2/Table 1); 0 where AQI is missing."""
    a = np.asarray(aqi, dtype="float64")
    lvl = np.searchsorted(np.asarray(LEVEL_UPPER, dtype="float64"), a, side="left") + 1
    return np.where(np.isfinite(a), lvl, 0).astype("int64")


#: indicators not indexed from their own table above 800 µg/m³: (pollutant, averaging) →
#: (the indicator whose index HJ 633-2012 reports instead, the index HJ 633-2026 fixes)
ABOVE_TABLE: dict[tuple[str, str], tuple[str, float]] = {("SO2", "1h"): ("SO2_24h", 200.0),
                                                         ("O3", "8h"): ("O3_1h", 300.0)}

def aqi_table(frame: pd.DataFrame, table: pd.DataFrame, *, edition: str,
              report: str = "daily") -> pd.DataFrame:
    """IAQI per indicator, AQI, primary pollutant(s), level, category and colour per row.

    ``frame`` holds one column per indicator of :data:`INDICATORS` for ``(edition,
    report)`` (µg/m³; CO mg/m³); missing columns or values are missing indicators: the AQI
    is taken over the others (HJ 633-2026 §5.3.1) and ``complete`` is false. For 2012 an
    ``SO2_24h`` column is also read in hourly reports (SO2 1 h > 800 → the SO2 24 h index,
    Table 1 note (2)). Output columns: ``iaqi_<indicator>``, ``iaqi_<pollutant>`` (the max
    over its indicators), ``aqi`` (float, NaN if no indicator), ``primary`` (pollutants with
    IAQI = AQI joined by "," when AQI > 50, else ""), ``exceeding`` (2012 only: IAQI > 100,
    joined), ``level``, ``category_zh``, ``category_en``, ``colour``, ``complete``,
    ``beyond_table``.
    """
    if (edition, report) not in INDICATORS:
        raise ValueError(f"HJ 633 edition {edition!r} report {report!r}: unknown")
    indicators = INDICATORS[(edition, report)]
    n = len(frame)
    out = pd.DataFrame(index=frame.index)
    complete = np.ones(n, dtype=bool)
    beyond = np.zeros(n, dtype=bool)
    nan = np.full(n, np.nan)

    def col(name: str) -> np.ndarray:
        return frame[name].to_numpy("float64") if name in frame.columns else nan.copy()

    for ind in indicators:
        pol, avg = ind.rsplit("_", 1)
        c = col(ind)
        complete &= np.isfinite(c)
        rule = ABOVE_TABLE.get((pol, avg))
        if rule is not None:
            # above 800 µg/m³ the indicator's own table is not used: 2012 reports another
            # indicator's index (HJ 633-2012 Table 1 notes (2), (3)); 2026 a fixed index (notes b, c)
            instead, fixed = rule
            high = c > 800
            v = individual_aqi(np.where(high, np.nan, c), pol, avg, table, edition)
            if edition == "2012":
                other_pol, other_avg = instead.rsplit("_", 1)
                v[high] = individual_aqi(col(instead), other_pol, other_avg, table, edition)[high]
            else:
                v[high] = fixed
        else:
            v = individual_aqi(c, pol, avg, table, edition)
            beyond |= beyond_table(c, pol, avg, table, edition)
        out[f"iaqi_{ind}"] = v
    for pol in POLLUTANTS:
        cols = [f"iaqi_{i}" for i in indicators if i.rsplit("_", 1)[0] == pol]
        out[f"iaqi_{pol}"] = out[cols].max(axis=1, skipna=True)
    per_pol = out[[f"iaqi_{p}" for p in POLLUTANTS]].to_numpy("float64")
    with np.errstate(invalid="ignore"):
        has = np.isfinite(per_pol).any(axis=1)
        aqi = np.where(has, np.nanmax(np.where(np.isfinite(per_pol), per_pol, -1.0), axis=1),
                       np.nan)
    out["aqi"] = aqi
    names = np.asarray(POLLUTANTS)
    primary = []
    exceeding = []
    for row, a in zip(per_pol, aqi, strict=True):
        primary.append(",".join(names[row == a]) if np.isfinite(a) and a > 50 else "")
        exceeding.append(",".join(names[row > 100]) if edition == "2012" else "")
    out["primary"] = primary
    out["exceeding"] = exceeding
    lvl = aqi_level(aqi)
    out["level"] = lvl
    pick = np.clip(lvl - 1, 0, 5)
    ok = lvl > 0
    out["category_zh"] = np.where(ok, np.asarray(CATEGORY_ZH)[pick], "")
    out["category_en"] = np.where(ok, np.asarray(CATEGORY_EN)[pick], "")
    out["colour"] = np.where(ok, np.asarray(COLOUR_HEX)[pick], "")
    out["complete"] = complete
    out["beyond_table"] = beyond
    return out


def check_concentrations(frame: pd.DataFrame, table: pd.DataFrame, *, edition: str,
                         report: str = "daily", source: str = "air") -> list[Problem]:
    """Every problem of a frame of concentrations before :func:`aqi_table` (rows numbered as a
    person sees them, header = row 1):

    - ``AQ001`` (error): a negative or non-numeric concentration;
    - ``AQ002`` (warning): a concentration above the table's last breakpoint (IAQI set to
      500, see module doc), except SO2 1 h and O3 8 h above 800 µg/m³, which the
      standard's own rules cover;
    - ``AQ003`` (warning): a column the edition's report does not index (e.g. ``O3_1h`` in
      an HJ 633-2026 daily report, ``PM10_1h`` in an HJ 633-2012 hourly one).
    """
    problems: list[Problem] = []
    indicators = INDICATORS[(edition, report)]
    known = {f"{p}_{a}" for p in POLLUTANTS for a in ("1h", "8h", "24h")}
    for col in frame.columns:
        if col in known and col not in indicators and not (
                edition == "2012" and report == "hourly" and col == "SO2_24h"):
            problems.append(Problem(
                "AQ003", source, None, str(col), None,
                f"HJ 633-{edition} {'日报' if report == 'daily' else '实时报'}不使用该指标",
                f"an indicator HJ 633-{edition} does not use in {report} reports",
                "warning"))
    for ind in indicators:
        if ind not in frame.columns:
            continue
        pol, avg = ind.rsplit("_", 1)
        raw = frame[ind]
        num = pd.to_numeric(raw, errors="coerce").to_numpy("float64")
        bad = (raw.notna().to_numpy() & ~np.isfinite(num)) | (num < 0)
        over = beyond_table(num, pol, avg, table, edition)
        for i in np.flatnonzero(bad):
            problems.append(Problem("AQ001", source, int(i) + 2, ind, str(raw.iloc[i]),
                                    "非负的浓度值", "a concentration ≥ 0"))
        if ind not in ("SO2_1h", "O3_8h"):
            for i in np.flatnonzero(over):
                problems.append(Problem(
                    "AQ002", source, int(i) + 2, ind, str(raw.iloc[i]),
                    "不超过 HJ 633 表中最高浓度限值（超出时分指数按 500 计）",
                    "at most the last HJ 633 breakpoint (IAQI 500 given above it)", "warning"))
    return problems
