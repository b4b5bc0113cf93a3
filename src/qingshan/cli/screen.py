"""``qingshan screen``: 节能审查 + 碳排放评价 of a proposed project against the city."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qingshan.cli.console import console, err_console, profile_line
from qingshan.cli.main import main
from qingshan.cli.options import city_options, handles_errors, needs_out, open_city, scheme_option
from qingshan.documents import screening as screening_doc
from qingshan.i18n import tr


@main.command()
@click.argument("project_file", metavar="PROJECT", type=click.Path(exists=True, path_type=Path))
@click.option("--package", "city_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="城市数据目录或数据包 / the city's data directory or package (default: QINGSHAN_DATA_DIR)")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx", "html"]), default="json", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出文件 / output file")
@click.option("--targets", "targets_file", type=click.Path(exists=True, path_type=Path), default=None,
              help="目标文件，覆盖配置 / targets file overriding the profile's")
@click.option("--growth", type=float, default=None,
              help="工业增加值年增速，用于测算对目标的影响 / value-added growth per year for the effect on targets "
                   "(default: the targets file's)")
@scheme_option("测算预期亩均类别的评价方案，覆盖配置：内置名称或 .toml 文件 / "
               "scheme for the expected 亩均 class, overriding the profile's (preset or .toml file)")
@city_options
@handles_errors
def screen(project_file: Path, city_path: Path | None, fmt: str, out: Path | None, targets_file: Path | None,
           growth: float | None, scheme: str | Path | None, profile: str | Path | None, db: str | None,
           factor_set: str | None, factors: Path | None, accept_warnings: bool) -> None:
    """新建项目节能审查与碳排放评价 / screen a proposed project (节能审查 + 碳排放评价)."""
    from qingshan.reports.screening import render_html, write_html, write_xlsx
    needs_out(fmt, out)
    project = screening_doc.read_project(project_file)
    city = open_city(city_path, profile=profile, db=db, factor_set=factor_set, factors=factors,
                     accept_warnings=accept_warnings)
    with city:
        if targets_file is not None:
            city.use_targets(targets_file)
        doc = screening_doc.build(city, project, scheme=scheme, growth=growth)
    if out is None:
        click.echo(render_html(doc) if fmt == "html"
                   else json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False))
        return
    from qingshan.reports.files import write_json

    path = {"json": write_json, "xlsx": write_xlsx, "html": write_html}[fmt](doc, out)
    style = {"approvable": "green", "conditions": "yellow", "not_approvable": "red"}[doc["verdict"]]
    console.print(f"[{style}]{tr('结论', 'verdict')}：{tr(doc['verdict_zh'], doc['verdict_en'])}[/]")
    for x in doc["reasons"]:
        if x["outcome"] in ("fail", "conditions"):
            console.print(f"  • {x['rule']}: {tr(x['zh'], x['en'])}")
    if doc.get("energy_right"):  # the 用能权 to buy and its price (a figure, docs/registries.md)
        console.print(f"  • R-ENERGY-RIGHT: {tr(doc['energy_right']['zh'], doc['energy_right']['en'])}")
    console.print(profile_line(doc))
    err_console.print(tr(f"已写出 {path}", f"wrote {path}"))
