"""Benchmark of the web platform with sign-in on (issue #14, item 8, "Speed with login on"):
the main pages and endpoints under 50 concurrent signed-in clients of every role and every
level of scope, each client in its own scope, against the same load on the same city with
sign-in off, measured in the same run.

    python benchmarks/bench_web_signed_in.py [--enterprises 1500] [--clients 50] [--rounds 40]
                                             [--repeat 2] [--years 2020-2025] [--no-solo]
                                             [--quick] [--write-docs]

The demo city is made by ``qingshan demo`` in a temporary data directory, as a user makes
it: the package, the application database with its organisations (the city, its bureaus,
districts, parks and enterprises) and the demo users. ``clients`` more users are added
(:func:`make_users`), spread over the four levels of scope (the whole city: the city and
its bureaus; a district; a park; an enterprise) and over every role of
``qingshan/app/data/roles.toml``, each acting for an organisation in a role no other
client has there, so that no two clients share a scope of the response cache (which keys
on the organisation and the roles); each has changed its first password already
(``users.change_password``), so nobody is sent to ``/password``. A copy of the data
directory without the application database is the baseline: the same city with sign-in
off (every page open, one scope for everybody).

Each data directory is served by ``qingshan serve`` in its own process. A second process
is the load generator (written on asyncio streams, as ``bench_web.py``'s, so that it costs
the two shared cores little): one keep-alive connection per client that sends its next
request as soon as the previous answer has arrived (closed loop, no think time), with
the client's cookies. The pages are the overview, the enterprise list, one enterprise of
the client's scope, the one-map, the evaluation and the targets, each with its JSON twin,
and the accounts of the latest year (``/api/accounts?year=``). A client of the whole city
asks for them all; a scoped client only for those the access table
(:mod:`qingshan.web.access`) marks as scope-aware, never for a whole-city page (it would be
refused). Any answer that is not 2xx is a failure; the refusals are checked separately,
at the end.

The phases, in order:

1. **sign-in**: every client at once ``GET /api/login`` (its CSRF cookie and token) and
   ``POST /api/login`` (JSON, the token in ``X-CSRF-Token``), keeping the session cookie;
   with sign-in off only the ``GET`` (the CSRF cookie a browser keeps).
2. **first visits, all at once**: every client walks its pages once, all clients together,
   on a server that has answered none of them yet in that client's scope: the cold case
   (each page runs its handler; with sign-in off only the first client to ask for a
   shared page does). Sign-in off, then on.
3. **load**: every client walks its pages ``--rounds`` times, all together; sign-in off
   and on alternate ``--repeat`` times and the latencies of each are pooled.
4. **first visits, one at a time** (unless ``--no-solo``): both servers restarted (an
   empty response cache; the sessions live in the application database and go on), then
   the clients walk their pages once, one client after the other, so each page's time is
   its own and not a queue's.
5. **checks** (not timed): each client's enterprise list holds exactly the enterprises of
   its scope; a scoped client is refused every whole-city page of the list (403); a
   viewer is refused a download (403).

Server peak memory is ``VmHWM`` of the server process, reset at the start of each phase
(``/proc/PID/clear_refs``); server CPU per request is the server process's CPU time
(psutil) over the phase divided by its requests. The machine's load average before the
run and the CPU used by other processes during the load phases are recorded: the machine
has 2 cores and other work may be running.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_accounts import machine, machine_cpu_s  # noqa: E402
from benchmarks.bench_evaluation import write_section  # noqa: E402
from benchmarks.bench_web_accept import free_port, percentiles, reset_peak, status_kb  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "web_signed_in"
HEADING = "## Web with sign-in on (issue #14)"
QINGSHAN = str(Path(sys.executable).with_name("qingshan"))
TARGET_P95_MS = 150.0
TARGET_FIRST_MS = 1000.0
#: the roles of qingshan/app/data/roles.toml, in the order clients get them
ROLES = ("administrator", "analyst", "reviewer", "viewer", "reporter")
#: the levels of scope, in the order clients get them
LEVELS = ("city", "district", "park", "enterprise")
#: (label, path) of every client's pages; {id}: an enterprise of its scope, {year}: the latest
#: a scoped client asks only for those the access table marks as scope-aware (:func:`scoped`)
PAGES = (
    ("overview page", "/"), ("overview API", "/api/overview"),
    ("enterprise list page", "/enterprises"), ("enterprise list API", "/api/enterprises"),
    ("enterprise page", "/enterprises/{id}"), ("enterprise API", "/api/enterprises/{id}"),
    ("one-map page", "/map"), ("one-map API", "/api/map"),
    ("accounts API", "/api/accounts?year={year}"),
    ("evaluation page", "/evaluation"), ("evaluation API", "/api/evaluation"),
    ("targets page", "/targets"), ("targets API", "/api/targets"),
)
KINDS = [label for label, _ in PAGES]
SIGN_IN = "sign-in (POST /api/login)"
FIRST_PASSWORD = "Qingshan-First-2026-{k:02d}"
PASSWORD = "Qingshan-Bench-2026-{k:02d}"


# --------------------------------------------------------------------------------------
# Load generator (runs in its own process: ``--load``)
# --------------------------------------------------------------------------------------

async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, method: str, path: str,
                   headers: Iterable[tuple[str, str]] = (), body: bytes = b"") -> tuple[int, list[str], bytes]:
    """One request on a keep-alive connection: (status, its Set-Cookie values, its body)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Accept-Encoding: identity"]
    lines += [f"{k}: {v}" for k, v in headers]
    if method != "GET":
        lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length: int | None = None
    chunked = False
    cookies: list[str] = []
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        key = key.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif key == b"set-cookie":
            cookies.append(value.strip().decode("latin-1"))
    if length is not None:
        data = await reader.readexactly(length)
    elif chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            parts.append((await reader.readexactly(size + 2))[:-2])
            if size == 0:
                break
        data = b"".join(parts)
    else:
        data = b""
    return status, cookies, data


def keep_cookies(jar: dict[str, str], set_cookies: list[str]) -> None:
    """Update a client's cookies from an answer's ``Set-Cookie`` values (an empty value or
    ``Max-Age=0`` removes the cookie, as a browser does)."""
    for c in set_cookies:
        name, _, rest = c.partition("=")
        value = rest.split(";", 1)[0]
        if not value or "max-age=0" in rest.lower():
            jar.pop(name.strip(), None)
        else:
            jar[name.strip()] = value


def cookie_header(jar: Mapping[str, str]) -> list[tuple[str, str]]:
    return [("Cookie", "; ".join(f"{k}={v}" for k, v in jar.items()))] if jar else []


class Records:
    """Every timed request: client, kind (an index of the plan's kinds), start
    (``time.monotonic``, the same clock in every process of the machine), latency, status,
    answer bytes."""

    def __init__(self) -> None:
        self.client: list[int] = []
        self.kind: list[int] = []
        self.start: list[float] = []
        self.ms: list[float] = []
        self.status: list[int] = []
        self.bytes: list[int] = []

    def add(self, client: int, kind: int, t0: float, status: int, size: int) -> None:
        self.client.append(client)
        self.kind.append(kind)
        self.start.append(t0)
        self.ms.append((time.monotonic() - t0) * 1000.0)
        self.status.append(status)
        self.bytes.append(size)

    def to_dict(self) -> dict[str, list[Any]]:
        return {k: getattr(self, k) for k in ("client", "kind", "start", "ms", "status", "bytes")}


async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, limit=2**20)


async def _sign_in(port: int, k: int, client: Mapping[str, Any], jar: dict[str, str], rec: Records,
                   kinds: list[str], timeout: float, attempts: int = 20) -> None:
    """``GET /api/login`` (the CSRF cookie and token), then, for a user, ``POST /api/login``
    (timed); the client's cookies are kept in ``jar``. A sign-in answered 5xx is recorded
    (a failure) and tried again, up to ``attempts`` times, so that the later phases run."""
    host = f"127.0.0.1:{port}"
    reader, writer = await _connect(port)
    try:
        status, cookies, data = await asyncio.wait_for(exchange(reader, writer, host, "GET", "/api/login"), timeout)
        keep_cookies(jar, cookies)
        if status != 200:
            raise SystemExit(f"GET /api/login answered {status}: {data[:300]!r}")
        if client.get("username") is None:
            return
        token = json.loads(data)["csrf_token"]
        body = json.dumps({"username": client["username"], "password": client["password"]}).encode()
        for attempt in range(1, attempts + 1):
            headers = [*cookie_header(jar), ("X-CSRF-Token", token), ("Content-Type", "application/json")]
            t0 = time.monotonic()
            cookies = []
            try:
                status, cookies, data = await asyncio.wait_for(
                    exchange(reader, writer, host, "POST", "/api/login", headers, body), timeout)
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
                status, data = 0, repr(exc).encode()
            rec.add(k, kinds.index(SIGN_IN), t0, status, len(data))
            keep_cookies(jar, cookies)
            if status == 200 or (status and status < 500) or attempt == attempts:
                break
            writer.close()
            await asyncio.sleep(0.05 * attempt)
            reader, writer = await _connect(port)
        if status != 200 or json.loads(data)["user"]["must_change"]:
            raise SystemExit(f"{client['username']}: POST /api/login answered {status}: {data[:300]!r}")
    finally:
        writer.close()


async def _walk(port: int, k: int, pages: list[tuple[int, str]], jar: dict[str, str], rounds: int, rec: Records,
                timeout: float) -> None:
    """Ask for ``pages`` in order, ``rounds`` times, each request as soon as the answer to
    the previous one has arrived; a connection that fails is opened again."""
    host = f"127.0.0.1:{port}"
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = await _connect(port)
    for _ in range(rounds):
        for kind, path in pages:
            t0 = time.monotonic()
            size = 0
            try:
                if conn is None:
                    conn = await _connect(port)
                status, cookies, data = await asyncio.wait_for(
                    exchange(conn[0], conn[1], host, "GET", path, cookie_header(jar)), timeout)
                size = len(data)
                keep_cookies(jar, cookies)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                status = 0
                if conn is not None:
                    conn[1].close()
                conn = None
            rec.add(k, kind, t0, status, size)
    if conn is not None:
        conn[1].close()


async def _run(plan: Mapping[str, Any]) -> dict[str, Any]:
    port, mode, timeout = int(plan["port"]), str(plan["mode"]), float(plan["timeout"])
    clients: list[dict[str, Any]] = plan["clients"]
    kinds: list[str] = plan["kinds"]
    jars: list[dict[str, str]] = [dict(c.get("cookies", {})) for c in clients]
    rec = Records()
    t0 = time.monotonic()
    if mode == "sign-in":
        await asyncio.gather(*(_sign_in(port, k, c, jars[k], rec, kinds, timeout) for k, c in enumerate(clients)))
    elif mode == "solo":  # one client after the other
        for k, c in enumerate(clients):
            await _walk(port, k, [(int(i), str(p)) for i, p in c["pages"]], jars[k], 1, rec, timeout)
    else:  # every client at once, ``rounds`` times over its pages
        await asyncio.gather(*(_walk(port, k, [(int(i), str(p)) for i, p in c["pages"]], jars[k],
                                     int(plan["rounds"]), rec, timeout) for k, c in enumerate(clients)))
    return {**rec.to_dict(), "wall_s": time.monotonic() - t0, "t0": t0, "cookies": jars}


def load_main(args: argparse.Namespace) -> None:
    plan = json.loads(Path(args.plan).read_text("utf-8"))
    cpu0 = time.process_time()
    out = asyncio.run(_run(plan))
    out["cpu_s"] = time.process_time() - cpu0
    Path(args.out).write_text(json.dumps(out), "utf-8")


# --------------------------------------------------------------------------------------
# The city and its users
# --------------------------------------------------------------------------------------

def make_city(data: Path, enterprises: int, years: str) -> float:
    """``qingshan demo`` into ``data``: its seconds."""
    t = time.monotonic()
    env = {**os.environ, "QINGSHAN_LANG": "en"}
    env.pop("QINGSHAN_APP_DB", None)
    proc = subprocess.run([QINGSHAN, "demo", "--data-dir", str(data), "--enterprises", str(enterprises),
                           "--years", years], capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"qingshan demo failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return time.monotonic() - t


def make_users(data: Path, n: int) -> list[dict[str, Any]]:
    """Add ``n`` users to the data directory's application database: client k acts at level
    ``LEVELS[k % 4]`` in role ``ROLES[k % 5]`` (so every role meets every level once there
    are 20 clients), for an organisation of that level in which no other client has that
    role (a scope of its own, unless the level runs out of organisations); its first
    password is changed at once. Returns each client: user name, password, level, role,
    organisation, its path, whether it sees the whole city, and the enterprises of its
    scope."""
    from sqlalchemy import select

    from qingshan.app import database, users
    from qingshan.app.audit import Actor
    from qingshan.app.models import Organisation

    url = database.app_url(data)
    actor = Actor("bench_web_signed_in", role="administrator")
    with database.session(url) as s:
        orgs = [(o.code, o.kind, o.path) for o in s.execute(select(Organisation)).scalars()]
    city_path = next(p for _, kind, p in orgs if kind == "city")
    firms = sorted((p, code) for code, kind, p in orgs if kind == "enterprise")
    per_level = {lv: sum(1 for k in range(n) if LEVELS[k % len(LEVELS)] == lv) for lv in LEVELS}
    # the organisations of each level: the city and its bureaus; the districts; the parks;
    # enterprises spread evenly over the tree (sorted by path), one per client of that level
    candidates: dict[str, list[tuple[str, str]]] = {
        "city": sorted(((code, p) for code, kind, p in orgs if kind in ("city", "bureau")),
                       key=lambda x: (x[0] != city_path.strip("/"), x[0])),
        "district": sorted((code, p) for code, kind, p in orgs if kind == "district"),
        "park": sorted((code, p) for code, kind, p in orgs if kind == "park"),
        "enterprise": [(firms[i * len(firms) // max(1, per_level["enterprise"])][1],
                        firms[i * len(firms) // max(1, per_level["enterprise"])][0])
                       for i in range(per_level["enterprise"])],
    }
    taken: set[tuple[str, str]] = set()
    seen: dict[str, int] = {lv: 0 for lv in LEVELS}
    picked: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    with database.session(url) as s:
        for k in range(n):
            level, role = LEVELS[k % len(LEVELS)], ROLES[k % len(ROLES)]
            pool = candidates[level]
            if not pool:
                raise SystemExit(f"the demo city has no organisation of level {level}")
            m = seen[level]
            seen[level] += 1
            order = [pool[(m + j) % len(pool)] for j in range(len(pool))]
            code, path = next((o for o in order if (o[0], role) not in taken), order[0])
            taken.add((code, role))
            whole = path.strip("/").count("/") == 0
            scope = [c for p, c in firms if whole or p.startswith(path.rstrip("/") + "/") or p == path]
            j = picked.get(code, 0)
            picked[code] = j + 1
            name = f"load{k + 1:02d}"
            first, password = FIRST_PASSWORD.format(k=k + 1), PASSWORD.format(k=k + 1)
            users.add_user(s, actor, name, code, [role], password=first)
            users.change_password(s, name, first, password)
            out.append({"username": name, "password": password, "level": level, "role": role,
                        "organisation": code, "path": path, "whole_city": whole, "scope": scope,
                        "enterprise": scope[(j * 37 + k) % len(scope)] if scope else None})
    return out


def scoped(path: str) -> bool:
    """Whether the page serves the part of the city in a user's scope (the access table's
    rule for it), so that a user of a district, park or enterprise may open it."""
    from qingshan.web.access import rule_for

    return rule_for("GET", path.split("?", 1)[0]).scoped


def pages_of(client: Mapping[str, Any], year: int) -> list[tuple[int, str]]:
    """(kind, path) of a client's pages: all of them for the whole city, else the scoped ones."""
    return [(KINDS.index(label), path.format(id=client["enterprise"], year=year)) for label, path in PAGES
            if client["whole_city"] or scoped(path)]


def open_copy(data: Path, copy: Path) -> None:
    """The data directory without its application database: the same city, sign-in off."""
    shutil.copytree(data, copy, ignore=shutil.ignore_patterns("qingshan-app.sqlite3*", "results"))


# --------------------------------------------------------------------------------------
# Servers and phases
# --------------------------------------------------------------------------------------

class Server:
    """``qingshan serve`` on a data directory, in its own process."""

    def __init__(self, name: str, data: Path, log: Path) -> None:
        self.name, self.data, self.log = name, data, log
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.start_s = math.nan

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float) -> None:
        from urllib.request import urlopen

        self.port = free_port()
        env = {**os.environ, "QINGSHAN_LANG": "en"}
        env.pop("QINGSHAN_APP_DB", None)  # the data directory's own database, or none
        t = time.monotonic()
        with self.log.open("ab") as fh:
            self.proc = subprocess.Popen([QINGSHAN, "serve", str(self.data), "--port", str(self.port)],
                                         stdout=fh, stderr=subprocess.STDOUT, env=env)
        while True:  # the server computes every page's data before it listens
            try:
                with urlopen(f"http://127.0.0.1:{self.port}/api/login", timeout=5) as r:
                    r.read()
                break
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit(f"qingshan serve {self.data} exited:\n{self.log.read_text()[-3000:]}") from None
                if time.monotonic() - t > timeout:
                    raise SystemExit(f"qingshan serve {self.data} did not answer within {timeout:.0f} s") from None
                time.sleep(0.3)
        self.start_s = time.monotonic() - t

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(30)
        self.proc = None


def server_cpu_s(pid: int) -> float:
    import psutil  # type: ignore[import-untyped]

    t = psutil.Process(pid).cpu_times()
    return float(t.user + t.system)


def phase(server: Server, mode: str, clients: list[dict[str, Any]], work: Path, *, rounds: int = 1,
          timeout: float = 600.0) -> dict[str, Any]:
    """Run the load generator once against ``server`` and measure the server meanwhile: its
    peak memory (``VmHWM``, reset first), its CPU, and the machine's."""
    plan = {"port": server.port, "mode": mode, "rounds": rounds, "timeout": timeout,
            "kinds": [*KINDS, SIGN_IN], "clients": clients}
    plan_file, out = work / "plan.json", work / "load.json"
    plan_file.write_text(json.dumps(plan), "utf-8")
    exact = reset_peak(server.pid)
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0, (busy0, _), t0 = server_cpu_s(server.pid), machine_cpu_s(), time.monotonic()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--load", "--plan", str(plan_file),
                           "--out", str(out)], check=False)
    if proc.returncode != 0:
        raise SystemExit(f"the load generator failed ({proc.returncode}) in phase {mode} on {server.name}")
    cpu1, (busy1, _), t1 = server_cpu_s(server.pid), machine_cpu_s(), time.monotonic()
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    rec: dict[str, Any] = json.loads(out.read_text("utf-8"))
    rec["server_cpu_s"] = cpu1 - cpu0
    rec["machine_cpu_s"] = busy1 - busy0
    # other processes: the machine's CPU over the generator's whole life (its start-up too),
    # less the server's, the generator's and this process's
    generator = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    rec["others_cpu_s"] = max(0.0, rec["machine_cpu_s"] - rec["server_cpu_s"] - generator)
    rec["elapsed_s"] = t1 - t0
    rec["peak_mib"] = status_kb(server.pid, "VmHWM") / 1024 if exact else math.nan
    rec["rss_mib"] = status_kb(server.pid, "VmRSS") / 1024
    rec["load_average"] = os.getloadavg()[0]
    return rec


def pooled(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs of the same phase as one: requests concatenated, times and CPU summed,
    the largest peak."""
    out: dict[str, Any] = {k: [x for r in runs for x in r[k]] for k in ("client", "kind", "ms", "status", "bytes")}
    for k in ("wall_s", "elapsed_s", "server_cpu_s", "machine_cpu_s", "others_cpu_s", "cpu_s"):
        out[k] = sum(float(r[k]) for r in runs)
    out["peak_mib"] = max(float(r["peak_mib"]) for r in runs)
    out["runs"] = [{"wall_s": r["wall_s"], "requests": len(r["ms"]),
                    "p95_ms": percentiles(r["ms"])["p95_ms"], "load_average": r["load_average"]} for r in runs]
    return out


def stats(rec: Mapping[str, Any], clients: list[dict[str, Any]]) -> dict[str, Any]:
    """Percentiles of all requests, of each kind and of each level; the failures (not 2xx)
    by kind and status; rates and CPU per request."""
    kinds = [*KINDS, SIGN_IN]
    by_kind: dict[str, list[float]] = {}
    by_level: dict[str, list[float]] = {}
    size: dict[str, list[int]] = {}
    failed: dict[str, dict[str, int]] = {}
    for c, k, ms, st, b in zip(rec["client"], rec["kind"], rec["ms"], rec["status"], rec["bytes"], strict=True):
        label = kinds[k]
        by_kind.setdefault(label, []).append(ms)
        by_level.setdefault(clients[c]["level"], []).append(ms)
        size.setdefault(label, []).append(b)
        if not 200 <= st < 300:
            per = failed.setdefault(label, {})
            per[str(st)] = per.get(str(st), 0) + 1
    n = len(rec["ms"])
    wall = max(float(rec["wall_s"]), 1e-9)
    return {"requests": n, "wall_s": wall, "per_s": n / wall, "all": percentiles(rec["ms"]),
            "kinds": {k: percentiles(v) for k, v in by_kind.items()},
            "levels": {k: percentiles(v) for k, v in by_level.items()},
            "kb": {k: sum(v) / len(v) / 1024 for k, v in size.items()},
            "failed": sum(sum(v.values()) for v in failed.values()), "failed_by_kind": failed,
            "server_cpu_ms": 1000 * float(rec["server_cpu_s"]) / max(n, 1),
            "server_cpu_s": rec["server_cpu_s"], "others_cpu_s": rec["others_cpu_s"],
            "others_cores": float(rec["others_cpu_s"]) / max(float(rec["elapsed_s"]), 1e-9),
            "generator_cpu_s": rec["cpu_s"],
            "peak_mib": rec["peak_mib"]}


# --------------------------------------------------------------------------------------
# Checks of what each client sees (not timed)
# --------------------------------------------------------------------------------------

def checks(on: Server, off: Server, clients: list[dict[str, Any]], cookies: list[dict[str, str]]) -> dict[str, Any]:
    """Each client's enterprise list is its scope's (as the open platform lists them); a
    scoped client is refused every whole-city page of :data:`PAGES` (403); a viewer is
    refused a download (403)."""
    import httpx2

    def listed(client: httpx2.Client) -> list[str]:
        ids: list[str] = []
        page, pages = 1, 1
        while page <= pages:
            r = client.get(f"/api/enterprises?size=500&page={page}")
            r.raise_for_status()
            doc = r.json()
            ids += [str(x["entity_id"]) for x in doc["rows"]]
            pages = int(doc["pages"])
            page += 1
        return ids

    with httpx2.Client(base_url=f"http://127.0.0.1:{off.port}", timeout=600) as c:
        everyone = set(listed(c))
    problems: list[str] = []
    done = 0
    for client, jar in zip(clients, cookies, strict=True):
        with httpx2.Client(base_url=f"http://127.0.0.1:{on.port}", timeout=600, cookies=jar,
                           follow_redirects=False) as c:
            name = client["username"]
            seen = listed(c)
            want = everyone & set(client["scope"])
            if set(seen) != want or len(seen) != len(want):
                problems.append(f"{name}: lists {len(seen)} enterprises, its scope has {len(want)}")
            expect = [(path, 403) for _, path in PAGES if not client["whole_city"] and not scoped(path)]
            if client["role"] == "viewer":
                expect.append(("/api/enterprises?format=xlsx", 403))
            for path, status in expect:
                r = c.get(path)
                if r.status_code != status:
                    problems.append(f"{name} ({client['level']}, {client['role']}): GET {path} answered "
                                    f"{r.status_code}, expected {status}")
                done += 1
            done += 1
    return {"checks": done, "problems": problems}


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------

def bench(enterprises: int, years: str, n_clients: int, rounds: int, repeat: int, solo: bool,
          timeout: float, keep: bool = False) -> dict[str, Any]:
    load_before = os.getloadavg()
    if load_before[0] > 0.5:
        print(f"note: the machine is busy (load average {load_before[0]:.1f}); the latencies will show it",
              flush=True)
    work = Path(tempfile.mkdtemp(prefix="qingshan-web-signed-in-"))
    servers: list[Server] = []
    try:
        data, open_data = work / "city", work / "city-open"
        demo_s = make_city(data, enterprises, years)
        t = time.monotonic()
        clients = make_users(data, n_clients)
        users_s = time.monotonic() - t
        open_copy(data, open_data)
        year = int(years.split("-")[-1])
        for c in clients:
            c["pages"] = pages_of(c, year)
        print(f"demo city in {demo_s:.1f} s; {n_clients} users in {users_s:.1f} s", flush=True)

        off = Server("sign-in off", open_data, work / "serve-off.log")
        on = Server("sign-in on", data, work / "serve-on.log")
        servers += [off, on]
        for s in servers:
            s.start(timeout)
            print(f"{s.name}: ready in {s.start_s:.1f} s (port {s.port})", flush=True)
        start_mib = {s.name: status_kb(s.pid, "VmHWM") / 1024 for s in servers}
        start_s = {s.name: s.start_s for s in servers}
        # what the load generator needs of each client (with sign-in off: no user, only its cookies)
        plans = {s.name: [{"username": c["username"] if s is on else None, "password": c["password"],
                           "pages": c["pages"], "cookies": {}} for c in clients] for s in servers}
        raw: dict[str, dict[str, Any]] = {}
        for s in (off, on):
            r = phase(s, "sign-in", plans[s.name], work, timeout=timeout)
            for p, jar in zip(plans[s.name], r["cookies"], strict=True):
                p["cookies"] = jar
            raw[f"sign-in/{s.name}"] = r
            print(f"{s.name}: {len(clients)} clients signed in in {r['wall_s']:.1f} s", flush=True)
        for s in (off, on):
            raw[f"first/{s.name}"] = r = phase(s, "walk", plans[s.name], work, timeout=timeout)
            print(f"{s.name}: first visits, all at once: {len(r['ms'])} requests in {r['wall_s']:.1f} s, "
                  f"p95 {percentiles(r['ms'])['p95_ms']:.0f} ms", flush=True)
        runs: dict[str, list[dict[str, Any]]] = {off.name: [], on.name: []}
        for i in range(repeat):
            for s in (off, on) if i % 2 == 0 else (on, off):
                r = phase(s, "walk", plans[s.name], work, rounds=rounds, timeout=timeout)
                runs[s.name].append(r)
                print(f"{s.name}: load {i + 1}/{repeat}: {len(r['ms'])} requests in {r['wall_s']:.1f} s, "
                      f"p95 {percentiles(r['ms'])['p95_ms']:.1f} ms", flush=True)
        for s in servers:
            raw[f"load/{s.name}"] = pooled(runs[s.name])
        verified = checks(on, off, clients, [p["cookies"] for p in plans[on.name]])
        print(f"checks: {verified['checks']} made, {len(verified['problems'])} problems", flush=True)
        for p in verified["problems"]:
            print("  " + p, flush=True)
        restart_s: dict[str, float] = {}
        if solo:
            for s in servers:  # an empty response cache; the sessions go on (application database)
                s.stop()
                s.start(timeout)
                restart_s[s.name] = s.start_s
                raw[f"solo/{s.name}"] = r = phase(s, "solo", plans[s.name], work, timeout=timeout)
                print(f"{s.name}: first visits, one at a time: {len(r['ms'])} requests in {r['wall_s']:.1f} s, "
                      f"max {percentiles(r['ms'])['max_ms']:.0f} ms", flush=True)
        load_after = os.getloadavg()
    finally:
        for s in servers:
            s.stop()
        if keep:
            print(f"kept: {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    results = {name: stats(r, clients) for name, r in raw.items()}
    for name in (off.name, on.name):
        results[f"load/{name}"]["runs"] = raw[f"load/{name}"]["runs"]
    return {
        "enterprises": enterprises, "years": years, "clients": n_clients, "rounds": rounds, "repeat": repeat,
        "year": int(years.split("-")[-1]),
        "users": [{k: c[k] for k in ("username", "level", "role", "organisation", "path", "whole_city",
                                     "enterprise")} | {"scope_enterprises": len(c["scope"]),
                                                       "pages": [p for _, p in c["pages"]]} for c in clients],
        "levels": {lv: sum(1 for c in clients if c["level"] == lv) for lv in LEVELS},
        "scoped_pages": [f"`{p}`" for _, p in PAGES if scoped(p) and "accounts" not in p],
        "city_pages": [f"`{p}`" for _, p in PAGES if not scoped(p)],
        "roles": {r: sum(1 for c in clients if c["role"] == r) for r in ROLES},
        "scopes": len({(c["organisation"], c["role"]) for c in clients}),
        "demo_s": demo_s, "users_s": users_s, "start_s": start_s,
        "restart_s": restart_s, "start_mib": start_mib,
        "load_average_before": list(load_before), "load_average_after": list(load_after),
        "phases": results, "checks": verified,
    }


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------

def _ms(v: float) -> str:
    return "—" if v is None or math.isnan(v) else f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def _ratio(a: float, b: float) -> str:
    return "—" if not b or math.isnan(a) or math.isnan(b) else f"{a / b:.1f}"


def verdicts(r: Mapping[str, Any]) -> dict[str, Any]:
    """Whether the targets are met: p95 of every page kind under the load, with sign-in on;
    the slowest first visit of a page in a new scope (all at once, and one at a time)."""
    ph = r["phases"]
    on = ph["load/sign-in on"]
    worst_kind = max(on["kinds"].items(), key=lambda kv: kv[1]["p95_ms"])
    first = ph["first/sign-in on"]
    solo = ph.get("solo/sign-in on")
    out = {"p95_all": on["all"]["p95_ms"], "worst_kind": worst_kind[0], "worst_p95": worst_kind[1]["p95_ms"],
           "p95_met": worst_kind[1]["p95_ms"] <= TARGET_P95_MS and on["failed"] == 0,
           "first_max": first["all"]["max_ms"], "first_p95": first["all"]["p95_ms"],
           "first_met": first["all"]["max_ms"] <= TARGET_FIRST_MS,
           "solo_max": solo["all"]["max_ms"] if solo else math.nan,
           "solo_met": bool(solo) and solo["all"]["max_ms"] <= TARGET_FIRST_MS}
    return out


def section(r: Mapping[str, Any]) -> str:
    m, ph = r["machine"], r["phases"]
    v = verdicts(r)
    on, off = ph["load/sign-in on"], ph["load/sign-in off"]
    first_on, first_off = ph["first/sign-in on"], ph["first/sign-in off"]
    solo_on, solo_off = ph.get("solo/sign-in on"), ph.get("solo/sign-in off")
    sign_in = ph["sign-in/sign-in on"]
    load = r["load_average_before"][0]
    others = max(on["others_cores"], off["others_cores"])
    busy = load > 0.5 or others > 0.2
    levels = ", ".join(f"{n} {lv}" for lv, n in r["levels"].items())
    lines = [
        HEADING, "",
        f"Measured {m['date']} with `{r['command']}` on {m['cpu']} ({m['cores']} cores, {m['ram']}). The demo "
        f"city of `qingshan demo`, {r['enterprises']:,} enterprises, {r['years']}, with {r['clients']} more users "
        f"({levels}: the whole city means the city or one of its bureaus; every role at every level, each user in "
        f"a scope of its own, {r['scopes']} scopes), each with its first password changed. One `qingshan serve` "
        f"process with sign-in on (ready in {r['start_s']['sign-in on']:.0f} s) and, as the baseline, one on a "
        "copy of the data directory without the application database, so sign-in off "
        f"(ready in {r['start_s']['sign-in off']:.0f} s), under the same load in the same run. "
        f"{r['clients']} clients, one keep-alive connection each from a separate process on the same machine, "
        "each asking for its next page as soon as the answer arrives (closed loop, no think time): "
        f"{', '.join(r['scoped_pages'])} and the accounts of {r['year']} (`/api/accounts?year={r['year']}`); "
        f"a whole-city user also {', '.join(r['city_pages'])}. The same clients ask for the same paths with "
        "sign-in off, where every page shows the whole city.", "",
        f"Load average of the machine before the run: {load:.1f}; other processes used "
        f"{others:.2f} cores during the load phases"
        + (" (other work was running: the latencies include it)." if busy else "."), "",
        f"- **Target p95 ≤ {TARGET_P95_MS:.0f} ms for the main pages and endpoints, signed in: "
        f"{'met' if v['p95_met'] else 'not met'}** (slowest kind {v['worst_kind']}, p95 {_ms(v['worst_p95'])} ms; "
        f"all requests p95 {_ms(v['p95_all'])} ms, {_ratio(v['p95_all'], off['all']['p95_ms'])}× sign-in off; "
        f"{on['failed']} failed).",
        f"- **Target first visit of a page in a new scope ≤ {TARGET_FIRST_MS / 1000:.0f} s: "
        f"{'met' if v['first_met'] else 'not met'}** with all {r['clients']} clients arriving at once "
        f"(slowest {_ms(v['first_max'])} ms, p95 {_ms(v['first_p95'])} ms)"
        + (f"; **{'met' if v['solo_met'] else 'not met'}** one client at a time (slowest {_ms(v['solo_max'])} ms)"
           if solo_on else "") + ".",
        "",
        f"Load: {r['rounds']} rounds of each client's pages, sign-in off and on alternating, "
        f"{r['repeat']} time(s) each, pooled.", "",
        "| page kind | requests (on) | p50 ms on | p95 ms on | p99 ms on | p95 ms off | p95 on ÷ off | "
        "answer KiB on | failed (on) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label in KINDS:
        a, b = on["kinds"].get(label), off["kinds"].get(label)
        if a is None or b is None:
            continue
        bad = sum(on["failed_by_kind"].get(label, {}).values())
        lines.append(f"| {label} | {a['n']:,} | {_ms(a['p50_ms'])} | {_ms(a['p95_ms'])} | {_ms(a['p99_ms'])} | "
                     f"{_ms(b['p95_ms'])} | {_ratio(a['p95_ms'], b['p95_ms'])} | {on['kb'][label]:,.0f} | {bad} |")
    a, b = on["all"], off["all"]
    lines += [
        f"| **all** | {a['n']:,} | {_ms(a['p50_ms'])} | {_ms(a['p95_ms'])} | {_ms(a['p99_ms'])} | "
        f"{_ms(b['p95_ms'])} | {_ratio(a['p95_ms'], b['p95_ms'])} | | {on['failed']} |",
        "",
        "| | sign-in on | sign-in off | on ÷ off |", "|---|---:|---:|---:|",
        f"| requests/s | {on['per_s']:,.0f} | {off['per_s']:,.0f} | {_ratio(on['per_s'], off['per_s'])} |",
        f"| server CPU ms per request | {on['server_cpu_ms']:.2f} | {off['server_cpu_ms']:.2f} | "
        f"{_ratio(on['server_cpu_ms'], off['server_cpu_ms'])} |",
        f"| server peak MiB during the load | {on['peak_mib']:,.0f} | {off['peak_mib']:,.0f} | "
        f"{_ratio(on['peak_mib'], off['peak_mib'])} |",
        f"| failed (not 2xx) | {on['failed']} | {off['failed']} | |",
        "",
        "p95 (ms) of each load run: sign-in on "
        + ", ".join(_ms(x["p95_ms"]) for x in on["runs"]) + "; off " + ", ".join(_ms(x["p95_ms"]) for x in off["runs"])
        + ". p95 (ms) under the load by level of scope, signed in: "
        + "; ".join(f"{lv} {_ms(on['levels'][lv]['p95_ms'])}" for lv in LEVELS if lv in on["levels"]) + ".", "",
        "First visits: every client walks its pages once, on a server that has not yet answered them in that "
        "client's scope. *All at once*: the clients together, right after signing in. *One at a time*: both "
        "servers restarted (empty response cache), then one client after the other. With sign-in off every "
        "client shares one scope, so only the first to ask for a shared page waits for it.", "",
        "| page kind | all at once: p50 ms on | p95 ms on | max ms on | max ms off | one at a time: p50 ms on | "
        "max ms on | max ms off |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label in KINDS:
        a, b = first_on["kinds"].get(label), first_off["kinds"].get(label)
        if a is None or b is None:
            continue
        sa = solo_on["kinds"].get(label) if solo_on else None
        sb = solo_off["kinds"].get(label) if solo_off else None
        lines.append(f"| {label} | {_ms(a['p50_ms'])} | {_ms(a['p95_ms'])} | {_ms(a['max_ms'])} | "
                     f"{_ms(b['max_ms'])} | {_ms(sa['p50_ms']) if sa else '—'} | {_ms(sa['max_ms']) if sa else '—'} | "
                     f"{_ms(sb['max_ms']) if sb else '—'} |")
    a, b = first_on["all"], first_off["all"]
    sa = solo_on["all"] if solo_on else None
    sb = solo_off["all"] if solo_off else None
    lines += [
        f"| **all** | {_ms(a['p50_ms'])} | {_ms(a['p95_ms'])} | {_ms(a['max_ms'])} | {_ms(b['max_ms'])} | "
        f"{_ms(sa['p50_ms']) if sa else '—'} | {_ms(sa['max_ms']) if sa else '—'} | "
        f"{_ms(sb['max_ms']) if sb else '—'} |",
        "",
        f"The {r['clients']} first visits all at once took {first_on['wall_s']:.1f} s with sign-in on "
        f"({first_on['server_cpu_s']:.1f} s of server CPU) and {first_off['wall_s']:.1f} s with sign-in off "
        f"({first_off['server_cpu_s']:.1f} s); server peak {first_on['peak_mib']:,.0f} MiB on, "
        f"{first_off['peak_mib']:,.0f} MiB off"
        + (f"; one at a time {solo_on['wall_s']:.1f} s on, {solo_off['wall_s']:.1f} s off." if solo_on and solo_off
           else "."),
        f"Signing in ({r['clients']} clients at once, `POST /api/login`, argon2id): {sign_in['requests']} "
        f"attempts in {sign_in['wall_s']:.1f} s, p50 {_ms(sign_in['all']['p50_ms'])} ms, "
        f"p95 {_ms(sign_in['all']['p95_ms'])} ms, max {_ms(sign_in['all']['max_ms'])} ms"
        + (", **" + ", ".join(f"{n} answered {st}" for per in sign_in["failed_by_kind"].values()
                             for st, n in per.items()) + "** and were tried again" if sign_in["failed"]
           else ", none failed")
        + f"; server peak {sign_in['peak_mib']:,.0f} MiB (after start-up: {r['start_mib']['sign-in on']:,.0f} MiB "
        f"on, {r['start_mib']['sign-in off']:,.0f} MiB off).",
        f"Checks after the load ({r['checks']['checks']}): each client's enterprise list is exactly its scope's, "
        "a scoped client is refused every whole-city page above (403), a viewer is refused a download (403): "
        + ("all passed." if not r["checks"]["problems"] else
           f"**{len(r['checks']['problems'])} failed**: " + "; ".join(r["checks"]["problems"][:5]) + "."),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="The web platform under signed-in clients of every role and scope.")
    ap.add_argument("--enterprises", type=int, default=1500)
    ap.add_argument("--years", default="2020-2025")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=40, help="walks of each client's pages in a load phase")
    ap.add_argument("--repeat", type=int, default=2, help="load phases per server, alternating")
    ap.add_argument("--no-solo", action="store_true", help="skip the first visits one client at a time")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds for a server's start and a request")
    ap.add_argument("--quick", action="store_true",
                    help="a smoke run: 300 enterprises, 2020-2022, 10 clients, 3 rounds, once")
    ap.add_argument("--keep", action="store_true", help="keep the temporary data directories and server logs")
    ap.add_argument("--write-docs", action="store_true", help="replace the section in docs/performance.md")
    ap.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--plan", default="", help=argparse.SUPPRESS)
    ap.add_argument("--out", default="", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.load:
        load_main(a)
        return
    if a.quick:
        a.enterprises, a.years, a.clients, a.rounds, a.repeat = 300, "2020-2022", 10, 3, 1
    res = bench(a.enterprises, a.years, a.clients, a.rounds, a.repeat, not a.no_solo, a.timeout, a.keep)
    shown = [x for x in (argv if argv is not None else sys.argv[1:]) if x != "--write-docs"]
    res["command"] = " ".join(["python benchmarks/bench_web_signed_in.py", *shown])
    res["machine"] = machine()
    res["date"] = dt.date.today().isoformat()
    res["verdicts"] = verdicts(res)
    OUT.mkdir(parents=True, exist_ok=True)
    name = "quick" if a.quick else f"{a.enterprises}-{a.clients}"
    (OUT / f"web-signed-in-{name}.json").write_text(json.dumps(res, indent=1, ensure_ascii=False), "utf-8")
    text = section(res)
    print(text)
    if a.write_docs:
        if a.quick:
            raise SystemExit("--quick is a smoke run: not written into docs/performance.md")
        write_section(text)


if __name__ == "__main__":
    main()
