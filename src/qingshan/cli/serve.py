"""``qingshan serve``: the web platform on one city, with the same settings as the CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qingshan.cli.console import console
from qingshan.cli.main import main
from qingshan.cli.options import city_options, handles_errors, open_city
from qingshan.i18n import tr
from qingshan.settings import setting


@main.command()
@click.argument("data_dir", required=False, type=click.Path(path_type=Path))
@click.option("--host", default=None, help="监听地址 / bind address (QINGSHAN_HOST, else loopback)")
@click.option("--port", type=int, default=None, help="端口 / port (QINGSHAN_PORT, else 8000)")
@city_options
@handles_errors
def serve(data_dir: Path | None, host: str | None, port: int | None, profile: str | Path | None, db: str | None,
          factor_set: str | None, factors: Path | None, accept_warnings: bool) -> None:
    """启动网页平台 / start the web application on a city's data directory (QINGSHAN_DATA_DIR).

    Nothing is generated: a data directory without a package is refused (run `qingshan demo`
    first for the demo city)."""
    import uvicorn

    from qingshan.web.app import create_app
    from qingshan.web.city import WebCity

    ddir = data_dir or Path(setting("data_dir"))
    host = host or setting("host")
    port = port or int(setting("port"))
    city = open_city(ddir, profile=profile, db=db, factor_set=factor_set, factors=factors,
                     accept_warnings=accept_warnings)
    web = WebCity.start(city)
    console.print(tr(f"青山已启动：http://{host}:{port}/  "
                     f"（接口说明 /api；配置 {city.profile.id} {city.profile.version}）",
                     f"Qingshan is running: http://{host}:{port}/  (API at /api; profile {city.profile.id} "
                     f"{city.profile.version})"))
    uvicorn.run(create_app(web), host=host, port=port, log_level="warning", http="httptools",
                loop="uvloop" if sys.platform != "win32" else "asyncio")
