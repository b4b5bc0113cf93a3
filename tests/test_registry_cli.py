"""The migration ``0003_registry`` from a fresh database and from one at ``0002`` with data,
on SQLite and PostgreSQL; ``qingshan db upgrade`` on the demo city; ``qingshan registry
verify`` and ``balances`` on intact and tampered books (docs/registries.md, "Verify")."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from qingshan.app import database
from qingshan.cli import main
from qingshan.registry import Order
from tests.test_registry_kernel import app_url, issue, make_world  # noqa: F401  (app_url: a fixture)

TABLES = {"registry_accounts", "registry_requests", "registry_ledger", "registry_ledger_head", "registry_blocks",
          "registry_postings"}


def test_the_migration_applies_from_nothing_and_from_0002(app_url: str) -> None:  # noqa: F811
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("qingshan.app").joinpath("migrations")))
    with database.engine(app_url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    with database.engine(app_url).begin() as conn:  # data of the older revision
        conn.execute(text("INSERT INTO audit_head (id, count, hash) VALUES (1, 0, :h)"), {"h": "0" * 64})
    assert database.current(app_url) == "0002"
    assert database.upgrade(app_url) == ("0002", "0003") and database.head() == "0003"
    database.check_current(app_url)
    names = set(inspect(database.engine(app_url)).get_table_names())
    assert names >= TABLES
    with database.engine(app_url).connect() as conn:
        assert conn.execute(text("SELECT id, count, hash FROM registry_ledger_head")).one() == (1, 0, "0" * 64)
        assert conn.execute(text("SELECT count FROM audit_head")).scalar_one() == 0  # kept
    account = ("INSERT INTO registry_accounts (id, right_code, jurisdiction, kind, holder, holder_name, unit, "
               "serial_unit, opened_at, opened_by) VALUES (1, 'YN', '459900', '{}', 'x', 'x', 'tce', '1', "
               "CURRENT_TIMESTAMP, 'x')")
    row = ("INSERT INTO registry_ledger (id, at, kind, step, right_code, jurisdiction, units, consumed, payload, "
           "actor, organisation, role, rules, reason, audit_id, prev_hash, hash) "
           "VALUES (1, CURRENT_TIMESTAMP, 'issue', 'complete', 'YN', '459900', 0, '[]', '{}', 'x', '', '', '', '', "
           "0, '', '')")
    block = ("INSERT INTO registry_blocks (ledger_id, account_id, right_code, jurisdiction, vintage, first_serial, "
             "last_serial, units, status) VALUES (1, 1, 'YN', '459900', 2025, {}, {}, {}, '{}')")
    with database.engine(app_url).begin() as conn:
        conn.execute(text(account.format("holding")))
        conn.execute(text(row))
        conn.execute(text(block.format(1, 10, 10, "held")))  # what the checks allow
    for bad in (account.format("piggy bank").replace("(1,", "(2,"),  # the database refuses what the model forbids
                block.format(1, 10, 11, "held"),  # units ≠ last − first + 1
                block.format(0, 10, 11, "held"),  # serial 0
                block.format(10, 1, -8, "held"),  # last before first
                block.format(1, 10, 10, "lost")):  # no such status
        with pytest.raises(IntegrityError), database.engine(app_url).begin() as conn:
            conn.execute(text(bad))


def test_db_upgrade_on_the_demo_city_then_registry_verify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          app_url: str) -> None:  # noqa: F811
    from qingshan.city.demo import create_demo_city

    d = tmp_path / "city"
    create_demo_city(d, enterprises=20, years=[2024], seed=5)
    if app_url.startswith("postgresql"):
        monkeypatch.setenv("QINGSHAN_APP_DB", app_url.replace("postgresql+psycopg://", "postgresql://", 1))
    run = CliRunner().invoke
    r = run(main, ["registry", "verify", str(d)])
    assert r.exit_code != 0 and "qingshan db upgrade" in " ".join(r.output.split())
    r = run(main, ["db", "upgrade", str(d)])
    assert r.exit_code == 0, r.output
    assert "0003" in r.output
    r = run(main, ["--lang", "en", "registry", "verify", str(d)])
    assert r.exit_code == 0, r.output
    assert "0 ledger rows" in r.output


def test_verify_and_balances_on_intact_and_tampered_books(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / database.SQLITE_FILE}"
    w = make_world(url, holders=(("YN", "E1"), ("YN", "E2")))
    issue(w, "YN", "E1", "1000")
    w.done("e1", "fgw2", Order("transfer", "YN", amount="250", from_account=w.accounts["YN:E1"],
                               to_account=w.accounts["YN:E2"], trade_form="negotiated"))
    run = CliRunner().invoke
    r = run(main, ["--lang", "en", "registry", "verify", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "6 ledger rows" in r.output and "1000" in r.output
    r = run(main, ["registry", "verify", str(tmp_path), "--format", "json"])
    doc = json.loads(r.output)
    assert r.exit_code == 0 and doc["breaks"] == [] and doc["ledger_rows"] == 6
    assert [(t["right"], t["issued"], t["held"]) for t in doc["totals"]] == [("YN", 1000, 1000)]
    r = run(main, ["registry", "balances", str(tmp_path), "--format", "json", "--right", "YN"])
    assert r.exit_code == 0, r.output
    assert [(b["holder"], b["held"], b["unit"]) for b in json.loads(r.output)] == [("E1", 750, "tce"),
                                                                                   ("E2", 250, "tce")]
    with database.engine(url).begin() as conn:  # a block of 乙厂's moved to 甲厂
        conn.execute(text("UPDATE registry_blocks SET account_id = :a WHERE account_id = :b"),
                     {"a": w.accounts["YN:E1"], "b": w.accounts["YN:E2"]})
    r = run(main, ["--lang", "en", "registry", "verify", str(tmp_path)])
    assert r.exit_code == 1
    assert "[D201]" in r.output and "[D205]" in r.output
    r = run(main, ["--lang", "en", "registry", "balances", str(tmp_path)])
    assert r.exit_code == 1 and "[D205]" in r.output
    assert "Account balances" not in r.output  # no balance table: the breaks only
