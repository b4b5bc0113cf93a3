"""Settings: the single source for defaults, environment variables and CLI options.

Each setting has a name, a default, the environment variable that overrides it and a help
text in both languages (Datasette-style ``SETTINGS``). docs/configuration.md is checked
against this tuple by tests/test_docs.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    env: str
    zh: str
    en: str

    def value(self) -> str:
        return os.environ.get(self.env, self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "qingshan-data", "QINGSHAN_DATA_DIR",
            "数据目录：演示城市数据包、内置数据库和结果文件都写在这里",
            "data directory: the demo package, the embedded store and results are written here"),
    Setting("db", "", "QINGSHAN_DB",
            "数据库地址；空值表示数据目录下的内置 DuckDB 文件，或 postgresql://user@host/db",
            "store URL; empty means the embedded DuckDB file in the data directory, or postgresql://user@host/db"),
    Setting("app_db", "", "QINGSHAN_APP_DB",
            "应用数据库地址（用户、角色、会话、报送、审计日志）；空值表示数据目录下的 SQLite 文件 "
            "qingshan-app.sqlite3，或 postgresql://user@host/db",
            "application database URL (users, roles, sessions, submissions, audit log); empty means the SQLite file "
            "qingshan-app.sqlite3 in the data directory, or postgresql://user@host/db"),
    Setting("host", "127.0.0.1", "QINGSHAN_HOST",
            "网页平台监听地址；缺省仅本机（127.0.0.1）", "address the web application binds to; loopback by default"),
    Setting("port", "8000", "QINGSHAN_PORT", "网页平台端口", "port of the web application"),
    Setting("allowed_hosts", "", "QINGSHAN_ALLOWED_HOSTS",
            "网页平台另外接受的主机名（请求的 Host 头），逗号分隔，可带端口（name:port）；监听地址、127.0.0.1、"
            "localhost 总是接受，其他主机名答 400",
            "further host names the web application answers to (the request's Host header), comma separated, "
            "optionally name:port; the bound address, 127.0.0.1 and localhost always are, any other gets 400"),
    Setting("https", "false", "QINGSHAN_HTTPS",
            "网页平台经 HTTPS 访问（由终止 TLS 的反向代理转发）：true 时 Cookie 带 Secure 标记，本站来源按 https 计",
            "the web application is reached over https (through a reverse proxy that terminates TLS): when true, "
            "cookies are Secure and the server's own origin is https"),
    Setting("lang", "zh", "QINGSHAN_LANG", "界面与提示语言：zh 或 en", "language of messages: zh or en"),
    Setting("profile", "", "QINGSHAN_PROFILE",
            "司法辖区配置（见 docs/profiles.md）；空值表示数据目录 city.toml 中的配置，没有时为全国缺省",
            "jurisdiction profile (see docs/profiles.md); empty means the data directory's city.toml, else national"),
    Setting("factor_set", "", "QINGSHAN_FACTOR_SET",
            "因子集名称，覆盖配置的选择（见 docs/factors.md）；空值表示按配置",
            "factor set name overriding the profile's (see docs/factors.md); empty means the profile's"),
    Setting("max_upload_mb", "200", "QINGSHAN_MAX_UPLOAD_MB",
            "网页平台接受的请求体上限（MB）；超过时答 413，不读入内存",
            "largest request body the web application takes, in MB; beyond it the answer is 413, read no further"),
    Setting("upload_memory_mb", "2048", "QINGSHAN_UPLOAD_MEMORY_MB",
            "校验上传工作簿的子进程可用的内存上限（MB，常驻内存）",
            "resident memory (MB) the child process that checks an uploaded workbook may use"),
    Setting("upload_seconds", "120", "QINGSHAN_UPLOAD_SECONDS",
            "校验上传工作簿的子进程可用的时间上限（秒）",
            "time (seconds) the child process that checks an uploaded workbook may take"),
    Setting("upload_max_age_hours", "24", "QINGSHAN_UPLOAD_MAX_AGE_HOURS",
            "未采用的上传文件保留时长（小时）；更早的在启动和新上传时删除",
            "how long an upload not accepted is kept, in hours; older ones are removed at start-up and on upload"),
)


def flag(name: str) -> bool:
    """A yes/no setting: ``1``, ``true``, ``yes`` or ``on`` (any case) is yes."""
    return setting(name).strip().lower() in ("1", "true", "yes", "on")


def setting(name: str) -> str:
    for s in SETTINGS:
        if s.name == name:
            return s.value()
    raise KeyError(name)
