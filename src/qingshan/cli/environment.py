"""``qingshan air`` and ``qingshan water``: one year's ambient-air and surface-water
assessment of the city's monitoring tables (docs/environment.md, "Engines and commands")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pandas as pd

from qingshan.cli.console import console, err_console, profile_line, table
from qingshan.cli.console import fmt as num
from qingshan.cli.main import main
from qingshan.cli.options import city_argument, city_options, emit, handles_errors, needs_out, open_city, output_options
from qingshan.documents import air as air_doc
from qingshan.documents import water as water_doc
from qingshan.i18n import tr

_YEAR = click.option("--year", type=int, required=True, help="评价年份 / assessment year")


def _pct(v: Any) -> str:
    return "—" if v is None else f"{100 * v:.1f}%"


def _verdict(v: Any) -> str:
    return "—" if v is None else tr("达标", "meets") if v else tr("超标", "exceeds")


def _air_rows(doc: dict[str, Any]) -> list[list[str]]:
    units = ([doc["city"]] if doc["city"] else []) + doc["districts"]
    return [[tr(u["name"], u["name_en"]), str(u["days"]), _pct(u["good_day_ratio"]), num(u["composite_index"], 2),
             _verdict(u["complies"]), u["exceeding"] or "", str(u.get("rank") or "")] for u in units]


@main.command("air")
@city_argument
@_YEAR
@output_options(("json", "xlsx"))
@city_options
@handles_errors
def air(city_path: Path | None, year: int, fmt: str, out: Path | None, profile: str | Path | None, db: str | None,
        factor_set: str | None, factors: Path | None, accept_warnings: bool) -> None:
    """环境空气质量：日 AQI 与年度评价（HJ 633、GB 3095）/ daily AQI and the annual air assessment."""
    needs_out(fmt, out)
    with open_city(city_path, profile=profile, db=db, factor_set=factor_set, factors=factors,
                   accept_warnings=accept_warnings) as city:
        doc = air_doc.build(city, year)
    if out is not None:
        console.print(table(tr(f"{year} 年环境空气质量（{doc['gb3095']['edition']} 二级）",
                               f"Ambient air {year} ({doc['gb3095']['edition']} grade II)"),
                            [tr("城市/区县", "city/district"), tr("有效天数", "days"), tr("优良天数比例", "good days"),
                             tr("综合指数", "index"), tr("达标", "compliance"), tr("超标污染物", "exceeding"),
                             tr("排名", "rank")], _air_rows(doc)))
    for e in doc["aqi_standard"]["editions"]:
        err_console.print(tr(f"{e['edition']}：{e['first_day']} 至 {e['last_day']}，{e['days']} 天",
                             f"{e['edition']}: {e['first_day']} to {e['last_day']}, {e['days']} days"))
    sheets = [(tr("年度评价", "Annual"), pd.DataFrame([*([doc["city"]] if doc["city"] else []), *doc["districts"],
                                                      *doc["stations"]])),
              (tr("统计量", "Statistics"), pd.DataFrame(doc["statistics"])),
              (tr("城市日AQI", "City daily AQI"), pd.DataFrame(doc["days"]["city"])),
              (tr("区县日AQI", "District daily AQI"), pd.DataFrame(doc["days"]["districts"])),
              (tr("站点日AQI", "Station daily AQI"), pd.DataFrame(doc["days"]["stations"]))]
    emit(doc, fmt, out, sheets)
    err_console.print(profile_line(doc))


def _water_rows(doc: dict[str, Any]) -> list[list[str]]:
    units = ([doc["city"]] if doc["city"] else []) + doc["districts"]
    return [[u["name"], str(u["sections"]), num(u["i_iii"], 1), num(u["worse_v"], 1),
             num(u["meeting_target_pct"], 1), tr(u["grade"], u["grade_en"]) if u["grade"] else "—"] for u in units]


@main.command("water")
@city_argument
@_YEAR
@output_options(("json", "xlsx"))
@city_options
@handles_errors
def water(city_path: Path | None, year: int, fmt: str, out: Path | None, profile: str | Path | None, db: str | None,
          factor_set: str | None, factors: Path | None, accept_warnings: bool) -> None:
    """地表水环境质量：断面类别、目标达标与比例（GB 3838-2002）/ surface-water classes, compliance and shares."""
    needs_out(fmt, out)
    with open_city(city_path, profile=profile, db=db, factor_set=factor_set, factors=factors,
                   accept_warnings=accept_warnings) as city:
        doc = water_doc.build(city, year)
    if out is not None:
        console.print(table(tr(f"{year} 年地表水环境质量（GB 3838-2002）", f"Surface water {year} (GB 3838-2002)"),
                            [tr("城市/区县", "city/district"), tr("断面数", "sections"), tr("Ⅰ–Ⅲ类 %", "I–III %"),
                             tr("劣Ⅴ类 %", "worse than V %"), tr("达到目标 %", "meeting target %"),
                             tr("水质状况", "grade")], _water_rows(doc)))
    sheets = [(tr("城市与区县", "City and districts"), pd.DataFrame([*([doc["city"]] if doc["city"] else []),
                                                                   *doc["districts"]])),
              (tr("断面年度", "Sections"), pd.DataFrame(doc["sections"])),
              (tr("断面月度", "Section months"), pd.DataFrame(doc["months"])),
              (tr("超标倍数", "Exceedances"), pd.DataFrame(doc["exceedances"])),
              (tr("样品", "Samples"), pd.DataFrame(doc["samples"]))]
    emit(doc, fmt, out, sheets)
    err_console.print(profile_line(doc))
