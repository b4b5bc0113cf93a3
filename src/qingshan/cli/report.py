"""``qingshan report city|district|park|enterprise|evaluation|screen``: the printable reports
as PDF or Word (docs/reports.md), made from the same documents as the web's
(:mod:`qingshan.reports.printable`), in the language of ``qingshan --lang``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from qingshan.cli.console import err_console
from qingshan.cli.main import main
from qingshan.cli.options import city_argument, city_options, handles_errors, open_city
from qingshan.i18n import language, tr
from qingshan.reports import printable
from qingshan.reports.files import write_bytes
from qingshan.reports.formats import PRINT_FORMATS, render


def _out_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--out", type=click.Path(path_type=Path), default=None,
                     help="输出文件（缺省：当前目录下的 qingshan-<报告>.<格式>）/ output file "
                          "(default: qingshan-<report>.<format> here)")(f)
    return click.option("--format", "fmt", type=click.Choice(PRINT_FORMATS), default="pdf", show_default=True,
                        help="PDF 或 Word / PDF or Word")(f)


def _write(kind: str, src: dict[str, Any], unit: str | None, fmt: str, out: Path | None) -> None:
    report = printable.build(kind, src, language(), unit)
    body = render(report, fmt)
    path = write_bytes(body, out or Path(f"qingshan-{kind}{'-' + unit if unit else ''}.{fmt}"))
    err_console.print(tr(f"已写出 {path}（{report.title}）", f"wrote {path} ({report.title})"))


def _area(kind: str, unit: str | None, city_path: Path | None, year: int | None, scheme: str | None, fmt: str,
          out: Path | None, **opened: Any) -> None:
    with open_city(city_path, **opened) as city:
        src = printable.sources(city, kind, unit, year, scheme)
    _write(kind, src, unit, fmt, out)


@main.group()
def report() -> None:
    """可打印的报告（PDF、Word）/ printable reports (PDF, Word)."""


@report.command("city")
@city_argument
@click.option("--year", type=int, default=None, help="报告年份（缺省：最近一年）/ year (default: the latest)")
@_out_options
@city_options
@handles_errors
def city_report(city_path: Path | None, year: int | None, fmt: str, out: Path | None, **opened: Any) -> None:
    """全市能源与碳排放年度报告 / the city's annual energy-and-carbon report."""
    _area("city", None, city_path, year, None, fmt, out, **opened)


def _unit_command(kind: str, zh: str, en: str) -> None:
    @report.command(kind, help=f"{zh} / {en}")
    @click.argument("unit", metavar="CODE")
    @city_argument
    @click.option("--year", type=int, default=None, help="报告年份（缺省：最近一年）/ year (default: the latest)")
    @_out_options
    @city_options
    @handles_errors
    def command(unit: str, city_path: Path | None, year: int | None, fmt: str, out: Path | None,
                **opened: Any) -> None:
        _area(kind, unit, city_path, year, None, fmt, out, **opened)


_unit_command("district", "区县能源与碳排放报告（区县代码）", "a district's report (its code)")
_unit_command("park", "园区能源与碳排放报告（园区代码）", "a park's report (its code)")


@report.command("enterprise")
@click.argument("unit", metavar="ENTITY_ID")
@city_argument
@_out_options
@city_options
@handles_errors
def enterprise_report(unit: str, city_path: Path | None, fmt: str, out: Path | None, **opened: Any) -> None:
    """企业画像 / an enterprise's report card."""
    _area("enterprise", unit, city_path, None, None, fmt, out, **opened)


@report.command("evaluation")
@city_argument
@click.option("--year", type=int, default=None, help="评价年份（缺省：最近一年）/ year (default: the latest)")
@click.option("--scheme", default=None, help="内置评价方案名称 / a shipped scheme's name")
@_out_options
@city_options
@handles_errors
def evaluation_report(city_path: Path | None, year: int | None, scheme: str | None, fmt: str, out: Path | None,
                      **opened: Any) -> None:
    """亩均评价公示名单 / the evaluation notice list."""
    _area("evaluation", None, city_path, year, scheme, fmt, out, **opened)


@report.command("screen")
@click.argument("project_file", metavar="PROJECT", type=click.Path(exists=True, path_type=Path))
@city_argument
@_out_options
@city_options
@handles_errors
def screen_report(project_file: Path, city_path: Path | None, fmt: str, out: Path | None, **opened: Any) -> None:
    """项目节能审查与碳排放评价意见 / a project's screening verdict."""
    from qingshan.documents import screening as screening_doc

    project = screening_doc.read_project(project_file)
    with open_city(city_path, **opened) as city:
        doc = screening_doc.build(city, project)
    _write("screen", {"screening": doc}, None, fmt, out)
