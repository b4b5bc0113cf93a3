"""Annual ambient-air assessment (环境空气质量评价): completeness, statistics, compliance,
good-day ratio, comprehensive index and district ranking.

Sources:

- Data validity (数据统计的有效性规定), GB 3095-2026 §6.4 Table 4 (read): a daily mean needs
  ≥ 20 hourly values (SO2, NO2, CO, PM10, PM2.5); an 8 h mean ≥ 6 hourly values (O3); an
  annual mean ≥ 324 daily means in the year and ≥ 27 in every month (≥ 25 in February)
  (SO2, NO2, PM10, PM2.5). GB 3095-2012 Table 4 is reported to hold the same numbers (not
  read here: unverified).
- Percentile (百分位数) per HJ 663-2013: sort the n values ascending X₁ ≤ … ≤ Xₙ; position
  k = 1 + (n − 1) · p %; with s the integer part of k, m_p = X_s + (X_{s+1} − X_s)(k − s)
  (formula as reproduced in a public note on HJ 663-2013, CSDN blog 124068041; the
  official text was not read).
- Which statistic per pollutant (**unverified**, ecology-environment.md §7.3 [U]): SO2 and
  NO2 annual mean and 24 h 98th percentile; PM10 and PM2.5 annual mean and 24 h 95th
  (95th supported by Wang Shuai et al. 2014, 环境科学 35(2)); CO 24 h 95th; O3 daily
  maximum 8 h 90th. They are the defaults of :data:`PERCENTILES`, to be checked against
  HJ 663 Table 4 before use in official reports.
- Good-day ratio (优良天数比例) = days with AQI ≤ 100 / days with an AQI (HJ 633 Table 2:
  优 and 良 are AQI ≤ 100).
- Comprehensive index (环境空气质量综合指数) per 《城市环境空气质量排名技术规定》 (MEE
  office; document number not verified): I_sum = Σ C_i / S_i over the six pollutants;
  C_i the annual mean for SO2, NO2, PM10, PM2.5 and the specific percentile for CO (24 h)
  and O3 (daily max 8 h); S_i the grade II annual limit for the four, the grade II 24 h
  limit for CO and the grade II daily-max-8 h limit for O3 (public explanations of the
  rule, e.g. 安徽省环境保护厅 ranking notes 2017; the rule text itself was not read). Larger
  is worse; districts rank ascending.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qingshan.methods.precision import comparable

#: GB 3095-2026 Table 4 minimum counts.
MIN_HOURS_PER_DAY = 20
MIN_HOURS_PER_8H = 6
MIN_DAYS_PER_YEAR = 324
MIN_DAYS_PER_MONTH = 27
MIN_DAYS_FEBRUARY = 25
#: Pollutants whose annual mean is assessed (GB 3095 Table 1 has an annual limit).
ANNUAL_MEAN = ("SO2", "NO2", "PM10", "PM2_5")
#: (indicator column, percentile p) per pollutant — unverified defaults, see module doc.
PERCENTILES: dict[str, tuple[str, float]] = {
    "SO2": ("24h", 98.0), "NO2": ("24h", 98.0), "PM10": ("24h", 95.0),
    "PM2_5": ("24h", 95.0), "CO": ("24h", 95.0), "O3": ("8h", 90.0)}


def percentile_hj663(values: np.ndarray | pd.Series, p: float) -> float:
    """The p-th percentile of ``values`` (missing values dropped) by HJ 663-2013:
    k = 1 + (n − 1) p/100, s = ⌊k⌋, m = X_s + (X_{s+1} − X_s)(k − s) (1-based sorted X)."""
    x = np.sort(np.asarray(values, dtype="float64"))
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return float("nan")
    k = 1.0 + (n - 1) * p / 100.0
    s = int(np.floor(comparable(k)))  # 1 + 364 × 0.95 must give s = 346, not 345.99…
    if s >= n:
        return float(x[n - 1])
    return float(x[s - 1] + (x[s] - x[s - 1]) * max(k - s, 0.0))


def day_is_valid(hour_count: np.ndarray | pd.Series) -> np.ndarray:
    """A daily mean is valid with at least 20 hourly values (GB 3095-2026 Table 4)."""
    return np.asarray(hour_count, dtype="float64") >= MIN_HOURS_PER_DAY


def year_is_complete(days: pd.DatetimeIndex | pd.Series) -> tuple[bool, list[str]]:
    """Whether the valid days of one pollutant make a valid annual mean (≥ 324 days, ≥ 27
    each month, ≥ 25 in February), and the reasons it does not (one per failed rule,
    e.g. ``"year 300 < 324"``, ``"month 2: 24 < 25"``)."""
    d = pd.DatetimeIndex(pd.to_datetime(pd.Series(days).dropna()))
    reasons: list[str] = []
    if len(d) < MIN_DAYS_PER_YEAR:
        reasons.append(f"year {len(d)} < {MIN_DAYS_PER_YEAR}")
    counts = pd.Series(1, index=d).groupby(d.month).sum()
    for month in range(1, 13):
        need = MIN_DAYS_FEBRUARY if month == 2 else MIN_DAYS_PER_MONTH
        got = int(counts.get(month, 0))
        if got < need:
            reasons.append(f"month {month}: {got} < {need}")
    return (not reasons, reasons)


def annual_statistics(daily: pd.DataFrame) -> pd.DataFrame:
    """Annual statistics of one site or area from its valid daily values.

    ``daily`` has a ``date`` column and one column per pollutant indicator:
    ``SO2_24h, NO2_24h, PM10_24h, PM2_5_24h, CO_24h`` (daily means) and ``O3_8h`` (daily
    maximum 8 h mean); invalid days are missing. Returns one row per pollutant:
    ``pollutant, days, complete, reasons, annual_mean`` (NaN for CO and O3),
    ``percentile`` (p of :data:`PERCENTILES`), ``percentile_value``.
    """
    rows = []
    dates = pd.to_datetime(daily["date"])
    for pol, (avg, p) in PERCENTILES.items():
        col = f"{pol}_{avg}"
        vals = daily[col].to_numpy("float64") if col in daily.columns \
            else np.full(len(daily), np.nan)
        ok = np.isfinite(vals)
        complete, reasons = year_is_complete(dates[ok])
        rows.append({
            "pollutant": pol, "days": int(ok.sum()), "complete": complete,
            "reasons": "; ".join(reasons),
            "annual_mean": float(vals[ok].mean()) if pol in ANNUAL_MEAN and ok.any()
            else float("nan"),
            "percentile": p, "percentile_value": percentile_hj663(vals[ok], p)})
    return pd.DataFrame(rows)


def compliance(stats: pd.DataFrame, limits: pd.DataFrame, grade: int = 2) -> pd.DataFrame:
    """Compliance (达标) of each pollutant with GB 3095 grade ``grade`` limits.

    ``limits`` has ``pollutant, averaging, grade_1, grade_2`` (one edition/phase). A
    pollutant complies when its annual mean (where assessed) is ≤ the annual limit and its
    percentile value is ≤ the 24 h limit (O3: the daily-max-8 h limit). Values are compared
    at :func:`~qingshan.methods.precision.comparable` precision. Adds ``annual_limit``,
    ``short_limit``, ``complies`` (None when the year is incomplete).
    """
    lim = limits.set_index(["pollutant", "averaging"])[f"grade_{grade}"]
    out = stats.copy()
    annual: list[float] = []
    short: list[float] = []
    ok: list[bool | None] = []
    for _, r in stats.iterrows():
        pol = str(r["pollutant"])
        a = float(lim.get((pol, "annual"), np.nan))
        s = float(lim.get((pol, PERCENTILES[pol][0]), np.nan))
        annual.append(a)
        short.append(s)
        if not bool(r["complete"]):
            ok.append(None)
            continue
        good = bool(comparable(float(r["percentile_value"])) <= comparable(s))
        if pol in ANNUAL_MEAN:
            good = good and bool(comparable(float(r["annual_mean"])) <= comparable(a))
        ok.append(good)
    out["annual_limit"] = annual
    out["short_limit"] = short
    out["complies"] = ok
    return out


def good_day_ratio(aqi: np.ndarray | pd.Series) -> float:
    """优良天数比例: share of days with an AQI whose AQI ≤ 100 (0–1; NaN if none)."""
    a = np.asarray(aqi, dtype="float64")
    a = a[np.isfinite(a)]
    return float((a <= 100).sum() / len(a)) if len(a) else float("nan")


def composite_index(stats: pd.DataFrame, limits: pd.DataFrame) -> float:
    """环境空气质量综合指数 I_sum = Σ C_i / S_i (see module doc); grade II limits."""
    lim = limits.set_index(["pollutant", "averaging"])["grade_2"]
    total = 0.0
    for _, r in stats.iterrows():
        pol = str(r["pollutant"])
        if pol in ANNUAL_MEAN:
            total += float(r["annual_mean"]) / float(lim[(pol, "annual")])
        else:
            total += float(r["percentile_value"]) / float(lim[(pol, PERCENTILES[pol][0])])
    return total


def rank_districts(indices: pd.Series) -> pd.DataFrame:
    """Rank districts by comprehensive index, smallest (cleanest) first; equal indices (at
    comparable precision) share the better rank."""
    cmp = pd.Series(comparable(indices.to_numpy("float64")), index=indices.index)
    rank = cmp.rank(method="min", ascending=True).astype("int64")
    return (pd.DataFrame({"district": indices.index, "composite_index": indices.to_numpy(),
                          "rank": rank.to_numpy()})
            .sort_values(["rank", "district"]).reset_index(drop=True))
