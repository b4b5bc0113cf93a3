"""``qingshan db | user | audit``: the application database (:mod:`qingshan.app`).

- ``db upgrade [CITY]`` applies the migrations and brings the organisations in step with
  the city's package; ``db status`` says which revision the database is at;
- ``user add | list | disable | reset-password`` manages local accounts;
- ``audit verify`` checks the hash chain of the audit log; ``audit list`` shows it.

Every change made here is an audit event whose actor is ``cli:<the operating-system user>``.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from qingshan.app import audit, database, organisations, users
from qingshan.app.models import AuditEvent
from qingshan.city import City
from qingshan.cli.console import console, table
from qingshan.cli.main import main
from qingshan.cli.options import data_dir_of, handles_errors
from qingshan.i18n import tr


def cli_actor() -> audit.Actor:
    """The actor of a command: ``cli:<the operating-system user>``."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user name in this environment
        who = "unknown"
    return audit.Actor(f"cli:{who}", role="administrator")


def _url(city_path: Path | None) -> str:
    return database.app_url(data_dir_of(city_path))


def _current(city_path: Path | None) -> str:
    url = _url(city_path)
    database.check_current(url)
    return url


city_argument = click.argument("city_path", metavar="CITY", required=False, type=click.Path(path_type=Path))


@main.group("db")
def db_group() -> None:
    """应用数据库：迁移与组织 / the application database: migrations and organisations."""


@db_group.command("upgrade")
@city_argument
@handles_errors
def db_upgrade(city_path: Path | None) -> None:
    """迁移到最新版本，并按数据包同步组织 / migrate to the newest revision and sync organisations."""
    url = _url(city_path)
    before, after = database.upgrade(url)
    console.print(tr(f"应用数据库：{before or '（新建）'} → {after}",
                     f"application database: {before or '(new)'} → {after}"))
    sync_organisations(url, City.open(city_path))


def sync_organisations(url: str, city: City) -> None:
    """Bring the organisations in step with ``city``'s package (an audited change)."""
    with city, database.session(url) as s:
        counts = organisations.sync(s, city.units(), cli_actor())
    console.print(tr(f"组织：新增 {counts['added']}，变更 {counts['changed']}",
                     f"organisations: {counts['added']} added, {counts['changed']} changed"))


@db_group.command("status")
@city_argument
@handles_errors
def db_status(city_path: Path | None) -> None:
    """应用数据库的迁移版本 / the revision the application database is at."""
    url = _url(city_path)
    at, head = database.current(url), database.head()
    console.print(tr(f"版本 {at or '（未初始化）'}；程序需要 {head}", f"revision {at or '(not initialised)'}; "
                                                                      f"this Qingshan needs {head}"))
    sys.exit(0 if at == head else 1)


@main.group("user")
def user_group() -> None:
    """用户账户 / user accounts."""


@user_group.command("add")
@click.argument("username")
@click.option("--org", "organisation", required=True, help="所属组织代码 / code of the organisation the user acts for")
@click.option("--role", "role_names", multiple=True, required=True, help="角色（可多次）/ role (repeatable)")
@click.option("--name", "display_name", default="", help="显示名 / display name")
@click.option("--city", "city_path", type=click.Path(path_type=Path), default=None)
@handles_errors
def user_add(username: str, organisation: str, role_names: tuple[str, ...], display_name: str,
             city_path: Path | None) -> None:
    """新增用户，给出首次密码（首次登录须修改）/ add a user and print a first password to change."""
    with database.session(_current(city_path)) as s:
        _, pw = users.add_user(s, cli_actor(), username, organisation, list(role_names), display_name=display_name)
    console.print(tr(f"已新增 {username}；首次密码：{pw}（首次登录时须修改）",
                     f"added {username}; first password: {pw} (to be changed at the first sign-in)"))


@user_group.command("list")
@click.option("--city", "city_path", type=click.Path(path_type=Path), default=None)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handles_errors
def user_list(city_path: Path | None, fmt: str) -> None:
    """列出用户 / list users."""
    with database.session(_current(city_path)) as s:
        rows = users.list_users(s)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    console.print(table(tr("用户", "Users"), [tr("用户名", "user"), tr("名称", "name"), tr("角色", "roles"),
                                               tr("状态", "state")],
                        [[str(r["username"]), str(r["display_name"]), ", ".join(_strs(r["roles"])),
                          tr("停用", "disabled") if r["disabled"] else tr("正常", "active")] for r in rows]))


def _strs(v: Any) -> list[str]:
    return [str(x) for x in v] if isinstance(v, list) else []


@user_group.command("disable")
@click.argument("username")
@click.option("--reason", default="", help="原因（记入审计日志）/ reason, kept in the audit log")
@click.option("--city", "city_path", type=click.Path(path_type=Path), default=None)
@handles_errors
def user_disable(username: str, reason: str, city_path: Path | None) -> None:
    """停用用户 / disable a user."""
    with database.session(_current(city_path)) as s:
        users.disable_user(s, cli_actor(), username, reason)
    console.print(tr(f"已停用 {username}", f"disabled {username}"))


@user_group.command("reset-password")
@click.argument("username")
@click.option("--city", "city_path", type=click.Path(path_type=Path), default=None)
@handles_errors
def user_reset_password(username: str, city_path: Path | None) -> None:
    """重置密码（下次登录须修改）/ reset a password (to be changed at the next sign-in)."""
    with database.session(_current(city_path)) as s:
        pw = users.reset_password(s, cli_actor(), username)
    console.print(tr(f"{username} 的新首次密码：{pw}", f"new first password of {username}: {pw}"))


@main.group("audit")
def audit_group() -> None:
    """审计日志 / the audit log."""


@audit_group.command("verify")
@city_argument
@handles_errors
def audit_verify(city_path: Path | None) -> None:
    """校验审计日志的哈希链（发现被修改或删除的记录）/ check the audit log's hash chain."""
    with database.session(_current(city_path)) as s:
        breaks = audit.verify(s)
        n = s.execute(select(AuditEvent.id)).all()
    if breaks:
        for b in breaks:
            console.print(f"[red]{tr(b.zh, b.en)}[/]")
        sys.exit(1)
    console.print(tr(f"审计日志完好：{len(n)} 条记录", f"the audit log holds: {len(n)} events, chain intact"))


@audit_group.command("list")
@city_argument
@click.option("--action", default=None, help="只列出该动作 / only this action")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handles_errors
def audit_list(city_path: Path | None, action: str | None, limit: int, fmt: str) -> None:
    """最新的审计记录 / the newest audit events."""
    with database.session(_current(city_path)) as s:
        q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if action:
            q = q.where(AuditEvent.action == action)
        rows = [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "organisation": e.organisation,
                 "role": e.role, "action": e.action, "entity": e.entity, "before": e.before, "after": e.after,
                 "reason": e.reason} for e in s.execute(q).scalars()]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    console.print(table(tr("审计日志", "Audit log"), ["#", tr("时间", "when"), tr("人员", "who"), tr("动作", "action"),
                                                    tr("对象", "entity")],
                        [[str(r["id"]), str(r["at"])[:19], str(r["actor"]), str(r["action"]), str(r["entity"])]
                         for r in rows]))
