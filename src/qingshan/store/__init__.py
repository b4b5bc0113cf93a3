"""Persistence: the embedded DuckDB store and PostgreSQL, behind one interface.

Engines receive Ibis tables from :class:`Store` and never learn which backend is in
use. Writes of a set of tables are atomic: either every table of the set is replaced,
or none is (one transaction on either backend).

URLs: ``duckdb:///path/to/qingshan.duckdb`` (embedded, the default, a file under the
data directory), ``duckdb://`` (in memory) and ``postgresql://user@host:port/db``.

On DuckDB the store holds a plain DuckDB connection: tables are unbound Ibis tables with
the stored schema, and expressions are compiled to DuckDB SQL and run on that connection
(ibis 12's own DuckDB backend does not run on DuckDB 2.0). On PostgreSQL the store uses
ibis's backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
from ibis.backends.sql.datatypes import DuckDBType

from qingshan.errors import StoreError

_PG_TYPES = {
    "string": "TEXT", "large_string": "TEXT", "double": "DOUBLE PRECISION", "float": "REAL",
    "int64": "BIGINT", "int32": "INTEGER", "int16": "SMALLINT", "int8": "SMALLINT",
    "bool": "BOOLEAN", "date32[day]": "DATE",
}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _to_arrow(frame: pd.DataFrame | pa.Table) -> pa.Table:
    if isinstance(frame, pa.Table):
        return frame
    return pa.Table.from_pandas(frame, preserve_index=False)


class Store:
    """A connection to the embedded store or to PostgreSQL, exposing Ibis tables."""

    def __init__(self, con: Any, kind: str, url: str) -> None:
        self.con = con
        self.kind = kind
        self.url = url

    @classmethod
    def connect(cls, url: str | None = None) -> Store:
        """Open ``url`` (see module doc); ``None`` opens an in-memory embedded store."""
        if url is None or url in ("duckdb://", "duckdb:///:memory:", ":memory:"):
            return cls(duckdb.connect(), "duckdb", "duckdb://")
        if url.startswith("duckdb:///"):
            path = Path(url.removeprefix("duckdb:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            return cls(duckdb.connect(str(path)), "duckdb", url)
        if url.startswith(("postgresql://", "postgres://")):
            try:
                con = ibis.connect(url.replace("postgresql://", "postgres://", 1))
            except Exception as exc:  # psycopg raises OperationalError subclasses
                raise StoreError(f"cannot connect to PostgreSQL at {url}: {exc}") from exc
            return cls(con, "postgres", url)
        raise StoreError(f"unsupported store URL {url!r}; use duckdb:///path or postgresql://...")

    @classmethod
    def embedded(cls, data_dir: str | Path) -> Store:
        return cls.connect(f"duckdb:///{Path(data_dir) / 'qingshan.duckdb'}")

    def table(self, name: str) -> Any:
        """The Ibis table ``name``. On DuckDB it is an unbound table with the stored
        schema: Qingshan compiles it to SQL and runs that on its own connection."""
        if self.kind != "duckdb":
            return self.con.table(name)
        cols = self.con.execute(f"DESCRIBE {_quoted(name)}").fetchall()
        schema = {c[0]: DuckDBType.from_string(c[1]) for c in cols}
        return ibis.table(schema, name=name)

    def has_table(self, name: str) -> bool:
        if self.kind != "duckdb":
            return name in self.con.list_tables()
        return bool(self.con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall())

    def execute(self, expr: Any) -> pd.DataFrame:
        """Run ``expr`` and return its rows (through Arrow, which is the fast path)."""
        # split_blocks + self_destruct: numeric columns without nulls are taken over
        # without a copy and each Arrow column is released once converted, so a large
        # result does not sit in memory twice
        out: pd.DataFrame = self.execute_arrow(expr).to_pandas(split_blocks=True, self_destruct=True)
        return out

    def execute_arrow(self, expr: Any, *, stream: bool = False) -> pa.Table:
        """Run ``expr`` and return its rows as an Arrow table. With ``stream`` the rows
        come in batches, so the backend never holds the whole result beside the Arrow
        copy (for results of millions of rows; slower for small ones)."""
        if self.kind != "duckdb":
            result: pa.Table = self.con.to_pyarrow(expr)
            return result
        rel = self.con.sql(self.compile(expr))
        out: pa.Table = rel.to_arrow_reader(1 << 17).read_all() if stream else rel.to_arrow_table()
        return out

    def compile(self, expr: Any) -> str:
        """The SQL of ``expr`` for this store's backend."""
        if self.kind != "duckdb":
            return str(self.con.compile(expr))
        return str(ibis.to_sql(expr, dialect="duckdb"))

    def materialize(self, name: str, expr: Any) -> None:
        """Store the result of ``expr`` as temporary table ``name`` (replacing it), inside the
        backend. Temporary tables live as long as this connection and are never written to
        the database file, which at province scale saves more time than the kernels take."""
        sql = self.compile(expr)
        quoted = _quoted(name)
        if self.kind == "duckdb":
            # one statement: ibis's create_table(overwrite=True, temp=True) fills a table
            # and then copies it into the named one, which costs a second pass
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {quoted} AS {sql}")
            return
        with self.con.begin() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {quoted}")
            cur.execute(f"CREATE TEMP TABLE {quoted} AS {sql}")

    def replace_tables_from_parquet(self, files: Mapping[str, Path]) -> None:
        """Replace tables from Parquet files, in one transaction. On DuckDB the files are
        read by the engine itself, so the data never passes through Python."""
        if self.kind != "duckdb":
            import pyarrow.parquet as pq

            self.replace_tables({name: pq.read_table(path) for name, path in files.items()})
            return
        raw = self.con
        raw.execute("BEGIN TRANSACTION")
        try:
            for name, path in files.items():
                raw.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM read_parquet(?)', [str(path)])
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise

    def replace_tables(self, frames: Mapping[str, pd.DataFrame | pa.Table]) -> None:
        """Replace (or create) every table in ``frames`` in one transaction."""
        arrow = {name: _to_arrow(f) for name, f in frames.items()}
        if self.kind == "duckdb":
            self._replace_duckdb(arrow)
        else:
            self._replace_postgres(arrow)

    def _replace_duckdb(self, arrow: dict[str, pa.Table]) -> None:
        raw = self.con
        raw.execute("BEGIN TRANSACTION")
        try:
            for name, tbl in arrow.items():
                view = f"__qingshan_in_{name}"
                raw.register(view, tbl)
                try:
                    raw.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "{view}"')
                finally:
                    raw.unregister(view)
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise

    def _replace_postgres(self, arrow: dict[str, pa.Table]) -> None:
        raw = self.con.con
        try:
            with raw.transaction(), raw.cursor() as cur:
                for name, tbl in arrow.items():
                    cols = []
                    for field in tbl.schema:
                        t = str(field.type)
                        if t not in _PG_TYPES:
                            raise StoreError(f"table {name}: column {field.name} has type {t}, "
                                             "which the PostgreSQL store does not map")
                        cols.append(f'"{field.name}" {_PG_TYPES[t]}')
                    cur.execute(f'DROP TABLE IF EXISTS "{name}"')
                    cur.execute(f'CREATE TABLE "{name}" ({", ".join(cols)})')
                    names = ", ".join(f'"{f.name}"' for f in tbl.schema)
                    with cur.copy(f'COPY "{name}" ({names}) FROM STDIN') as cp:
                        for batch in tbl.to_batches(max_chunksize=50_000):
                            for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                                cp.write_row(row)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"writing to PostgreSQL failed, nothing was changed: {exc}") from exc

    def close(self) -> None:
        if self.kind == "duckdb":
            self.con.close()
        else:
            self.con.disconnect()
