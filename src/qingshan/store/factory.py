"""Opening a store: the backend is chosen by the URL.

URLs: ``duckdb:///path/to/qingshan.duckdb`` (embedded, the default, a file under the data
directory), ``duckdb://`` (in memory) and ``postgresql://user@host:port/db``.
"""

from __future__ import annotations

from pathlib import Path

from qingshan.errors import StoreError
from qingshan.store.base import Store, _check_schema_name, embedded_url, register_opener


def connect(url: str | None = None, *, schema: str | None = None) -> Store:
    """Open the store at ``url``; ``None`` opens an in-memory embedded store.

    ``schema`` names the PostgreSQL schema of one city (``^[a-z_][a-z0-9_]{0,62}$``, else
    :class:`~qingshan.errors.StoreError`): it is created if it does not exist, and every
    table, read and write of the store is in it (the connection's ``search_path``), so cities
    sharing a database never see each other's tables; temporary tables stay temporary.
    ``None`` uses the server's default schema (``public``). On DuckDB the name is checked
    and otherwise ignored: each city has its own file.
    """
    if schema is not None:
        _check_schema_name(schema)
    if url is None or url in ("duckdb://", "duckdb:///:memory:", ":memory:"):
        from qingshan.store.duckdb import DuckDBStore

        return DuckDBStore.open(None, "duckdb://")
    if url.startswith("duckdb:///"):
        from qingshan.store.duckdb import DuckDBStore

        return DuckDBStore.open(Path(url.removeprefix("duckdb:///")), url)
    if url.startswith(("postgresql://", "postgres://")):
        from qingshan.store.postgres import PostgresStore

        return PostgresStore.open(url, schema=schema)
    raise StoreError(f"unsupported store URL {url!r}; use duckdb:///path or postgresql://...")


def embedded(data_dir: str | Path) -> Store:
    """The embedded store of a data directory: the DuckDB file ``qingshan.duckdb`` in it."""
    return connect(embedded_url(data_dir))


register_opener(connect)
