"""The city the web application serves: a :class:`~qingshan.city.City` with the version the
response cache keys on, a lock around computing, and the upload actions (check a workbook,
accept it in the background). Every page and endpoint reaches data through
:meth:`WebCity.document`, which builds the document of :mod:`qingshan.documents` under the
lock.

Uploads (docs/web.md, "Imports"):

- each upload is staged under a random accept token of its own, bound to whoever uploaded
  it (the session, or the browser without sign-in: the ``owner`` the web passes), and
  checked by a child process with memory and time limits (:mod:`qingshan.city.isolated`),
  which keeps the validated package beside the staged file; only the same owner can accept
  it;
- an accept is a background job (:class:`Job`): it takes the city's write lock (one accept
  or restore at a time per data directory, across processes; a second one is refused at
  once), validates, computes the new city while the old one is still served, records the
  upload as a new version of the package history (:mod:`qingshan.city.history`, one
  ``rename``), and only then swaps the served city, under the lock, in one assignment.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from qingshan.app import audit
from qingshan.app import database as app_database
from qingshan.city import City, history, isolated, uploads
from qingshan.city import cache as package_cache
from qingshan.errors import BusyError, ConfigError, Problem, QingshanError, ValidationError
from qingshan.web.auth import SignIn

#: jobs kept for ``GET /api/import/jobs/{id}`` (the oldest finished ones go first)
KEEP_JOBS = 50
STATES = ("queued", "validating", "computing", "done", "failed")
_STEPS = {"queued": ("排队等候", "queued"), "validating": ("校验数据", "validating the data"),
          "computing": ("计算核算与评价（期间仍提供原数据）",
                        "computing the accounts (the old data are served meanwhile)"),
          "recording": ("记录新版本", "recording the new version"),
          "done": ("已采用", "accepted"), "failed": ("未采用：数据未改变", "not accepted: the data are unchanged")}


@dataclass
class Job:
    """One accept: its state (:data:`STATES`), what it is doing, and its result or problems."""

    id: str
    token: str  # the staged upload's name (uploads.Staged.token)
    source_name: str
    user: str | None = None  # who accepted it (signed in), recorded in the history
    actor: audit.Actor | None = None  # the same, for the audit trail
    state: str = "queued"
    step: str = "queued"
    detail: str = ""
    started: float = field(default_factory=time.time)
    finished: float | None = None
    result: dict[str, Any] | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)
    message: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def to_dict(self) -> dict[str, Any]:
        zh, en = _STEPS[self.step]
        end = self.finished or time.time()
        return {"id": self.id, "state": self.state, "progress": {"zh": zh, "en": en, "detail": self.detail},
                "source_name": self.source_name, "seconds": round(end - self.started, 1),
                "finished": self.finished is not None, "result": self.result, "problems": self.problems,
                "message": self.message, "url": f"/api/import/jobs/{self.id}"}


class WebCity:
    """The served city. ``version`` is bumped when an upload is accepted. ``auth`` says
    whether it asks for sign-in (:meth:`SignIn.detect`, decided once, when it is made: a
    city whose application database is not migrated is refused here)."""

    def __init__(self, city: City, auth: SignIn | None = None) -> None:
        self.auth = auth if auth is not None else SignIn.detect(city.data_dir)
        self.city = city
        self.version = 0
        self.lock = threading.RLock()
        #: the limits of the child process that checks an upload
        self.limits = isolated.Limits.from_settings()
        #: seconds a staged upload is kept
        self.upload_age = uploads.max_age()
        self.jobs: dict[str, Job] = {}
        self._running: Job | None = None
        self._guard = threading.Lock()
        #: the accepted reports being brought in (:meth:`refresh_reports`), and whether they
        #: changed again meanwhile
        self._refreshing = False
        self._again = False
        self._settled = threading.Event()
        self._settled.set()
        #: the last refresh's outcome, for the reports page
        self.reports_state: dict[str, Any] = {"state": "current", "message": None}

    @classmethod
    def start(cls, city: City, auth: SignIn | None = None) -> WebCity:
        """Decide whether sign-in is required (``auth``, else :meth:`SignIn.detect`), compute
        what every page needs once (:meth:`compute`), then remove what interrupted uploads
        and accepts left in the data directory (staged uploads older than
        ``QINGSHAN_UPLOAD_MAX_AGE_HOURS``, unfinished history versions)."""
        web = cls(city, auth)
        cls.compute(city)
        web.clean()
        return web

    @staticmethod
    def compute(city: City) -> None:
        """Accounts with their months, the latest evaluation and its document, the targets
        and the enterprise-carrier months, computed once (for an accepted upload, before
        the swap: its first visitors find them ready); then the store is released so the
        CLI can use the data directory while the server runs."""
        from qingshan.documents import evaluation as evaluation_doc
        from qingshan.documents import targets as targets_doc

        with city.store_lock:
            try:
                _ = city.accounts().monthly
                _ = city.carrier_months()
                with contextlib.suppress(ConfigError, ValidationError):  # no scheme, or no year before: pages say so
                    evaluation_doc.build(city, city.latest_year)
                targets_doc.build(city)
            finally:
                city.close()

    def clean(self) -> None:
        if self.city.data_dir is None:
            return
        running = self._running
        uploads.clean(self.city.data_dir, self.upload_age, keep=[running.token] if running else [])
        history.clean(self.city.data_dir)

    @property
    def source(self) -> str:
        return str(self.city.package_path)

    def document(self, build: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
        """``build(city, *args, **kwargs)`` under the lock (the city computes lazily and its
        store connection is not shared between threads)."""
        with self.lock:
            return build(self.city, *args, **kwargs)

    def import_page(self) -> dict[str, Any]:
        """The import page's document: where the data come from, the package history, the
        running accept and the limits."""
        versions = history.versions(self.city.data_dir) if self.city.data_dir is not None else []
        running = self._running
        return {"source": self.source, "report": None,
                "history": [v.describe() for v in reversed(versions)],
                "job": running.to_dict() if running else None,
                "limits": {"max_upload_mb": _max_upload_mb(), "memory_mb": self.limits.memory // 2**20,
                           "seconds": self.limits.seconds, "upload_age_hours": self.upload_age / 3600,
                           "accept_warnings": self.city.accept_warnings}}

    # --- actions ----------------------------------------------------------------------

    def check_upload(self, stream: BinaryIO, filename: str | None = None, owner: str = "",
                     actor: audit.Actor | None = None) -> dict[str, Any]:
        """Stage an uploaded workbook for ``owner`` under a new accept token and validate it
        in a child process; keep it if it would be accepted (the city's judgement of
        warnings, :meth:`City.verdict`, the same as at accept), and then give its accept
        token. Problems name the file as uploaded, not the staged copy."""
        data_dir = self._data_dir()
        self.clean()
        st = uploads.stage(data_dir, stream, filename, owner)
        checking = self.city.reopened(st.path, cache_dir=st.cache, isolation=self.limits)
        rows: dict[str, int] = {}
        try:
            checked = checking.validate()
            problems, rows = checked.problems, checked.rows
        except ValidationError as exc:  # the file broke the reader or the limits
            problems = list(exc.problems)
        except QingshanError as exc:  # e.g. the profile selects no factor set for the file's years
            problems = [Problem("P000", st.path.name, None, None, None, str(exc), str(exc))]
        verdict = self.city.verdict(problems)
        if verdict is not None:
            uploads.remove(data_dir, st.token)
        self._audit(actor, "package.upload", st.source_name,
                    {"ok": verdict is None, "rows": rows, "errors": sum(p.severity == "error" for p in problems),
                     "warnings": sum(p.severity == "warning" for p in problems)})
        return {"ok": verdict is None, "token": None if verdict else st.accept, "message": verdict,
                "source_name": st.source_name, "problems": _named(problems, st.path.name, st.source_name),
                "rows": rows}

    def _audit(self, actor: audit.Actor | None, action: str, entity: str, after: dict[str, Any], *,
               before: dict[str, Any] | None = None) -> None:
        """An audit event of this city's application database (none without one)."""
        if self.auth.url is not None:
            with app_database.session(self.auth.url) as s:
                audit.record(s, actor or audit.Actor("anonymous"), action, entity, before=before, after=after)

    def accept(self, token: str, owner: str = "", actor: audit.Actor | None = None) -> Job:
        """Start accepting the upload staged for ``owner`` under the accept token ``token`` in
        the background and return its job (``actor``: who accepts it, for the history and the audit trail).
        Raises :class:`KeyError` for an unknown token or another owner's upload, and
        :class:`BusyError` while another accept (or a ``qingshan history restore``) is
        changing this city's data."""
        data_dir = self._data_dir()
        st = uploads.claimed(data_dir, token, owner)
        if st is None:
            raise KeyError(token)
        with self._guard:
            if self._running is not None:
                raise BusyError(f"另一次采用正在进行（{self._running.source_name}，任务 {self._running.id}），"
                                f"请待其完成后再试 / another accept is running ({self._running.source_name}, job "
                                f"{self._running.id}); try again when it has finished")
            try:
                held = history.lock(data_dir)
            except BusyError as exc:
                raise BusyError(f"另一进程正在更改该城市的数据（采用或恢复），请稍后再试 / {exc}") from None
            job = Job(id=secrets.token_hex(8), token=st.token, source_name=st.source_name,
                      user=actor.name if actor else None, actor=actor)
            self._running = job
            self._remember(job)
        threading.Thread(target=self._run_accept, args=(job, st, held), name=f"accept-{job.id}", daemon=True).start()
        return job

    def _remember(self, job: Job) -> None:
        self.jobs[job.id] = job
        while len(self.jobs) > KEEP_JOBS:
            oldest = next((j for j in self.jobs.values() if j.finished is not None), None)
            if oldest is None:
                break
            del self.jobs[oldest.id]

    def _run_accept(self, job: Job, st: uploads.Staged, held: history.CityLock) -> None:
        data_dir = self._data_dir()

        def note(msg: str) -> None:
            job.detail = msg

        try:
            job.state = job.step = "validating"
            fresh = self.city.reopened(st.path, cache_dir=st.cache, isolation=self.limits, progress=note)
            try:
                _ = fresh.package  # raises with the same judgement of warnings as the import
            except ValidationError as exc:
                job.problems = _named(list(exc.problems), st.path.name, st.source_name)
                job.message = self.city.verdict(list(exc.problems)) or str(exc).splitlines()[0]
                job.state = job.step = "failed"
                return
            job.state = job.step = "computing"
            self.compute(fresh)  # the old city is served meanwhile
            job.step = "recording"
            v = history.record(data_dir, st.path, source_name=st.source_name, who="web upload",
                               current=self.city.package_path, user=job.user)
            self._audit(job.actor, "package.accept", f"history/{v.number:04d}",
                        {"version": v.number, "source": st.source_name, "package": str(v.package)},
                        before={"package": str(self.city.package_path)})
            fresh.package_path = v.package  # the same content, so the same package key
            fresh.saved()
            if fresh.cache_dir is not None and package_cache.adopt(fresh.cache_dir, package_cache.folder_of(data_dir)):
                fresh.cache_dir = package_cache.folder_of(data_dir)
            with self.lock:  # the swap readers see: one assignment
                self.city = fresh
                self.version += 1  # every cached page of the old data is stale
            ent = fresh.package.entities
            job.result = {"ok": True, "version": v.number, "years": fresh.years, "source": str(v.package),
                          "enterprises": int((ent["entity_type"] == "enterprise").sum())}
            job.state = job.step = "done"
            uploads.remove(data_dir, st.token)
        except Exception as exc:  # the city keeps its data; the job says why
            job.message = str(exc) or type(exc).__name__
            job.state = job.step = "failed"
        finally:
            job.finished = time.time()
            held.release()
            with self._guard:
                self._running = None
            job.done.set()
            self.refresh_reports()  # a report accepted meanwhile is not lost with the old city

    # --- accepted reports (issue #14) ---------------------------------------------------

    def refresh_reports(self) -> None:
        """Serve the city with the accepted reports as the application database has them
        now: in the background, computed while the old data are served, then swapped in
        (as an accepted upload is). A refresh asked for while one (or an upload's accept) is
        running is done after it; nothing happens when the reports have not changed."""
        if self.city.data_dir is None or self.auth.url is None:
            return
        with self._guard:
            if self._refreshing or self._running is not None:
                self._again = True
                return
            self._refreshing, self._again = True, False
            self._settled.clear()
        threading.Thread(target=self._run_refresh, name="reports-refresh", daemon=True).start()

    def settled(self, timeout: float | None = None) -> bool:
        """Wait until no refresh of the reports is running or due; whether it is so."""
        return self._settled.wait(timeout)

    def _run_refresh(self) -> None:
        again = True
        while again:
            try:
                self._refresh_once()
            except Exception as exc:  # the city keeps its data; the reports page says why
                self.reports_state = {"state": "failed", "message": str(exc) or type(exc).__name__}
            with self._guard:
                again, self._again = self._again, False
                if not again:
                    self._refreshing = False
                    self._settled.set()

    def _refresh_once(self) -> None:
        from qingshan.app import reports as app_reports

        served = self.city
        now = app_reports.of_city(served.data_dir)
        if now == served.reports:
            self.reports_state = {"state": "current", "message": None}
            return
        self.reports_state = {"state": "computing", "message": None}
        fresh = served.reopened(served.package_path, isolation=self.limits, reports=now)
        _ = fresh.package  # raises if the package with these reports does not pass
        self.compute(fresh)
        fresh.saved()
        with self.lock:
            if self.city is not served:  # an upload was accepted meanwhile: do it again on it
                with self._guard:
                    self._again = True
                return
            self.city = fresh
            self.version += 1  # every cached page of the old data is stale
        self.reports_state = {"state": "current", "message": None}

    def job(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def _data_dir(self) -> Path:
        if self.city.data_dir is None:
            raise ConfigError("uploads need a data directory (qingshan serve DATA_DIR)")
        return self.city.data_dir


def _named(problems: list[Problem], staged: str, shown: str) -> list[dict[str, Any]]:
    """Problems as dicts, naming the file as uploaded rather than the staged copy."""
    return [{**d, "file": str(d["file"]).replace(staged, shown), "message": str(d["message"]).replace(staged, shown)}
            for d in (p.to_dict() for p in problems)]


def _max_upload_mb() -> float:
    from qingshan.settings import setting

    return float(setting("max_upload_mb"))
