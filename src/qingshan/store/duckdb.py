"""The embedded store: DuckDB, run by Qingshan itself, with ibis only compiling.

Tables are unbound Ibis tables whose schema is read with ``DESCRIBE``; expressions are
compiled with ``ibis.to_sql(..., dialect="duckdb")`` and run on the store's own DuckDB
connection (relation API, Arrow out). ibis 12's own DuckDB backend does not run on DuckDB
2.0 (docs/architecture.md, "The store runs DuckDB itself").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
from ibis.backends.sql.datatypes import DuckDBType

from qingshan.store.base import META_TABLE, Store, StoreKind, _check_meta_target, _quoted, _to_arrow


class DuckDBStore(Store):
    """A DuckDB database (a file, or in memory) behind :class:`~qingshan.store.base.Store`."""

    kind: ClassVar[StoreKind] = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, url: str) -> None:
        self.con = con
        self.url = url
        self.schema = None

    @classmethod
    def open(cls, path: Path | None, url: str | None = None) -> DuckDBStore:
        """The DuckDB file ``path`` (created with its folder if missing), or an in-memory
        database when ``path`` is None; ``url`` is the URL it was named by."""
        if path is None:
            return cls(duckdb.connect(), url or "duckdb://")
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(duckdb.connect(str(path)), url or f"duckdb:///{path}")

    def table(self, name: str) -> Any:
        """The Ibis table ``name``: an unbound table with the stored schema, which the store
        compiles to SQL and runs on its own connection."""
        cols = self.con.execute(f"DESCRIBE {_quoted(name)}").fetchall()
        schema = {c[0]: DuckDBType.from_string(c[1]) for c in cols}
        return ibis.table(schema, name=name)

    def has_table(self, name: str) -> bool:
        return bool(self.con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall())

    def execute_arrow(self, expr: Any, *, stream: bool = False) -> pa.Table:
        rel = self.con.sql(self.compile(expr))
        out: pa.Table = rel.to_arrow_reader(1 << 17).read_all() if stream else rel.to_arrow_table()
        return out

    def compile(self, expr: Any) -> str:
        return str(ibis.to_sql(expr, dialect="duckdb"))

    def materialize(self, name: str, expr: Any) -> None:
        # one statement: ibis's create_table(overwrite=True, temp=True) fills a table
        # and then copies it into the named one, which costs a second pass
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {_quoted(name)} AS {self.compile(expr)}")

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        raw = self.con
        raw.execute("BEGIN TRANSACTION")
        try:
            yield raw
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise

    def _write_meta(self, raw: duckdb.DuckDBPyConnection, meta: Mapping[str, str]) -> None:
        raw.execute(f"CREATE OR REPLACE TABLE {_quoted(META_TABLE)} (key TEXT, value TEXT)")
        if meta:
            raw.executemany(f"INSERT INTO {_quoted(META_TABLE)} VALUES (?, ?)", list(meta.items()))

    def replace_tables(self, frames: Mapping[str, pd.DataFrame | pa.Table], *,
                       meta: Mapping[str, str] | None = None) -> None:
        _check_meta_target(frames, meta)
        with self._transaction() as raw:
            for name, frame in frames.items():
                tbl = _to_arrow(frame)  # inside the transaction: a frame that fails rolls back all
                view = f"__qingshan_in_{name}"
                raw.register(view, tbl)
                try:
                    raw.execute(f"CREATE OR REPLACE TABLE {_quoted(name)} AS SELECT * FROM {_quoted(view)}")
                finally:
                    raw.unregister(view)
            if meta is not None:
                self._write_meta(raw, meta)

    def replace_tables_from_parquet(self, files: Mapping[str, Path], *,
                                    meta: Mapping[str, str] | None = None) -> None:
        """DuckDB reads the files itself, so the data never pass through Python."""
        _check_meta_target(files, meta)
        with self._transaction() as raw:
            for name, path in files.items():
                raw.execute(f"CREATE OR REPLACE TABLE {_quoted(name)} AS SELECT * FROM read_parquet(?)",
                            [str(path)])
            if meta is not None:
                self._write_meta(raw, meta)

    def close(self) -> None:
        self.con.close()
