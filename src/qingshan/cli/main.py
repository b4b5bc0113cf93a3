"""The ``qingshan`` command group and its entry point."""

from __future__ import annotations

import sys

import click

from qingshan import __version__
from qingshan.cli.console import err_console
from qingshan.errors import QingshanError
from qingshan.i18n import set_language
from qingshan.settings import setting


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qingshan")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="界面语言 / language of messages (default: QINGSHAN_LANG or zh)")
def main(lang: str | None) -> None:
    """青山 Qingshan：工业城市能耗与碳排放核算 / energy and carbon accounts for industrial cities."""
    set_language(lang or setting("lang"))


def run() -> None:  # pragma: no cover - console entry point wrapper
    try:
        main()
    except QingshanError as exc:
        err_console.print(f"[red]{exc}[/]")
        sys.exit(2)
