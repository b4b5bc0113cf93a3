"""The store interface shared by every backend, and the helpers the backends share.

A backend module (:mod:`qingshan.store.duckdb`, :mod:`qingshan.store.postgres`) implements
:class:`Store`; :func:`qingshan.store.factory.connect` picks one from a URL. Engines see only
this interface.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

import pandas as pd
import pyarrow as pa

from qingshan.errors import StoreError

StoreKind = Literal["duckdb", "postgres"]

META_TABLE = "_qingshan_meta"
"""The key/value table written by ``replace_tables(..., meta=...)``: ``(key TEXT, value TEXT)``."""

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _quoted(name: str) -> str:
    """``name`` as a quoted SQL identifier (DuckDB and PostgreSQL quote alike)."""
    return '"' + name.replace('"', '""') + '"'


def _to_arrow(frame: pd.DataFrame | pa.Table) -> pa.Table:
    if isinstance(frame, pa.Table):
        return frame
    return pa.Table.from_pandas(frame, preserve_index=False)


def _check_schema_name(schema: str) -> str:
    """``schema`` if it is a plain lower-case SQL identifier of at most 63 characters."""
    if not isinstance(schema, str) or not _SCHEMA_NAME.fullmatch(schema):
        raise StoreError(f"invalid store schema name {schema!r}: use 1 to 63 characters, lower-case "
                         "letters, digits and '_', not starting with a digit (e.g. city_nanning)")
    return schema


def _check_meta_target(frames: Mapping[str, Any], meta: Mapping[str, str] | None) -> None:
    if meta is not None and META_TABLE in frames:
        raise StoreError(f"table {META_TABLE} is written from the meta argument, not as a table")


def embedded_url(data_dir: str | Path) -> str:
    """The URL of the embedded store of a data directory: the DuckDB file ``qingshan.duckdb``."""
    return f"duckdb:///{Path(data_dir) / 'qingshan.duckdb'}"


class Opener(Protocol):
    """What :func:`qingshan.store.factory.connect` is: a URL (and schema) to an open store."""

    def __call__(self, url: str | None = None, *, schema: str | None = None) -> Store: ...


_opener: Opener | None = None


def register_opener(opener: Opener) -> None:
    """Make ``opener`` what ``Store.connect`` calls. qingshan.store.factory registers its
    ``connect`` when imported (and importing any part of qingshan.store imports it), so the
    interface never imports the backends."""
    global _opener
    _opener = opener


class Store(abc.ABC):
    """A connection to the embedded store or to PostgreSQL, exposing Ibis tables.

    ``kind`` is ``"duckdb"`` or ``"postgres"``; ``url`` is the URL the store was opened with.
    Writes of a set of tables (``replace_tables``, ``replace_tables_from_parquet``) are one
    transaction, together with the key/value metadata given as ``meta``.
    """

    kind: ClassVar[StoreKind]
    url: str
    schema: str | None
    """The PostgreSQL schema every table lives in (the server's default, ``public``, when none was
    asked for); ``None`` on DuckDB."""

    # ---- opening: the call sites write Store.connect(url) and Store.embedded(dir); the
    # backends are known to qingshan.store.factory only, which registers its connect()

    @classmethod
    def connect(cls, url: str | None = None, *, schema: str | None = None) -> Store:
        """Open ``url`` (see :func:`qingshan.store.factory.connect`)."""
        if _opener is None:  # pragma: no cover - importing qingshan.store registers it
            raise StoreError("no store backends are registered: import qingshan.store")
        return _opener(url, schema=schema)

    @classmethod
    def embedded(cls, data_dir: str | Path) -> Store:
        """The DuckDB file ``qingshan.duckdb`` in ``data_dir``."""
        return cls.connect(embedded_url(data_dir))

    # ---- reading

    @abc.abstractmethod
    def table(self, name: str) -> Any:
        """The Ibis table ``name``."""

    @abc.abstractmethod
    def has_table(self, name: str) -> bool:
        """Whether table ``name`` exists (a temporary table of this connection counts)."""

    @abc.abstractmethod
    def execute_arrow(self, expr: Any, *, stream: bool = False) -> pa.Table:
        """Run ``expr`` and return its rows as an Arrow table. With ``stream`` the rows
        come in batches where the backend can, so it never holds the whole result beside
        the Arrow copy (for results of millions of rows; slower for small ones)."""

    def execute(self, expr: Any) -> pd.DataFrame:
        """Run ``expr`` and return its rows (through Arrow, which is the fast path)."""
        # split_blocks + self_destruct: numeric columns without nulls are taken over
        # without a copy and each Arrow column is released once converted, so a large
        # result does not sit in memory twice
        out: pd.DataFrame = self.execute_arrow(expr).to_pandas(split_blocks=True, self_destruct=True)
        return out

    @abc.abstractmethod
    def compile(self, expr: Any) -> str:
        """The SQL of ``expr`` for this store's backend."""

    def read_meta(self) -> dict[str, str]:
        """The key/value pairs last written with ``replace_tables(..., meta=...)``; ``{}``
        when none were ever written."""
        if not self.has_table(META_TABLE):
            return {}
        tbl = self.execute_arrow(self.table(META_TABLE))
        return dict(zip(tbl.column("key").to_pylist(), tbl.column("value").to_pylist(), strict=True))

    # ---- writing

    @abc.abstractmethod
    def materialize(self, name: str, expr: Any) -> None:
        """Store the result of ``expr`` as temporary table ``name`` (replacing it), inside the
        backend. Temporary tables live as long as this connection and are never written to
        the database, which at province scale saves more time than the kernels take."""

    @abc.abstractmethod
    def replace_tables(self, frames: Mapping[str, pd.DataFrame | pa.Table], *,
                       meta: Mapping[str, str] | None = None) -> None:
        """Replace (or create) every table in ``frames`` in one transaction. With ``meta``,
        table ``_qingshan_meta`` is replaced by its key/value pairs in the same transaction,
        so a reader never sees the new tables with the old metadata; without it (``None``)
        the metadata are left as they are (``{}`` empties them). If anything fails, every
        table and the metadata stay as they were."""

    @abc.abstractmethod
    def replace_tables_from_parquet(self, files: Mapping[str, Path], *,
                                    meta: Mapping[str, str] | None = None) -> None:
        """Replace tables from Parquet files, in one transaction, with ``meta`` as in
        :meth:`replace_tables`."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close the connection (temporary tables go with it)."""
