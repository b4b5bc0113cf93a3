"""The rights registry (issue #19): accounts, requests, the hash-chained ledger and its head,
append-only serial blocks and the ledger's postings (qingshan.registry.models).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
GENESIS = "0" * 64


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "registry_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("right_code", sa.String(24), nullable=False),
        sa.Column("jurisdiction", sa.String(6), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("holder_name", sa.String(200), nullable=False),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id"), nullable=True),
        sa.Column("unit", sa.String(8), nullable=False),
        sa.Column("serial_unit", sa.String(32), nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.UniqueConstraint("jurisdiction", "right_code", "kind", "holder", name="uq_registry_accounts_holder"),
        sa.CheckConstraint(_in("kind", ("holding", "reserve", "surrender", "retirement", "cancellation")),
                           name="ck_registry_accounts_kind"),
    )
    op.create_table(
        "registry_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("right_code", sa.String(24), nullable=False),
        sa.Column("jurisdiction", sa.String(6), nullable=False),
        sa.Column("vintage", sa.Integer, nullable=True),
        sa.Column("units", sa.BigInteger, nullable=True),
        sa.Column("from_account_id", sa.Integer, sa.ForeignKey("registry_accounts.id"), nullable=True),
        sa.Column("to_account_id", sa.Integer, sa.ForeignKey("registry_accounts.id"), nullable=True),
        sa.Column("reference_id", sa.Integer, sa.ForeignKey("registry_requests.id"), nullable=True),
        sa.Column("method", sa.String(24), nullable=True),
        sa.Column("trade_form", sa.String(24), nullable=True),
        sa.Column("price", sa.String(40), nullable=True),
        sa.Column("lease_end", sa.Date, nullable=True),
        sa.Column("until", sa.Date, nullable=True),
        sa.Column("period", sa.String(16), nullable=True),
        sa.Column("counterparty", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_org", sa.String(64), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_org", sa.String(64), nullable=True),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("decision_reason", sa.Text, nullable=False),
        sa.CheckConstraint(_in("state", ("pending", "completed", "rejected", "cancelled")),
                           name="ck_registry_requests_state"),
        sa.CheckConstraint("units IS NULL OR units > 0", name="ck_registry_requests_units"),
    )
    op.create_index("ix_registry_requests_state", "registry_requests", ["state"])
    op.create_table(
        "registry_ledger",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("step", sa.String(12), nullable=False),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("registry_requests.id"), nullable=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("registry_accounts.id"), nullable=True),
        sa.Column("right_code", sa.String(24), nullable=False),
        sa.Column("jurisdiction", sa.String(6), nullable=False),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("consumed", sa.JSON, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("rules", sa.String(80), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("audit_id", sa.Integer, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_registry_ledger_request_id", "registry_ledger", ["request_id"])
    op.create_index("ix_registry_ledger_account_id", "registry_ledger", ["account_id"])
    head = op.create_table(
        "registry_ledger_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    # the head exists before the first append, so two first appends lock the same row
    op.bulk_insert(head, [{"id": 1, "count": 0, "hash": GENESIS}])
    op.create_table(
        "registry_blocks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ledger_id", sa.Integer, sa.ForeignKey("registry_ledger.id"), nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("registry_blocks.id"), nullable=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("registry_accounts.id"), nullable=False),
        sa.Column("right_code", sa.String(24), nullable=False),
        sa.Column("jurisdiction", sa.String(6), nullable=False),
        sa.Column("vintage", sa.Integer, nullable=False),
        sa.Column("first_serial", sa.BigInteger, nullable=False),
        sa.Column("last_serial", sa.BigInteger, nullable=False),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("registry_requests.id"), nullable=True),
        sa.Column("encumbrance", sa.String(8), nullable=True),
        sa.Column("encumbrance_request_id", sa.Integer, sa.ForeignKey("registry_requests.id"), nullable=True),
        sa.Column("encumbrance_until", sa.Date, nullable=True),
        sa.Column("lessor_account_id", sa.Integer, sa.ForeignKey("registry_accounts.id"), nullable=True),
        sa.Column("valid_to", sa.Integer, nullable=True),
        sa.CheckConstraint("first_serial >= 1 AND last_serial >= first_serial", name="ck_registry_blocks_serials"),
        sa.CheckConstraint("units = last_serial - first_serial + 1", name="ck_registry_blocks_units"),
        sa.CheckConstraint(_in("status", ("held", "reserved", "surrendered", "retired", "cancelled")),
                           name="ck_registry_blocks_status"),
        sa.CheckConstraint("encumbrance IS NULL OR " + _in("encumbrance", ("pledged", "leased", "frozen")),
                           name="ck_registry_blocks_encumbrance"),
    )
    op.create_index("ix_registry_blocks_ledger_id", "registry_blocks", ["ledger_id"])
    op.create_index("ix_registry_blocks_parent_id", "registry_blocks", ["parent_id"])
    op.create_index("ix_registry_blocks_account_id", "registry_blocks", ["account_id"])
    op.create_index("ix_registry_blocks_series", "registry_blocks",
                    ["jurisdiction", "right_code", "vintage", "last_serial"])
    op.create_table(
        "registry_postings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ledger_id", sa.Integer, sa.ForeignKey("registry_ledger.id"), nullable=False),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("registry_accounts.id"), nullable=False),
        sa.Column("right_code", sa.String(24), nullable=False),
        sa.Column("vintage", sa.Integer, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("encumbrance", sa.String(8), nullable=True),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.CheckConstraint("units <> 0", name="ck_registry_postings_units"),
    )
    op.create_index("ix_registry_postings_ledger_id", "registry_postings", ["ledger_id"])
    op.create_index("ix_registry_postings_account_id", "registry_postings", ["account_id"])


def downgrade() -> None:
    for index, table in (("ix_registry_postings_account_id", "registry_postings"),
                         ("ix_registry_postings_ledger_id", "registry_postings")):
        op.drop_index(index, table)
    op.drop_table("registry_postings")
    for index in ("ix_registry_blocks_series", "ix_registry_blocks_account_id", "ix_registry_blocks_parent_id",
                  "ix_registry_blocks_ledger_id"):
        op.drop_index(index, "registry_blocks")
    op.drop_table("registry_blocks")
    op.drop_table("registry_ledger_head")
    op.drop_index("ix_registry_ledger_account_id", "registry_ledger")
    op.drop_index("ix_registry_ledger_request_id", "registry_ledger")
    op.drop_table("registry_ledger")
    op.drop_index("ix_registry_requests_state", "registry_requests")
    op.drop_table("registry_requests")
    op.drop_table("registry_accounts")
