"""``qingshan permits``: one year's discharge permits against execution reports, district
totals against quotas, the over-permit and over-quota lists and the 四个一批 batches
(docs/environment.md, "Permits and totals")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from qingshan.city import City
from qingshan.cli.console import console, err_console, table
from qingshan.cli.console import fmt as num
from qingshan.cli.main import main
from qingshan.cli.options import PROFILE_OPTIONS, _source, city_argument, emit, handles_errors, output_options
from qingshan.documents import permits as permits_doc
from qingshan.i18n import tr


def _summary(doc: dict[str, Any]) -> None:
    y, c = doc["year"], doc["counts"]
    console.print(tr(f"{y} 年：{c['permits']} 项许可，{c['over_permit']} 项超许可排放；"
                     f"{c['districts_over_quota']} 个区县污染物超总量指标",
                     f"{y}: {c['permits']} permitted enterprise-pollutants, {c['over_permit']} over their permit; "
                     f"{c['districts_over_quota']} district-pollutants over their quota"))
    rows = [[r["name"] or r["entity_id"], tr(r["pollutant_zh"], r["pollutant_en"]), num(r["permitted_t"], 2),
             num(r["actual_t"], 2), num((r["ratio"] or 0) * 100, 0) + "%"] for r in doc["over_permit"][:15]]
    if rows:
        console.print(table(tr("超许可排放（按超排比例排序）", "Over their permit (by ratio)"),
                            [tr("企业", "enterprise"), tr("污染物", "pollutant"), tr("许可量 t", "permitted t"),
                             tr("实际 t", "actual t"), tr("比例", "ratio")], rows))
    rows = [[r["name"] or r["entity_id"], tr(r["batch_zh"], r["batch_en"]), tr(r["reason_zh"], r["reason_en"])]
            for r in doc["four_batches"][:20]]
    if rows:
        console.print(table(tr("四个一批", "Four batches"), [tr("企业", "enterprise"), tr("批次", "batch"),
                                                           tr("理由", "reason")], rows))


@main.command()
@city_argument
@click.option("--year", type=int, required=True, help="年份 / year")
@click.option("--rules", default=None, callback=_source,
              help="四个一批规则，覆盖配置的 environment.four_batches：内置名称或 .toml 文件 / "
                   "四个一批 rules overriding the profile's (built-in name or .toml file)")
@output_options(("json", "xlsx"))
@PROFILE_OPTIONS[0]
@handles_errors
def permits(city_path: Path | None, year: int, rules: str | Path | None, fmt: str, out: Path | None,
            profile: str | Path | None) -> None:
    """排污许可与总量：超许可、超总量名单与四个一批 / discharge permits and totals: over-permit and over-quota lists."""
    with City.open(city_path, profile=profile) as city:
        doc = permits_doc.permits_document(city, year, rules=rules)
    if out is not None:
        _summary(doc)
    if doc["four_batches_rules"] is None:
        err_console.print(tr("[yellow]未分四个一批[/]：配置未选择 environment.four_batches",
                             "[yellow]no four batches[/]: the profile selects no environment.four_batches"))
    emit(doc, fmt, out)
