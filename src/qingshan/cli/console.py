"""The console: tables, numbers and the list of validation problems."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from qingshan.errors import Problem, ValidationError
from qingshan.i18n import tr

console = Console()
err_console = Console(stderr=True)


def fmt(v: Any, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "—"
    return f"{float(v):,.{digits}f}"


def table(title: str, headers: list[str], rows: list[list[str]]) -> Table:
    t = Table(title=title, title_justify="left")
    for i, h in enumerate(headers):
        t.add_column(h, justify="left" if i == 0 else "right", overflow="fold")
    for r in rows:
        t.add_row(*r)
    return t


def problems_table(problems: list[Problem], limit: int = 50) -> Table:
    t = Table(title=tr("校验问题", "Validation problems"), show_lines=False)
    for col in (tr("级别", "level"), tr("代码", "code"), tr("文件", "file"), tr("行", "row"),
                tr("列", "column"), tr("值", "value"), tr("应为", "expected")):
        t.add_column(col, overflow="fold")
    for p in problems[:limit]:
        lvl = tr("错误", "error") if p.severity == "error" else tr("警告", "warning")
        t.add_row(f"[red]{lvl}[/]" if p.severity == "error" else f"[yellow]{lvl}[/]", p.code, p.file,
                  "" if p.row is None else str(p.row), p.column or "", p.value or "", p.expected)
    return t


def report_validation(exc: ValidationError) -> None:
    probs = list(exc.problems)
    err_console.print(problems_table(probs))
    n_err = sum(p.severity == "error" for p in probs)
    err_console.print(tr(f"[red]共 {n_err} 个错误、{len(probs) - n_err} 个警告；未写出任何结果。[/]",
                         f"[red]{n_err} errors and {len(probs) - n_err} warnings; no result was written.[/]"))
    if len(probs) > 50:
        err_console.print(tr("完整列表：qingshan validate PKG --format json",
                             "full list: qingshan validate PKG --format json"))


@contextmanager
def progress() -> Iterator[Progress]:
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=err_console, transient=False) as p:
        yield p


def profile_line(doc: dict[str, Any]) -> str:
    """'profile demo 2026.1' as every command prints it."""
    p = doc["profile"]
    return tr(f"配置：{p['id']} {p['version']}（{p['zh']}）", f"profile: {p['id']} {p['version']} ({p['en']})")
