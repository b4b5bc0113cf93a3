"""``qingshan evaluate``: 亩均论英雄, 碳效码 and differentiated measures under the profile."""

from __future__ import annotations

from pathlib import Path

import click

from qingshan.cli.console import console, err_console, profile_line, table
from qingshan.cli.console import fmt as num
from qingshan.cli.main import main
from qingshan.cli.options import (
    city_argument,
    city_options,
    emit,
    handles_errors,
    needs_out,
    open_city,
    output_options,
    scheme_option,
)
from qingshan.documents import evaluation as evaluation_doc
from qingshan.i18n import halves, tr


@main.command()
@city_argument
@click.option("--year", type=int, required=True, help="评价年份 / evaluation year")
@scheme_option("评价方案，覆盖配置：内置名称或 .toml 文件 / scheme overriding the profile's (preset or .toml file)")
@click.option("--adjustments", type=click.Path(exists=True, path_type=Path), default=None,
              help="加减分项 CSV / bonus and deduction counts")
@output_options(("json", "xlsx"))
@city_options
@handles_errors
def evaluate(city_path: Path | None, year: int, scheme: str | Path | None, adjustments: Path | None, fmt: str,
             out: Path | None, profile: str | Path | None, db: str | None, factor_set: str | None,
             factors: Path | None, accept_warnings: bool) -> None:
    """亩均论英雄评价、碳效码与差别化政策 / 亩均 evaluation, carbon grades and measures.

    The scheme, the 碳效码 configuration and the measures are the profile's for YEAR; only
    the measures of the profile's own province apply."""
    from qingshan.reports.evaluation import write_xlsx

    needs_out(fmt, out)
    city = open_city(city_path, profile=profile, db=db, factor_set=factor_set, factors=factors,
                     accept_warnings=accept_warnings)
    with city:
        ev = city.evaluation(year, scheme=scheme, adjustments=adjustments)
        doc = evaluation_doc.build(city, year, scheme=scheme, adjustments=adjustments)
    if out is None:
        emit(doc, fmt, None)
        err_console.print(profile_line(doc))
        return
    if fmt == "xlsx":
        path = write_xlsx(ev, out, header=doc)
        err_console.print(tr(f"已写出 {path}", f"wrote {path}"))
    else:
        emit(doc, fmt, out)
    s = doc["summary"]
    console.print(table(tr(f"{year} 年评价结果（{doc['scheme']['id']}）", f"Evaluation {year} ({doc['scheme']['id']})"),
                        [tr("分组", "segment"), "A", "B", "C", "D", "T"],
                        [[seg, *(str(c.get(k, 0)) for k in ("A", "B", "C", "D", "T"))]
                         for seg, c in s["classes"].items()]))
    if doc["measure_set"] is None:
        console.print(tr("本配置不含差别化电价", "this profile selects no differentiated measures"))
    else:
        sel = doc["profile"].get("selections", {}).get("evaluation.measures") or {}
        zh, en = _borrowed(sel.get("borrowed"))
        console.print(tr(f"差别化电价加价合计：{num(s['measures_total_yuan'])} 元（{doc['measure_set']['zh']}）{zh}",
                         f"electricity surcharges in total: {num(s['measures_total_yuan'])} yuan "
                         f"({doc['measure_set']['en']}){en}"))
    console.print(profile_line(doc))


def _borrowed(reason: str | None) -> tuple[str, str]:
    """What the total adds when the profile borrows the measures of another province: the
    reason, in Chinese and in English (a profile writes it as "中文 / English")."""
    if not reason:
        return "", ""
    zh, en = halves(reason)
    return f"（借用：{zh}）", f" (borrowed: {en})"
