"""Persistence: the embedded DuckDB store and PostgreSQL, behind one interface.

Engines receive Ibis tables from a :class:`Store` and never learn which backend is in
use. Writes of a set of tables are atomic: either every table of the set is replaced,
together with the key/value metadata given with it (``read_meta``), or nothing is (one
transaction on either backend).

- :mod:`qingshan.store.base`: the interface :class:`Store` and the shared helpers;
- :mod:`qingshan.store.duckdb`: :class:`~qingshan.store.duckdb.DuckDBStore`, the embedded
  store, run on Qingshan's own DuckDB connection (ibis only compiles);
- :mod:`qingshan.store.postgres`: :class:`~qingshan.store.postgres.PostgresStore`, through
  ibis's postgres backend, one schema per city;
- :mod:`qingshan.store.factory`: :func:`connect` (by URL: ``duckdb:///path/qingshan.duckdb``,
  ``duckdb://`` in memory, ``postgresql://user@host:port/db``) and :func:`embedded`.

``Store.connect(url, schema=...)`` and ``Store.embedded(data_dir)`` are the same as the
two functions.
"""

from qingshan.store.base import Store, StoreKind
from qingshan.store.factory import connect, embedded

__all__ = ["Store", "StoreKind", "connect", "embedded"]
