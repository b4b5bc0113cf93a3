"""``qingshan validate`` and ``qingshan account``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from qingshan.city import City
from qingshan.cli.console import console, err_console, problems_table, profile_line
from qingshan.cli.main import main
from qingshan.cli.options import (
    EXIT_INVALID,
    city_argument,
    city_options,
    emit,
    handles_errors,
    open_city,
    output_options,
    profile_options,
)
from qingshan.documents import accounts as accounts_doc
from qingshan.i18n import tr


def _years(text: str | None) -> list[int] | None:
    """'2020-2025' or '2021,2023' or '2024'."""
    if not text:
        return None
    try:
        if "-" in text:
            a, b = text.split("-", 1)
            return list(range(int(a), int(b) + 1))
        return [int(t) for t in text.split(",")]
    except ValueError as exc:
        msg = tr("年份应写作 2020-2025 或 2021,2023", "write years as 2020-2025 or 2021,2023")
        raise click.BadParameter(msg) from exc


@main.command()
@city_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@profile_options
@handles_errors
def validate(city_path: Path | None, fmt: str, profile: str | Path | None, factor_set: str | None,
             factors: Path | None) -> None:
    """校验数据包，一次列出全部问题 / check a data package and list every problem."""
    city = City.open(city_path, profile=profile, factor_set=factor_set, factors=factors)
    pkg, problems = city.check()
    n_err = sum(p.severity == "error" for p in problems)
    if fmt == "json":
        click.echo(json.dumps({"package": str(city.package_path), "profile": city.profile.describe(),
                               "errors": n_err, "warnings": len(problems) - n_err,
                               "problems": [p.to_dict() for p in problems]}, ensure_ascii=False, indent=1,
                              allow_nan=False))
    else:
        if problems:
            console.print(problems_table(problems, limit=200))
        rows = pkg.rows()
        console.print(tr("各表行数：", "rows per table: ") + ", ".join(f"{k} {v}" for k, v in rows.items()))
        if n_err:
            console.print(tr(f"[red]未通过：{n_err} 个错误、{len(problems) - n_err} 个警告[/]",
                             f"[red]failed: {n_err} errors, {len(problems) - n_err} warnings[/]"))
        elif problems:
            console.print(tr(f"[yellow]通过，但有 {len(problems)} 个警告[/]",
                             f"[yellow]passed with {len(problems)} warnings[/]"))
        else:
            console.print(tr("[green]通过：没有发现问题[/]", "[green]passed: no problems found[/]"))
    sys.exit(EXIT_INVALID if n_err else 0)


@main.command()
@city_argument
@click.option("--year", "year_text", default=None,
              help="核算年份 / year(s), e.g. 2024 or 2020-2025 (default: every year)")
@output_options(("json", "xlsx", "csv"))
@city_options
@handles_errors
def account(city_path: Path | None, year_text: str | None, fmt: str, out: Path | None, profile: str | Path | None,
            db: str | None, factor_set: str | None, factors: Path | None, accept_warnings: bool) -> None:
    """核算企业与各级汇总的能耗和排放 / energy and CO2 accounts for enterprises and roll-ups."""
    from qingshan.reports.accounts import csv_frame, write_csv, write_xlsx

    years = _years(year_text)
    if fmt == "xlsx" and out is None:
        raise click.UsageError(tr("xlsx 格式须给出 --out 文件", "--format xlsx needs --out FILE"))
    city = open_city(city_path, profile=profile, db=db, factor_set=factor_set, factors=factors,
                     accept_warnings=accept_warnings)
    with city:
        result = city.accounts()
        if years and not set(years) & set(city.years):
            err_console.print(tr(f"[yellow]数据包中没有 {year_text} 年的能耗数据[/]",
                                 f"[yellow]the package has no energy data for {year_text}[/]"))
        if fmt == "json":
            emit(accounts_doc.build(city, years), fmt, out)
        elif out is None:  # csv to stdout, escaped as the file is
            click.echo(csv_frame(result, years).to_csv(index=False), nl=False)
        else:
            path = (write_xlsx(result, out, years, header=city.header()) if fmt == "xlsx"
                    else write_csv(result, out, years))
            err_console.print(tr(f"已写出 {path}", f"wrote {path}"))
        err_console.print(profile_line(city.header()))
