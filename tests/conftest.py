"""Shared fixtures: store backends (DuckDB always; PostgreSQL on loopback) and a small
hand-made data package whose accounts are worked out by hand in test_accounts.py."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from qingshan.store import Store

PG_ADMIN_URL = os.environ.get("QINGSHAN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
# Starlette's TestClient sends `Host: testserver`: a name the web application answers to in
# the tests, as a deployment names its own (tests/test_web_auth.py checks that others get 400)
os.environ.setdefault("QINGSHAN_ALLOWED_HOSTS", "testserver")
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(first17: str) -> str:
    """Append the GB 32100-2015 check character (weights 3^i mod 31), written out
    independently of qingshan.data.uscc so the two check each other."""
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


ENT_A = make_uscc("91450200MA5K00001")
ENT_B = make_uscc("91450200MA5K00002")


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("postgresql://", "postgresql://", 1),
                             connect_timeout=3):
            return True
    except Exception:
        return False


@contextmanager
def fresh_pg_database(prefix: str = "qingshan_test") -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards.

    Skipped when no server answers, unless QINGSHAN_REQUIRE_POSTGRES=1 (set by .ci/run),
    in which case the test fails.
    """
    import psycopg

    if not _pg_available():
        if os.environ.get("QINGSHAN_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable at {PG_ADMIN_URL}")
        pytest.skip("PostgreSQL not reachable on loopback")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """Each test using this fixture runs on both backends."""
    s = Store.connect(None if request.param == "duckdb" else request.getfixturevalue("pg_url"))
    try:
        yield s
    finally:
        s.close()


ENTITIES_CSV = f"""entity_id,entity_type,name,district_id,park_id,industry_code,scale,land_area_mu,lon,lat,\
start_year
450999,city,青山市,,,,,,,,
450901,district,东区,,,,,,,,
450902,district,西区,,,,,,,,
P01,park,化工园区,450901,,,,,,,
{ENT_A},enterprise,甲化工有限公司,450901,P01,2619,规上,120,109.4,24.3,2010
{ENT_B},enterprise,乙水泥有限公司,450902,,3011,规上,300,109.5,24.4,2005
"""

# Chinese headers and mixed units on purpose: the reader must map and normalise them.
ENERGY_CSV = f"""统一社会信用代码,报告期,能源品种,数量,计量单位,用途
{ENT_A},2022-03,烟煤,1000,吨,燃料
{ENT_A},2022-03,电力,100,万千瓦时,燃料
{ENT_A},2022-03,天然气,10,万立方米,原料用能
{ENT_A},2022-03,热力,500,GJ,外供
{ENT_A},2022-03,电力,50000,kWh,自发可再生电力
{ENT_A},2022-03,柴油,2,吨,非工业生产消费
{ENT_B},2022-03,electricity,2,MWh,fuel
{ENT_B},2020-05,electricity,1000,kWh,fuel
"""

ECONOMICS_CSV = f"""entity_id,year,output_value_10k_yuan,value_added_10k_yuan,revenue_10k_yuan,tax_10k_yuan,\
employees,rd_expense_10k_yuan,money_unit
{ENT_A},2022,20000,5000,21000,800,300,400,万元
{ENT_B},2022,300000000,80000000,310000000,5000000,200,0,元
"""

PROCESS_CSV = f"""entity_id,period,material,quantity,unit,cao_fraction,mgo_fraction,calcination_fraction
{ENT_B},2022-03,clinker,1,万吨,0.65,0.015,
{ENT_B},2022-03,caco3,1000,t,,,
"""

PRODUCTION_CSV = f"""entity_id,year,product,quantity,unit,energy_share
{ENT_B},2022,水泥熟料,1,万吨,
"""


@pytest.fixture
def small_package(tmp_path: Path) -> Path:
    """A two-enterprise package (folder name has Chinese characters and an emoji, so
    Unicode paths are always exercised)."""
    d = tmp_path / "青山_package_😎"
    d.mkdir()
    for name, text in (("entities", ENTITIES_CSV), ("energy", ENERGY_CSV),
                       ("economics", ECONOMICS_CSV), ("process", PROCESS_CSV),
                       ("production", PRODUCTION_CSV)):
        (d / f"{name}.csv").write_text(text, encoding="utf-8")
    return d
