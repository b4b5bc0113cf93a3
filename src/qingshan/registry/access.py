"""Who may request, approve and see what: the rule file's approval table and authorities
(:mod:`.rights`), the role actions of ``app/data/roles.toml`` and the organisation tree.

- A **holder** is a user acting for the organisation that holds the account, in a role with
  ``registry_request``.
- The **authority** of a right is a user acting for one of the organisations the rule file
  names for it (``city``, or a bureau such as ``sthjj``), in a role with ``registry_admin``
  to request and ``registry_approve`` to approve.
- An approver never approves a request they made (four eyes).
- A user sees an account if it is the right's authority, or the account's holder lies within
  its organisation's part of the city (:func:`qingshan.app.permissions.in_scope`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.app.models import Organisation
from qingshan.app.permissions import allowed, in_scope
from qingshan.app.reports import Acting
from qingshan.registry.models import Account, RightRequest
from qingshan.registry.refusals import RegistryError
from qingshan.registry.rights import RightType

__all__ = ["Acting", "check_approve", "check_request", "holds", "is_authority", "may_see", "organisation"]


def organisation(s: Session, code: str) -> Organisation | None:
    return s.execute(select(Organisation).where(Organisation.code == code)).scalar_one_or_none()


def is_authority(s: Session, who: Acting, right: RightType) -> bool:
    """Whether ``who`` acts for one of ``right``'s authorities."""
    org = organisation(s, who.organisation)
    if org is None:
        return False
    if org.kind == "city":
        return "city" in right.authorities
    return org.kind == "bureau" and org.code.rsplit("-", 1)[-1] in right.authorities


def holds(s: Session, who: Acting, account: Account) -> bool:
    """Whether ``who`` acts for the organisation that holds ``account``."""
    org = organisation(s, who.organisation)
    return org is not None and account.organisation_id is not None and org.id == account.organisation_id


def _refuse(kind: str, right: RightType) -> RegistryError:
    return RegistryError("D101", f"无权申请或审批 {right.zh} 的 {kind}", f"not allowed to request or approve "
                         f"{kind} of {right.en}", 403)


def check_request(s: Session, who: Acting, right: RightType, kind: str, account: Account | None,
                  lessor: Account | None = None) -> str:
    """The party ``who`` requests ``kind`` as (``holder`` or ``authority``), or ``D101``.
    ``account`` is the one the rights leave (or, for issuance, none); ``lessor`` may also
    request the return of a lease."""
    approval = right.approvals.get(kind)
    if approval is None:
        raise RegistryError("D109", f"{right.zh} 没有 {kind} 这类交易", f"{right.en} has no transaction kind {kind}")
    if "authority" in approval.request and allowed(who.roles, "registry_admin") and is_authority(s, who, right):
        return "authority"
    if "holder" in approval.request and allowed(who.roles, "registry_request") and any(
            a is not None and holds(s, who, a) for a in (account, lessor)):
        return "holder"
    raise _refuse(kind, right)


def check_approve(s: Session, who: Acting, right: RightType, request: RightRequest) -> None:
    """``D101`` unless ``who`` may approve, reject (as the approver) ``request``; ``D112``
    if ``who`` made it."""
    if not (allowed(who.roles, "registry_approve") and is_authority(s, who, right)):
        raise _refuse(request.kind, right)
    if who.user == request.requested_by:
        raise RegistryError("D112", "审批人不能审批自己提出的申请", "an approver cannot approve their own request", 403)


def may_see(s: Session, who: Acting, right: RightType, account: Account) -> bool:
    """Whether ``who`` may see ``account`` (and its blocks and requests)."""
    if is_authority(s, who, right) and any(allowed(who.roles, a) for a in ("registry_admin", "registry_approve")):
        return True
    if account.organisation_id is None or not allowed(who.roles, "view"):
        return False
    org = s.get(Organisation, account.organisation_id)
    return org is not None and in_scope(who.path, org.path)
