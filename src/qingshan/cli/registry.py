"""``qingshan registry``: the rights registry in the application database (docs/registries.md).

- ``registry verify [CITY]`` checks the ledger's hash chain, block lineage and serials, the
  requests and accounts against their ledger rows, and reconciles every account and right;
  it exits 1 listing each coded break;
- ``registry balances [CITY]`` gives each account's reconciled balance by right and vintage
  (or, if the books do not reconcile, the breaks and exit 1: never a number).

Both only read (a read-only session takes no write lock).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click
from sqlalchemy import select

from qingshan.app import database
from qingshan.cli.console import console, table
from qingshan.cli.main import main
from qingshan.cli.options import data_dir_of, handles_errors
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
