"""Account results as JSON, Excel and CSV, with the factor set and the factor rows used."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from qingshan import __version__
from qingshan.accounts import AccountResult
from qingshan.glossary import label
from qingshan.i18n import tr
from qingshan.reports.files import write_atomic
from qingshan.reports.workbook import clean, write_workbook

#: The fields every enterprise-year record carries (issue #2 and docs/accounting.md).
ENTERPRISE_FIELDS = (
    "entity_id", "name", "year", "district_id", "park_id", "industry_code", "scale",
    "months_reported", "energy_tce", "energy_tce_equal", "feedstock_tce", "non_industrial_tce",
    "renewable_electricity_kwh", "renewable_tce", "electricity_kwh",
    "net_purchased_electricity_kwh", "net_purchased_heat_gj", "co2_t", "co2_scope1_t",
    "co2_scope2_t", "co2_combustion_t", "co2_process_t", "co2_electricity_t", "co2_heat_t",
    "value_added_10k_yuan", "output_value_10k_yuan", "energy_per_va", "co2_per_va",
)
ROLLUP_FIELDS = (
    "level", "unit_id", "unit_name", "year", "enterprises", "energy_tce", "energy_tce_equal", "feedstock_tce",
    "renewable_tce", "electricity_kwh", "co2_t", "co2_scope1_t", "co2_scope2_t",
    "co2_process_t", "value_added_10k_yuan", "energy_tce_with_va", "co2_t_with_va",
    "energy_per_va", "co2_per_va",
)


def records(frame: pd.DataFrame, fields: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    cols = [c for c in (fields or tuple(frame.columns)) if c in frame.columns]
    return [{c: clean(v) for c, v in zip(cols, row, strict=True)}
            for row in frame[cols].itertuples(index=False, name=None)]


def _select_years(frame: pd.DataFrame, years: list[int] | None) -> pd.DataFrame:
    return frame if not years else frame[frame["year"].isin(years)]


def account_document(result: AccountResult, years: list[int] | None = None) -> dict[str, Any]:
    """The JSON document of an account run (docs/accounting.md, "Outputs")."""
    yearly = _select_years(result.yearly, years)
    usage = _select_years(result.factor_ids, years)
    ids = {(e, int(y)): list(f) for e, y, f in usage.itertuples(index=False)}
    ents = records(yearly, ENTERPRISE_FIELDS)
    for rec in ents:
        rec["factor_ids"] = ids.get((rec["entity_id"], rec["year"]), [])
    rollups = {lvl: records(_select_years(df, years), ROLLUP_FIELDS)
               for lvl, df in result.rollups.items()}
    return {
        "qingshan_version": __version__,
        "years": years or sorted(int(y) for y in result.yearly["year"].unique()),
        "factor_set": result.factor_set,
        "factors": result.citations,
        "notes": [n for n in result.notes if not years or n["year"] in years],
        "enterprises": ents,
        "rollups": rollups,
        "products": records(_select_years(result.products, years)),
    }


def write_json(result: AccountResult, path: str | Path, years: list[int] | None = None) -> Path:
    doc = account_document(result, years)
    text = json.dumps(doc, ensure_ascii=False, indent=1)

    def write(p: Path) -> None:
        p.write_text(text, encoding="utf-8")

    return write_atomic(path, write)


def write_csv(result: AccountResult, path: str | Path, years: list[int] | None = None) -> Path:
    """Enterprise-year accounts as one CSV (UTF-8 with BOM so Excel opens it in Chinese)."""
    frame = _select_years(result.yearly, years)
    cols = [c for c in ENTERPRISE_FIELDS if c in frame.columns]
    return write_atomic(path, lambda p: frame[cols].to_csv(p, index=False, encoding="utf-8-sig"))


def _labelled(frame: pd.DataFrame, fields: tuple[str, ...] | None = None) -> pd.DataFrame:
    cols = [c for c in (fields or tuple(frame.columns)) if c in frame.columns]
    return frame[cols].rename(columns={c: label(c) for c in cols})


def write_xlsx(result: AccountResult, path: str | Path, years: list[int] | None = None, *,
               monthly: bool = True) -> Path:
    """A workbook: read-me, enterprise years (and months unless ``monthly`` is false),
    roll-ups, products and the citation of every factor row used."""
    meta = [
        (tr("软件版本", "Qingshan version"), __version__),
        (tr("因子集", "factor set"), f"{result.factor_set['name']} {result.factor_set['version']}"),
        (tr("电网因子口径", "grid factor series"),
         f"{result.factor_set['grid_series']} / {result.factor_set['grid_region']}"),
    ]
    meta += [(f"{tr('因子文件', 'factor file')} {k}", f"sha256 {v}") for k, v in result.factor_set["files"].items()]
    meta += [(tr("说明", "note"), n[tr("zh", "en")]) for n in result.notes if not years or n["year"] in years]
    citations = pd.DataFrame([{"factor_id": k, **v} for k, v in sorted(result.citations.items())])
    sheets: list[tuple[str, pd.DataFrame]] = [
        (tr("说明", "About"), pd.DataFrame(meta, columns=[tr("项目", "item"), tr("内容", "value")])),
        (tr("企业年度", "Enterprise years"), _labelled(_select_years(result.yearly, years), ENTERPRISE_FIELDS)),
    ]
    if monthly:
        sheets.append((tr("企业月度", "Enterprise months"), _labelled(_select_years(result.monthly, years))))
    for lvl, name_zh, name_en in (("city", "城市", "City"), ("district", "区县", "Districts"),
                                  ("park", "园区", "Parks"), ("industry", "行业", "Industries")):
        sheets.append((tr(name_zh, name_en), _labelled(_select_years(result.rollups[lvl], years), ROLLUP_FIELDS)))
    sheets.append((tr("单位产品", "Products"), _labelled(_select_years(result.products, years))))
    sheets.append((tr("因子来源", "Factors used"), citations))

    return write_workbook(path, sheets)


def write_monthly_csv(result: AccountResult, path: str | Path, years: list[int] | None = None) -> Path:
    """Enterprise-month accounts as CSV (UTF-8 with BOM), for volumes Excel handles slowly."""
    frame = _select_years(result.monthly, years)
    return write_atomic(path, lambda p: frame.rename(columns={c: label(c) for c in frame.columns})
                        .to_csv(p, index=False, encoding="utf-8-sig"))
