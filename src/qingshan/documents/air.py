"""The air-quality document (docs/environment.md, "Engines and commands"): one year's daily
AQI per station, district and city and the annual assessment (statistics, GB 3095 grade II
compliance, good-day ratio, comprehensive index, district ranking), headed by the profile
(id, version, its ``environment.aqi_standard`` selection) and the package, and saying which
HJ 633 edition applied to which days.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents.names import names
from qingshan.documents.values import clean, records
from qingshan.environment.air import AQI_FIELDS, INDICATORS, assess_air
from qingshan.errors import ConfigError
from qingshan.i18n import tr

if TYPE_CHECKING:
    from qingshan.city import City
    from qingshan.environment.air import AirResult

TABLES = ("air_stations", "air_daily")
#: what the annual assessment rests on that Qingshan could not verify (docs/environment.md)
UNVERIFIED = [
    {"zh": "HJ 663-2013 已于 2026-03-01 被 HJ 663-2026《环境空气质量评价技术规范》替代；新版原文未读，"
           "各年仍按 2013 版的统计方法评价",
     "en": "HJ 663-2013 was replaced by HJ 663-2026 on 2026-03-01; the new text was not read, and every year "
           "is still assessed by the statistics of the 2013 edition"},
    {"zh": "O3 日最大 8 小时平均第 90 百分位数和 CO 24 小时平均第 95 百分位数经两份独立文献核实；PM10、PM2.5 的"
           "第 95 百分位数，SO2、NO2 的第 98 百分位数，以及百分位数公式（HJ 663-2013 附录A）只见于一份文本",
     "en": "the O3 daily maximum 8-hour 90th percentile and the CO 24-hour 95th percentile are confirmed by two "
           "independent sources; the PM10 and PM2.5 95th and the SO2 and NO2 98th percentiles, and the percentile "
           "formula (HJ 663-2013 Annex A), were read in one source only"},
    {"zh": "区县和城市的日浓度取所辖全部站点浓度的算术平均（HJ 663 未读原文）",
     "en": "district and city daily concentrations are the arithmetic mean of all their stations "
           "(HJ 663 text not read)"},
    {"zh": "综合指数依《城市环境空气质量排名技术规定》（环办〔2014〕64号，文号已核实）；各单项指数的取法"
           "（年均值比二级年均限值，CO、O3 的百分位数比 24 小时、8 小时限值）只见于一份文本",
     "en": "the comprehensive index follows the 2014 city ranking rules (document number confirmed); how each "
           "single index is formed (annual means over the grade II annual limits; the CO and O3 percentiles over "
           "the 24-hour and 8-hour limits) was read in one source only"},
]


def tables(city: City) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The package's ``air_stations`` and ``air_daily``; a :class:`ConfigError` when the
    package has no air monitoring data."""
    pkg = city.package
    if any(t not in pkg or not len(pkg[t]) for t in TABLES):
        raise ConfigError(tr("数据包中没有空气监测站点和日均值（air_stations、air_daily）",
                             "the package has no air monitoring data (air_stations, air_daily)"))
    return pkg["air_stations"], pkg["air_daily"]


def aqi_override(city: City, year: int) -> str | None:
    """The profile's ``environment.aqi_standard`` for ``year`` as an edition (``"2012"``,
    ``"2026"``), ``None`` for ``by_date`` or no selection."""
    v = city.profile.value("environment.aqi_standard", year)
    return None if v in (None, "by_date") else v


def _days(frame: pd.DataFrame, key: str) -> list[dict[str, Any]]:
    out = frame.rename(columns={key: "unit"}).copy()
    out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
    cols = ("unit", "date", *INDICATORS, *AQI_FIELDS, *(c for c in out.columns if c.startswith("iaqi_")))
    return records(out, tuple(dict.fromkeys(cols)))


def _named(rows: pd.DataFrame, kind: str, labels: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    out = []
    for r in records(rows):
        zh, en = labels.get(str(r["unit"]), (str(r["unit"]), str(r["unit"])))
        out.append({"kind": kind, "code": r["unit"], "name": zh, "name_en": en,
                    **{k: v for k, v in r.items() if k not in ("scope", "unit")}})
    return out


def result_document(city: City, result: AirResult) -> dict[str, Any]:
    """The document of an :class:`~qingshan.environment.air.AirResult`."""
    n = names(city)
    year = result.year
    st = result.stations
    station_labels = {str(s): (str(nm), str(nm)) for s, nm in zip(st["station_id"], st["name"], strict=True)}
    district_labels = {c: (nm, nm) for c, nm in n.districts.items()}
    a = result.annual
    rank = {str(r["district"]): int(r["rank"]) for r in records(result.ranking)}
    districts = _named(a[a["scope"] == "district"], "district", district_labels)
    for d in districts:
        d["rank"] = rank.get(d["code"])
    stations = _named(a[a["scope"] == "station"], "station", station_labels)
    home = dict(zip(st["station_id"].astype(str), st["district_id"].astype(str), strict=True))
    for s in stations:
        s["district"] = home.get(s["code"])
    city_rows = _named(a[a["scope"] == "city"], "city", {"city": (n.city_name, n.city_name)})
    sel = city.profile.selection("environment.aqi_standard", year)
    stats = result.statistics.copy()
    return {**city.header(year), "year": year,
            "aqi_standard": {"selection": None if sel is None else sel.to_dict(),
                             "override": None if result.override is None else f"HJ 633-{result.override}",
                             "editions": result.editions},
            "gb3095": result.gb3095,
            "city": city_rows[0] if city_rows else None, "districts": sorted(districts, key=lambda d: d["rank"] or 1e9),
            "stations": stations,
            "statistics": records(stats.rename(columns={"unit": "code"})),
            "days": {"city": _days(result.city_days, "area"), "districts": _days(result.district_days, "area"),
                     "stations": _days(result.station_days, "station_id")},
            "station_list": records(st), "unverified": UNVERIFIED, "problems": []}


def build(city: City, year: int) -> dict[str, Any]:
    """The air-quality document of ``year`` from the city's package and profile."""
    stations, daily = tables(city)
    if not (pd.to_datetime(daily["date"]).dt.year == year).any():
        raise ConfigError(tr(f"数据包中没有 {year} 年的空气日均值", f"the package has no daily air values for {year}"))
    return clean_document(result_document(city, assess_air(stations, daily, year,
                                                            override=aqi_override(city, year))))


def clean_document(doc: dict[str, Any]) -> dict[str, Any]:
    """Every value JSON-ready (no NaN, numpy scalars as Python ones)."""
    def walk(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [walk(x) for x in v]
        return clean(v)
    out: dict[str, Any] = walk(doc)
    return out
