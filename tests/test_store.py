"""The store interface on every backend: DuckDB in memory, a DuckDB file, and PostgreSQL
(one schema per test). Replacing tables round-trips values, metadata are written in the same
transaction as the tables, a failing replace leaves tables and metadata as they were, and
PostgreSQL schemas keep cities apart."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from qingshan.errors import StoreError
from qingshan.store import Store, connect, embedded
from qingshan.store.duckdb import DuckDBStore
from qingshan.store.postgres import PostgresStore

TYPED = pa.table({
    "k": pa.array([1, 2, 3], pa.int32()),
    "s": pa.array(["甲化工", "b", None], pa.string()),
    "f": pa.array([1.5, -2.25, None], pa.float64()),
    "i64": pa.array([2**40, -1, 0], pa.int64()),
    "i16": pa.array([300, -300, 0], pa.int16()),
    "i8": pa.array([7, -7, 0], pa.int8()),
    "b": pa.array([True, False, None], pa.bool_()),
    "d": pa.array([date(2022, 3, 1), date(1999, 12, 31), None], pa.date32()),
})

OLD_ENTITIES = pd.DataFrame({"entity_id": ["A", "B"], "land_area_mu": [120.0, 300.0]})
NEW_ENTITIES = pd.DataFrame({"entity_id": ["C"], "land_area_mu": [7.5]})
OLD_META = {"package_hash": "sha256:old", "loaded_by": "青山"}


def rows(store: Store, name: str, key: str) -> list[dict[str, object]]:
    t = store.table(name)
    out: list[dict[str, object]] = store.execute_arrow(t.order_by(key)).to_pylist()
    return out


def entity_rows(store: Store) -> list[tuple[object, ...]]:
    df = store.execute(store.table("entities").order_by("entity_id"))
    return list(df.itertuples(index=False, name=None))


def _drop_schemas(pg_url: str, names: list[str]) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as c:
        for name in names:
            c.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture
def pg_schemas(pg_url: str) -> Iterator[Callable[[], str]]:
    """Fresh schema names for this test; every schema named is dropped (CASCADE) afterwards."""
    made: list[str] = []

    def new() -> str:
        made.append(f"qs_test_{uuid.uuid4().hex[:12]}")
        return made[-1]

    try:
        yield new
    finally:
        _drop_schemas(pg_url, made)


@pytest.fixture(params=["memory", "file", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Each test runs on DuckDB in memory, on a DuckDB file and on PostgreSQL (own schema)."""
    if request.param == "memory":
        s = connect(None)
    elif request.param == "file":
        s = embedded(tmp_path / "城市")
    else:
        s = connect(request.getfixturevalue("pg_url"), schema=request.getfixturevalue("pg_schemas")())
    try:
        yield s
    finally:
        s.close()


# ---- the interface


def test_backends_implement_the_interface(tmp_path: Path) -> None:
    mem = Store.connect(None)
    f = Store.embedded(tmp_path)
    try:
        assert isinstance(mem, DuckDBStore) and isinstance(mem, Store)
        assert (mem.kind, mem.url, mem.schema) == ("duckdb", "duckdb://", None)
        assert f.kind == "duckdb" and f.url == f"duckdb:///{tmp_path / 'qingshan.duckdb'}"
        assert (tmp_path / "qingshan.duckdb").is_file()
    finally:
        mem.close()
        f.close()
    with pytest.raises(TypeError):
        Store()  # type: ignore[abstract]
    with pytest.raises(StoreError, match="unsupported store URL"):
        connect("sqlite:///x.db")


def test_replace_tables_round_trip(any_store: Store) -> None:
    s = any_store
    assert not s.has_table("typed")
    s.replace_tables({"typed": TYPED, "entities": OLD_ENTITIES})
    assert s.has_table("typed") and s.has_table("entities")
    assert rows(s, "typed", "k") == TYPED.to_pylist()
    assert entity_rows(s) == [("A", 120.0), ("B", 300.0)]
    total = s.execute(s.table("entities").aggregate(total=lambda t: t.land_area_mu.sum()))
    assert total["total"].tolist() == [420.0]
    # a second replace replaces (fewer rows, other values); tables not named stay
    s.replace_tables({"entities": NEW_ENTITIES})
    assert entity_rows(s) == [("C", 7.5)]
    assert rows(s, "typed", "k") == TYPED.to_pylist()
    # column types: int8 is stored as SMALLINT on PostgreSQL, all else as written
    types = {f.name: str(f.type) for f in s.execute_arrow(s.table("typed")).schema}
    assert types["s"] == "string" and types["f"] == "double" and types["i64"] == "int64"
    assert types["d"] == "date32[day]" and types["b"] == "bool"
    assert types["i8"] == ("int16" if s.kind == "postgres" else "int8")


def test_replace_tables_from_parquet_round_trip(any_store: Store, tmp_path: Path) -> None:
    s = any_store
    pq.write_table(TYPED, tmp_path / "typed.parquet")
    pq.write_table(pa.Table.from_pandas(OLD_ENTITIES, preserve_index=False), tmp_path / "entities.parquet")
    s.replace_tables_from_parquet({"typed": tmp_path / "typed.parquet", "entities": tmp_path / "entities.parquet"},
                                  meta={"package_hash": "p1"})
    assert rows(s, "typed", "k") == TYPED.to_pylist()
    assert entity_rows(s) == [("A", 120.0), ("B", 300.0)]
    assert s.read_meta() == {"package_hash": "p1"}


def test_materialize_makes_a_temporary_table(any_store: Store) -> None:
    s = any_store
    s.replace_tables({"typed": TYPED})
    t = s.table("typed")
    s.materialize("_tmp_pos", t.filter(t.i64 >= 0).select("k", "i64"))
    assert s.has_table("_tmp_pos")
    assert rows(s, "_tmp_pos", "k") == [{"k": 1, "i64": 2**40}, {"k": 3, "i64": 0}]
    s.materialize("_tmp_pos", t.filter(t.i64 < 0).select("k"))  # replaced
    assert rows(s, "_tmp_pos", "k") == [{"k": 2}]


# ---- metadata


def test_meta_is_written_with_the_tables_and_read_back(any_store: Store) -> None:
    s = any_store
    assert s.read_meta() == {}
    s.replace_tables({"entities": OLD_ENTITIES}, meta=OLD_META)
    assert s.read_meta() == OLD_META
    assert entity_rows(s) == [("A", 120.0), ("B", 300.0)]
    # without meta the metadata stay; with new meta they are replaced, not merged
    s.replace_tables({"entities": NEW_ENTITIES})
    assert s.read_meta() == OLD_META
    s.replace_tables({"entities": OLD_ENTITIES}, meta={"package_hash": "sha256:new"})
    assert s.read_meta() == {"package_hash": "sha256:new"}
    s.replace_tables({}, meta={})
    assert s.read_meta() == {}
    assert entity_rows(s) == [("A", 120.0), ("B", 300.0)]
    with pytest.raises(StoreError, match="_qingshan_meta"):
        s.replace_tables({"_qingshan_meta": OLD_ENTITIES}, meta=OLD_META)


def test_file_store_keeps_tables_and_meta_across_connections(tmp_path: Path) -> None:
    s = embedded(tmp_path)
    s.replace_tables({"entities": OLD_ENTITIES}, meta=OLD_META)
    s.close()
    # a DuckDB file is one city: the schema is checked, then ignored
    again = connect(f"duckdb:///{tmp_path / 'qingshan.duckdb'}", schema="city_other")
    try:
        assert again.schema is None
        assert entity_rows(again) == [("A", 120.0), ("B", 300.0)]
        assert again.read_meta() == OLD_META
    finally:
        again.close()


# ---- a failing replace changes nothing


def _assert_unchanged(s: Store) -> None:
    assert entity_rows(s) == [("A", 120.0), ("B", 300.0)]
    assert s.read_meta() == OLD_META
    assert not s.has_table("fresh")


def test_failing_replace_keeps_old_tables_and_meta(any_store: Store) -> None:
    s = any_store
    s.replace_tables({"entities": OLD_ENTITIES}, meta=OLD_META)
    # the third frame cannot be converted: the first two were already written in the transaction
    bad = pd.DataFrame({"x": [1, "not a number"]})
    expected: type[Exception] = StoreError if s.kind == "postgres" else pa.ArrowException
    with pytest.raises(expected, match="not a number"):
        s.replace_tables({"entities": NEW_ENTITIES, "fresh": OLD_ENTITIES, "bad": bad},
                         meta={"package_hash": "sha256:new"})
    _assert_unchanged(s)
    assert not s.has_table("bad")


def test_failing_parquet_replace_keeps_old_tables_and_meta(any_store: Store, tmp_path: Path) -> None:
    s = any_store
    s.replace_tables({"entities": OLD_ENTITIES}, meta=OLD_META)
    pq.write_table(pa.Table.from_pandas(NEW_ENTITIES, preserve_index=False), tmp_path / "entities.parquet")
    pq.write_table(TYPED, tmp_path / "fresh.parquet")
    files = {"entities": tmp_path / "entities.parquet", "fresh": tmp_path / "fresh.parquet",
             "missing": tmp_path / "missing.parquet"}
    with pytest.raises(Exception, match=r"missing\.parquet"):
        s.replace_tables_from_parquet(files, meta={"package_hash": "sha256:new"})
    _assert_unchanged(s)


@pytest.mark.postgres
def test_postgres_unmappable_column_keeps_old_tables_and_meta(pg_url: str, pg_schemas: Callable[[], str]) -> None:
    s = connect(pg_url, schema=pg_schemas())
    try:
        s.replace_tables({"entities": OLD_ENTITIES}, meta=OLD_META)
        stamped = pa.table({"t": pa.array([1, 2], pa.timestamp("s"))})
        with pytest.raises(StoreError, match=r"column t has type timestamp\[s\]"):
            s.replace_tables({"entities": NEW_ENTITIES, "fresh": OLD_ENTITIES, "stamped": stamped},
                             meta={"package_hash": "sha256:new"})
        _assert_unchanged(s)
        assert not s.has_table("stamped")
    finally:
        s.close()


def test_duckdb_failing_transaction_is_invisible_to_a_second_connection(tmp_path: Path) -> None:
    """On a DuckDB file, a second connection never sees a half-written set."""
    s = embedded(tmp_path)
    s.replace_tables({"entities": OLD_ENTITIES}, meta=OLD_META)
    with pytest.raises(pa.ArrowException):
        s.replace_tables({"entities": NEW_ENTITIES, "bad": pd.DataFrame({"x": [1, "y"]})}, meta={"h": "new"})
    s.close()
    again = embedded(tmp_path)
    try:
        _assert_unchanged(again)
    finally:
        again.close()


# ---- PostgreSQL schemas


@pytest.mark.postgres
def test_postgres_schemas_keep_cities_apart(pg_url: str, pg_schemas: Callable[[], str]) -> None:
    import psycopg

    name_a, name_b = pg_schemas(), pg_schemas()
    a = connect(pg_url, schema=name_a)
    b = Store.connect(pg_url, schema=name_b)
    public = connect(pg_url)
    try:
        assert isinstance(a, PostgresStore) and (a.kind, a.schema, b.schema) == ("postgres", name_a, name_b)
        assert public.schema == "public"
        a.replace_tables({"entities": OLD_ENTITIES, "only_a": TYPED}, meta={"city": "a"})
        b.replace_tables({"entities": NEW_ENTITIES}, meta={"city": "b"})
        assert entity_rows(a) == [("A", 120.0), ("B", 300.0)]
        assert entity_rows(b) == [("C", 7.5)]
        assert (a.read_meta(), b.read_meta()) == ({"city": "a"}, {"city": "b"})
        assert a.has_table("only_a") and not b.has_table("only_a") and not public.has_table("only_a")
        # (other tests of the session may have written tables into public: only a's and b's own
        # names and metadata are checked there)
        assert public.read_meta().get("city") is None
        # B's second load overwrites only B
        b.replace_tables({"entities": OLD_ENTITIES.iloc[:1]}, meta={"city": "b2"})
        assert entity_rows(a) == [("A", 120.0), ("B", 300.0)] and a.read_meta() == {"city": "a"}
        assert entity_rows(b) == [("A", 120.0)] and b.read_meta() == {"city": "b2"}
        # a table in public is not seen from a city schema
        public.replace_tables({"public_only": OLD_ENTITIES})
        assert public.has_table("public_only") and not a.has_table("public_only")
        with pytest.raises(Exception, match="public_only"):
            a.execute(a.table("public_only"))
        # the server agrees on where every table is
        with psycopg.connect(pg_url) as c:
            found = c.execute("SELECT table_schema, table_name FROM information_schema.tables "
                              "WHERE table_schema = ANY(%s) ORDER BY 1, 2", [[name_a, name_b]]).fetchall()
            assert found == sorted([(name_a, "_qingshan_meta"), (name_a, "entities"), (name_a, "only_a"),
                                    (name_b, "_qingshan_meta"), (name_b, "entities")])
            assert c.execute(f'SELECT count(*) FROM "{name_a}".entities').fetchone() == (2,)
        # a temporary table stays temporary: in no schema, visible to its own connection only
        a.materialize("_accounts_monthly", a.table("entities").select("entity_id"))
        assert a.has_table("_accounts_monthly") and not b.has_table("_accounts_monthly")
        assert not public.has_table("_accounts_monthly")
        # a temporary table named like a stored one is not what a replace overwrites
        a.materialize("entities", a.table("entities").filter(lambda t: t.entity_id == "B"))
        assert entity_rows(a) == [("B", 300.0)]  # the temporary table shadows, as on DuckDB
        a.replace_tables({"entities": NEW_ENTITIES})
        with psycopg.connect(pg_url) as c:
            assert c.execute(f'SELECT entity_id FROM "{name_a}".entities').fetchall() == [("C",)]
    finally:
        for s in (a, b, public):
            s.close()
        with psycopg.connect(pg_url, autocommit=True) as c:
            c.execute('DROP TABLE IF EXISTS public."public_only"')
    # reopening a schema finds the city's tables as they were left
    again = connect(pg_url, schema=name_b)
    try:
        assert entity_rows(again) == [("A", 120.0)] and again.read_meta() == {"city": "b2"}
    finally:
        again.close()


BAD_SCHEMAS = ["City", "1city", "city-x", "city x", "a" * 64, "", 'x"; DROP SCHEMA public; --', "städte"]


@pytest.mark.parametrize("name", BAD_SCHEMAS)
def test_bad_schema_name_raises(name: str) -> None:
    with pytest.raises(StoreError, match="invalid store schema name") as err:
        connect(None, schema=name)
    assert repr(name) in str(err.value)


def test_longest_schema_name_is_accepted() -> None:
    s = connect(None, schema="_" + "a" * 62)
    s.close()


@pytest.mark.postgres
def test_bad_schema_name_raises_on_postgres_and_creates_nothing(pg_url: str) -> None:
    import psycopg

    for name in ("City", "city-x", 'x"; DROP SCHEMA public; --'):
        with pytest.raises(StoreError, match="invalid store schema name"):
            connect(pg_url, schema=name)
    with psycopg.connect(pg_url) as c:
        assert c.execute("SELECT count(*) FROM pg_namespace WHERE nspname IN ('City', 'city-x')").fetchone() == (0,)
        assert c.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'public'").fetchone() == (1,)
