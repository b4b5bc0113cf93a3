"""Benchmark of the web platform during an accept (issue #13): the demo city's package
uploaded as one workbook and accepted while clients browse, with the browsing latencies
before, during and after the accept.

    python benchmarks/bench_web_accept.py [--enterprises 10000] [--clients 20] [--seconds 10]
                                          [--after-seconds 60] [--years 2020-2025]
                                          [--no-idle-accept] [--write-docs]

The demo city (``qingshan demo``'s generator, seeded) is written into a temporary data
directory and served by ``qingshan serve`` in its own process, as a user runs it. The same
package is written as one ``.xlsx`` workbook, a sheet per table named after the table; a
table longer than an Excel sheet (1 048 576 rows, the header included) is split over the
table's sheet names (``能源``, ``能源消费``, ``energy`` for the energy table), which the
reader puts back together.

A second process is the load generator: ``clients`` keep-alive connections, each sending
its next GET as soon as the previous answer has arrived (closed loop, no think time), each
a kind of page drawn at random (seeded), every kind as often: city-wide pages and their
JSON twins, and the pages of a sample of enterprises, all visited once before the clients
start (so they answer from the response cache until the swap empties it), and searches of
the enterprise list with a random term, order and page size (nearly every one new, so its
handler runs); the mix stays the same however long a phase lasts. It is written on asyncio streams rather than an HTTP
client library so that it costs the two shared cores as little as possible. Each request
is recorded with its start time, latency and status, and counted in the phase it started
in:

- ``before``: ``--seconds`` of browsing before anything is uploaded;
- ``upload``: ``POST /api/import`` of the workbook, which stages it and validates it in a
  child process with memory and time limits;
- ``accept``: from ``POST /api/import/accept`` (202 and a job) until the job finished on
  the server (the new city computed, recorded and swapped in: the job's own ``seconds``,
  polled every 0.2 s from ``GET /api/import/jobs/{id}``);
- ``after``: from then on, ``--after-seconds`` of browsing the new city after the poll saw
  the job done. The swap empties the response cache, so every page is computed again on
  its first visit; the phase reports when the last answer slower than three times the p99
  before the upload arrived (the recovery).

The server checks an upload in a child process whose resident memory and wall time are
capped (``QINGSHAN_UPLOAD_MEMORY_MB``, default 2 048; ``QINGSHAN_UPLOAD_SECONDS``, default
120); the server runs under those defaults unless ``--upload-memory-mb`` or
``--upload-seconds`` say otherwise, and then the workbook is first checked once under the
defaults, without load, and the answer recorded (accepted, or refused and why). Then,
unless ``--no-idle-accept``, the same workbook is uploaded and accepted again
with no clients, for the accept's duration without load. Peak memory is ``VmHWM`` of the
server process, reset at the start of each phase (``/proc/PID/clear_refs``), and of every
child process the server starts (the upload's validation), sampled every 0.1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx2

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_accounts import machine  # noqa: E402
from benchmarks.bench_evaluation import write_section  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "web_accept"
HEADING = "## The web during an accept (issue #13)"
QINGSHAN = str(Path(sys.executable).with_name("qingshan"))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: rows of an Excel sheet (Excel specifications and limits), the header row included
EXCEL_ROWS = 1_048_576
#: the server settings an upload meets (docs/configuration.md), set here by the options of
#: the same names
LIMIT_SETTINGS = {"max_upload_mb": "QINGSHAN_MAX_UPLOAD_MB", "upload_memory_mb": "QINGSHAN_UPLOAD_MEMORY_MB",
                  "upload_seconds": "QINGSHAN_UPLOAD_SECONDS"}
#: the address space (MiB) this benchmark's server lets the upload's check use
PHASES = ("before", "upload", "accept", "after")
#: enterprises whose pages the clients visit (visited once before they start)
SAMPLE = 300
#: sort orders of the enterprise list (qingshan.documents.enterprises.SORTABLE)
SORTS = ("name", "energy_tce", "co2_t", "energy_per_va", "value_added_10k_yuan", "score")


# --------------------------------------------------------------------------------------
# The workbook
# --------------------------------------------------------------------------------------

def write_workbook(package: Mapping[str, Any], path: Path, sheet_rows: int = EXCEL_ROWS - 1) -> dict[str, list[str]]:
    """Write ``package`` (table name -> DataFrame) as one workbook: a sheet per table named
    by the table's first sheet name, as :func:`qingshan.data.package.write_xlsx_package`
    does, but streamed row by row (xlsxwriter's constant-memory mode), and a table of more
    than ``sheet_rows`` data rows split over the table's further sheet names. Returns the
    sheets of each table. Cells are typed as pandas writes them: text as text, numbers as
    numbers, missing values as empty cells."""
    import pandas as pd
    import xlsxwriter

    from qingshan.schema.tables import TABLE_ORDER, tables

    specs = tables()
    used: dict[str, list[str]] = {}
    tmp = path.with_name(f".{path.name}.part")
    options = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
               "strings_to_urls": False}
    with xlsxwriter.Workbook(str(tmp), options) as book:
        for name in TABLE_ORDER:
            if name not in package:
                continue
            frame: pd.DataFrame = package[name]
            names = specs[name].sheet_aliases
            parts = max(1, math.ceil(len(frame) / sheet_rows))
            if parts > len(names):
                raise SystemExit(f"table {name}: {len(frame):,} rows need {parts} sheets of {sheet_rows:,} rows, "
                                 f"but the table has {len(names)} sheet names ({', '.join(names)})")
            cells = frame.astype(object).where(frame.notna(), None)
            header = [str(c) for c in frame.columns]
            used[name] = list(names[:parts])
            rows = cells.itertuples(index=False, name=None)
            for sheet in used[name]:
                ws = book.add_worksheet(sheet)
                ws.write_row(0, 0, header)
                for i, row in enumerate(rows, start=1):
                    for j, v in enumerate(row):
                        if v is None:
                            continue
                        if isinstance(v, str):
                            if ws.write_string(i, j, v) != 0:
                                raise SystemExit(f"table {name}, row {i}: a text longer than a cell holds")
                        else:
                            ws.write_number(i, j, v)
                    if i == sheet_rows:
                        break
    os.replace(tmp, path)
    return used


# --------------------------------------------------------------------------------------
# Load generator (runs in its own process: ``--load``)
# --------------------------------------------------------------------------------------

async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str) -> int:
    """One GET on a keep-alive connection; the status (the body is read and dropped)."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: identity\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length: int | None = None
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        key = key.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if length is not None:
        await reader.readexactly(length)
    elif chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


class Recorder:
    """Every request: start (``time.monotonic``, the same clock in every process of the
    machine), latency, status (0: no answer), and which kind of page it was."""

    def __init__(self) -> None:
        self.start: list[float] = []
        self.ms: list[float] = []
        self.status: list[int] = []
        self.kind: list[int] = []
        self.stopped = False


async def _client(port: int, plan: Mapping[str, Any], rng: random.Random, rec: Recorder, timeout: float) -> None:
    host = f"127.0.0.1:{port}"
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while not rec.stopped:
        kind, path = draw(plan, rng)
        t0 = time.monotonic()
        try:
            if conn is None:
                conn = await asyncio.open_connection("127.0.0.1", port)
            status = await asyncio.wait_for(_get(conn[0], conn[1], host, path), timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            status = 0
            if conn is not None:
                conn[1].close()
            conn = None
        rec.start.append(t0)
        rec.ms.append((time.monotonic() - t0) * 1000.0)
        rec.status.append(status)
        rec.kind.append(kind)
    if conn is not None:
        conn[1].close()


async def _watch_stop(rec: Recorder, stop: Path, parent: int, limit: float) -> None:
    """Stop when the stop file appears, the driver has gone, or after ``limit`` seconds."""
    until = time.monotonic() + limit
    while not (stop.exists() or os.getppid() != parent or time.monotonic() > until):
        await asyncio.sleep(0.1)
    rec.stopped = True


async def _load(port: int, plan: Mapping[str, Any], clients: int, stop: Path, timeout: float,
                limit: float) -> Recorder:
    rec = Recorder()
    parent = os.getppid()
    rngs = [random.Random(int(plan["seed"]) * 1000 + k) for k in range(clients)]
    await asyncio.gather(_watch_stop(rec, stop, parent, limit),
                         *(_client(port, plan, rng, rec, timeout) for rng in rngs))
    return rec


def load_main(args: argparse.Namespace) -> None:
    plan = json.loads(Path(args.plan).read_text("utf-8"))
    cpu0 = time.process_time()
    rec = asyncio.run(_load(args.port, plan, args.clients, Path(args.stop), args.request_timeout, args.max_seconds))
    out = {"start": rec.start, "ms": rec.ms, "status": rec.status, "kind": rec.kind,
           "cpu_s": time.process_time() - cpu0}
    Path(args.out).write_text(json.dumps(out), "utf-8")


# --------------------------------------------------------------------------------------
# The server and its memory
# --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def status_kb(pid: int, field: str) -> int:
    """A ``/proc/PID/status`` field in kB (0 when the process has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def reset_peak(pid: int) -> bool:
    """Reset the process's ``VmHWM`` to its current RSS (Linux ≥ 4.0, own processes)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Memory(threading.Thread):
    """Samples the server and its children every 0.1 s. Each phase's server peak is its
    ``VmHWM``, reset when the phase starts (else the largest RSS sampled); each child's
    peak is its last ``VmHWM`` seen, counted in the phase it was first seen in."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True, name="memory")
        self.pid = pid
        self.phase = "start"
        self.exact = True
        self.sampled_kb: dict[str, int] = {}
        self.server_kb: dict[str, int] = {}
        self.children: dict[int, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.done = threading.Event()

    def switch(self, phase: str) -> None:
        """End the current phase (its peak is read) and start ``phase``."""
        with self.lock:
            self._close()
            self.exact = reset_peak(self.pid) and self.exact
            self.phase = phase

    def _close(self) -> None:
        hwm = status_kb(self.pid, "VmHWM")
        self.server_kb[self.phase] = hwm if self.exact else self.sampled_kb.get(self.phase, hwm)

    def run(self) -> None:
        import psutil  # type: ignore[import-untyped]

        server = psutil.Process(self.pid)
        while not self.done.wait(0.1):
            with self.lock:
                rss = status_kb(self.pid, "VmRSS")
                self.sampled_kb[self.phase] = max(self.sampled_kb.get(self.phase, 0), rss)
                try:
                    kids = server.children(recursive=True)
                except psutil.Error:
                    continue
                for kid in kids:
                    seen = self.children.get(kid.pid)
                    if seen is None:
                        try:
                            cmd = " ".join(kid.cmdline())
                        except psutil.Error:
                            continue
                        what = ("resource tracker" if "resource_tracker" in cmd else
                                "upload validation" if "spawn_main" in cmd else cmd[:80])
                        seen = self.children[kid.pid] = {"what": what, "phase": self.phase, "peak_kb": 0,
                                                         "vm_peak_kb": 0, "first": time.monotonic(),
                                                         "last": time.monotonic()}
                    hwm = status_kb(kid.pid, "VmHWM")
                    if hwm:
                        seen["peak_kb"] = max(seen["peak_kb"], hwm)
                        seen["vm_peak_kb"] = max(seen["vm_peak_kb"], status_kb(kid.pid, "VmPeak"))
                        seen["last"] = time.monotonic()

    def stop(self) -> None:
        with self.lock:
            self._close()
        self.done.set()
        self.join(5)


def serve(data: Path, port: int, limits: dict[str, str], accept_warnings: bool, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "QINGSHAN_LANG": "en", **limits}
    cmd = [QINGSHAN, "serve", str(data), "--port", str(port)] + (["--accept-warnings"] if accept_warnings else [])
    with log.open("wb") as fh:
        return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)


def wait_ready(client: httpx2.Client, server: subprocess.Popen[bytes], log: Path, timeout: float) -> dict[str, Any]:
    """The first page of the enterprise list, once the server answers (its start-up computes
    every page's data first)."""
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            text = log.read_text()
            hint = "\n(the package has warnings: try --accept-warnings)" if "warning" in text else ""
            raise SystemExit(f"qingshan serve exited ({server.returncode}):\n{text[-3000:]}{hint}")
        try:
            r = client.get("/api/enterprises?size=500")
            if r.status_code == 200:
                out: dict[str, Any] = r.json()
                return out
        except httpx2.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"qingshan serve did not answer within {timeout:.0f} s")
        time.sleep(0.5)


# --------------------------------------------------------------------------------------
# What the clients ask for
# --------------------------------------------------------------------------------------

def browse_plan(year: int, enterprises: list[dict[str, Any]], seed: int) -> dict[str, Any]:
    """What the clients ask for: a kind of page at random, each kind as often; its
    parameters at random. City-wide pages and the enterprise pages of a fixed sample of
    :data:`SAMPLE` enterprises are visited once before the clients start, so they answer
    from the response cache until the swap; a search (by part of a name or of a code, with
    a sort order and a page size) is nearly always new, so its handler runs. The mix thus
    stays the same however long a phase lasts."""
    kinds: list[tuple[str, str]] = [
        ("overview page", "/"), ("overview API", "/api/overview"),
        ("enterprise list page", "/enterprises"), ("enterprise list API", "/api/enterprises?page=2"),
        ("evaluation page", "/evaluation"), ("evaluation API", f"/api/evaluation?year={year}"),
        ("accounts API", f"/api/accounts?year={year}"), ("targets page", "/targets"),
        ("import page", "/import"),
        ("search API", "/api/enterprises?q={q}&sort={sort}&desc={desc}&size={size}"),
        ("search page", "/enterprises?q={q}&sort={sort}&desc={desc}&size={size}"),
        ("enterprise page", "/enterprises/{id}"), ("enterprise API", "/api/enterprises/{id}"),
    ]
    ids = sorted(str(e["entity_id"]) for e in enterprises)
    sample = random.Random(seed).sample(ids, min(SAMPLE, len(ids)))
    terms = sorted({str(e["name"])[2:4] for e in enterprises} | {str(e["entity_id"])[8:13] for e in enterprises})
    return {"kinds": kinds, "ids": sample, "terms": terms, "sorts": list(SORTS), "seed": seed}


def draw(plan: Mapping[str, Any], rng: random.Random) -> tuple[int, str]:
    """One request of ``plan``: (kind, path)."""
    from urllib.parse import quote

    k = rng.randrange(len(plan["kinds"]))
    path = str(plan["kinds"][k][1])
    if "{q}" in path:
        path = path.format(q=quote(rng.choice(plan["terms"]), safe=""), sort=rng.choice(plan["sorts"]),
                           desc=rng.choice(("true", "false")), size=rng.randint(10, 50))
    elif "{id}" in path:
        path = path.format(id=rng.choice(plan["ids"]))
    return k, path


def start_load(port: int, plan: dict[str, Any], clients: int, work: Path, request_timeout: float,
               max_seconds: float) -> tuple[subprocess.Popen[bytes], Path, Path]:
    plan_file, out, stop = work / "plan.json", work / "load.json", work / "load.stop"
    plan_file.write_text(json.dumps(plan), "utf-8")
    stop.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--load", "--port", str(port), "--plan", str(plan_file),
           "--out", str(out), "--stop", str(stop), "--clients", str(clients),
           "--request-timeout", str(request_timeout),
           "--max-seconds", str(max_seconds)]
    return subprocess.Popen(cmd), out, stop


def stop_load(proc: subprocess.Popen[bytes], out: Path, stop: Path, timeout: float) -> dict[str, Any]:
    """Stop the load generator (its clients finish the requests they are waiting for) and
    read what it recorded."""
    stop.touch()
    if proc.wait(timeout + 60) != 0:
        raise SystemExit(f"the load generator failed ({proc.returncode})")
    rec: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return rec


def percentiles(ms: list[float]) -> dict[str, float]:
    """Nearest-rank percentiles in milliseconds (NaN when there were no requests)."""
    v = sorted(ms)
    if not v:
        return {"n": 0, "p50_ms": math.nan, "p95_ms": math.nan, "p99_ms": math.nan, "max_ms": math.nan}

    def q(p: float) -> float:
        return v[min(len(v) - 1, round(p * (len(v) - 1)))]

    return {"n": len(v), "p50_ms": q(0.50), "p95_ms": q(0.95), "p99_ms": q(0.99), "max_ms": v[-1]}


def phase_stats(rec: Mapping[str, Any], kinds: list[tuple[str, str]], t0: float, t1: float) -> dict[str, Any]:
    """The requests that started in ``[t0, t1)``: percentiles of all and of each kind, the
    rate, and the answers that were not 2xx (status 0: no answer)."""
    idx = [i for i, t in enumerate(rec["start"]) if t0 <= t < t1]
    ms = [rec["ms"][i] for i in idx]
    by_kind: dict[str, list[float]] = {}
    failed: dict[str, dict[str, int]] = {}
    for i in idx:
        label = kinds[rec["kind"][i]][0]
        by_kind.setdefault(label, []).append(rec["ms"][i])
        s = rec["status"][i]
        if not 200 <= s < 300:
            per = failed.setdefault(label, {})
            per[str(s)] = per.get(str(s), 0) + 1
    seconds = max(t1 - t0, 1e-9)
    return {"seconds": seconds, "requests": len(idx), "per_s": len(idx) / seconds, "all": percentiles(ms),
            "kinds": {k: percentiles(v) for k, v in by_kind.items()},
            "failed": sum(sum(v.values()) for v in failed.values()), "failed_by_kind": failed}


# --------------------------------------------------------------------------------------
# Upload and accept
# --------------------------------------------------------------------------------------

def upload(client: httpx2.Client, workbook: Path, timeout: float) -> tuple[float, dict[str, Any]]:
    """``POST /api/import`` of the workbook: (seconds, the report)."""
    t0 = time.monotonic()
    with workbook.open("rb") as fh:
        r = client.post("/api/import", files={"file": (workbook.name, fh, XLSX)}, timeout=timeout)
    seconds = time.monotonic() - t0
    if r.status_code != 200:
        raise SystemExit(f"POST /api/import answered {r.status_code}: {r.text[:2000]}")
    report: dict[str, Any] = r.json()
    if not report["ok"]:
        first = [f"{p['code']} {p['file']}: {p['message']}" for p in report["problems"][:5]]
        hint = ""
        if any(p["code"] in ("U001", "U002") for p in report["problems"]):
            hint = ("\nThe server's limits for checking an upload refused it: raise them with --upload-memory-mb "
                    "and --upload-seconds (QINGSHAN_UPLOAD_MEMORY_MB, QINGSHAN_UPLOAD_SECONDS).")
        raise SystemExit(f"the upload was refused: {report['message']}\n" + "\n".join(first) + hint)
    return seconds, report


def accept(client: httpx2.Client, token: str, timeout: float) -> dict[str, Any]:
    """``POST /api/import/accept``, then poll the job until it has finished: the job's last
    document, when each step was first seen, and the wall time from the POST."""
    t0 = time.monotonic()
    r = client.post("/api/import/accept", data={"token": token})
    if r.status_code != 202:
        raise SystemExit(f"POST /api/import/accept answered {r.status_code}: {r.text[:2000]}")
    job: dict[str, Any] = r.json()
    steps: list[dict[str, Any]] = []
    last = None
    while True:
        seen = (job["progress"]["en"], job["progress"]["detail"])
        if seen != last:
            steps.append({"at_s": round(time.monotonic() - t0, 2), "step": seen[0], "detail": seen[1]})
            last = seen
        if job["finished"]:
            break
        if time.monotonic() - t0 > timeout:
            raise SystemExit(f"the accept did not finish within {timeout:.0f} s: {job}")
        time.sleep(0.2)
        r = client.get(job["url"])
        if r.status_code != 200:
            raise SystemExit(f"GET {job['url']} answered {r.status_code}: {r.text[:2000]}")
        job = r.json()
    wall = time.monotonic() - t0
    if job["state"] != "done":
        raise SystemExit(f"the accept failed: {job['message']}\n{json.dumps(job['problems'][:5], ensure_ascii=False)}")
    return {"t0": t0, "t1": t0 + wall, "wall_s": wall, "job_s": job["seconds"], "steps": steps,
            "result": job["result"]}


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------

def default_limits_check(data: Path, workbook: Path, accept_warnings: bool) -> dict[str, Any]:
    """Check ``workbook`` as the server does (a child process), under Qingshan's default
    limits whatever the environment says, without load: accepted or refused, and why. The
    staged copy is removed again."""
    from qingshan.city import City, isolated, uploads
    from qingshan.settings import SETTINGS
    from qingshan.web.city import WebCity

    default = {x.name: x.default for x in SETTINGS}
    web = WebCity(City.open(data, accept_warnings=accept_warnings))
    web.limits = isolated.Limits(memory=int(float(default["upload_memory_mb"]) * 2**20),
                                 seconds=float(default["upload_seconds"]))
    t0 = time.monotonic()
    with workbook.open("rb") as fh:
        report = web.check_upload(fh, workbook.name)
    seconds = time.monotonic() - t0
    if report["token"]:
        uploads.remove(data, report["token"])
    return {"ok": report["ok"], "seconds": seconds, "memory_mb": default["upload_memory_mb"],
            "limit_s": default["upload_seconds"], "message": report["message"],
            "problems": [f"{x['code']}: {x['message']}" for x in report["problems"][:3]]}


def recovery(rec: Mapping[str, Any], t0: float, t1: float, slow_ms: float) -> float:
    """Seconds from ``t0`` until the last answer slower than ``slow_ms`` of a request
    started in ``[t0, t1)`` arrived (0 when there was none)."""
    ends = [t + ms / 1000.0 for t, ms in zip(rec["start"], rec["ms"], strict=True) if t0 <= t < t1 and ms > slow_ms]
    return max(ends) - t0 if ends else 0.0


def bench(enterprises: int, years: str, clients: int, seconds: float, after_seconds: float, idle_accept: bool,
          timeout: float, limits: dict[str, str], accept_warnings: bool, sheet_rows: int,
          preflight: bool) -> dict[str, Any]:
    from qingshan.city.demo import create_demo_city
    from qingshan.data.demo import generate_demo_city

    os.environ["QINGSHAN_LANG"] = "en"  # messages of the checks made in this process
    load_before = os.getloadavg()[0]
    if load_before > 0.5:
        print(f"note: the machine is busy (load average {load_before:.1f}); the latencies will show it", flush=True)
    work = Path(tempfile.mkdtemp(prefix="qingshan-web-accept-"))
    try:
        data = work / "city"
        ys = list(range(int(years.split("-")[0]), int(years.split("-")[-1]) + 1))
        t = time.monotonic()
        create_demo_city(data, enterprises=enterprises, years=ys, seed=2025)
        # the same call as create_demo_city's (seeded), for the same tables as the CSV files
        package = generate_demo_city(seed=2025, enterprises=enterprises, years=ys)
        rows = {k: len(v) for k, v in package.items()}
        energy_csv = sum(1 for _ in (data / "package" / "energy.csv").open("rb")) - 1
        if energy_csv != rows["energy"]:
            raise SystemExit(f"the regenerated package differs from the demo city ({rows['energy']} energy rows, "
                             f"{energy_csv} in energy.csv)")
        workbook = work / f"demo-{enterprises}.xlsx"
        t = time.monotonic()
        sheets = write_workbook(package, workbook, sheet_rows)
        write_s = time.monotonic() - t
        del package
        print(f"workbook: {workbook.stat().st_size / 1e6:.1f} MB in {write_s:.1f} s, sheets {sheets}", flush=True)
        defaults = default_limits_check(data, workbook, accept_warnings) if preflight else None
        if defaults is not None:
            print(f"under the default limits: {'accepted' if defaults['ok'] else defaults['problems']} "
                  f"({defaults['seconds']:.1f} s)", flush=True)

        port = free_port()
        log = work / "serve.log"
        t = time.monotonic()
        server = serve(data, port, limits, accept_warnings, log)
        memory = Memory(server.pid)
        memory.start()
        load: subprocess.Popen[bytes] | None = None
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx2.Client(base_url=base, timeout=timeout) as client:
                first = wait_ready(client, server, log, timeout)
                # every change carries the CSRF token of this client's cookie (docs/web.md)
                client.headers["X-CSRF-Token"] = client.get("/api/login").json()["csrf_token"]
                start_s = time.monotonic() - t
                print(f"server ready in {start_s:.1f} s", flush=True)
                listed = list(first["rows"])
                for page in range(2, int(first["pages"]) + 1):
                    listed += client.get(f"/api/enterprises?size=500&page={page}").json()["rows"]
                year = int(first["year"])
                plan = browse_plan(year, listed, seed=2025)
                kinds: list[tuple[str, str]] = [(str(k), str(v)) for k, v in plan["kinds"]]
                t = time.monotonic()
                warm = [p for _, p in kinds if "{" not in p]
                warm += [p.format(id=i) for _, p in kinds if "{id}" in p for i in plan["ids"]]
                for path in warm:  # city-wide pages and the sample's pages computed once before timing
                    r = client.get(path)
                    if r.status_code != 200:
                        raise SystemExit(f"GET {path} answered {r.status_code}: {r.text[:500]}")
                warm_s = time.monotonic() - t
                print(f"{len(warm)} pages warmed in {warm_s:.1f} s", flush=True)
                accounts_mb = len(client.get(f"/api/accounts?year={year}").content) / 1e6

                load, out, stop = start_load(port, plan, clients, work, request_timeout=timeout,
                                             max_seconds=4 * timeout)
                time.sleep(1.0)  # connections open
                memory.switch("before")
                marks = {"before": time.monotonic()}
                time.sleep(seconds)
                memory.switch("upload")
                marks["upload"] = time.monotonic()
                upload_s, report = upload(client, workbook, timeout)
                print(f"upload checked in {upload_s:.1f} s", flush=True)
                checked_rows = {k: int(v) for k, v in report["rows"].items()}
                missing = {k: (n, checked_rows.get(k)) for k, n in rows.items() if checked_rows.get(k) != n}
                if missing:
                    raise SystemExit(f"the server read other row counts than were written: {missing}")
                memory.switch("accept")
                done = accept(client, report["token"], timeout)
                print(f"accepted in {done['wall_s']:.1f} s", flush=True)
                marks["accept"] = done["t0"]
                memory.switch("after")
                # the job's own time ends the accept (the poll sees it up to 0.2 s later)
                marks["after"] = min(done["t1"], done["t0"] + done["job_s"])
                time.sleep(after_seconds)
                marks["end"] = time.monotonic()
                memory.switch("between")
                rec = stop_load(load, out, stop, timeout)
                load = None
                served = client.get("/api/enterprises?size=1").json()["total"]
                if served != enterprises or done["result"]["enterprises"] != enterprises:
                    raise SystemExit(f"after the accept the server lists {served} enterprises, not {enterprises}")

                idle: dict[str, Any] | None = None
                if idle_accept:
                    memory.switch("idle upload")
                    idle_upload_s, idle_report = upload(client, workbook, timeout)
                    memory.switch("idle accept")
                    idle_done = accept(client, idle_report["token"], timeout)
                    print(f"idle: upload checked in {idle_upload_s:.1f} s, accepted in {idle_done['wall_s']:.1f} s",
                          flush=True)
                    idle = {"upload_s": idle_upload_s, **{k: idle_done[k] for k in ("wall_s", "job_s", "steps")}}
                history = client.get("/api/import").json()["history"]
        finally:
            if load is not None:
                load.kill()
                load.wait(30)
            memory.stop()
            server.terminate()
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(30)
        ends = [marks["upload"], marks["accept"], marks["after"], marks["end"]]
        phases = {p: phase_stats(rec, kinds, marks[p], end) for p, end in zip(PHASES, ends, strict=True)}
        phases["upload"]["server_s"] = upload_s
        slow = 3 * phases["before"]["all"]["p99_ms"]
        phases["after"]["recovered_s"] = recovery(rec, marks["after"], marks["end"], slow)
        phases["after"]["slow_ms"] = slow
        children = sorted(memory.children.values(), key=lambda c: float(c["first"]))
        return {
            "enterprises": enterprises, "years": years, "clients": clients, "seconds": seconds,
            "after_seconds": after_seconds, "rows": rows,
            "workbook_mb": workbook.stat().st_size / 1e6, "workbook_write_s": write_s, "sheets": sheets,
            "sheet_rows": sheet_rows, "limits": limits, "default_limits": defaults, "accept_warnings": accept_warnings,
            "start_s": start_s, "accounts_api_mb": accounts_mb, "load_average": load_before,
            "kinds": [k for k, _ in kinds], "sample": len(plan["ids"]), "warm_s": warm_s, "phases": phases,
            "marks": marks,
            "requests": {k: rec[k] for k in ("start", "ms", "status", "kind")},
            "accept": {k: done[k] for k in ("wall_s", "job_s", "steps", "result")},
            "idle": idle, "history_versions": len(history), "generator_cpu_s": rec["cpu_s"],
            "server_peak_mib": {k: v / 1024 for k, v in memory.server_kb.items()}, "peak_exact": memory.exact,
            "children": [{"what": c["what"], "phase": c["phase"], "peak_mib": c["peak_kb"] / 1024,
                          "vm_peak_mib": c["vm_peak_kb"] / 1024,
                          "seconds": round(float(c["last"]) - float(c["first"]), 1)} for c in children],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------

def _ms(v: float) -> str:
    return "—" if math.isnan(v) else f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def _join(items: Iterable[str]) -> str:
    return ", ".join(items) or "none"


def default_line(d: dict[str, Any] | None, overridden: bool) -> str:
    if d is None and not overridden:
        return ("- The server ran under Qingshan's default limits for checking an upload "
                "(`QINGSHAN_UPLOAD_MEMORY_MB`, `QINGSHAN_UPLOAD_SECONDS`).")
    if d is None:
        return "- The workbook was not checked under Qingshan's default limits (`--no-default-limits-check`)."
    head = (f"- Under Qingshan's default limits for checking an upload ({d['memory_mb']} MiB resident, "
            f"{d['limit_s']} s), checked once without load before the server started, the workbook is ")
    if d["ok"]:
        return head + f"**accepted** ({d['seconds']:.1f} s)."
    return head + f"**refused** after {d['seconds']:.1f} s: " + "; ".join(f"`{x}`" for x in d["problems"]) + "."


def section(r: dict[str, Any]) -> str:
    m, ph, peak = r["machine"], r["phases"], r["server_peak_mib"]
    before, during = ph["before"]["all"]["p95_ms"], ph["accept"]["all"]["p95_ms"]
    failed = sum(p["failed"] for p in ph.values())
    energy_sheets = r["sheets"].get("energy", [])
    if len(energy_sheets) > 1:
        longer = (f"is longer than an Excel sheet ({EXCEL_ROWS:,} rows with the header)"
                  if r["sheet_rows"] >= EXCEL_ROWS - 1 else f"is cut every {r['sheet_rows']:,} rows (`--sheet-rows`)")
        split = (f"its energy table, {r['rows']['energy']:,} rows, {longer}, so it is split over the sheets "
                 f"{', '.join(f'`{s}`' for s in energy_sheets)}, which the reader takes as one table")
    else:
        split = (f"a sheet per table; the energy table's {r['rows']['energy']:,} rows fit one sheet, which "
                 f"holds {EXCEL_ROWS - 1:,} under its header")
    settings = ", ".join([f"`{k}={v}`" for k, v in r["limits"].items()]
                         + (["`--accept-warnings`"] if r["accept_warnings"] else []))
    lines = [
        HEADING, "",
        f"Measured {m['date']} with `{r['command']}` on {m['cpu']} ({m['cores']} cores, {m['ram']}): the demo "
        f"city, {r['enterprises']:,} enterprises, {r['years']}, served by one `qingshan serve` process (ready "
        f"in {r['start_s']:.0f} s{'; ' + settings if settings else ''}). The same package, as one workbook of "
        f"{r['workbook_mb']:.0f} MB ({split}), is uploaded and accepted while {r['clients']} clients browse: "
        "each sends its next GET as soon as the answer arrives (closed loop, keep-alive, from a separate process "
        f"on the same machine), each a kind of page drawn at random, every one of the {len(r['kinds'])} as often "
        f"({', '.join(r['kinds'])}): the city-wide pages and the pages of {r['sample']} enterprises were visited "
        f"once before ({r['warm_s']:.0f} s), so they answer from the response cache until the swap; a search has a "
        "random term, order and page size, so nearly every one runs its handler. A request counts in the phase "
        "it started in; the accept runs from its `POST` until its job finished on the server. Server peak = the "
        f"server process's `VmHWM`, reset at the start of each phase. Load average of the machine before the run: "
        f"{r['load_average']:.1f}"
        + (" (other processes were running)." if r["load_average"] > 0.5 else "."), "",
        "| phase | seconds | requests/s | p50 ms | p95 ms | p99 ms | max ms | failed (not 2xx) | server peak MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {"before": "before: browsing only", "upload": "upload: `POST /api/import`, checked in a child process",
             "accept": "**accept**: `POST /api/import/accept` until the job is done",
             "after": "after: the new city, its pages computed again"}
    for p in PHASES:
        x, a = ph[p], ph[p]["all"]
        lines.append(f"| {names[p]} | {x['seconds']:.1f} | {x['per_s']:,.0f} | {_ms(a['p50_ms'])} | "
                     f"{_ms(a['p95_ms'])} | {_ms(a['p99_ms'])} | {_ms(a['max_ms'])} | {x['failed']} | "
                     f"{peak.get(p, math.nan):,.0f} |")
    acc, after = r["accept"], ph["after"]
    groups: list[tuple[str, float, list[str]]] = []  # each step, when first seen, and what it said then
    said = ""
    for st in acc["steps"]:
        if not groups or groups[-1][0] != st["step"]:
            groups.append((st["step"], st["at_s"], []))
        if st["detail"] and st["detail"] != said:
            groups[-1][2].append(f"{st['detail']} at {st['at_s']:.1f} s")
        said = st["detail"]
    shown = [f"{name} at {at:.1f} s" + (f" ({', '.join(d)})" if d else "") for name, at, d in groups]
    worst = sorted(ph["accept"]["kinds"].items(), key=lambda kv: -kv[1]["p95_ms"])[:3]
    kids = [c for c in r["children"] if c["what"] == "upload validation"]
    memory_mb = r["limits"].get("QINGSHAN_UPLOAD_MEMORY_MB", "2048")
    seconds = r["limits"].get("QINGSHAN_UPLOAD_SECONDS", "120")
    check = (f"its child process peaked at {max(c['peak_mib'] for c in kids):,.0f} MiB resident and "
             f"{max(c['vm_peak_mib'] for c in kids):,.0f} MiB of address space (allowed: {memory_mb} MiB "
             f"resident, {seconds} s)" if kids else "no child process was seen")
    recovered = after["recovered_s"]
    quiet = after["seconds"] - recovered
    late = sorted(after["kinds"].items(), key=lambda kv: -kv[1]["max_ms"])[:3]
    lines += [
        "",
        f"- **p95 during the accept: {_ms(during)} ms, {during / before:.1f}× the p95 before it** "
        f"({_ms(before)} ms); slowest kinds during the accept (p95): "
        f"{_join(k + ' ' + _ms(v['p95_ms']) + ' ms' for k, v in worst)}.",
        f"- **Failed requests: {failed}**" + (
            " — " + "; ".join(f"{p}: {json.dumps(ph[p]['failed_by_kind'], ensure_ascii=False)}"
                              for p in PHASES if ph[p]["failed"]) if failed else "") + ".",
        f"- The accept took {acc['job_s']:.1f} s on the server: {'; '.join(shown)}. "
        f"The upload's check took {ph['upload']['server_s']:.1f} s; {check}.",
        f"- After the swap every page is computed again on its first visit: the last answer slower than three "
        f"times the p99 before the upload (> {_ms(after['slow_ms'])} ms) arrived {recovered:.1f} s after the job "
        "finished"
        + ("" if quiet >= 10 else f", {quiet:.0f} s before the end of the phase: browsing may not have recovered "
                                  "yet (longer `--after-seconds`)")
        + f"; slowest answers after the swap: {_join(k + ' ' + _ms(v['max_ms']) + ' ms' for k, v in late)}.",
        default_line(r.get("default_limits"), bool(r["limits"])),
        f"- Server peak memory: {peak.get('start', math.nan):,.0f} MiB after start-up, "
        f"{peak.get('accept', math.nan):,.0f} MiB during the accept (the old city is served while the new one "
        "is computed).",
    ]
    if r["idle"]:
        i = r["idle"]
        lines.append(f"- Without clients, the same workbook is checked in {i['upload_s']:.1f} s and accepted in "
                     f"{i['job_s']:.1f} s (under {r['clients']} clients: {ph['upload']['server_s']:.1f} s and "
                     f"{acc['job_s']:.1f} s); server peak {peak.get('idle accept', math.nan):,.0f} MiB.")
    lines += ["", f"The load generator used {r['generator_cpu_s']:.0f} s of CPU; the accounts API's answer is "
                  f"{r['accounts_api_mb']:.1f} MB; the workbook took {r['workbook_write_s']:.0f} s to write "
                  "(streamed, xlsxwriter).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Browsing latencies while the web platform accepts an upload.")
    ap.add_argument("--enterprises", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10.0, help="browsing before the upload")
    ap.add_argument("--after-seconds", type=float, default=60.0, help="browsing after the accept")
    ap.add_argument("--years", default="2020-2025")
    ap.add_argument("--timeout", type=float, default=1800.0,
                    help="seconds allowed for the server's start, the upload's check and the accept, each")
    ap.add_argument("--no-idle-accept", action="store_true", help="skip the second accept without clients")
    ap.add_argument("--sheet-rows", type=int, default=EXCEL_ROWS - 1,
                    help="data rows per sheet before a table is split (to try the split on a small city)")
    ap.add_argument("--accept-warnings", action="store_true",
                    help="serve with --accept-warnings (the demo city of 500 enterprises has one warning, P092)")
    ap.add_argument("--max-upload-mb", type=float, default=None,
                    help="the server's QINGSHAN_MAX_UPLOAD_MB (default: Qingshan's)")
    ap.add_argument("--upload-memory-mb", type=float, default=None,
                    help="the server's QINGSHAN_UPLOAD_MEMORY_MB (default: Qingshan's)")
    ap.add_argument("--upload-seconds", type=float, default=None,
                    help="the server's QINGSHAN_UPLOAD_SECONDS (default: Qingshan's)")
    ap.add_argument("--no-default-limits-check", action="store_true",
                    help="skip checking the workbook under Qingshan's default limits first")
    ap.add_argument("--write-docs", action="store_true", help="replace the section in docs/performance.md")
    ap.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--plan", default="", help=argparse.SUPPRESS)
    ap.add_argument("--out", default="", help=argparse.SUPPRESS)
    ap.add_argument("--stop", default="", help=argparse.SUPPRESS)
    ap.add_argument("--request-timeout", type=float, default=1800.0, help=argparse.SUPPRESS)
    ap.add_argument("--max-seconds", type=float, default=7200.0, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.load:
        load_main(a)
        return
    limits = {env: f"{getattr(a, name):g}" for name, env in LIMIT_SETTINGS.items() if getattr(a, name) is not None}
    # the workbook is checked under the default limits first only when the server runs under others
    res = bench(a.enterprises, a.years, a.clients, a.seconds, a.after_seconds, not a.no_idle_accept, a.timeout,
                limits, a.accept_warnings, a.sheet_rows, bool(limits) and not a.no_default_limits_check)
    shown = [x for x in (argv if argv is not None else sys.argv[1:]) if x != "--write-docs"]
    res["command"] = " ".join(["python benchmarks/bench_web_accept.py", *shown])
    res["machine"] = machine()
    res["date"] = dt.date.today().isoformat()
    OUT.mkdir(parents=True, exist_ok=True)
    requests = res.pop("requests")
    (OUT / f"web-accept-{a.enterprises}.json").write_text(json.dumps(res, indent=1), "utf-8")
    (OUT / f"requests-{a.enterprises}.json").write_text(json.dumps(requests), "utf-8")
    text = section(res)
    print(text)
    if a.write_docs:
        write_section(text)


if __name__ == "__main__":
    main()
