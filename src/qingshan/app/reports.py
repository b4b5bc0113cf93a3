"""Enterprise self-reporting and its review (issue #14, item 5).

An enterprise's reporter submits a report: the rows of one table of the data package for
one period (``energy`` for a month, as on form 205-1; ``economics``, ``production``,
``pollutants`` for a year), already checked by the same validation as any package
(:meth:`qingshan.city.City.check_report`). A reviewer of a unit above it (its park or
district, or a bureau) accepts it or returns it with a comment. The review rules are the
table :data:`TRANSITIONS`, after the report versioning of bcgov/lcfs
(../shared/reference/platform.md, c.1):

- a returned report is corrected by submitting a new version;
- an accepted report is corrected by a *supplemental* version, which needs a reason and is
  reviewed again; it may be made only on the latest version, once accepted;
- no version changes after its review, and the data of a report are its latest accepted
  version's (:func:`accepted`), so totals change only when a correction is accepted.

Every step is an audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from qingshan.app import database
from qingshan.app.audit import Actor, record
from qingshan.app.models import Organisation, Report
from qingshan.app.permissions import allowed, in_scope
from qingshan.data.reported import Reported
from qingshan.errors import QingshanError

#: What may be reported, and the form of its period.
KINDS = {"energy": re.compile(r"\d{4}-(0[1-9]|1[0-2])"), "economics": re.compile(r"\d{4}"),
         "production": re.compile(r"\d{4}"), "pollutants": re.compile(r"\d{4}")}

#: (status before, decision) → (status after, a comment is required)
TRANSITIONS = {("submitted", "accept"): ("accepted", False), ("submitted", "return"): ("returned", True)}


class ReportError(QingshanError):
    """A report step that the rules do not allow; ``status`` is the HTTP status the web
    answers it with (403 not allowed, 404 no such report, 409 not now, 422 not valid)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Acting:
    """A signed-in user acting for an organisation in some roles."""

    user: str
    organisation: str
    path: str
    roles: tuple[str, ...]

    def actor(self) -> Actor:
        return Actor(self.user, self.organisation, ",".join(self.roles))


def _org(s: Session, code: str) -> Organisation:
    org = s.execute(select(Organisation).where(Organisation.code == code)).scalar_one_or_none()
    if org is None:
        raise ReportError(f"没有组织 {code} / no organisation {code}", 404)
    return org


def _versions(s: Session, org: Organisation, kind: str, period: str) -> list[Report]:
    return list(s.execute(select(Report).where(Report.organisation_id == org.id, Report.kind == kind,
                                               Report.period == period).order_by(Report.version)).scalars())


def describe(r: Report) -> dict[str, Any]:
    return {"id": r.id, "group": r.group_id, "organisation": r.organisation.code, "kind": r.kind, "period": r.period,
            "version": r.version, "status": r.status, "initiator": r.initiator, "reason": r.reason,
            "rows": len(r.rows), "submitted_by": r.submitted_by, "reviewed_by": r.reviewed_by, "comment": r.comment}


def shown(r: Report) -> dict[str, Any]:
    """A report version as the reports page and its JSON twin give it: what :func:`describe`
    says, its enterprise's name, the times, and its rows."""
    def when(t: dt.datetime | None) -> str | None:
        return None if t is None else (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).isoformat(timespec="seconds")

    return {**describe(r), "name": r.organisation.name, "submitted_at": when(r.submitted_at),
            "reviewed_at": when(r.reviewed_at), "data": list(r.rows)}


def submit(s: Session, who: Acting, kind: str, period: str, rows: list[dict[str, Any]], *,
           reason: str = "") -> Report:
    """Submit the acting enterprise's report of ``kind`` for ``period``: its first version,
    a correction of a returned one, or (with a ``reason``) a supplemental version of an
    accepted one. ``rows`` are the table's rows, checked beforehand; their ``entity_id``
    is set to the enterprise."""
    if kind not in KINDS or not KINDS[kind].fullmatch(period):
        raise ReportError(f"不支持的报告 {kind} {period} / no such report: {kind} {period}")
    if not allowed(who.roles, "report"):
        raise ReportError("该角色不能填报 / this role cannot report", 403)
    org = _org(s, who.organisation)
    if org.kind != "enterprise":
        raise ReportError("只有企业填报自己的数据 / only an enterprise reports its own data", 403)
    if not rows:
        raise ReportError("报告没有数据行 / the report has no rows")
    versions = _versions(s, org, kind, period)
    latest = versions[-1] if versions else None
    initiator = "reporter"
    if latest is not None:
        if latest.status == "submitted":
            raise ReportError(f"第 {latest.version} 版正在审核 / version {latest.version} is being reviewed", 409)
        if latest.status == "accepted":
            if not reason.strip():
                raise ReportError("已通过的报告只能以补充版本更正，须说明原因 / an accepted report is corrected by a "
                                  "supplemental version, which needs a reason", 409)
            initiator = "supplemental"
    now = dt.datetime.now(dt.UTC)
    report = Report(group_id=latest.group_id if latest else str(uuid.uuid4()), organisation_id=org.id, kind=kind,
                    period=period, version=(latest.version + 1) if latest else 1, status="submitted",
                    initiator=initiator, reason=reason, rows=[{**r, "entity_id": org.code} for r in rows],
                    submitted_by=who.user, submitted_at=now, comment="")
    report.organisation = org
    s.add(report)
    s.flush()
    record(s, who.actor(), "report.submit", f"{org.code}/{kind}/{period}/v{report.version}",
           before=describe(latest) if latest else None, after=describe(report), reason=reason)
    return report


def review(s: Session, who: Acting, report_id: int, decision: str, comment: str = "") -> Report:
    """Accept or return a submitted report of an enterprise within the reviewer's scope."""
    report = s.get(Report, report_id)
    if report is None:
        raise ReportError(f"没有报告 {report_id} / no report {report_id}", 404)
    if not allowed(who.roles, "review") or not in_scope(who.path, report.organisation.path) \
            or who.organisation == report.organisation.code:
        raise ReportError("无权审核该报告 / not allowed to review this report", 403)
    rule = TRANSITIONS.get((report.status, decision))
    if rule is None:
        raise ReportError(f"{report.status} 状态的报告不能{decision} / a {report.status} report cannot be "
                          f"{decision}ed", 409)
    status, needs_comment = rule
    if needs_comment and not comment.strip():
        raise ReportError("退回须填写意见 / returning a report needs a comment")
    before = describe(report)
    report.status, report.reviewed_by, report.reviewed_at = status, who.user, dt.datetime.now(dt.UTC)
    report.comment = comment
    s.flush()
    record(s, who.actor(), f"report.{decision}",
           f"{report.organisation.code}/{report.kind}/{report.period}/v{report.version}",
           before=before, after=describe(report), reason=comment)
    return report


def accepted(s: Session, kind: str) -> list[Report]:
    """The latest accepted version of every report of ``kind``: the reports' data."""
    newest = (select(Report.group_id, func.max(Report.version).label("v"))
              .where(Report.kind == kind, Report.status == "accepted").group_by(Report.group_id).subquery())
    q = (select(Report).join(newest, (Report.group_id == newest.c.group_id) & (Report.version == newest.c.v))
         .order_by(Report.id))
    return list(s.execute(q).scalars())


def reported(s: Session) -> tuple[Reported, ...]:
    """The latest accepted version of every report, as rows of the city's package."""
    return tuple(Reported(r.id, r.version, r.kind, r.organisation.code, r.period, tuple(r.rows))
                 for kind in KINDS for r in accepted(s, kind))


def of_city(data_dir: Path | None) -> tuple[Reported, ...]:
    """The accepted reports in the application database of ``data_dir`` (none without one);
    :class:`~qingshan.errors.ConfigError` if it is not migrated to the code's revision."""
    url = database.existing_url(data_dir)
    if url is None:
        return ()
    database.check_current(url)
    with database.session(url) as s:
        return reported(s)


def listing(s: Session, who: Acting, *, kind: str | None = None, period: str | None = None,
            status: str | None = None, limit: int = 500) -> list[Report]:
    """Every version of the reports of enterprises within ``who``'s part of the city (its
    own, for an enterprise), newest first, filtered; at most ``limit``."""
    q = select(Report).join(Organisation).order_by(Report.submitted_at.desc(), Report.id.desc())
    if kind:
        q = q.where(Report.kind == kind)
    if period:
        q = q.where(Report.period == period)
    if status:
        q = q.where(Report.status == status)
    own = who.path.rstrip("/")  # in_scope, in SQL: the unit itself or one below it
    q = q.where(or_(Organisation.path == own, Organisation.path.startswith(own + "/", autoescape=True)))
    return list(s.execute(q.limit(limit)).scalars())


def waiting(s: Session, who: Acting) -> list[Report]:
    """Submitted reports of enterprises within the reviewer's scope, oldest first."""
    q = select(Report).join(Organisation).where(Report.status == "submitted").order_by(Report.submitted_at)
    return [r for r in s.execute(q).scalars() if in_scope(who.path, r.organisation.path)
            and r.organisation.code != who.organisation]
