"""The city the web application serves: a :class:`~qingshan.city.City` with the version the
response cache keys on, a lock around computing, and the upload actions (check a workbook,
accept it). Every page and endpoint reaches data through :meth:`WebCity.document`, which
builds the document of :mod:`qingshan.documents` under the lock."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qingshan.city import City
from qingshan.errors import ConfigError


class WebCity:
    """The served city. ``version`` is bumped when an upload is accepted."""

    def __init__(self, city: City) -> None:
        self.city = city
        self.version = 0
        self.lock = threading.RLock()
        self.accepting = threading.Lock()

    @classmethod
    def start(cls, city: City) -> WebCity:
        """Compute what every page needs once (accounts with their months, the latest
        evaluation, the targets, the enterprise-carrier months), then release the store so
        the CLI can use the data directory while the server runs."""
        from qingshan.documents import targets as targets_doc

        web = cls(city)
        _ = city.accounts().monthly
        _ = city.carrier_months()
        with contextlib.suppress(ConfigError):  # the profile selects no scheme: the pages say so
            city.evaluation(city.latest_year)
        targets_doc.build(city)
        city.close()
        return web

    @property
    def source(self) -> str:
        return str(self.city.package_path)

    def document(self, build: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
        """``build(city, *args, **kwargs)`` under the lock (the city computes lazily and its
        store connection is not shared between threads)."""
        with self.lock:
            return build(self.city, *args, **kwargs)

    # --- actions ----------------------------------------------------------------------

    def check_upload(self, content: bytes, filename: str | None = None) -> dict[str, Any]:
        """Validate an uploaded workbook; keep it staged under a token if it passes. Problems
        name the file as uploaded (``filename``), not the staged copy."""

        data_dir = self._data_dir()
        token = hashlib.sha256(content).hexdigest()[:16]
        staged = data_dir / "uploads" / f"{token}.xlsx"
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_bytes(content)
        try:
            pkg, problems = self.city.reopened(staged).check()
        except Exception as exc:  # an unreadable file is a problem of the upload, not of the server
            staged.unlink(missing_ok=True)
            return {"ok": False, "token": None, "problems": [{"code": "P000", "message": str(exc)}], "rows": {}}
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            staged.unlink(missing_ok=True)
        return {"ok": not errors, "token": None if errors else token,
                "problems": [{**d, "file": str(d["file"]).replace(staged.name, filename or staged.name)}
                             for d in (p.to_dict() for p in problems)],
                "rows": pkg.rows()}

    def accept(self, token: str) -> dict[str, Any]:
        """Make a staged upload the city's data: it replaces ``package.xlsx`` and every
        result is recomputed. Accepts run one at a time; the upload is validated while the
        old data are still served, and the package file is replaced only once the new city
        is computed, so a failure leaves the city's data as they were."""
        data_dir = self._data_dir()
        staged = data_dir / "uploads" / f"{token}.xlsx"
        if not token.isalnum() or not staged.exists():
            raise KeyError(token)
        with self.accepting:
            target = data_dir / "package.xlsx"
            tmp = data_dir / f"package.{token}.xlsx"
            shutil.copyfile(staged, tmp)
            try:
                fresh = self.city.reopened(tmp)
                _ = fresh.package  # validated outside the lock: the old data are served meanwhile
                with self.lock:  # the store is shared by the old and the new city
                    self.city.close()
                    started = WebCity.start(fresh)
                    tmp.replace(target)
                    fresh.package_path = target
                    self.city = started.city
                    self.version += 1  # every cached page of the old data is stale
            except Exception:
                tmp.unlink(missing_ok=True)  # the city keeps its data
                raise
            staged.unlink(missing_ok=True)
        ent = self.city.package.entities
        return {"ok": True, "enterprises": int((ent["entity_type"] == "enterprise").sum()), "years": self.city.years}

    def _data_dir(self) -> Path:
        if self.city.data_dir is None:
            raise ConfigError("uploads need a data directory (qingshan serve DATA_DIR)")
        return self.city.data_dir
