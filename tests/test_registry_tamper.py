"""Tampering is found (docs/registries.md, "Verify"): a ledger row edited, deleted from the
middle or from the end; a block moved to another account, a posting changed, a block forged;
a request or an account edited by hand; an audit event deleted. Reading a balance from books
that do not reconcile raises a coded error and gives no number. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from qingshan.app import audit, database
from qingshan.registry import Order, ReconciliationError, balances, holdings, kernel, verify
from qingshan.registry.models import LedgerRow, RightRequest
from qingshan.registry.refusals import Break
from tests.test_registry_kernel import ORGS, World, app_url, issue, make_world  # noqa: F401  (app_url: a fixture)


@pytest.fixture
def w(app_url: str) -> Iterator[World]:  # noqa: F811
    """Issued 1 000 tce to 甲厂, sold 400 to 乙厂, froze 乙厂's account: every kind of row."""
    world = make_world(app_url, holders=(("YN", "E1"), ("YN", "E2")))
    issue(world, "YN", "E1", "1000")
    world.done("e1", "fgw2", Order("transfer", "YN", amount="400", from_account=world.accounts["YN:E1"],
                                   to_account=world.accounts["YN:E2"], trade_form="negotiated", price="80"))
    world.req("fgw1", Order("freeze_account", "YN", from_account=world.accounts["YN:E2"], reason="调查"))
    assert world.run(verify) == []
    yield world


def _sql(w: World, sql: str, **params: object) -> list[Break]:
    with database.engine(w.url).begin() as conn:
        conn.execute(text(sql), params)
    return w.run(verify)  # type: ignore[no-any-return]


def _codes(breaks: list[Break]) -> set[tuple[str, str]]:
    return {(b.code, b.where) for b in breaks}


def _row(w: World, kind: str, step: str) -> int:
    return int(w.run(lambda s: s.execute(select(LedgerRow.id).where(LedgerRow.kind == kind, LedgerRow.step == step)
                                         .order_by(LedgerRow.id.desc())).scalars().first()))


def test_an_edited_ledger_row_breaks_its_hash(w: World) -> None:
    rid = _row(w, "transfer", "complete")
    got = _sql(w, "UPDATE registry_ledger SET units = 4000 WHERE id = :i", i=rid)
    assert ("D201", f"ledger/{rid}") in _codes(got)
    assert _sql(w, "UPDATE registry_ledger SET units = 400 WHERE id = :i", i=rid) == []  # put back: intact
    got = _sql(w, "UPDATE registry_ledger SET actor = 'someone' WHERE id = :i", i=rid)
    assert ("D201", f"ledger/{rid}") in _codes(got)


def test_a_deleted_row_is_found_in_the_middle_and_at_the_end(w: World) -> None:
    rid = _row(w, "issue", "request")  # a row without blocks or postings
    got = _sql(w, "DELETE FROM registry_ledger WHERE id = :i", i=rid)
    assert ("D202", f"ledger/{rid + 1}") in _codes(got)  # a gap and a broken link
    assert any("missing" in b.en for b in got) and any("does not chain" in b.en for b in got)


def test_deleting_the_newest_row_to_unfreeze_an_account_is_found(w: World) -> None:
    last = _row(w, "freeze_account", "complete")
    got = _sql(w, "DELETE FROM registry_ledger WHERE id >= :i", i=last - 1)
    assert ("D203", "ledger") in _codes(got)
    newest = w.run(lambda s: s.execute(select(func.max(RightRequest.id))).scalar_one())
    assert ("D208", f"request/{newest}") in _codes(got)  # its request says completed


def test_a_block_moved_to_another_account_is_found_and_no_balance_is_given(w: World) -> None:
    e1, e2 = w.accounts["YN:E1"], w.accounts["YN:E2"]
    (live,) = w.run(lambda s: holdings(s, e1))  # 甲厂's 600 left
    assert live.serial == "459900-YN-2025-000000001-000000600"
    bid = live.block_id
    got = _sql(w, "UPDATE registry_blocks SET account_id = :a WHERE id = :b", a=e2, b=bid)
    assert {b.code for b in got} == {"D201", "D205"}  # its row's hash, and postings against blocks
    with pytest.raises(ReconciliationError) as e:
        w.run(lambda s: balances(s, account_id=e2))
    assert {b.code for b in e.value.breaks} == {"D205"}
    with pytest.raises(ReconciliationError):
        w.run(lambda s: holdings(s, e1))


def test_a_changed_posting_or_a_forged_block_is_found(w: World) -> None:
    pid = w.run(lambda s: s.execute(text("SELECT max(id) FROM registry_postings")).scalar_one())
    got = _sql(w, "UPDATE registry_postings SET units = units + 1 WHERE id = :p", p=pid)
    assert {"D201", "D205"} <= {b.code for b in got}
    _sql(w, "UPDATE registry_postings SET units = units - 1 WHERE id = :p", p=pid)
    rid = _row(w, "issue", "complete")
    got = _sql(w, "INSERT INTO registry_blocks (ledger_id, account_id, right_code, jurisdiction, vintage, "
                  "first_serial, last_serial, units, status) "
                  "VALUES (:r, :a, 'YN', '459900', 2025, 901, 1900, 1000, 'held')",
               r=rid, a=w.accounts["YN:E2"])
    codes = {b.code for b in got}
    assert {"D201", "D204", "D205", "D206"} <= codes  # hash, issued ≠ held, postings, serials 901–1000 twice


def test_an_edited_request_or_account_is_found(w: World) -> None:
    req = w.run(lambda s: s.execute(text("SELECT id FROM registry_requests WHERE kind = 'transfer'")).scalar_one())
    got = _sql(w, "UPDATE registry_requests SET price = '8' WHERE id = :r", r=req)
    assert _codes(got) == {("D208", f"request/{req}")}
    _sql(w, "UPDATE registry_requests SET price = '80' WHERE id = :r", r=req)
    # 甲厂's account handed to 乙厂's users
    got = _sql(w, "UPDATE registry_accounts SET organisation_id = (SELECT organisation_id FROM registry_accounts "
                  "WHERE id = :b) WHERE id = :a", a=w.accounts["YN:E1"], b=w.accounts["YN:E2"])
    assert ("D201", f"account/{w.accounts['YN:E1']}") in _codes(got)


def test_a_deleted_audit_event_is_found(w: World) -> None:
    rid = _row(w, "transfer", "complete")
    aid = w.run(lambda s: s.get_one(LedgerRow, rid).audit_id)
    got = _sql(w, "DELETE FROM audit_events WHERE id = :a", a=aid)
    assert ("D210", f"ledger/{rid}") in _codes(got)
    assert w.run(audit.verify)  # and the audit chain says so too


def test_an_edited_pending_request_is_refused_at_its_approval_and_found(w: World,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """甲厂 asks to sell 100 to 乙厂 at ¥80; the price is edited to ¥1 while it waits: the approval
    refuses it (D208) and nothing moves. Had it been approved (the check skipped, as before),
    its completion row would record the edited price: verify still finds that it differs
    from its request row."""
    e1, e2 = w.accounts["YN:E1"], w.accounts["YN:E2"]
    sale = w.req("e1", Order("transfer", "YN", amount="100", from_account=e1, to_account=e2,
                             trade_form="negotiated", price="80"))
    got = _sql(w, "UPDATE registry_requests SET price = '1' WHERE id = :r", r=sale.id)
    assert _codes(got) == {("D208", f"request/{sale.id}")}
    w.refused("D208", lambda s: kernel.approve(s, ORGS["fgw2"], w.book, sale.id))
    assert w.bal("YN:E1") == {"held": 500, "reserved": 100} and w.bal("YN:E2") == {"held": 400}
    assert w.run(lambda s: s.get_one(RightRequest, sale.id).state) == "pending"
    monkeypatch.setattr(kernel, "_untouched", lambda s, req: None)  # the approval as it was before the check
    w.ok("fgw2", sale.id)
    assert w.bal("YN:E2") == {"held": 500}
    assert _codes(w.run(verify)) == {("D208", f"request/{sale.id}")}  # completion row ≠ request row


def test_an_edited_account_is_refused_before_anything_moves(w: World) -> None:
    """甲厂's account handed to 乙厂 by hand: 乙厂's user cannot sell from it, and 甲厂's waiting
    sale is not approved (D201), until the account is as its open row recorded it."""
    e1, e2 = w.accounts["YN:E1"], w.accounts["YN:E2"]
    sale = w.req("e1", Order("transfer", "YN", amount="100", from_account=e1, to_account=e2,
                             trade_form="negotiated"))
    org = w.run(lambda s: s.execute(text("SELECT organisation_id FROM registry_accounts WHERE id = :a"),
                                    {"a": e1}).scalar_one())
    _sql(w, "UPDATE registry_accounts SET organisation_id = (SELECT organisation_id FROM registry_accounts "
            "WHERE id = :b) WHERE id = :a", a=e1, b=e2)
    w.refused("D201", lambda s: kernel.request(s, ORGS["e2"], w.book, Order(
        "surrender", "YN", amount="100", from_account=e1, period="2025")))
    w.refused("D201", lambda s: kernel.approve(s, ORGS["fgw2"], w.book, sale.id))
    assert _sql(w, "UPDATE registry_accounts SET organisation_id = :o WHERE id = :a", o=org, a=e1) == []
    assert w.bal("YN:E1") == {"held": 500, "reserved": 100} and w.bal("YN:E2") == {"held": 400}
    w.ok("fgw2", sale.id)
    assert w.bal("YN:E2") == {"held": 500}
