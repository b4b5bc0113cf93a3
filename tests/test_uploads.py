"""Uploads that cannot corrupt (issue #13, item 3): one accept at a time per city, two and
twenty concurrent accepts, pages served while an accept computes, the same judgement of
warnings at import and accept, the body limit, the child process's memory and time limits,
expiry of staged uploads, and a process killed at random points of an accept."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qingshan.city import City, history, isolated, uploads
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_xlsx_package
from qingshan.errors import ValidationError
from qingshan.web import protect
from qingshan.web.app import create_app
from qingshan.web.city import WebCity
from tests.web_city import accepted, client_of, demo_city, upload_workbook, web_city

ROOT = Path(__file__).resolve().parents[1]


# --- helpers ---------------------------------------------------------------------------

def _enterprises(d: Path) -> int:
    """Enterprises in the package the data directory uses now, as a restarted server reads it."""
    with City.open(d) as c:
        ent = c.package.entities
        return int((ent["entity_type"] == "enterprise").sum())


def _consistent_history(d: Path) -> list[history.Version]:
    """Versions numbered 1, 2, … without a gap, each whole: its content has the hash its
    ``meta.json`` records."""
    found = history.versions(d)
    assert [v.number for v in found] == list(range(1, len(found) + 1))
    for v in found:
        assert history.content_digest(v.package) == v.sha256, v.number
    return found


def _workbook(path: Path, enterprises: int, *, warn: bool = False) -> Path:
    tables = generate_demo_city(enterprises=enterprises, years=range(2022, 2024))
    if warn:  # one month 10 000 times its neighbours: a likely unit slip (P036), a warning only
        e = tables["energy"].copy()
        i = e.index[e["period"].astype(str).str.endswith("-06")][0]
        e.loc[i, "quantity"] = e.loc[i, "quantity"] * 10_000
        tables["energy"] = e
    return write_xlsx_package(tables, path)


def _check(web: WebCity, path: Path, owner: str = "") -> dict[str, Any]:
    """What ``POST /api/import`` answers, for the browser (or session) ``owner``: only it can
    accept the upload."""
    with path.open("rb") as fh:
        return web.check_upload(fh, path.name, owner)


def _owner(client: TestClient) -> str:
    """What an upload of ``client``'s is bound to: its CSRF cookie (no sign-in here)."""
    return protect.csrf_owner(client.cookies[protect.CSRF_COOKIE])


@contextlib.contextmanager
def _serving(web: WebCity) -> Iterator[str]:
    """``web`` served by uvicorn on a free loopback port (real threads, real sockets)."""
    import uvicorn

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(create_app(web), log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline
            time.sleep(0.05)
        try:
            yield base
        finally:
            server.should_exit = True
            thread.join(30)


class _Browser:
    """A client of a served city that keeps its CSRF cookie and sends its token with every
    change, as a browser's forms do."""

    def __init__(self, base: str) -> None:
        with urllib.request.urlopen(base + "/api/login", timeout=60) as r:  # sets the cookie, gives its token
            self.csrf: str = json.loads(r.read())["csrf_token"]
        self.base = base

    @property
    def owner(self) -> str:
        """What this browser's uploads are bound to."""
        return protect.csrf_owner(self.csrf)

    def post(self, path: str, **form: str) -> tuple[int, dict[str, Any]]:
        req = urllib.request.Request(self.base + path, data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Cookie": f"{protect.CSRF_COOKIE}={self.csrf}",
                                              "X-CSRF-Token": self.csrf})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())


def _get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=60) as r:
        out: dict[str, Any] = json.loads(r.read())
        return out


def _wait(base: str, job: dict[str, Any], timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        now = _get(base + job["url"])
        if now["finished"]:
            return now
        assert time.monotonic() < deadline, now
        time.sleep(0.1)


# --- races -----------------------------------------------------------------------------

def test_two_accepts_close_together(tmp_path: Path) -> None:
    """The second accept, 0.1–0.35 s after the first, is refused with 409 and a clear
    message (it was a 500, and yet its workbook was what a restart served). The first is
    accepted, served and kept; the second can be accepted once the first is done."""
    d = demo_city(tmp_path / "c")
    web = web_city(d)
    with _serving(web) as base:
        browser = _Browser(base)
        a = _check(web, _workbook(tmp_path / "a.xlsx", 40), browser.owner)
        b = _check(web, _workbook(tmp_path / "b.xlsx", 30), browser.owner)
        assert a["ok"] and b["ok"] and a["token"] != b["token"], (a["problems"][:3], b["problems"][:3])
        status, first = browser.post("/api/import/accept", token=a["token"])
        assert status == 202 and first["state"] in ("queued", "validating", "computing")
        time.sleep(random.Random(13).uniform(0.1, 0.35))
        status, second = browser.post("/api/import/accept", token=b["token"])
        assert status == 409, second
        assert "another accept is running" in second["detail"] and "a.xlsx" in second["detail"]
        done = _wait(base, first)
        assert done["state"] == "done" and done["result"]["version"] == 2
        assert _get(base + "/api/enterprises")["total"] == 40
        assert _enterprises(d) == 40  # a restart serves the first workbook
        # the refused upload is still staged: accepted now, it becomes version 3
        status, again = browser.post("/api/import/accept", token=b["token"])
        assert status == 202 and _wait(base, again)["state"] == "done"
        assert _get(base + "/api/enterprises")["total"] == 30
    found = _consistent_history(d)
    assert [v.meta["source_name"] for v in found] == ["package", "a.xlsx", "b.xlsx"]
    assert _enterprises(d) == 30


def test_twenty_simultaneous_accepts(tmp_path: Path) -> None:
    """Twenty accepts at the same moment (all of them failed before): one is accepted, the
    nineteen others get 409, none a 500; the history gains exactly one version, the
    winner's, which is what the server and a restart serve."""
    d = demo_city(tmp_path / "c")
    web = web_city(d)
    wb = _workbook(tmp_path / "w.xlsx", 40)
    results: list[tuple[str, int, dict[str, Any]]] = []
    gate = threading.Barrier(20)
    with _serving(web) as base:
        browser = _Browser(base)
        staged = []
        for i in range(20):  # staged for this browser, as its uploads would be (without twenty checks)
            with wb.open("rb") as fh:
                staged.append(uploads.stage(d, fh, f"up{i}.xlsx", browser.owner))
        assert len({s.accept for s in staged}) == 20  # a token of its own, not a hash of the content

        def go(s: uploads.Staged) -> None:
            gate.wait()
            results.append((s.source_name, *browser.post("/api/import/accept", token=s.accept)))

        threads = [threading.Thread(target=go, args=(s,)) for s in staged]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        statuses = sorted(status for _, status, _ in results)
        assert statuses == [202] + [409] * 19, statuses
        winner, _, job = next(r for r in results if r[1] == 202)
        assert _wait(base, job)["state"] == "done"
        assert _get(base + "/api/enterprises")["total"] == 40
        assert _get(base + "/api/import")["history"][0]["source_name"] == winner
    found = _consistent_history(d)
    assert len(found) == 2 and found[-1].meta["source_name"] == winner
    assert _enterprises(d) == 40


def test_pages_are_served_from_the_old_city_while_an_accept_computes(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """While the new city is computed, pages answer from the old one, the job says what it
    is doing, a second accept gets 409, and a page that needs the store (LMDI) says it is
    busy (503) rather than wait; then the swap."""
    d = demo_city(tmp_path / "c")
    web = web_city(d)
    c = client_of(web)
    good = _check(web, upload_workbook(tmp_path / "good.xlsx", break_it=False), _owner(c))
    other = _check(web, upload_workbook(tmp_path / "other.xlsx", break_it=False), _owner(c))
    computing, release = threading.Event(), threading.Event()
    original = WebCity.compute

    def held(city: City) -> None:
        with city.store_lock:
            computing.set()
            assert release.wait(60)
            original(city)

    monkeypatch.setattr(WebCity, "compute", staticmethod(held))
    started = c.post("/api/import/accept", data={"token": good["token"]})
    assert started.status_code == 202
    assert computing.wait(60)
    try:
        assert c.get("/api/enterprises").json()["total"] == 150  # the old data, served meanwhile
        job = c.get(started.json()["url"]).json()
        assert job["state"] == "computing" and not job["finished"] and job["progress"]["en"]
        assert c.get("/api/import").json()["job"]["id"] == job["id"]
        page = c.get(f"/import/jobs/{job['id']}?lang=en").text
        assert 'http-equiv="refresh"' in page and "data-job=" in page and "Accepting" in page
        busy = c.post("/api/import/accept", data={"token": other["token"]})
        assert busy.status_code == 409
        lmdi = c.get("/api/lmdi?from=2020&to=2023")
        assert lmdi.status_code == 503 and "try again" in lmdi.json()["detail"]
    finally:
        release.set()
    deadline = time.monotonic() + 120
    while not c.get(started.json()["url"]).json()["finished"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert c.get("/api/enterprises").json()["total"] == 40
    assert c.get("/api/lmdi?from=2022&to=2023").status_code == 200
    done_page = c.get(f"/import/jobs/{job['id']}").text
    assert 'id="accepted"' in done_page and "http-equiv" not in done_page


# --- one judgement of warnings ---------------------------------------------------------

@pytest.mark.parametrize("accept_warnings", [False, True])
def test_warnings_are_judged_the_same_at_import_and_accept(tmp_path: Path, accept_warnings: bool) -> None:
    """An upload whose only problem is a warning passed the import and then failed the
    accept with a 500. Now import and accept apply the city's one judgement: both refuse
    it, with the same message, or both take it."""
    d = demo_city(tmp_path / "c")
    web = WebCity.start(City.open(d, accept_warnings=accept_warnings))
    c = client_of(web)
    wb = _workbook(tmp_path / "warn.xlsx", 40, warn=True)
    report = c.post("/api/import", files={"file": ("warn.xlsx", wb.read_bytes())}).json()
    assert {p["code"] for p in report["problems"]} == {"P036"}
    assert all(p["severity"] == "warning" and p["file"].startswith("warn.xlsx") for p in report["problems"])
    with wb.open("rb") as fh:  # the same file staged without the import's check: accept judges it itself
        direct = uploads.stage(d, fh, "warn.xlsx", _owner(c))
    job = accepted(c, direct.accept)
    if accept_warnings:
        assert report["ok"] and report["message"] is None
        assert job["state"] == "done" and job["result"]["enterprises"] == 40
    else:
        assert not report["ok"] and report["token"] is None
        assert "warnings" in report["message"] and "--accept-warnings" in report["message"]
        assert job["state"] == "failed" and job["message"] == report["message"]
        assert {p["code"] for p in job["problems"]} == {"P036"}
        assert c.get("/api/enterprises").json()["total"] == 150 and not history.versions(d)
        page = c.get(f"/import/jobs/{job['id']}").text
        assert 'id="job-failed"' in page and "P036" in page


# --- limits ----------------------------------------------------------------------------

def test_the_request_body_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond QINGSHAN_MAX_UPLOAD_MB the answer is 413 with a message in both languages,
    whether the body announces its length or comes in chunks; nothing is staged."""
    d = demo_city(tmp_path / "c")
    c = client_of(web_city(d))
    monkeypatch.setenv("QINGSHAN_MAX_UPLOAD_MB", "0.05")  # 52 KB
    big = os.urandom(200_000)
    r = c.post("/api/import", files={"file": ("big.xlsx", big)})
    assert r.status_code == 413
    assert "请求体超过上限" in r.json()["detail"] and "larger than the 0.05 MB allowed" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:
        yield b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.xlsx\"\r\n\r\n"
        for i in range(0, len(big), 8192):
            yield big[i:i + 8192]
        yield b"\r\n--x--\r\n"

    r = c.post("/api/import", content=chunks(), headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413 and "QINGSHAN_MAX_UPLOAD_MB" in r.json()["detail"]
    assert c.post("/import", files={"file": ("big.xlsx", big)}).status_code == 413
    assert not uploads.folder(d).exists() or not list(uploads.folder(d).iterdir())
    monkeypatch.setenv("QINGSHAN_MAX_UPLOAD_MB", "200")
    small = c.post("/api/import", files={"file": ("good.xlsx", upload_workbook(tmp_path / "g.xlsx",
                                                                               break_it=False).read_bytes())})
    assert small.status_code == 200 and small.json()["ok"]


def test_a_file_that_needs_too_much_memory_or_time_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """The child process that parses an upload runs under a memory and a time limit; when
    either stops it, the upload is refused with a coded problem and the server goes on."""
    d = demo_city(tmp_path / "c")
    web = web_city(d)
    c = client_of(web)
    wb = upload_workbook(tmp_path / "good.xlsx", break_it=False).read_bytes()
    web.limits = isolated.Limits(memory=64 * 2**20, seconds=60)
    r = c.post("/api/import", files={"file": ("big.xlsx", wb)}).json()
    assert not r["ok"] and [p["code"] for p in r["problems"]] == [isolated.MEMORY]
    assert r["problems"][0]["file"] == "big.xlsx" and "more memory than" in r["problems"][0]["expected_en"]
    web.limits = isolated.Limits(memory=2**31, seconds=0.3)
    r = c.post("/api/import", files={"file": ("slow.xlsx", wb)}).json()
    assert not r["ok"] and [p["code"] for p in r["problems"]] == [isolated.TIME]
    assert "QINGSHAN_UPLOAD_SECONDS" in r["problems"][0]["expected_en"]
    assert c.get("/api/enterprises").json()["total"] == 150  # still serving
    assert not list(uploads.folder(d).iterdir())  # refused uploads are not kept
    web.limits = isolated.Limits.from_settings()
    assert c.post("/api/import", files={"file": ("good.xlsx", wb)}).json()["ok"]


def _hold(megabytes: int) -> int:
    """Touch ``megabytes`` of memory and keep them for a while (a child under test)."""
    block = b"x" * (megabytes * 2**20)
    time.sleep(5)
    return len(block)


def test_the_memory_limit_is_resident_memory_watched_by_the_parent() -> None:
    """A child whose resident memory passes the limit is stopped by the server (U001), though
    its address space (eight times the limit) would have allowed it; one under the limit runs."""
    limits = isolated.Limits(memory=400 * 2**20, seconds=60)
    with pytest.raises(ValidationError) as e:
        isolated.run(_hold, (1000,), limits, label="x.xlsx")
    assert e.value.problems[0].code == isolated.MEMORY
    assert "400 MB" in e.value.problems[0].expected_en
    assert isolated.run(_hold, (50,), isolated.Limits(memory=1000 * 2**20, seconds=60), label="x") == 50 * 2**20


def test_a_child_that_dies_or_hangs_is_reported() -> None:
    limits = isolated.Limits(memory=2**31, seconds=1)
    with pytest.raises(ValidationError) as e:
        isolated.run(time.sleep, (30,), limits, label="x.xlsx")
    assert e.value.problems[0].code == isolated.TIME
    with pytest.raises(ValidationError) as e:
        isolated.run(os.abort, (), isolated.Limits(memory=2**31, seconds=30), label="x.xlsx")
    assert e.value.problems[0].code == isolated.MEMORY and "abnormally" in e.value.problems[0].expected_en
    assert isolated.run(max, (2, 3), isolated.Limits(memory=2**31, seconds=60), label="x") == 3


# --- staging ---------------------------------------------------------------------------

def test_staged_uploads_expire_and_are_cleaned_at_start_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = demo_city(tmp_path / "c")
    wb = upload_workbook(tmp_path / "good.xlsx", break_it=False)
    with wb.open("rb") as fh:
        old = uploads.stage(d, fh, "old.xlsx")
    with wb.open("rb") as fh:
        new = uploads.stage(d, fh, "new.xlsx")
    assert old.token != new.token and old.path.exists() and new.path.exists()
    (old.cache).mkdir()
    day_ago = time.time() - 25 * 3600
    for f in (old.path, old.path.with_suffix(".json"), old.cache):
        os.utime(f, (day_ago, day_ago))
    (history.folder(d) / ".tmp-left").mkdir(parents=True)  # an accept killed before its commit
    monkeypatch.setenv("QINGSHAN_UPLOAD_MAX_AGE_HOURS", "24")
    web = web_city(d)
    assert uploads.staged(d, old.token) is None and not old.cache.exists()
    assert uploads.staged(d, new.token) is not None
    assert not (history.folder(d) / ".tmp-left").exists()
    # staging a new upload cleans too
    os.utime(new.path, (day_ago, day_ago))
    _check(web, wb)
    assert uploads.staged(d, new.token) is None
    assert uploads.staged(d, "../../etc/passwd") is None and uploads.display_name("a/b\\c.xlsx") == "c.xlsx"


# --- a kill during accept --------------------------------------------------------------

_ACCEPT = """
import sys
from pathlib import Path

from qingshan.city import City
from qingshan.web.city import WebCity

if __name__ == "__main__":
    web = WebCity(City.open(Path(sys.argv[1])))
    print("accepting", flush=True)
    job = web.accept(sys.argv[2])
    job.done.wait()
    print(job.state, job.message, flush=True)
"""

_RECORD = """
import sys
from pathlib import Path

from qingshan.city import history

if __name__ == "__main__":
    d, a, b = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    print("recording", flush=True)
    i = 0
    while True:
        with history.writing(d):
            history.record(d, a if i % 2 else b, source_name=f"{i}", who="test", current=d / "package")
        i += 1
"""


def _run(script: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True, env=env,
                            cwd=ROOT)


def test_a_kill_during_accept_leaves_the_old_or_the_new_package_whole(tmp_path: Path) -> None:
    """An accept run in a subprocess, SIGKILLed at random points: the data directory then
    holds the old package or the new one, whole, and a consistent history; the next start
    cleans what the kill left and a new accept works."""
    template = demo_city(tmp_path / "template")
    web = web_city(template)
    new_wb = upload_workbook(tmp_path / "new.xlsx", break_it=False)
    token = _check(web, new_wb)["token"]
    old_digest = history.content_digest(template / "package")
    new_digest = history.content_digest(new_wb)

    def trial(name: str, delay: float | None) -> tuple[str, float]:
        d = tmp_path / name
        shutil.copytree(template, d)
        with _run(_ACCEPT, str(d), token) as proc:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "accepting"
            t0 = time.monotonic()
            if delay is None:
                out = proc.communicate(timeout=300)[0]
                assert out.startswith("done"), out
            else:
                time.sleep(delay)
                proc.send_signal(signal.SIGKILL)
                proc.wait(30)
            took = time.monotonic() - t0
        found = _consistent_history(d)
        with City.open(d) as city:
            in_use = history.content_digest(city.package_path)
            n = int((city.package.entities["entity_type"] == "enterprise").sum())  # opens whole
        assert (in_use, n) in ((old_digest, 150), (new_digest, 40)), (name, delay)
        if found:
            assert found[0].sha256 == old_digest and found[-1].sha256 == in_use and len(found) <= 2
        else:
            assert in_use == old_digest
        return ("new" if in_use == new_digest else "old"), took

    outcome, full = trial("complete", None)
    assert outcome == "new"
    rng = random.Random(2026)
    seen = {trial(f"kill{i}", rng.uniform(0, full * 1.1))[0] for i in range(6)}
    assert seen <= {"old", "new"}
    # after a kill: the next start cleans up, and an accept goes through (no lock is left)
    d = tmp_path / "kill0"
    again = web_city(d)
    assert not list(history.folder(d).glob(".tmp-*")) if history.folder(d).exists() else True
    c = client_of(again)
    fresh = c.post("/api/import", files={"file": ("again.xlsx", upload_workbook(tmp_path / "again.xlsx",
                                                                               break_it=True).read_bytes())})
    assert not fresh.json()["ok"]
    ok = c.post("/api/import", files={"file": ("again.xlsx", new_wb.read_bytes())}).json()
    assert accepted(c, ok["token"])["state"] == "done"
    _consistent_history(d)


def test_a_kill_while_recording_versions_never_leaves_a_broken_one(tmp_path: Path) -> None:
    """The commit itself, killed many times: a process records versions in a loop (copy,
    hash, meta.json, rename) and is SIGKILLed at random moments; every version left is
    whole, numbered without a gap, and the package in use is one of them."""
    d = demo_city(tmp_path / "c")
    a = upload_workbook(tmp_path / "a.xlsx", break_it=False)
    b = _workbook(tmp_path / "b.xlsx", 30)
    rng = random.Random(7)
    for _ in range(8):
        with _run(_RECORD, str(d), str(a), str(b)) as proc:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "recording"
            time.sleep(rng.uniform(0.05, 0.6))
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
        found = _consistent_history(d)
        assert found and found[0].meta["who"] == "before history"
        assert history.content_digest(City.open(d).package_path) == found[-1].sha256
        history.clean(d)  # what a start does
        assert not list(history.folder(d).glob(".tmp-*"))
    assert len(history.versions(d)) > 8
