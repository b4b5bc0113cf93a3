"""The application database (issue #14, foundation): migrations, organisations from the
city's tree, accounts with their password rules and sign-in throttling, roles and scope as
data, and the hash-chained audit log that detects an edited or deleted row. Every test runs
on SQLite and on PostgreSQL, each on a database of its own, migrated from nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from qingshan.app import audit, database, organisations, reports, users
from qingshan.app.models import AuditEvent, Organisation, Report, User
from qingshan.app.organisations import Unit
from qingshan.app.passwords import password_problems
from qingshan.app.permissions import allowed, in_scope, roles
from qingshan.cli import main
from qingshan.errors import ConfigError
from tests.conftest import fresh_pg_database

ADMIN = audit.Actor("cli:test", role="administrator")
UNITS = [Unit("4599", "city", "青山市"), Unit("459901", "district", "东区"), Unit("459902", "district", "西区"),
         Unit("P01", "park", "东区园区", district="459901"),
         Unit("E1", "enterprise", "甲厂", district="459901", park="P01"),
         Unit("E2", "enterprise", "乙厂", district="459902")]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.sqlite3'}"
        return
    with fresh_pg_database("qingshan_app") as plain:
        url = plain.replace("postgresql://", "postgresql+psycopg://", 1)
        try:
            yield url
        finally:
            database.engine(url).dispose()  # its connections, before the database is dropped


@pytest.fixture
def migrated(app_url: str) -> str:
    database.upgrade(app_url)
    with database.session(app_url) as s:
        organisations.sync(s, UNITS, ADMIN)
    return app_url


def test_an_unmigrated_database_is_refused_with_the_fix(app_url: str) -> None:
    with pytest.raises(ConfigError, match="qingshan db upgrade"):
        database.check_current(app_url)
    assert database.upgrade(app_url) == (None, database.head())
    database.check_current(app_url)
    assert database.upgrade(app_url) == (database.head(), database.head())  # again: nothing to do


def test_organisations_follow_the_tree_and_scope_is_the_path(migrated: str) -> None:
    with database.session(migrated) as s:
        path = {o.code: o.path for o in s.execute(select(Organisation)).scalars()}
    assert path["E1"] == "/4599/459901/P01/E1" and path["E2"] == "/4599/459902/E2"
    assert path["4599-sthjj"] == "/4599"  # a bureau sees the city
    assert in_scope(path["459901"], path["E1"]) and not in_scope(path["459901"], path["E2"])
    assert in_scope(path["P01"], path["E1"]) and in_scope(path["E1"], path["E1"])
    assert not in_scope(path["E1"], path["P01"])
    assert not in_scope("/4599/45990", "/4599/459901")  # a prefix of the text is not a parent
    with database.session(migrated) as s:  # again, with a park moved to the other district
        moved = [u if u.code != "P01" else Unit("P01", "park", "东区园区", district="459902") for u in UNITS]
        assert organisations.sync(s, moved, ADMIN) == {"added": 0, "changed": 2}  # the park and its enterprise
        assert s.execute(select(Organisation.path).where(Organisation.code == "E1")).scalar_one() == \
            "/4599/459902/P01/E1"


def test_roles_are_data() -> None:
    assert set(roles()) == {"administrator", "analyst", "reviewer", "viewer", "reporter"}
    assert allowed(["reporter"], "report") and not allowed(["reporter"], "review")
    assert allowed(["viewer", "reviewer"], "review") and not allowed(["viewer"], "export")
    assert allowed(["administrator"], "audit") and not allowed(["analyst"], "audit")
    with pytest.raises(ValueError):
        allowed(["viewer"], "fly")


def test_password_rules() -> None:
    assert password_problems("Qingshan-2026", "li") == []
    assert len(password_problems("short1A", "li")) == 1  # length
    assert len(password_problems("alllowercaseletters", "li")) == 1  # one class
    assert password_problems("Zhangwei-2026x", "zhangwei")[0][1] == "must not contain the user name"


def test_accounts_sign_in_throttling_and_their_audit(migrated: str) -> None:
    with database.session(migrated) as s:
        with pytest.raises(users.AccountError, match="unknown roles"):
            users.add_user(s, ADMIN, "x", "459901", ["ruler"])
        with pytest.raises(users.AccountError, match="at least 12"):
            users.add_user(s, ADMIN, "x", "459901", ["viewer"], password="Short-1")
        _, first = users.add_user(s, ADMIN, "dong", "459901", ["reviewer", "viewer"], display_name="东区审核")
    with database.session(migrated) as s:
        user = users.sign_in(s, "dong", first)
        assert user is not None and user.must_change
        users.change_password(s, "dong", first, "Eastern-review-2026")
    for _ in range(users.MAX_FAILURES):
        with database.session(migrated) as s:
            assert users.sign_in(s, "dong", "wrong password") is None
    with database.session(migrated) as s:  # locked now, even with the right password
        assert users.sign_in(s, "dong", "Eastern-review-2026") is None
        assert users.sign_in(s, "nobody", "x") is None
    with database.session(migrated) as s:
        pw = users.reset_password(s, ADMIN, "dong")
    with database.session(migrated) as s:
        user = users.sign_in(s, "dong", pw)
        assert user is not None and user.must_change
        users.disable_user(s, ADMIN, "dong", reason="left the bureau")
    with database.session(migrated) as s:
        assert users.sign_in(s, "dong", pw) is None
        listed = users.list_users(s)
        actions = [e.action for e in s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
        assert audit.verify(s) == []
    assert listed == [{"username": "dong", "display_name": "东区审核", "disabled": True, "must_change": True,
                       "roles": ["459901:reviewer", "459901:viewer"]}]
    tail = actions[actions.index("user.add"):]
    assert tail == ["user.add", "login", "user.change_password", *["login.failed"] * (users.MAX_FAILURES + 2),
                    "user.reset_password", "login", "user.disable", "login.failed"]
    with database.session(migrated) as s:  # the hash is never shown, and never stored as the password
        assert s.execute(select(User.password_hash)).scalar_one().startswith("$argon2id$")


def _tamper(url: str, sql: str) -> list[audit.Break]:
    with database.engine(url).begin() as conn:
        conn.execute(text(sql))
    with database.session(url) as s:
        return audit.verify(s)


def test_the_audit_chain_finds_an_edited_or_deleted_row(migrated: str) -> None:
    with database.session(migrated) as s:
        for i in range(5):
            audit.record(s, ADMIN, "test.event", f"e{i}", before={"n": i}, after={"n": i + 1, "名": "值"},
                         reason="测试")
    with database.session(migrated) as s:
        assert audit.verify(s) == []
        n = s.execute(select(AuditEvent.id)).all()
    last = len(n)
    edited = _tamper(migrated, f"UPDATE audit_events SET reason = 'nothing happened' WHERE id = {last - 2}")
    assert [b.event for b in edited] == [last - 2]
    _tamper(migrated, f"UPDATE audit_events SET reason = '测试' WHERE id = {last - 2}")  # put back: intact again
    with database.session(migrated) as s:
        assert audit.verify(s) == []
    deleted = _tamper(migrated, f"DELETE FROM audit_events WHERE id = {last - 3}")
    assert {b.event for b in deleted} == {last - 2}  # a gap, and a broken link
    assert any("missing" in b.en for b in deleted) and any("does not chain" in b.en for b in deleted)
    tail = _tamper(migrated, f"DELETE FROM audit_events WHERE id >= {last - 3}")
    assert [b.event for b in tail] == [None] and "newest events" in tail[0].en


def test_the_cli_upgrades_adds_users_and_verifies(tmp_path: Path) -> None:
    from qingshan.city.demo import create_demo_city

    d = tmp_path / "city"
    create_demo_city(d, enterprises=40, years=[2023, 2024], seed=3)
    run = CliRunner().invoke
    r = run(main, ["user", "list", "--city", str(d)])
    assert r.exit_code != 0 and "qingshan db upgrade" in _words(r.output)
    r = run(main, ["db", "upgrade", str(d)])
    assert r.exit_code == 0, r.output
    assert run(main, ["db", "status", str(d)]).exit_code == 0
    with database.session(database.app_url(d)) as s:
        district = s.execute(select(Organisation.code).where(Organisation.kind == "district")).scalars().first()
    r = run(main, ["user", "add", "east", "--org", str(district), "--role", "viewer", "--city", str(d)])
    assert r.exit_code == 0 and ("first password" in _words(r.output) or "首次密码" in r.output)
    r = run(main, ["user", "list", "--city", str(d), "--format", "json"])
    assert '"east"' in r.output
    assert run(main, ["audit", "verify", str(d)]).exit_code == 0
    with database.engine(database.app_url(d)).begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE id = 1"))
    r = run(main, ["audit", "verify", str(d)])
    assert r.exit_code == 1 and ("changed after it was written" in _words(r.output) or "被修改" in r.output)


def _words(text: str) -> str:
    """The console's output with its line wrapping undone."""
    return " ".join(text.split())


def _acting(s: object, user: str, code: str, roles: tuple[str, ...]) -> reports.Acting:
    assert isinstance(s, Session)
    path = s.execute(select(Organisation.path).where(Organisation.code == code)).scalar_one()
    return reports.Acting(user, code, path, roles)


MONTH = [{"period": "2024-03", "carrier": "electricity", "quantity": "1200", "unit": "万千瓦时", "use": "fuel"},
         {"period": "2024-03", "carrier": "natural_gas", "quantity": "35", "unit": "万立方米", "use": "fuel"}]


def test_a_report_is_returned_corrected_accepted_and_supplemented(migrated: str) -> None:
    """The review cycle: only the latest accepted version is the report's data, so a total
    changes only when a correction is accepted; a reviewer acts only within its scope."""
    with database.session(migrated) as s:
        firm = _acting(s, "e1", "E1", ("reporter",))
        park = _acting(s, "park", "P01", ("reviewer",))
        other = _acting(s, "west", "459902", ("reviewer",))
        v1 = reports.submit(s, firm, "energy", "2024-03", MONTH)
        with pytest.raises(reports.ReportError, match="being reviewed"):
            reports.submit(s, firm, "energy", "2024-03", MONTH)
        with pytest.raises(reports.ReportError, match="not allowed"):
            reports.review(s, other, v1.id, "accept")  # another district
        with pytest.raises(reports.ReportError, match="needs a comment"):
            reports.review(s, park, v1.id, "return")
        reports.review(s, park, v1.id, "return", "燃气单位应为万立方米，数量请核对")
        fixed = [MONTH[0], {**MONTH[1], "quantity": "36"}]
        v2 = reports.submit(s, firm, "energy", "2024-03", fixed)
        assert reports.accepted(s, "energy") == []  # nothing accepted yet: no data
        reports.review(s, park, v2.id, "accept")
        assert [(r.version, r.rows[1]["quantity"]) for r in reports.accepted(s, "energy")] == [(2, "36")]
        with pytest.raises(reports.ReportError, match="needs a reason"):
            reports.submit(s, firm, "energy", "2024-03", fixed)
        v3 = reports.submit(s, firm, "energy", "2024-03", [MONTH[0], {**MONTH[1], "quantity": "37"}],
                            reason="抄表更正")
        assert v3.initiator == "supplemental" and v3.version == 3
        assert [r.version for r in reports.accepted(s, "energy")] == [2]  # still v2 until v3 is accepted
        assert [r.id for r in reports.waiting(s, park)] == [v3.id] and reports.waiting(s, other) == []
        reports.review(s, park, v3.id, "accept")
        assert [(r.version, r.rows[1]["quantity"], r.rows[1]["entity_id"]) for r in reports.accepted(s, "energy")] \
            == [(3, "37", "E1")]
        with pytest.raises(reports.ReportError, match="cannot be accepted"):
            reports.review(s, park, v2.id, "accept")  # a reviewed version never changes
        with pytest.raises(reports.ReportError, match="only an enterprise"):
            reports.submit(s, _acting(s, "park", "P01", ("reporter",)), "energy", "2024-03", MONTH)
        with pytest.raises(reports.ReportError, match="cannot report"):
            reports.submit(s, _acting(s, "e1", "E1", ("viewer",)), "energy", "2024-04", MONTH)
    with database.session(migrated) as s:
        versions = s.execute(select(Report.version, Report.status).order_by(Report.version)).all()
        actions = [e.action for e in s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
                   if e.action.startswith("report.")]
        assert audit.verify(s) == []
    assert [tuple(v) for v in versions] == [(1, "returned"), (2, "accepted"), (3, "accepted")]
    assert actions == ["report.submit", "report.return", "report.submit", "report.accept", "report.submit",
                       "report.accept"]


def test_a_report_is_checked_as_a_package_is(tmp_path: Path) -> None:
    from qingshan.city import City
    from qingshan.city.demo import create_demo_city

    d = tmp_path / "city"
    create_demo_city(d, enterprises=20, years=[2024], seed=5)
    with City.open(d) as city:
        firm = next(u.code for u in city.units() if u.kind == "enterprise")
        assert city.check_report("energy", firm, "2024-03", MONTH, "report 2024-03") == []
        bad = [{**MONTH[0], "quantity": "1,2,3"}, {**MONTH[1], "能源品种": "天然气"}, {**MONTH[1], "colour": "red"}]
        bad.append({**MONTH[0], "period": "2024-04", "use": "feedstock"})
        problems = city.check_report("energy", firm, "2024-03", bad, "report 2024-03")
    got = {(p.code, p.row, p.column) for p in problems if p.severity == "error"}
    assert ("P018", 2, "quantity") in got  # an ambiguous number, as in a package
    assert ("Q001", None, "colour") in got  # a field the table does not have is never ignored
    assert ("Q002", 3, "carrier") in got  # nor one given twice, by its name and an alias
    assert ("Q003", 5, "period") in got  # a row of another month than the report's


def test_concurrent_sign_ins_all_succeed_and_keep_the_chain(migrated: str) -> None:
    """20 sign-ins at once (each writes a session and an audit event): none fails, the audit
    chain holds, and every event has its own number. SQLite has no SELECT … FOR UPDATE, so
    its writers take the write lock when they begin (app/database.py); before that, 13 of 30
    failed with a duplicate audit id (found by the signed-in web benchmark)."""
    import threading

    from qingshan.web import auth

    with database.session(migrated) as s:
        for i in range(20):
            users.add_user(s, ADMIN, f"many{i}", "4599", ["viewer"], password="Temporary-pass-1")
    errors: list[str] = []

    def sign_in(i: int) -> None:
        try:
            assert auth.open_session(migrated, f"many{i}", "Temporary-pass-1") is not None
        except Exception as exc:  # the test's point: none
            errors.append(repr(exc))

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with database.session(migrated) as s:
        assert audit.verify(s) == []
        logins = s.execute(select(AuditEvent).where(AuditEvent.action == "login")).scalars().all()
    assert len(logins) == 20 and len({e.id for e in logins}) == 20
