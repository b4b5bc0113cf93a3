"""The application database: where it is, its engine and sessions, and its migrations.

``QINGSHAN_APP_DB`` names it (``postgresql://user@host/db``); empty, it is the SQLite file
``qingshan-app.sqlite3`` in the data directory, in WAL mode (readers never wait for the
writer) with foreign keys enforced. Its schema is that of the Alembic migrations in
``app/migrations/versions``: :func:`upgrade` applies them (``qingshan db upgrade``), and
:func:`check_current` refuses a database that is not at the code's revision, saying how to
fix it, so the server never runs on tables it does not know.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from qingshan.errors import ConfigError
from qingshan.i18n import tr
from qingshan.settings import setting

#: The SQLite file of the application database in a data directory.
SQLITE_FILE = "qingshan-app.sqlite3"


def app_url(data_dir: Path | None) -> str:
    """The application database's URL: ``QINGSHAN_APP_DB``, else the data directory's file."""
    url = setting("app_db")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    if data_dir is None:
        raise ConfigError(tr("应用数据库需要数据目录或 QINGSHAN_APP_DB",
                             "the application database needs a data directory or QINGSHAN_APP_DB"))
    return f"sqlite:///{(Path(data_dir) / SQLITE_FILE).resolve()}"


def existing_url(data_dir: Path | None) -> str | None:
    """The application database's URL if there is one to read: ``QINGSHAN_APP_DB`` (a server
    database named was meant to be used), or the data directory's SQLite file once
    ``qingshan db upgrade`` has made it (connecting would make an empty file); else None."""
    try:
        url = app_url(data_dir)
    except ConfigError:  # neither a data directory nor QINGSHAN_APP_DB
        return None
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        file = parsed.database
        if not file or file == ":memory:" or not Path(file).is_file():
            return None
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver begins nothing itself: _sqlite_begin does
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    """Begin a transaction that may write with ``BEGIN IMMEDIATE``: it takes SQLite's write
    lock at once (waiting up to ``busy_timeout`` for another writer), so two writers never
    read the same state and then both write (SQLite has no ``SELECT … FOR UPDATE``: the audit
    chain's head would be read twice). A read-only session (:func:`session` with
    ``read_only``) begins a plain deferred transaction and never waits for a writer."""
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("qingshan_read_only") else "BEGIN IMMEDIATE")


@cache
def engine(url: str) -> Engine:
    """The engine of ``url`` (one per URL and process)."""
    eng = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
    if eng.dialect.name == "sqlite":
        event.listen(eng, "connect", _sqlite_pragmas)
        event.listen(eng, "begin", _sqlite_begin)
    return eng


@contextmanager
def session(url: str, *, read_only: bool = False) -> Iterator[Session]:
    """A session whose changes are committed together when the block ends, or not at all.
    On SQLite a session takes the write lock when it begins (one writer at a time, the others
    wait), unless it is ``read_only``: it then takes no lock, never waits for a writer, and
    must not write (its write could fail when another writer came first)."""
    bind = engine(url).execution_options(qingshan_read_only=read_only) if read_only else engine(url)
    factory = sessionmaker(bind, expire_on_commit=False)
    with factory() as s, s.begin():
        yield s


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("qingshan.app").joinpath("migrations")))
    return cfg


def head() -> str:
    """The revision of the code's newest migration."""
    rev = ScriptDirectory.from_config(_config()).get_current_head()
    if rev is None:  # pragma: no cover - the package ships its migrations
        raise ConfigError("no migrations found")
    return rev


def current(url: str) -> str | None:
    """The revision the database at ``url`` is at (None: never migrated)."""
    with engine(url).connect() as conn:
        rev: str | None = MigrationContext.configure(conn).get_current_revision()
        return rev


def upgrade(url: str) -> tuple[str | None, str]:
    """Apply every migration the database lacks; (revision before, revision after)."""
    before = current(url)
    cfg = _config()
    with engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return before, head()


def check_current(url: str) -> None:
    """Raise :class:`ConfigError`, saying how to fix it, unless the database is migrated to
    the code's revision."""
    at, want = current(url), head()
    if at != want:
        shown = _shown(url)
        raise ConfigError(tr(
            f"应用数据库 {shown} 的版本为 {at or '（未初始化）'}，程序需要 {want}：请先运行 qingshan db upgrade",
            f"the application database {shown} is at revision {at or '(not initialised)'} and this Qingshan needs "
            f"{want}: run `qingshan db upgrade` first"))


def _shown(url: str) -> str:
    """``url`` without a password."""
    return engine(url).url.render_as_string(hide_password=True)
