"""The surface-water document (docs/environment.md, "Engines and commands"): one year's
GB 3838-2002 classes per sample, section-month and section-year, compliance with target
classes, exceedance multiples, per-section CWQI, and the shares and grades of the city and
each district, headed by the profile (id, version) and the package.

The estuary rule is the profile's ``environment.estuary_rule`` for the year (``gb3838``
when nothing is selected). Under ``gb3097`` the sea-ward estuary sections carry GB 3097-1997
classes (``sea_*`` fields of the sections, months and samples) and their shares are the
document's ``sea`` block, apart from the GB 3838 shares of ``city`` and ``districts``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents.air import clean_document
from qingshan.documents.names import names
from qingshan.documents.values import records
from qingshan.environment.water import assess_water
from qingshan.errors import ConfigError
from qingshan.i18n import tr

if TYPE_CHECKING:
    from qingshan.city import City
    from qingshan.environment.water import WaterResult

TABLES = ("water_sections", "water_samples")
NOT_BUILT = [
    {"zh": "少于 5 个断面时按断面平均浓度评价河流/区域水质（未实现，等级为空）",
     "en": "fewer than 5 sections: the grade from mean concentrations is not built (grade left empty)"},
    {"zh": "城市水质指数 CWQI 的河流、湖库和城市汇总及修约规则（环办监测〔2017〕51号原文未读）",
     "en": "river, lake and city aggregation of the CWQI and its rounding (the text of 环办监测〔2017〕51号 "
           "was not read)"},
    {"zh": "GB 3097-1997 的生化需氧量、非离子氨和酸碱度不参与海侧河口断面的评价：其限值只见于一份文本，未经核实",
     "en": "BOD5, non-ionic ammonia and pH of GB 3097-1997 are not assessed at sea-ward estuary sections: their "
           "limits were found in one copy only and are not verified"},
    {"zh": "按 GB 3097-1997 评价的海侧河口断面不计超标倍数和 CWQI；河口按盐度分区未实现",
     "en": "sea-ward estuary sections assessed by GB 3097-1997 get no exceedance multiples and no CWQI; "
           "salinity zoning of estuaries is not built"},
]

#: The estuary rules as the document states them (methods/water_quality.py, docs/environment.md).
ESTUARY_RULE_TEXT = {
    "gb3838": {"zh": "入海河口断面按 GB 3838-2002 河流限值评价（GB 3838-2002 前言；生态环境部公报亦将入海河流断面按"
                     "Ⅰ–劣Ⅴ类评价）",
               "en": "estuary sections classed by the GB 3838-2002 river limits (its foreword; the MEE "
                     "bulletins also class rivers entering the sea from Ⅰ to worse than Ⅴ)"},
    "gb3097": {"zh": "标明为海侧的入海河口断面按 GB 3097-1997 海水水质标准单因子评价（溶解氧、化学需氧量、无机氮、"
                     "活性磷酸盐、石油类），结果为一类至四类或劣四类，与地表水类别分开统计；其余河口断面按 "
                     "GB 3838-2002 河流限值评价",
               "en": "estuary sections marked as sea-ward are classed by GB 3097-1997 (seawater), single-factor on "
                     "dissolved oxygen, COD, inorganic nitrogen, reactive phosphate and petroleum, into classes 1 to 4 "
                     "or worse than 4, counted apart from the surface-water classes; other estuary sections by the "
                     "GB 3838-2002 river limits"},
}
#: The estuary rule when the profile selects none.
DEFAULT_ESTUARY_RULE = "gb3838"


def tables(city: City) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The package's ``water_sections`` and ``water_samples``; a :class:`ConfigError` when
    the package has no water monitoring data."""
    pkg = city.package
    if any(t not in pkg or not len(pkg[t]) for t in TABLES):
        raise ConfigError(tr("数据包中没有地表水断面和监测数据（water_sections、water_samples）",
                             "the package has no surface-water monitoring data (water_sections, water_samples)"))
    return pkg["water_sections"], pkg["water_samples"]


def _dates(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    if "date" in out.columns:
        out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
    return out


def estuary_rule(city: City, year: int) -> str:
    """The profile's ``environment.estuary_rule`` for ``year``; ``gb3838`` when none."""
    return city.profile.value("environment.estuary_rule", year) or DEFAULT_ESTUARY_RULE


def _sea_block(city: City, result: WaterResult) -> dict[str, Any]:
    """The GB 3097-1997 part: its items, what is left out, the shares of the sea-ward
    sections per city and district, and the estuary sections without a side."""
    n = names(city)
    shares = []
    for r in records(result.sea_shares):
        code = r.pop("unit")
        kind = r.pop("scope")
        nm = n.city_name if kind == "city" else n.districts.get(code, code)
        shares.append({"kind": kind, "code": code, "name": nm, "name_en": nm, **r})
    sec = result.sections
    side = sec["estuary_side"] if "estuary_side" in sec.columns else pd.Series(None, index=sec.index, dtype=object)
    no_side = sec[(sec["water_body"].astype(str) == "estuary") & side.isna()]["section_id"].astype(str).tolist()
    return {"assessed": result.estuary_rule == "gb3097",
            "standard": "GB 3097-1997", "items": result.sea_items,
            "left_out": {"items": ["bod5", "nh3_unionized", "ph"],
                         "zh": "生化需氧量、非离子氨和酸碱度的限值只见于一份文本，未参与评价",
                         "en": "BOD5, non-ionic ammonia and pH are left out: their limits were found in one copy only"},
            "city": next((s for s in shares if s["kind"] == "city"), None),
            "districts": [s for s in shares if s["kind"] == "district"],
            "estuaries_without_side": no_side if result.estuary_rule == "gb3097" else []}


def result_document(city: City, result: WaterResult) -> dict[str, Any]:
    """The document of a :class:`~qingshan.environment.water.WaterResult`."""
    n = names(city)
    shares = []
    for r in records(result.shares):
        code = r.pop("unit")
        kind = r.pop("scope")
        nm = n.city_name if kind == "city" else n.districts.get(code, code)
        shares.append({"kind": kind, "code": code, "name": nm, "name_en": nm, **r})
    years = result.years.copy()
    years["district_name"] = years["district_id"].map(lambda c: n.districts.get(str(c), str(c)))
    sel = city.profile.selection("environment.estuary_rule", result.year)
    return {**city.header(result.year), "year": result.year,
            "estuary_rule": {"rule": result.estuary_rule, "selection": None if sel is None else sel.to_dict(),
                             **ESTUARY_RULE_TEXT[result.estuary_rule]},
            "items": result.items,
            "city": next((s for s in shares if s["kind"] == "city"), None),
            "districts": [s for s in shares if s["kind"] == "district"],
            "sections": records(years), "months": records(result.months),
            "samples": records(_dates(result.samples)), "exceedances": records(result.exceedances),
            "sea": _sea_block(city, result), "not_built": NOT_BUILT, "problems": []}


def build(city: City, year: int) -> dict[str, Any]:
    """The surface-water document of ``year`` from the city's package."""
    sections, samples = tables(city)
    if not (pd.to_datetime(samples["date"]).dt.year == year).any():
        raise ConfigError(tr(f"数据包中没有 {year} 年的水质监测数据", f"the package has no water samples for {year}"))
    return clean_document(result_document(city, assess_water(sections, samples, year,
                                                                estuary_rule=estuary_rule(city, year))))
