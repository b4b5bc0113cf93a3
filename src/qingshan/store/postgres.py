"""PostgreSQL behind :class:`~qingshan.store.base.Store`, through ibis's postgres backend.

Each store lives in one schema: with ``schema="city_x"`` the schema is created if it does
not exist and the connection's ``search_path`` is set to it alone, so every table, read and
write is in it and two stores on the same database with different schemas never see each
other's tables. Temporary tables (``materialize``) stay in the session's temporary schema.
Without a schema the store uses the server's default (``public``), as before schemas
existed. Writes name the schema explicitly, so a temporary table of the same name can never
be dropped or replaced in place of a stored one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import ibis
import pandas as pd
import pyarrow as pa

from qingshan.errors import StoreError
from qingshan.store.base import (
    META_TABLE,
    Store,
    StoreKind,
    _check_meta_target,
    _check_schema_name,
    _quoted,
    _to_arrow,
)

_PG_TYPES = {
    "string": "TEXT", "large_string": "TEXT", "double": "DOUBLE PRECISION", "float": "REAL",
    "int64": "BIGINT", "int32": "INTEGER", "int16": "SMALLINT", "int8": "SMALLINT",
    "bool": "BOOLEAN", "date32[day]": "DATE",
}

_HAS_TABLE = """SELECT EXISTS (
  SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    AND (n.nspname = %s OR n.oid = pg_catalog.pg_my_temp_schema()))"""


def _use_schema(raw: Any, schema: str | None) -> str | None:
    """Create ``schema`` if needed and make it the connection's only schema; the schema
    the store's tables live in (the server's default when ``schema`` is None)."""
    import psycopg

    if schema is not None:
        for attempt in (1, 2):
            try:
                with raw.transaction(), raw.cursor() as cur:
                    # look first: a role without CREATE on the database can still use a
                    # schema an administrator made for it
                    found = cur.execute("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s",
                                        [schema]).fetchone()
                    if found is None:
                        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_quoted(schema)}")
                break
            except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateSchema):
                if attempt == 2:  # another connection created it at the same moment
                    raise
        with raw.transaction(), raw.cursor() as cur:
            cur.execute(f"SET search_path TO {_quoted(schema)}")  # not LOCAL: lasts for the session
    with raw.transaction(), raw.cursor() as cur:
        row = cur.execute("SELECT current_schema()").fetchone()
    current: str | None = row[0] if row else None
    return current


class PostgresStore(Store):
    """A PostgreSQL database (one schema of it) behind :class:`~qingshan.store.base.Store`."""

    kind: ClassVar[StoreKind] = "postgres"

    def __init__(self, con: Any, url: str, schema: str | None) -> None:
        self.con = con  # the ibis postgres backend; con.con is the psycopg connection
        self.url = url
        self.schema = schema

    @classmethod
    def open(cls, url: str, *, schema: str | None = None) -> PostgresStore:
        """Connect to ``url`` and use ``schema`` (created if missing), or the default one."""
        if schema is not None:
            _check_schema_name(schema)
        try:
            con = ibis.connect(url.replace("postgresql://", "postgres://", 1))
        except Exception as exc:  # psycopg raises OperationalError subclasses
            raise StoreError(f"cannot connect to PostgreSQL at {url}: {exc}") from exc
        try:
            current = _use_schema(con.con, schema)
        except Exception as exc:
            con.disconnect()
            raise StoreError(f"cannot use schema {schema!r} on PostgreSQL at {url}: {exc}") from exc
        if schema is not None and current != schema:
            con.disconnect()
            raise StoreError(f"schema {schema!r} on PostgreSQL at {url} is not usable (current schema "
                             f"is {current!r}; does the role have USAGE on it?)")
        return cls(con, url, current)

    def _name(self, name: str) -> str:
        """``name`` qualified with the store's schema, for writes."""
        return _quoted(name) if self.schema is None else f"{_quoted(self.schema)}.{_quoted(name)}"

    def table(self, name: str) -> Any:
        return self.con.table(name)

    def has_table(self, name: str) -> bool:
        raw = self.con.con
        with raw.transaction(), raw.cursor() as cur:
            row = cur.execute(_HAS_TABLE, [name, self.schema]).fetchone()
        return bool(row and row[0])

    def execute_arrow(self, expr: Any, *, stream: bool = False) -> pa.Table:
        result: pa.Table = self.con.to_pyarrow(expr)
        return result

    def compile(self, expr: Any) -> str:
        return str(self.con.compile(expr))

    def materialize(self, name: str, expr: Any) -> None:
        sql = self.compile(expr)
        quoted = _quoted(name)
        with self.con.begin() as cur:
            # pg_temp: only ever a temporary table of this session, never a stored one
            cur.execute(f"DROP TABLE IF EXISTS pg_temp.{quoted}")
            cur.execute(f"CREATE TEMP TABLE {quoted} AS {sql}")

    def replace_tables(self, frames: Mapping[str, pd.DataFrame | pa.Table], *,
                       meta: Mapping[str, str] | None = None) -> None:
        _check_meta_target(frames, meta)
        raw = self.con.con
        try:
            with raw.transaction(), raw.cursor() as cur:
                for name, frame in frames.items():
                    tbl = _to_arrow(frame)
                    cols = []
                    for field in tbl.schema:
                        t = str(field.type)
                        if t not in _PG_TYPES:
                            raise StoreError(f"table {name}: column {field.name} has type {t}, "
                                             "which the PostgreSQL store does not map")
                        cols.append(f"{_quoted(field.name)} {_PG_TYPES[t]}")
                    target = self._name(name)
                    cur.execute(f"DROP TABLE IF EXISTS {target}")
                    cur.execute(f"CREATE TABLE {target} ({', '.join(cols)})")
                    names = ", ".join(_quoted(f.name) for f in tbl.schema)
                    with cur.copy(f"COPY {target} ({names}) FROM STDIN") as cp:
                        for batch in tbl.to_batches(max_chunksize=50_000):
                            for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                                cp.write_row(row)
                if meta is not None:
                    target = self._name(META_TABLE)
                    cur.execute(f"DROP TABLE IF EXISTS {target}")
                    cur.execute(f"CREATE TABLE {target} (key TEXT, value TEXT)")
                    if meta:
                        cur.executemany(f"INSERT INTO {target} VALUES (%s, %s)", list(meta.items()))
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"writing to PostgreSQL failed, nothing was changed: {exc}") from exc

    def replace_tables_from_parquet(self, files: Mapping[str, Path], *,
                                    meta: Mapping[str, str] | None = None) -> None:
        """The files are read into Arrow here and copied to the server."""
        import pyarrow.parquet as pq

        self.replace_tables({name: pq.read_table(path) for name, path in files.items()}, meta=meta)

    def close(self) -> None:
        self.con.disconnect()
