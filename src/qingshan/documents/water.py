"""The surface-water document (docs/environment.md, "Engines and commands"): one year's
GB 3838-2002 classes per sample, section-month and section-year, compliance with target
classes, exceedance multiples, per-section CWQI, and the shares and grades of the city and
each district, headed by the profile (id, version) and the package.
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
    {"zh": "入海河口按 GB 3097-1997 海水水质标准评价（未实现；按 GB 3838 河流限值评价）",
     "en": "estuaries against GB 3097-1997 seawater classes (not built; classed by GB 3838 river limits)"},
]


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
    return {**city.header(result.year), "year": result.year,
            "estuary_rule": {"rule": result.estuary_rule,
                             "zh": "入海河口断面按 GB 3838-2002 河流限值评价（GB 3838-2002 前言）",
                             "en": "estuary sections classed by the GB 3838-2002 river limits (its foreword)"},
            "items": result.items,
            "city": next((s for s in shares if s["kind"] == "city"), None),
            "districts": [s for s in shares if s["kind"] == "district"],
            "sections": records(years), "months": records(result.months),
            "samples": records(_dates(result.samples)), "exceedances": records(result.exceedances),
            "not_built": NOT_BUILT, "problems": []}


def build(city: City, year: int) -> dict[str, Any]:
    """The surface-water document of ``year`` from the city's package."""
    sections, samples = tables(city)
    if not (pd.to_datetime(samples["date"]).dt.year == year).any():
        raise ConfigError(tr(f"数据包中没有 {year} 年的水质监测数据", f"the package has no water samples for {year}"))
    return clean_document(result_document(city, assess_water(sections, samples, year)))
