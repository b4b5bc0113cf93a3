"""The small demo city the web tests serve, and the workbooks they upload (shared by
tests/test_web.py and tests/browser/)."""

from __future__ import annotations

import html as html_lib
import math
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from qingshan.app import audit, database, organisations, users
from qingshan.app.organisations import Unit
from qingshan.city import City
from qingshan.city.config import write_city_config
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package, write_xlsx_package
from qingshan.web.app import create_app
from qingshan.web.city import WebCity

#: the header of a browser's request for a page
HTML = {"accept": "text/html"}


def demo_city(folder: Path) -> Path:
    """A data directory of 150 enterprises, 2020-2023, under the demo city's profile (its
    targets are the demo targets)."""
    write_csv_package(generate_demo_city(enterprises=150, years=range(2020, 2024)), folder / "package")
    write_city_config(folder, "demo")
    return folder


def web_city(folder: Path, db: str | None = None) -> WebCity:
    """The served city of the data directory ``folder``."""
    return WebCity.start(City.open(folder, db=db))


def client_of(web: WebCity, **kw: Any) -> TestClient:
    """A client of the application on ``web`` that sends the CSRF token with every request,
    as the pages' forms do: the token of its browser cookie (``GET /api/login`` answers it)."""
    c = TestClient(create_app(web), **kw)
    with_csrf(c)
    return c


def with_csrf(c: TestClient) -> TestClient:
    """``c`` with the header ``X-CSRF-Token`` of its cookie or session, as ``GET /api/login``
    gives it (again after a sign-in: a session has a token of its own)."""
    c.headers["X-CSRF-Token"] = c.get("/api/login").json()["csrf_token"]
    return c


def signed_in(folder: Path, units: Sequence[Unit], who: Mapping[str, tuple[str, str]], password: str
              ) -> tuple[WebCity, dict[str, TestClient]]:
    """The served city of the data directory ``folder`` and a client of each user of ``who``
    (name → (unit code, role)), signed in: its application database brought up to date, the
    organisations of ``units`` synchronised, the users added with a temporary password and
    then ``password``; each client sends the CSRF token of its session and follows no
    redirect."""
    url = database.app_url(folder)
    database.upgrade(url)
    actor = audit.Actor("cli:test", role="administrator")
    with database.session(url) as s:
        organisations.sync(s, units, actor)
        for name, (unit, role) in who.items():
            users.add_user(s, actor, name, unit, [role], password="Temporary-pass-1")
    with database.session(url) as s:
        for name in who:
            users.change_password(s, name, "Temporary-pass-1", password)
    web = web_city(folder)
    clients = {}
    for name in who:
        c = with_csrf(TestClient(create_app(web), follow_redirects=False))
        assert c.post("/login", data={"username": name, "password": password, "next": "/"}).status_code == 303
        clients[name] = with_csrf(c)
    return web, clients


def api(c: TestClient, url: str, status: int = 200) -> Any:
    """The JSON of ``GET url``, which must answer ``status``."""
    r = c.get(url)
    assert r.status_code == status, (url, r.status_code, r.text[:300])
    return r.json()


def page(c: TestClient, url: str, status: int = 200) -> str:
    """The HTML page ``url`` as a browser asks for it, which must answer ``status``."""
    r = c.get(url, headers=HTML)
    assert r.status_code == status, (url, r.status_code, r.text[:300])
    assert "text/html" in r.headers["content-type"]
    return r.text


def visible(text: str) -> str:
    """A page's text as shown: without its scripts and tags, entities resolved."""
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", text, flags=re.S)))


def accepted(client: Any, token: str, timeout: float = 120) -> dict[str, Any]:
    """Accept the staged upload ``token`` (202 and a job) and wait for its job to finish;
    the job's final document."""
    started = client.post("/api/import/accept", data={"token": token})
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(started.json()["url"]).json()
        if job["finished"] or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def upload_workbook(path: Path, *, break_it: bool) -> Path:
    """A package workbook of 40 enterprises (2022-2023); ``break_it`` puts the unknown carrier
    可燃冰 into one energy row."""
    tables = generate_demo_city(enterprises=40, years=range(2022, 2024))
    if break_it:
        e = tables["energy"].copy()
        e["carrier"] = e["carrier"].astype(object)
        e.loc[e.index[3], "carrier"] = "可燃冰"
        tables["energy"] = e
    return write_xlsx_package(tables, path)


#: An LMDI residual is the total change less the sum of the effects: zero but for rounding,
#: of the order of 1e-8 t when the totals (about 1e6 t) are summed in another order. Two
#: documents agree on it to a micro-tonne, not to its last bits.
RESIDUAL_TOL = 1e-6


def same(a: Any, b: Any, path: str = "", rel: float = 1e-9) -> None:
    """Equal documents: the same keys, lists, texts and integers; floats to ``rel`` (stores
    and parallel aggregation sum in different orders, which moves the last bits)."""
    if isinstance(a, float) or isinstance(b, float):
        tol = RESIDUAL_TOL if path.endswith(".residual") else rel
        assert a is not None and b is not None and math.isclose(a, b, rel_tol=rel, abs_tol=tol), path
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), (path, set(a) ^ set(b) if isinstance(b, dict) else b)
        for k in a:
            same(a[k], b[k], f"{path}.{k}", rel)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]", rel)
    else:
        assert a == b, (path, a, b)
