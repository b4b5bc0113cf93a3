"""The permits document (docs/environment.md, "Permits and totals"): one year's permitted
against actual tonnes per enterprise and pollutant, district totals against their quota,
the ranked over-permit and over-quota lists with their reasons, and the 四个一批 batches by
the profile's rule file (``environment.four_batches``). Headed by the profile, so every
output says what produced it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents.names import names
from qingshan.documents.values import clean, records
from qingshan.environment.four_batches import four_batch_rules
from qingshan.errors import ConfigError
from qingshan.i18n import tr
from qingshan.methods import permits as pm

if TYPE_CHECKING:
    from qingshan.city import City

#: 中文 and English of the pollutant codes of the permit tables.
POLLUTANT_NAMES = {"so2": ("二氧化硫", "SO2"), "nox": ("氮氧化物", "NOx"), "particulates": ("颗粒物", "particulates"),
                   "vocs": ("挥发性有机物", "VOCs"), "cod": ("化学需氧量", "COD"), "nh3_n": ("氨氮", "NH3-N"),
                   "tn": ("总氮", "total nitrogen"), "tp": ("总磷", "total phosphorus")}
BASIS_NAMES = {pm.ANNUAL: ("年度执行报告", "annual execution report"),
               pm.QUARTERS: ("四个季度执行报告之和", "sum of the four quarterly reports"),
               pm.PARTIAL_QUARTERS: ("部分季度执行报告之和（不完整）", "sum of some quarterly reports (incomplete)"),
               pm.POLLUTANTS_TABLE: ("数据包污染物表（非执行报告，全厂年排放量）",
                                     "the package's pollutants table (no execution report; whole-enterprise tonnes)")}
NOTES = [
    {"zh": "年许可排放量为允许连续12个月排放的最大量（HJ 942-2018 §5）；有季度执行报告时，检查每连续四个季度之和。",
     "en": "The annual permitted quantity is the most that may be emitted in 12 consecutive months (HJ 942-2018 §5); "
           "with quarterly reports every four consecutive quarters are checked."},
    {"zh": "许可证在年内部分时间有效时，按有效天数折算当年许可量（本系统的约定，HJ 942 未作规定）。",
     "en": "A permit valid for part of a year counts by its days valid in the year (this system's convention; "
           "HJ 942 sets no rule)."},
    {"zh": "特殊时段许可排放量仅列示，未评判：需要分时段的实际排放量。",
     "en": "Special-period permitted quantities are shown, not judged: that needs actuals by period."},
]


def _districts(city: City) -> dict[str, str]:
    ent = city.package["entities"]
    e = ent[ent["entity_type"] == "enterprise"]
    return {str(k): str(v) for k, v in zip(e["entity_id"], e["district_id"], strict=True) if v is not None and v == v}


def _rules(city: City, year: int, rules: str | Path | None) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    if rules is None:
        sel = city.profile.selection("environment.four_batches", year)
        if sel is None or city.profile.value("environment.four_batches", year) is None:
            return None, []
        source, parsed = four_batch_rules(sel.value)
        return {"name": sel.value, "source": source, "selection": sel.to_dict()}, parsed
    source, parsed = four_batch_rules(rules)
    return {"name": str(rules), "source": source, "selection": None}, parsed


def permits_document(city: City, year: int, *, rules: str | Path | None = None) -> dict[str, Any]:
    """The permits document of ``year``; ``rules`` (a rule-file name or path) overrides the
    profile's ``environment.four_batches``."""
    pkg = city.package
    permits, reports, quotas = pkg["permits"], pkg["permit_reports"], pkg["pollutant_quotas"]
    if permits.empty:
        raise ConfigError(tr("数据包没有排污许可表（permits），无法比较许可与实际排放",
                             "the package has no permits table: permitted and actual tonnes cannot be compared"))
    years = sorted({int(y) for y in pd.concat([reports["year"], pkg["pollutants"]["year"]]).dropna()})
    history = [pm.enterprise_permits(permits, reports, pkg["pollutants"], y) for y in years if y < year]
    ent = pm.enterprise_permits(permits, reports, pkg["pollutants"], year)
    districts = _districts(city)
    totals = pm.district_totals(ent, districts, quotas, year)
    over_permit = pm.over_permit_list(ent)
    over_quota = pm.over_quota_list(ent, totals, districts)
    rule_doc, rule_list = _rules(city, year, rules)
    batches = pm.four_batches(over_permit, over_quota, rule_list, pm.years_over([*history, ent])) if rule_doc else []
    ent_names = dict(zip(pkg["entities"]["entity_id"].astype(str), pkg["entities"]["name"].astype(str), strict=True))
    nm = names(city)

    def named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for r in rows:
            if "entity_id" in r:
                r["name"] = ent_names.get(str(r["entity_id"]))
            d = r.get("district_id") or districts.get(str(r.get("entity_id")))
            r["district_id"], r["district"] = d, nm.of("district", d)
            if "pollutant" in r:
                r["pollutant_zh"], r["pollutant_en"] = POLLUTANT_NAMES[str(r["pollutant"])]
            if "basis" in r and r["basis"] is not None and r["basis"] == r["basis"]:
                r["basis_zh"], r["basis_en"] = BASIS_NAMES[str(r["basis"])]
            if "batch" in r:
                r["batch_zh"], r["batch_en"] = pm.BATCH_NAMES[str(r["batch"])]
            for k, v in list(r.items()):
                if not isinstance(v, list):
                    r[k] = clean(v)
        return rows

    table = ent.assign(over=ent["over"].astype(bool))
    return {"kind": "permits", "year": year, "profile": city.profile.describe(year),
            "four_batches_rules": rule_doc,
            "enterprises": named(records(table)),
            "districts": named(records(totals)),
            "over_permit": named(over_permit), "over_quota": named(over_quota),
            "four_batches": named(batches),
            "counts": {"permits": len(ent), "over_permit": len(over_permit),
                       "districts_over_quota": int((totals["over_quota_t"] > 1e-9).sum()),
                       "over_quota_enterprises": len({r["entity_id"] for r in over_quota})},
            "notes": NOTES}
