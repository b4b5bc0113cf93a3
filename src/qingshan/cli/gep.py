"""``qingshan gep account | compare | export`` and ``qingshan sinks estimate``: GEP accounts of
the city's ecological package and carbon-sink project estimates (docs/gep/engine.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from qingshan.city import City
from qingshan.cli.console import console, err_console, table
from qingshan.cli.console import fmt as num
from qingshan.cli.main import main
from qingshan.cli.options import PROFILE_OPTIONS, city_argument, emit, handles_errors, needs_out, output_options
from qingshan.documents import gep as gep_doc
from qingshan.i18n import tr
from qingshan.reports.gep import write_export

_PRICES = click.option("--prices", default=None,
                       help="价格集，覆盖配置的 ecology.gep_prices / price set overriding the profile's (ganzi_2010…)")
_ENGINE = click.option("--engine", type=click.Choice(["numpy", "dask"]), default="numpy", show_default=True,
                       help="栅格计算：rasterio 分块 numpy，或 dask / raster kernels on numpy windows or dask")
_ACCEPT = click.option("--accept-double-count", "accept", multiple=True, metavar="A+B",
                       help="明确接受的可能重复计算的服务对，如 water_conservation+water_supply / "
                            "a double-count pair accepted explicitly (repeatable)")
_PROFILE = PROFILE_OPTIONS[0]


def _pairs(accept: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    out = []
    for text in accept:
        a, sep, b = text.partition("+")
        if not sep or not a or not b:
            raise click.BadParameter(tr(f"应为 服务+服务：{text}", f"expected service+service: {text}"))
        out.append((a.strip(), b.strip()))
    return tuple(out)


def _warn(doc: dict[str, Any]) -> None:
    for p in doc["problems"]:
        err_console.print(f"[yellow]{p['code']}[/] {p['value']}: {tr(p['expected_zh'], p['expected_en'])}")
_YI = 1e8  # 亿元


def _open(city_path: Path | None, profile: str | Path | None) -> City:
    return City.open(city_path, profile=profile)


def _line(doc: dict[str, Any]) -> str:
    p, s = doc["profile"], doc["price_set"]
    digest = doc["eco_package"]["digest"]
    return tr(f"配置：{p['id']} {p['version']}；价格集：{s['name']}（{s['index']} 指数调整）；生态数据包 {digest}",
              f"profile: {p['id']} {p['version']}; price set: {s['name']} (indexed by {s['index']}); "
              f"ecological package {digest}")


def _named_rows(items: list[dict[str, Any]], key: str) -> list[list[str]]:
    return [[tr(r["zh"], r["en"]) if r["zh"] != r["en"] else f"{r['zh']}（{r[key]}）",
             num((r["value_yuan"] or 0) / _YI, 2)] for r in items]


@main.group()
def gep() -> None:
    """生态系统生产总值（GEP）核算 / gross ecosystem product accounts."""


@gep.command("account")
@city_argument
@click.option("--year", type=int, required=True, help="核算年份 / accounting year")
@_PRICES
@_ENGINE
@_ACCEPT
@output_options(("json",))
@_PROFILE
@handles_errors
def account(city_path: Path | None, year: int, prices: str | None, engine: str, accept: tuple[str, ...], fmt: str,
            out: Path | None, profile: str | Path | None) -> None:
    """核算一年的 GEP：按服务、区县、生态系统 / one year's GEP by service, district and ecosystem."""
    with _open(city_path, profile) as city:
        doc = gep_doc.account_document(city, year, prices=prices, engine=engine, accept=_pairs(accept))
    if out is not None:
        console.print(tr(f"{year} 年 GEP：{num(doc['gep_yuan'] / _YI, 2)} 亿元",
                         f"GEP {year}: {num(doc['gep_yuan'] / _YI, 2)} × 10⁸ yuan"))
        console.print(table(tr("按服务（亿元）", "By service (10⁸ yuan)"), [tr("服务", "service"), tr("价值", "value")],
                            _named_rows(doc["by_service"], "service")))
        console.print(table(tr("按区县（亿元）", "By district (10⁸ yuan)"),
                            [tr("区县", "district"), tr("价值", "value")],
                            _named_rows(doc["by_district"], "district")))
    for m in doc["not_accounted"]:
        err_console.print(tr(f"[yellow]未核算[/] {m['zh']}：{m['why_zh']}",
                             f"[yellow]not accounted[/] {m['en']}: {m['why_en']}"))
    _warn(doc)
    emit(doc, fmt, out)
    err_console.print(_line(doc))


@gep.command("compare")
@city_argument
@click.option("--from", "y0", type=int, required=True, help="基期年份 / base year")
@click.option("--to", "y1", type=int, required=True, help="报告期年份 / target year")
@_PRICES
@_ENGINE
@_ACCEPT
@output_options(("json",))
@_PROFILE
@handles_errors
def compare(city_path: Path | None, y0: int, y1: int, prices: str | None, engine: str, accept: tuple[str, ...],
            fmt: str, out: Path | None, profile: str | Path | None) -> None:
    """两年 GEP 变化分解为功能量效应与价格效应 / the change of GEP split into quantity and price effects."""
    with _open(city_path, profile) as city:
        doc = gep_doc.comparison_document(city, y0, y1, prices=prices, engine=engine, accept=_pairs(accept))
    if out is not None:
        rows = [[tr(r["zh"], r["en"]), *(num((r[c] or 0) / _YI, 2) for c in
                                          ("value_base", "value_target", "change", "quantity_effect",
                                           "price_effect", "unsplit"))] for r in doc["by_service"]]
        console.print(table(tr(f"GEP 变化 {y0}→{y1}（亿元）", f"Change of GEP {y0}→{y1} (10⁸ yuan)"),
                            [tr("服务", "service"), str(y0), str(y1), tr("变化", "change"),
                             tr("功能量效应", "quantity"), tr("价格效应", "price"), tr("未分解", "unsplit")], rows))
        scope = [f"{tr(r['zh'], r['en'])} {num(r['scope_change'] / _YI, 2)}" for r in doc["by_service"]
                 if r["scope_change"]]
        if scope:
            console.print(tr("核算范围变化（只在一年核算的服务，亿元，不计入上表效应）：",
                             "Scope change (services accounted in one year only, 10⁸ yuan, not in the effects "
                             "above): ") + tr("、", ", ").join(scope))
    _warn(doc)
    emit(doc, fmt, out)
    err_console.print(_line(doc))


@gep.command("export")
@city_argument
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "json"]), default="xlsx", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="输出文件（csv 为文件夹）/ output file (a folder for csv)")
@_PRICES
@_ENGINE
@_ACCEPT
@_PROFILE
@handles_errors
def export(city_path: Path | None, fmt: str, out: Path, prices: str | None, engine: str, accept: tuple[str, ...],
           profile: str | Path | None) -> None:
    """导出各年 GEP、年际变化与 GDP–GEP 协调（表头随 --lang）/ export accounts, changes and coordination."""
    with _open(city_path, profile) as city:
        doc = gep_doc.export_document(city, prices=prices, engine=engine, accept=_pairs(accept))
    path = write_export(doc, fmt, out)
    err_console.print(tr(f"已写出 {path}", f"wrote {path}"))
    err_console.print(_line(doc))


@main.group()
def sinks() -> None:
    """碳汇项目（CCER 方法学）/ carbon-sink projects (CCER methodologies)."""


@sinks.command("estimate")
@click.argument("project", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_options(("json",))
@handles_errors
def estimate(project: Path, fmt: str, out: Path | None) -> None:
    """估算碳汇项目的碳汇量与减排量（t CO2e）/ a sink project's removals and reductions (t CO2e)."""
    needs_out(fmt, out)
    doc = gep_doc.sink_document(project)
    if out is not None:
        e = doc["estimate_tco2e"]
        rows = [[tr(zh, en), num(e[k], 1)] for k, zh, en in (
            ("project_sink", "项目碳汇量 ΔC_ACTUAL", "project sink"),
            ("baseline_sink", "基线碳汇量 ΔC_BSL", "baseline"),
            ("leakage", "泄漏 LK", "leakage"), ("reduction", "项目减排量 ΔC_AR", "reduction"),
            ("credited", "扣减后 / credited", "credited"))]
        console.print(table(tr(f"{doc['project']['name']}（{doc['methodology']['id']}，{doc['period']['from']}–"
                               f"{doc['period']['to']}，t CO2e）",
                               f"{doc['project'].get('name_en') or doc['project']['name']} "
                               f"({doc['methodology']['id']}, {doc['period']['from']}–{doc['period']['to']}, t CO2e)"),
                            [tr("项目", "item"), "t CO2e"], rows))
    emit(doc, fmt, out)
