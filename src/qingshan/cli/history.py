"""``qingshan history list | diff | restore``: the accepted packages of a data directory
(:mod:`qingshan.city.history`), the difference between two of them, and restoring one (as a
new version: nothing accepted is ever overwritten)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from qingshan.city import City, history
from qingshan.cli.console import console, table
from qingshan.cli.main import main
from qingshan.cli.options import data_dir_of, handles_errors, profile_options
from qingshan.i18n import tr
from qingshan.settings import setting


def _city_argument(f: Any) -> Any:
    return click.argument("city_path", metavar="CITY", required=False, type=click.Path(path_type=Path))(f)


def _format_option(f: Any) -> Any:
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)(f)


@main.group("history")
def history_group() -> None:
    """数据包历史：列出、比较、恢复 / package history: list, compare, restore (docs/web.md)."""


@history_group.command("list")
@_city_argument
@_format_option
@handles_errors
def list_versions(city_path: Path | None, fmt: str) -> None:
    """列出已采用的数据包版本 / the accepted versions of the package, newest first."""
    d = data_dir_of(city_path)
    found = history.versions(d)
    if fmt == "json":
        click.echo(json.dumps([v.describe() for v in reversed(found)], ensure_ascii=False, indent=1))
        return
    if not found:
        console.print(tr(f"{d} 尚无历史：首次采用上传时，现有数据包记为版本 1",
                         f"{d} has no history yet: the first accepted upload records the package in use as "
                         "version 1"))
        return
    rows = [[f"{v.number}{' ✓' if v is found[-1] else ''}", str(v.meta.get("time", "")),
             str(v.meta.get("source_name", "")), v.sha256[:12],
             str(v.meta.get("who", "")) + (f" ← {v.meta['restored_from']}" if v.meta.get("restored_from") else "")]
            for v in reversed(found)]
    console.print(table(tr(f"{d} 的数据包历史（✓ 为当前使用）", f"Package history of {d} (✓ in use)"),
                        [tr("版本", "version"), tr("时间（UTC）", "time (UTC)"), tr("来源文件", "source file"),
                         "SHA-256", tr("操作", "by")], rows))


def _package(city: City, v: history.Version) -> Any:
    assert city.data_dir is not None
    c = city.reopened(v.package, cache_dir=city.data_dir / "cache" / "history" / f"{v.number:04d}")
    pkg = c.validate().package
    assert pkg is not None
    return pkg


@history_group.command()
@click.argument("a", type=int)
@click.argument("b", type=int)
@_city_argument
@profile_options
@_format_option
@handles_errors
def diff(a: int, b: int, city_path: Path | None, profile: str | Path | None, factor_set: str | None,
         factors: Path | None, fmt: str) -> None:
    """比较两个版本：各表新增、删除、修改的行 / rows added, removed and changed per table from A to B."""
    d = data_dir_of(city_path)
    va, vb = history.version(d, a), history.version(d, b)
    city = City.open(d, profile=profile, factor_set=factor_set, factors=factors)
    tables = history.diff_packages(_package(city, va), _package(city, vb))
    if fmt == "json":
        click.echo(json.dumps({"a": va.describe(), "b": vb.describe(), "tables": tables}, ensure_ascii=False,
                              indent=1))
        return
    rows = [[name, str(t["rows_a"]), str(t["rows_b"]), str(t["added"]), str(t["removed"]), str(t["changed"]),
             ", ".join(f"{c} {n}" for c, n in t["columns_changed"].items())]
            for name, t in tables.items()]
    console.print(table(tr(f"版本 {a} → {b} 的差异（按各表的键匹配行）", f"Version {a} → {b} (rows matched on each "
                           "table's key)"),
                        [tr("表", "table"), tr(f"版本 {a} 行数", f"rows in {a}"), tr(f"版本 {b} 行数", f"rows in {b}"),
                         tr("新增", "added"), tr("删除", "removed"), tr("修改", "changed"),
                         tr("修改的列", "columns changed")], rows))
    if all(t["added"] == t["removed"] == t["changed"] == 0 for t in tables.values()):
        console.print(tr("两个版本的数据相同", "the two versions hold the same data"))


@history_group.command()
@click.argument("number", type=int)
@_city_argument
@handles_errors
def restore(number: int, city_path: Path | None) -> None:
    """恢复某一版本（记为新版本）/ make version N the package in use again, as a new version."""
    d = data_dir_of(city_path)
    v = history.restore(d, number, who="cli restore")
    if v is None:
        console.print(tr(f"版本 {number} 已是当前使用的版本，未作更改",
                         f"version {number} is the version in use already; nothing changed"))
        return
    _audit_restore(d, number, v.number)
    console.print(tr(f"已将版本 {number} 恢复为版本 {v.number}（{v.package}）。"
                     "正在运行的 qingshan serve 须重启才会使用它",
                     f"version {number} restored as version {v.number} ({v.package}). A running qingshan serve "
                     "uses it once restarted"))


def _audit_restore(d: Path, number: int, new: int) -> None:
    """The restore as an audit event, when the city has an application database."""
    from qingshan.app import audit, database
    from qingshan.cli.platform import cli_actor

    if not setting("app_db") and not (d / database.SQLITE_FILE).exists():
        return
    url = database.app_url(d)
    database.check_current(url)
    with database.session(url) as s:
        audit.record(s, cli_actor(), "package.restore", f"history/{new:04d}", before={"restored": number},
                     after={"version": new})
