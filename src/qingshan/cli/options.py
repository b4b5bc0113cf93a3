"""Options every command shares, opening the city, and writing a document."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import pandas as pd

from qingshan.city import City
from qingshan.cli.console import err_console, progress, report_validation
from qingshan.errors import ConfigError, QingshanError, ValidationError
from qingshan.i18n import tr
from qingshan.rulefile import name_or_path
from qingshan.settings import setting

EXIT_INVALID = 1
EXIT_CONFIG = 2
F = TypeVar("F", bound=Callable[..., Any])


def city_argument(f: F) -> F:
    """``CITY``: a data directory (its ``city.toml`` names the profile) or a package."""
    return click.argument("city_path", metavar="CITY", required=False,
                          type=click.Path(exists=True, path_type=Path))(f)


def _source(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | Path | None:
    """A command-line rule-file value (``--profile``, ``--scheme``): a built-in name or a
    file, as :func:`qingshan.rulefile.name_or_path` decides."""
    return None if value is None else name_or_path(value)


#: --profile, --factor-set, --factors: what a command that reads a city's package needs
PROFILE_OPTIONS = (
    click.option("--profile", "profile", default=None, callback=_source,
                 help="司法辖区配置：内置名称或 .toml 文件 / jurisdiction profile (shipped id or .toml file); "
                      "default: the data directory's city.toml, QINGSHAN_PROFILE, national"),
    click.option("--factor-set", default=None,
                 help="因子集，覆盖配置 / factor set, overriding the profile's (QINGSHAN_FACTOR_SET)"),
    click.option("--factors", type=click.Path(exists=True, path_type=Path), default=None,
                 help="自定义因子文件 / factor override CSV"),
)
#: --db, --accept-warnings: what a command that computes results from the store adds
STORE_OPTIONS = (
    click.option("--db", default=None, help="数据库 / store URL (default: QINGSHAN_DB, else embedded)"),
    click.option("--accept-warnings", is_flag=True, help="警告不阻止 / let warnings through"),
)


def _apply(f: F, options: tuple[Callable[[F], F], ...]) -> F:
    for opt in reversed(options):
        f = opt(f)
    return f


def profile_options(f: F) -> F:
    """--profile, --factor-set, --factors (``qingshan validate``)."""
    return _apply(f, PROFILE_OPTIONS)


def city_options(f: F) -> F:
    """--profile, --factor-set, --factors, --db, --accept-warnings (every command that opens
    a city and computes)."""
    return _apply(f, (*PROFILE_OPTIONS, *STORE_OPTIONS))


def scheme_option(help_text: str) -> Callable[[F], F]:
    """--scheme: a 亩均 scheme preset or a .toml file, overriding the profile's."""
    return click.option("--scheme", "scheme", default=None, callback=_source, help=help_text)


def output_options(formats: tuple[str, ...]) -> Callable[[F], F]:
    def deco(f: F) -> F:
        f = click.option("--out", type=click.Path(path_type=Path), default=None,
                         help="输出文件；JSON 缺省输出到屏幕 / output file (JSON defaults to stdout)")(f)
        return click.option("--format", "fmt", type=click.Choice(formats), default=formats[0],
                            show_default=True)(f)
    return deco


def open_city(city_path: Path | None, *, profile: str | Path | None = None, db: str | None = None,
              factor_set: str | None = None, factors: Path | None = None,
              accept_warnings: bool = False) -> City:
    """Open the city and validate its package, with a progress line on stderr."""
    with progress() as prog:
        task = prog.add_task(tr("打开城市", "opening the city"), total=None)
        city = City.open(city_path, profile=profile, db=db, factor_set=factor_set,
                         factors=factors, accept_warnings=accept_warnings,
                         progress=lambda msg: prog.update(task, description=msg))
        _ = city.package
        prog.update(task, description=tr("完成", "done"), total=1, completed=1)
    return city


def handles_errors(f: F) -> F:
    """Validation problems exit 1 after listing every problem; other Qingshan errors
    (profile, configuration, store) exit 2 with their message."""
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except ValidationError as exc:
            report_validation(exc)
            sys.exit(EXIT_INVALID)
        except QingshanError as exc:
            err_console.print(f"[red]{exc}[/]")
            sys.exit(EXIT_CONFIG)
    return wrapper  # type: ignore[return-value]


def needs_out(fmt: str, out: Path | None, binary: tuple[str, ...] = ("xlsx",)) -> None:
    if fmt in binary and out is None:
        raise click.UsageError(tr(f"{fmt} 格式须给出 --out 文件", f"--format {fmt} needs --out FILE"))


def emit(doc: dict[str, Any], fmt: str, out: Path | None, sheets: list[tuple[str, pd.DataFrame]] | None = None
         ) -> None:
    """Write ``doc`` as JSON (to ``out`` or stdout), or as a workbook: its About sheet (the
    profile, factor set and package), then ``sheets`` (default: every table of the
    document)."""
    from qingshan.reports.files import write_json
    from qingshan.reports.workbook import document_sheets, with_about, write_workbook

    if out is None:
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False))  # documents hold no NaN
        return
    if fmt == "xlsx":
        path = write_workbook(out, with_about(doc, sheets) if sheets else document_sheets(doc))
    else:
        path = write_json(doc, out)
    err_console.print(tr(f"已写出 {path}", f"wrote {path}"))


def data_dir_of(city_path: Path | None) -> Path:
    """A command's data directory: ``CITY``, else ``QINGSHAN_DATA_DIR``; it must exist."""
    d = city_path or Path(setting("data_dir"))
    if not d.is_dir():
        raise ConfigError(tr(f"找不到数据目录：{d}", f"no data directory at {d}"))
    return d
