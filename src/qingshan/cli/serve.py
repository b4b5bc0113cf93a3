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
    first for the demo city). Sign-in is required when the city's application database
    holds accounts; one that is not migrated is refused (run `qingshan db upgrade`)."""
    import uvicorn

    from qingshan.web.app import create_app
    from qingshan.web.auth import SignIn
    from qingshan.web.city import WebCity

    ddir = data_dir or Path(setting("data_dir"))
    host = host or setting("host")
    port = port or int(setting("port"))
    sign_in = SignIn.detect(ddir)  # before the city is computed: an unmigrated database stops here
    city = open_city(ddir, profile=profile, db=db, factor_set=factor_set, factors=factors,
                     accept_warnings=accept_warnings)
    web = WebCity.start(city, sign_in)
    console.print(tr(f"青山已启动：http://{host}:{port}/  "
                     f"（接口说明 /api；配置 {city.profile.id} {city.profile.version}）",
                     f"Qingshan is running: http://{host}:{port}/  (API at /api; profile {city.profile.id} "
                     f"{city.profile.version})"))
    console.print(tr("需要登录（应用数据库中有账户）", "sign-in is required (the application database has accounts)")
                  if sign_in.required else
                  tr("未启用登录：该城市没有账户（qingshan db upgrade、qingshan user add；"
                     "首个账户建立后数秒内即需登录）",
                     "sign-in is off: this city has no accounts (qingshan db upgrade, qingshan user add; sign-in is "
                     "required within seconds of the first account)"))
    if host in ("0.0.0.0", "::") and not setting("allowed_hosts"):
        console.print(tr("注意：监听所有地址时，请在 QINGSHAN_ALLOWED_HOSTS 中列出本服务器的主机名，"
                         "否则只接受 127.0.0.1 和 localhost",
                         "note: bound to every address, the server answers only to 127.0.0.1 and localhost unless "
                         "QINGSHAN_ALLOWED_HOSTS names it"))
    uvicorn.run(create_app(web, host), host=host, port=port, log_level="warning", http="httptools",
                loop="uvloop" if sys.platform != "win32" else "asyncio")
