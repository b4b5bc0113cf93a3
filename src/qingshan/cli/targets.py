"""``qingshan targets``, ``decompose`` and ``project``: dual-control progress and warnings,
LMDI decomposition and pathways."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from qingshan.cli.console import console, err_console, profile_line, table
from qingshan.cli.console import fmt as num
from qingshan.cli.main import main
from qingshan.cli.options import city_argument, city_options, emit, handles_errors, needs_out, open_city, output_options
from qingshan.documents import lmdi as lmdi_doc
from qingshan.documents import pathways as pathways_doc
from qingshan.documents import targets as targets_doc
from qingshan.documents.targets import COLOUR_EN, COLOUR_ZH
from qingshan.errors import Problem, ValidationError
from qingshan.i18n import tr

_STYLE = {"red": "red", "yellow": "yellow", "green": "green"}


@main.command()
@city_argument
@click.option("--targets", "targets_file", type=click.Path(exists=True, path_type=Path), default=None,
              help="目标文件，覆盖配置 / targets file (TOML) overriding the profile's")
@click.option("--growth", type=float, default=None,
              help="目标年前工业增加值年增速 / value-added growth per year (default: the targets file's)")
@output_options(("json", "xlsx"))
@city_options
@handles_errors
def targets(city_path: Path | None, targets_file: Path | None, growth: float | None, fmt: str, out: Path | None,
            profile: str | Path | None, db: str | None, factor_set: str | None, factors: Path | None,
            accept_warnings: bool) -> None:
    """能耗与碳排放双控进度、预警与剩余空间 / dual-control progress, warnings and remaining room."""
    needs_out(fmt, out)
    city = open_city(city_path, profile=profile, db=db, factor_set=factor_set, factors=factors,
                     accept_warnings=accept_warnings)
    with city:
        if targets_file is not None:
            city.use_targets(targets_file)
        doc = targets_doc.build(city, growth)
    if doc["targets_file"] is None:
        err_console.print(tr("本配置未选择目标文件；用 --targets 给出",
                             "the profile selects no targets file; give --targets"))
    if doc["problems"]:  # the targets do not fit the data
        fields = ("code", "file", "row", "column", "value", "expected_zh", "expected_en", "severity")
        raise ValidationError([Problem(**{k: p[k] for k in fields}) for p in doc["problems"]])
    if out is not None:
        rows = [[tr(r["zh"], r["en"]), str(r["year"]), f"{r['actual_change']:+.1%}", f"{r['required_change']:+.1%}",
                 f"{r['gap_share']:+.1%}",
                 f"[{_STYLE[r['colour']]}]{tr(COLOUR_ZH[r['colour']], COLOUR_EN[r['colour']])}[/]"]
                for r in doc["latest"]]
        console.print(table(tr("目标进度（最新年份）", "Progress (latest year)"),
                            [tr("目标", "target"), tr("年份", "year"), tr("实际变化", "actual"),
                             tr("进度目标", "required"), tr("差距/进度目标", "gap share"), tr("预警", "colour")], rows))
    sheets = [(tr("预警", "Warnings"), pd.DataFrame(doc["warnings"])),
              (tr("年度进度", "Yearly"), pd.DataFrame(doc["yearly"])),
              (tr("滚动12个月", "Rolling 12 months"), pd.DataFrame(doc["rolling_12_months"])),
              (tr("剩余空间", "Remaining room"), pd.DataFrame(doc["remaining_room"]))]
    emit(doc, fmt, out, sheets)
    err_console.print(profile_line(doc))


@main.command()
@city_argument
@click.option("--from", "y0", type=int, required=True, help="基期年份 / base year")
@click.option("--to", "y1", type=int, required=True, help="比较年份 / target year")
@click.option("--by", type=click.Choice(lmdi_doc.BY), default="industry", show_default=True)
@click.option("--district", default=None, help="只分解该区县（按行业）/ within this district (by industry)")
@output_options(("json", "xlsx"))
@city_options
@handles_errors
def decompose(city_path: Path | None, y0: int, y1: int, by: str, district: str | None, fmt: str, out: Path | None,
              profile: str | Path | None, db: str | None, factor_set: str | None, factors: Path | None,
              accept_warnings: bool) -> None:
    """LMDI 因素分解：能耗与二氧化碳变化的驱动因素 / LMDI decomposition of energy and CO2 changes."""
    needs_out(fmt, out)
    city = open_city(city_path, profile=profile, db=db, factor_set=factor_set, factors=factors,
                     accept_warnings=accept_warnings)
    with city:
        doc = lmdi_doc.build(city, y0, y1, by, district)
    es, cs = doc["energy"]["summary"], doc["co2"]["summary"]
    if out is not None:
        for title, s, unit in ((tr("能耗变化分解", "Energy change"), es, "tce"),
                               (tr("二氧化碳变化分解", "CO2 change"), cs, "t")):
            rows = [[k, num(v)] for k, v in s["additive"].items()]
            rows += [[tr("未分解", "not decomposed"), num(s["not_decomposed"])],
                     [tr("合计", "total"), num(s["change"])]]
            console.print(table(f"{title} {y0}→{y1} ({unit})", [tr("效应", "effect"), unit], rows))
    summary = pd.DataFrame([{"quantity": q, **s["additive"], "not_decomposed": s["not_decomposed"],
                             "change": s["change"]} for q, s in (("energy_tce", es), ("co2_t", cs))])
    emit(doc, fmt, out, [(tr("汇总", "Summary"), summary), (tr("能耗", "Energy"), pd.DataFrame(doc["energy"]["cells"])),
                         (tr("二氧化碳", "CO2"), pd.DataFrame(doc["co2"]["cells"]))])
    err_console.print(profile_line(doc))


@main.command()
@city_argument
@click.option("--scenario", "scenario_names", multiple=True, required=True,
              help="情景：内置名称或 .toml 文件，可多个 / scenario (shipped name or TOML file), may be repeated")
@output_options(("json", "xlsx"))
@city_options
@handles_errors
def project(city_path: Path | None, scenario_names: tuple[str, ...], fmt: str, out: Path | None,
            profile: str | Path | None, db: str | None, factor_set: str | None, factors: Path | None,
            accept_warnings: bool) -> None:
    """能耗与二氧化碳排放路径、达峰年份与不确定性区间 / pathways, peak year and Monte Carlo bands."""
    needs_out(fmt, out)
    scenarios = pathways_doc.scenarios(list(scenario_names), files=True)
    city = open_city(city_path, profile=profile, db=db, factor_set=factor_set, factors=factors,
                     accept_warnings=accept_warnings)
    with city:
        doc = pathways_doc.build(city, scenarios)
    runs = doc["scenarios"]
    if out is not None:
        rows = [[tr(r["zh"], r["en"]), str(r["summary"]["co2_peak_year"]), num(r["summary"]["co2_peak_t"] / 1e4),
                 f"{r['summary']['co2_peak_year_p5']}–{r['summary']['co2_peak_year_p95']}",
                 num(r["years"][-1]["co2_t"] / 1e4)] for r in runs]
        horizon = runs[0]["years"][-1]["year"]
        console.print(table(tr(f"二氧化碳排放路径（基年 {doc['base_year']}）",
                               f"CO2 pathways (base year {doc['base_year']})"),
                            [tr("情景", "scenario"), tr("达峰年份", "peak year"), tr("峰值（万吨）", "peak (10k t)"),
                             tr("达峰年份 p5–p95", "peak year p5–p95"),
                             tr(f"{horizon} 年（万吨）", f"{horizon} (10k t)")],
                            rows))
    sheets = [(tr("达峰", "Peaks"), pd.DataFrame([r["summary"] for r in runs]))]
    sheets += [(r["id"], pd.DataFrame(r["years"])) for r in runs]
    emit(doc, fmt, out, sheets)
    err_console.print(profile_line(doc))
