"""``qingshan registry``: the rights registry in the application database (docs/registries.md).

- ``registry verify [CITY]`` checks the ledger's hash chain, block lineage and serials, the
  requests and accounts against their ledger rows, and reconciles every account and right;
  it exits 1 listing each coded break;
- ``registry balances [CITY]`` gives each account's reconciled balance by right and vintage
  (or, if the books do not reconcile, the breaks and exit 1: never a number);
- ``registry green-finance [CITY] --year Y`` gives the green credit and insurance lists of
  the profile's rule file (``registry.green_finance``), each listing with its reason, as
  text, JSON, or for banks as a workbook or CSV (docs/registries.md, "Green finance");
- ``registry allocate [CITY] --year Y`` gives the free 用能权 allocation of a vintage under the
  profile's allocation rules (``registry.allocation``), enterprise by enterprise with every
  figure and its source (docs/registries.md, "Allocation");
- ``registry compliance [CITY] --period Y`` gives each holder's obligation, surrendered,
  offsets, shortfall, status and penalty (docs/registries.md, "Compliance").

These only read (a read-only session takes no write lock).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from qingshan.app import database
from qingshan.cli.console import console, table
from qingshan.cli.main import main
from qingshan.cli.options import _source, data_dir_of, handles_errors
from qingshan.i18n import tr
from qingshan.registry import ReconciliationError, balances, totals, verify
from qingshan.registry.models import Account, LedgerRow
from qingshan.registry.refusals import Break

city_argument = click.argument("city_path", metavar="CITY", required=False, type=click.Path(path_type=Path))


def _url(city_path: Path | None) -> str:
    url = database.app_url(data_dir_of(city_path))
    database.check_current(url)
    return url


def _breaks(breaks: list[Break] | tuple[Break, ...]) -> None:
    for b in breaks:
        console.print(f"[red]{b.message()}[/]")
    sys.exit(1)


@main.group("registry")
def registry_group() -> None:
    """权益登记簿：用能权、用水权、排污权、碳配额、碳票 / the rights registry."""


@registry_group.command("verify")
@city_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handles_errors
def registry_verify(city_path: Path | None, fmt: str) -> None:
    """核对哈希链、编号与余额（发现问题时退出码为 1）/ check the chain, serials and balances (exit 1 on a break)."""
    with database.session(_url(city_path), read_only=True) as s:
        breaks = verify(s)
        rows = len(s.execute(select(LedgerRow.id)).all())
        shown = [] if breaks else totals(s)
    if fmt == "json":
        click.echo(json.dumps({"ledger_rows": rows, "breaks": [asdict(b) for b in breaks],
                               "totals": [asdict(t) for t in shown]}, ensure_ascii=False, indent=1))
        sys.exit(1 if breaks else 0)
    if breaks:
        _breaks(breaks)
    console.print(table(tr("发放与去向（编号单位）", "Issued and where it is (serial units)"),
                        [tr("辖区", "jurisdiction"), tr("权益", "right"), tr("年度", "vintage"), tr("发放", "issued"),
                         tr("持有", "held"), tr("保留", "reserved"), tr("清缴", "surrendered"),
                         tr("自愿注销", "retired"), tr("注销", "cancelled")],
                        [[t.jurisdiction, t.right, str(t.vintage), *(str(x) for x in (
                            t.issued, t.held, t.reserved, t.surrendered, t.retired, t.cancelled))] for t in shown]))
    console.print(tr(f"登记簿完好：{rows} 行账本，哈希链完整，余额平衡",
                     f"the registry holds: {rows} ledger rows, chain intact, every balance reconciles"))


@registry_group.command("balances")
@city_argument
@click.option("--right", "rights", multiple=True, help="只看该权益代码（可多次）/ only this right code (repeatable)")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handles_errors
def registry_balances(city_path: Path | None, rights: tuple[str, ...], fmt: str) -> None:
    """各账户余额（先核对再给出）/ each account's balance, reconciled before it is shown."""
    with database.session(_url(city_path), read_only=True) as s:
        try:
            got = balances(s, rights=list(rights) or None)
        except ReconciliationError as exc:
            _breaks(exc.breaks)
        names = {a.id: (a.holder, a.holder_name, a.kind, a.unit, a.serial_unit)
                 for a in s.execute(select(Account)).scalars()}
    if fmt == "json":
        click.echo(json.dumps([{**asdict(b), "holder": names[b.account_id][0], "kind": names[b.account_id][2],
                                "unit": names[b.account_id][3], "serial_unit": names[b.account_id][4]}
                               for b in got], ensure_ascii=False, indent=1))
        return
    console.print(table(tr("账户余额（编号单位）", "Account balances (serial units)"),
                        [tr("账户", "account"), tr("持有人", "holder"), tr("权益", "right"), tr("年度", "vintage"),
                         tr("持有", "held"), tr("保留", "reserved"), tr("质押", "pledged"), tr("租入", "leased"),
                         tr("冻结", "frozen"), tr("清缴", "surrendered"), tr("自愿注销", "retired"),
                         tr("注销", "cancelled")],
                        [[str(b.account_id), names[b.account_id][1], b.right, str(b.vintage),
                          *(str(x) for x in (b.held, b.reserved, b.pledged, b.leased, b.frozen, b.surrendered,
                                             b.retired, b.cancelled))] for b in got]))


@registry_group.command("green-finance")
@city_argument
@click.option("--year", type=int, required=True, help="评价年份 / the evaluation year")
@click.option("--rules", default=None, callback=_source,
              help="绿色金融名单规则，覆盖配置的 registry.green_finance：内置名称或 .toml 文件 / "
                   "green-finance rules overriding the profile's (a built-in name or a .toml file)")
@click.option("--list", "only", multiple=True, help="只列该名单（可多次）/ only this list id (repeatable)")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "xlsx", "csv"]), default="text",
              show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="输出文件（xlsx、csv 必填）/ output file (needed for xlsx and csv)")
@click.option("--profile", "profile", default=None, callback=_source,
              help="司法辖区配置：内置名称或 .toml 文件 / jurisdiction profile (shipped id or .toml file)")
@handles_errors
def registry_green_finance(city_path: Path | None, year: int, rules: str | Path | None, only: tuple[str, ...],
                           fmt: str, out: Path | None, profile: str | Path | None) -> None:
    """绿色金融名单：按亩均类别、碳效等级、履约状态列出绿色信贷与保险名单，附入选理由，供银行使用 /
    green-finance lists (credit, insurance) by 亩均 class, 碳效码 grade and compliance, with reasons, for banks."""
    from qingshan.city import City
    from qingshan.documents.registry_green_finance import green_finance_document
    from qingshan.i18n import language
    from qingshan.reports.files import write_bytes, write_json
    from qingshan.reports.tables import csv_bytes, page_tables, xlsx_bytes

    if fmt in ("xlsx", "csv") and out is None:
        raise click.UsageError(tr(f"{fmt} 格式须给出 --out 文件", f"--format {fmt} needs --out FILE"))
    with City.open(city_path, profile=profile) as city:
        doc = green_finance_document(city, year, rules=rules, only=only)
    lang = "zh" if language() == "zh" else "en"
    if fmt in ("xlsx", "csv"):
        assert out is not None
        tables = page_tables(doc, lang)
        data = xlsx_bytes(tables, doc, lang) if fmt == "xlsx" else csv_bytes(
            next(t for t in tables if t.key == "listings") if doc["listings"] else tables[0], lang)
        console.print(tr(f"已写出 {write_bytes(data, out)}", f"wrote {write_bytes(data, out)}"))
        return
    if fmt == "json":
        if out is not None:
            console.print(tr(f"已写出 {write_json(doc, out)}", f"wrote {write_json(doc, out)}"))
        else:
            click.echo(json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False))
        return
    console.print(table(tr(f"{year} 年绿色金融名单（{doc['rules']['label']}）",
                           f"Green-finance lists of {year} ({doc['rules']['label']})"),
                        [tr("名单", "list"), tr("类型", "kind"), tr("企业数", "enterprises")],
                        [[tr(x["list_name"]["zh"], x["list_name"]["en"]),
                          tr(x["kind_name"]["zh"], x["kind_name"]["en"]), str(x["count"])] for x in doc["lists"]]))
    console.print(table(tr("入选企业（前 20 条）", "Listed enterprises (the first 20)"),
                        [tr("名单代码", "list id"), tr("企业", "enterprise"), tr("原因", "reason")],
                        [[x["list"], x["name"], tr(x["reason"]["zh"], x["reason"]["en"])]
                         for x in doc["listings"][:20]]))
    if len(doc["listings"]) > 20:
        console.print(tr(f"  …… 共 {len(doc['listings'])} 条；--format xlsx 或 csv 导出全部",
                         f"  … {len(doc['listings'])} in all; --format xlsx or csv exports them"))
    for n in doc["notes"][1:]:
        console.print(f"[yellow]•[/] {tr(n['zh'], n['en'])}")


@registry_group.command("allocate")
@city_argument
@click.option("--year", type=int, required=True, help="分配年度（vintage）/ the vintage to allocate")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--profile", "profile", default=None, callback=_source,
              help="司法辖区配置：内置名称或 .toml 文件 / jurisdiction profile (shipped id or .toml file)")
@handles_errors
def registry_allocate(city_path: Path | None, year: int, fmt: str, profile: str | Path | None) -> None:
    """用能权免费分配：按配置的分配规则（registry.allocation）逐企业给出基准法或历史法分配量及每一步依据（只读）/
    the free 用能权 allocation of a vintage under the profile's rules, enterprise by enterprise, every figure cited
    (read only: issuing is a request the authority makes and another approves)."""
    from qingshan.city import City
    from qingshan.documents.registry_allocation import allocation_document

    with City.open(city_path, profile=profile) as city:
        doc = allocation_document(city, year)
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False))
        return
    r = doc["right"]
    console.print(table(tr(f"{year} 年度{r['zh']}免费分配（{doc['rules']['label']}）",
                           f"Free allocation of {r['en']}, vintage {year} ({doc['rules']['label']})"),
                        [tr("持有人", "holder"), tr("方法", "method"), tr("分配量", "allocation"), tr("单位", "unit")],
                        [[x["holder_name"] or x["holder"], tr(x["method_zh"], x["method_en"]), f"{x['amount']:,.0f}",
                          x["unit"]] for x in doc["lines"]]))
    total = f"{doc['totals']['all']:,.0f} {r['unit']}"
    console.print(tr(f"合计 {total}", f"in all {total}"))
    for f in doc["formulas"]:
        console.print(f"[bold]{tr(f['zh'], f['en'])}[/]: {tr(f['formula_zh'], f['formula_en'])}")
        console.print(f"    {f['source']}")
    for n in doc["notes"]:
        console.print(f"[yellow]•[/] {tr(n['zh'], n['en'])}")


@registry_group.command("compliance")
@city_argument
@click.option("--period", type=int, required=True, help="履约期（年）/ the compliance period (year)")
@click.option("--right", "rights", multiple=True, help="只看该权益代码（可多次）/ only this right code (repeatable)")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="按该日判断是否逾期（缺省今天）/ judge lateness on this day (default: today)")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--profile", "profile", default=None, callback=_source,
              help="司法辖区配置：内置名称或 .toml 文件 / jurisdiction profile (shipped id or .toml file)")
@handles_errors
def registry_compliance(city_path: Path | None, period: int, rights: tuple[str, ...], today: Any, fmt: str,
                        profile: str | Path | None) -> None:
    """履约名单：各持有人的应清缴量、已清缴、抵销、缺口、履约状态与罚则（只读）/ the compliance list: each
    holder's obligation, surrendered, offsets, shortfall, status and penalty (read only)."""
    from qingshan.city import City
    from qingshan.documents.registry_compliance import compliance_document

    day = today.date() if today is not None else None
    with City.open(city_path, profile=profile) as city, \
            database.session(_url(city_path), read_only=True) as s:
        doc = compliance_document(city, s, period, list(rights) or None, today=day)
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False))
        return

    def n(x: float | None) -> str:
        return "—" if x is None else f"{x:,.3f}".rstrip("0").rstrip(".")

    def fine(x: dict[str, Any]) -> str:
        return "—" if x["fine_yuan_low"] is None else f"{x['fine_yuan_low']:,.0f}–{x['fine_yuan_high']:,.0f}"

    console.print(table(tr(f"{period} 年度履约（截至 {doc['today']}）",
                           f"Compliance of {period} (as of {doc['today']})"),
                        [tr("权益", "right"), tr("持有人", "holder"), tr("应清缴", "obligation"),
                         tr("已清缴", "surrendered"), tr("计入抵销", "offsets"), tr("缺口", "shortfall"),
                         tr("截止日", "deadline"), tr("状态", "status"), tr("罚款（元）", "fine (yuan)"),
                         tr("核减下期", "deducted next")],
                        [[x["right"], x["holder_name"] or x["holder"], n(x["obligation"]), n(x["surrendered"]),
                          n(x["offsets_counted"]), n(x["shortfall"]), x["deadline"], tr(x["status_zh"], x["status_en"]),
                          fine(x),
                          n(x["deduct_next"])] for x in doc["rows"]]))
    for n_ in doc["notes"]:
        console.print(f"[yellow]•[/] {tr(n_['zh'], n_['en'])}")
