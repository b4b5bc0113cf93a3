"""``qingshan profile show | check | diff``: what a jurisdiction profile selects, whether
every selection is valid, and where two profiles differ."""

from __future__ import annotations

import json
import sys

import click

from qingshan.cli.console import console, problems_table, table
from qingshan.cli.main import main
from qingshan.cli.options import EXIT_INVALID, handles_errors
from qingshan.errors import Problem, ValidationError
from qingshan.i18n import tr
from qingshan.profiles.check import check_profile
from qingshan.profiles.diff import diff_profiles
from qingshan.profiles.profile import keys, load_profile, shipped_profiles
from qingshan.rulefile import name_or_path


def _year_range(_ctx: click.Context, _param: click.Parameter, value: str) -> range:
    """'2020-2030' or '2024' as a range of data years; anything else is a usage error."""
    lo, sep, hi = value.partition("-")
    try:
        first, last = int(lo), int(hi) if sep else int(lo)
    except ValueError:
        first, last = 0, -1
    if not 1990 <= first <= last <= 2100:
        raise click.BadParameter(tr("数据年份写作 2020-2030 或 2024（1990–2100，由小到大）",
                                    "write data years as 2020-2030 or 2024 (1990–2100, first to last)"))
    return range(first, last + 1)


@main.group()
def profile() -> None:
    """司法辖区配置 / jurisdiction profiles (docs/profiles.md)."""


@profile.command("list")
def list_profiles() -> None:
    """列出内置配置 / the shipped profiles."""
    rows = []
    for pid in shipped_profiles():
        p = load_profile(pid)
        rows.append([pid, p.version, tr(p.own.zh, p.own.en), " → ".join(f.id for f in p.chain[1:]) or "—"])
    console.print(table(tr("内置配置", "Shipped profiles"), [tr("代码", "id"), tr("版本", "version"),
                                                          tr("名称", "name"), tr("上级", "inherits")], rows))


@profile.command()
@click.argument("name")
@click.option("--year", type=int, default=None, help="只看该数据年份的选择 / the selections for this data year")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handles_errors
def show(name: str, year: int | None, fmt: str) -> None:
    """显示配置的全部选择及其依据 / every selection of a profile, with its source."""
    p = load_profile(name_or_path(name))
    if fmt == "json":
        doc = p.describe(year)
        doc["timelines"] = {k: [{"value": e.value, "from": e.first_year, "to": e.last_year, "source": e.source,
                                 "borrowed": e.borrowed or None, "defined_in": e.defined_in} for e in es]
                            for k, es in p.timelines.items()}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    console.print(tr(f"配置 {p.id} {p.version}：{p.own.zh}（继承 {' → '.join(f.id for f in p.chain[1:]) or '无'}）",
                     f"profile {p.id} {p.version}: {p.own.en} "
                     f"(inherits {' → '.join(f.id for f in p.chain[1:]) or 'none'})"))
    rows = []
    for k in keys():
        for e in p.timelines.get(k, ()):
            if year is not None and not e.covers(year):
                continue
            period = f"{e.first_year}–{e.last_year or ''}"
            value = e.value + (tr("（借用）", " (borrowed)") if e.borrowed else "")
            rows.append([k, value, period, e.defined_in, e.source])
    console.print(table(tr("选择", "Selections"), [tr("键", "key"), tr("值", "value"), tr("适用年份", "years"),
                                                  tr("定义于", "defined in"), tr("依据", "source")], rows))
    for n in p.own.notes:
        console.print(f"  • {n}")


@profile.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--to-year", type=int, default=2030, show_default=True, help="检查到该数据年份 / check up to this year")
@handles_errors
def check(names: tuple[str, ...], to_year: int) -> None:
    """校验配置：一次列出全部问题 / check profiles, listing every problem."""
    problems: list[Problem] = []
    for name in names:  # a file that does not load is reported with the others, not instead of them
        try:
            p = load_profile(name_or_path(name))
        except ValidationError as exc:
            problems += exc.problems
            continue
        problems += check_profile(p, last_year=to_year)
    if problems:
        console.print(problems_table(problems, limit=500))
        console.print(tr(f"[red]未通过：{len(problems)} 个问题[/]", f"[red]failed: {len(problems)} problems[/]"))
        sys.exit(EXIT_INVALID)
    console.print(tr("[green]通过：没有发现问题[/]", "[green]passed: no problems found[/]"))


@profile.command()
@click.argument("a")
@click.argument("b")
@click.option("--years", default="2020-2030", show_default=True, callback=_year_range,
              help="比较的数据年份 / data years compared (2020-2030, or one year)")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handles_errors
def diff(a: str, b: str, years: range, fmt: str) -> None:
    """比较两个配置（或同一配置的两个版本文件）/ where two profiles (or two versions) differ."""
    pa, pb = load_profile(name_or_path(a)), load_profile(name_or_path(b))
    rows = diff_profiles(pa, pb, years)
    if fmt == "json":
        click.echo(json.dumps({"a": pa.describe(), "b": pb.describe(), "differences": rows}, ensure_ascii=False,
                              indent=1))
        return
    if not rows:
        console.print(tr("两个配置的选择相同", "the two profiles select the same"))
        return
    console.print(table(tr(f"{pa.id} {pa.version} 与 {pb.id} {pb.version} 的差异",
                           f"{pa.id} {pa.version} vs {pb.id} {pb.version}"),
                        [tr("键", "key"), tr("年份", "years"), pa.id, pb.id],
                        [[r["key"], f"{r['from']}–{r['to']}", str(r["a"] or "—"), str(r["b"] or "—")] for r in rows]))
