"""What the registry refuses, and where its books do not hold: coded errors (docs/registries.md).

Codes ``D…`` (登记 registry):

- ``D001``–``D010``: the right-type rule file (:mod:`.rights`), through :mod:`qingshan.rulefile`;
- ``D1xx``: a transaction refused (:class:`RegistryError`), with the HTTP status a web page
  answers it with (403 not allowed, 404 unknown, 409 not now, 422 not valid);
- ``D2xx``: a break in the books (:class:`Break`), found by reconciliation on every read
  (:class:`ReconciliationError`) or by :func:`qingshan.registry.verify.verify`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qingshan.errors import QingshanError
from qingshan.i18n import tr

#: Every refusal and break code with its meaning (English), the table docs/registries.md lists.
CODES = {
    "D101": "not allowed: the role, the organisation or the rule file does not let this user do this",
    "D102": "not enough: the account holds fewer usable units than asked",
    "D103": "a wrong amount, price or date: not positive, not a whole number of serial units, or malformed",
    "D104": "the account is frozen",
    "D105": "the request is not pending (already completed, rejected or cancelled)",
    "D106": "unknown right, account, request or organisation",
    "D107": "the accounts do not fit: another right or jurisdiction, or the wrong kind of account",
    "D108": "a reason is required",
    "D109": "not in the rule file: transaction kind, trade form or allocation method not allowed for the right",
    "D110": "the encumbrance does not fit: nothing pledged, leased or frozen by that request, or already released",
    "D111": "a lease needs an end date after today",
    "D112": "the approver made the request (four eyes)",
    "D113": "the serial unit or unit differs from the one the right's accounts were opened with",
    "D114": "a field the transaction kind needs is missing, or one it does not take is given",
    "D201": "a ledger row was changed after it was written (or its blocks or postings were); an account changed "
            "after it was opened",
    "D202": "ledger rows are missing (a gap in the numbers or a broken link)",
    "D203": "the end of the ledger does not match its head (the newest rows were deleted or changed)",
    "D204": "issued ≠ held + reserved + surrendered + retired + cancelled",
    "D205": "an account's balance from its postings differs from its live blocks",
    "D206": "live blocks overlap in serials, or do not cover exactly what was issued",
    "D207": "a block does not descend from its parent: children do not partition the parent's serials",
    "D208": "a request's state or fields differ from its ledger rows",
    "D209": "a block or posting no ledger row wrote",
    "D210": "a ledger row's audit event is missing or different",
}


class RegistryError(QingshanError):
    """A transaction the registry refuses: ``code`` (``D1xx``; ``D201``/``D208`` when a row it would act on was
    edited after it was written), the message in both
    languages, and the HTTP ``status`` a web page answers it with."""

    def __init__(self, code: str, zh: str, en: str, status: int = 422) -> None:
        super().__init__(f"[{code}] {tr(zh, en)}")
        self.code, self.zh, self.en, self.status = code, zh, en, status


@dataclass(frozen=True)
class Break:
    """One place where the registry's books do not hold: ``code`` (``D2xx``), what it
    concerns (``ledger/12``, ``block/40``, ``account/3``, ``YN/2025``), and the message."""

    code: str
    where: str
    zh: str
    en: str

    def message(self) -> str:
        return f"[{self.code}] {self.where}: {tr(self.zh, self.en)}"


class ReconciliationError(QingshanError):
    """Balances that do not reconcile: a read refuses to return a number (``breaks``)."""

    def __init__(self, breaks: Sequence[Break]) -> None:
        self.breaks = tuple(breaks)
        head = tr("登记簿账目不平，拒绝给出余额", "the registry's books do not reconcile: no balance is given")
        super().__init__("\n".join([head, *(b.message() for b in self.breaks[:20])]))
