"""Load benchmark of the web platform: the main pages and API endpoints under 50 concurrent
clients, on the demo city.

    python benchmarks/bench_web.py [--enterprises 1500] [--clients 50] [--seconds 10]
                                   [--db postgresql://…] [--write-docs]

The demo city (default 1 500 enterprises, 2020–2025) is generated into a temporary data
directory and served by ``qingshan serve`` in its own process, as a user would run it. A
second process is the load generator: ``clients`` connections, each sending its next request
as soon as the previous answer has arrived (closed loop, no think time, HTTP/1.1
keep-alive), for ``seconds`` per endpoint. It is written on asyncio streams rather than an
HTTP client library so that it costs the two shared cores as little as possible.

Each endpoint is measured alone (all clients on it), then all together (each client walks
the list). The baseline, measured in the same run under the same load, is a static file
(``/static/favicon.svg``): the server's floor for one request, so each endpoint's p95 is also
given as a ratio to it. The server's peak RSS (``VmHWM``) is read at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_accounts import proc_field  # noqa: E402
from benchmarks.bench_evaluation import write_section  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "web"
HEADING = "## Web platform (issue #6)"
TARGET_P95_MS = 150.0
BASELINE = "/static/favicon.svg"


def endpoints(sample_id: str) -> list[tuple[str, str]]:
    """(label, path) of the main pages and their JSON twins."""
    return [
        ("overview page", "/"), ("overview API", "/api/overview"),
        ("one-map page", "/map"), ("one-map API", "/api/map"),
        ("enterprise list page", "/enterprises?class=D&sort=co2_t"),
        ("enterprise list API", "/api/enterprises?page=3&size=50"),
        ("enterprise page", f"/enterprises/{sample_id}"), ("enterprise API", f"/api/enterprises/{sample_id}"),
        ("evaluation page", "/evaluation"), ("evaluation API", "/api/evaluation"),
        ("targets page", "/targets"), ("targets API", "/api/targets"),
        ("API page", "/api"),
    ]


# --------------------------------------------------------------------------------------
# Load generator (runs in its own process: ``--load``)
# --------------------------------------------------------------------------------------

async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: identity\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = None
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
        elif k.strip().lower() == b"transfer-encoding" and b"chunked" in v.lower():
            chunked = True
    if length is not None:
        await reader.readexactly(length)
    elif chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _client(host: str, port: int, paths: list[str], start: int, until: float,
                  out: list[tuple[str, float, int]], step: int = 1, once: bool = False) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = start
    try:
        while time.perf_counter() < until and not (once and i >= len(paths)):
            path = paths[i % len(paths)]
            t = time.perf_counter()
            status = await _request(reader, writer, f"{host}:{port}", path)
            out.append((path, time.perf_counter() - t, status))
            i += step
    finally:
        writer.close()


async def _load(host: str, port: int, paths: list[str], clients: int, seconds: float,
                once: bool = False) -> dict[str, Any]:
    """Closed-loop load; with ``once`` each path is asked for once (client k takes paths k,
    k + clients, …) and the run ends when the list is done or time is up."""
    out: list[tuple[str, float, int]] = []
    t0 = time.perf_counter()
    until = t0 + seconds
    step = clients if once else 1
    await asyncio.gather(*(_client(host, port, paths, k, until, out, step, once) for k in range(clients)))
    wall = time.perf_counter() - t0
    by: dict[str, list[float]] = {}
    bad = 0
    for path, s, status in out:
        by.setdefault(path, []).append(s)
        bad += status != 200
    return {"wall_s": wall, "requests": len(out), "errors": bad,
            "paths": {p: percentiles(v) for p, v in by.items()}, "all": percentiles([s for _, s, _ in out])}


def percentiles(seconds: list[float]) -> dict[str, float]:
    v = sorted(seconds)

    def q(p: float) -> float:
        return v[min(len(v) - 1, round(p * (len(v) - 1)))] * 1000.0

    return {"n": len(v), "p50_ms": q(0.50), "p95_ms": q(0.95), "p99_ms": q(0.99), "max_ms": v[-1] * 1000.0}


def load_main(args: argparse.Namespace) -> None:
    paths = json.loads(args.paths)
    cpu0 = time.process_time()
    res = asyncio.run(_load("127.0.0.1", args.port, paths, args.clients, args.seconds, args.once))
    res["generator_cpu_s"] = time.process_time() - cpu0
    print("RESULT " + json.dumps(res))


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run_load(port: int, paths: list[str], clients: int, seconds: float, once: bool = False) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--load", "--port", str(port), "--clients", str(clients),
           "--seconds", str(seconds), "--paths", json.dumps(paths)] + (["--once"] if once else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    out: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return out


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def bench(enterprises: int, clients: int, seconds: float, db: str | None) -> dict[str, Any]:
    from urllib.request import urlopen

    from qingshan.data.demo import generate_demo_city
    from qingshan.data.package import write_csv_package

    data = Path(tempfile.mkdtemp(prefix="qingshan-web-bench-"))
    write_csv_package(generate_demo_city(enterprises=enterprises), data / "package")
    (data / "targets.toml").write_text(
        (ROOT / "src" / "qingshan" / "targets" / "plans" / "demo_targets.toml").read_text("utf-8"), "utf-8")
    port = free_port()
    cmd = [sys.executable, "-m", "qingshan.cli", "serve", str(data), "--port", str(port)]
    if db:
        cmd += ["--db", db]
    t0 = time.perf_counter()
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        while True:
            try:
                with urlopen(f"{base}/api/enterprises?size=1") as r:
                    sample = json.loads(r.read())["rows"][0]["entity_id"]
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("qingshan serve exited") from None
                time.sleep(0.5)
        start_s = time.perf_counter() - t0
        eps = endpoints(sample)
        for _, path in eps:  # warm: every document computed once before timing
            with urlopen(base + path) as r:
                r.read()
        results: dict[str, Any] = {"baseline": run_load(port, [BASELINE], clients, seconds)}
        results["endpoints"] = {label: run_load(port, [path], clients, seconds) for label, path in eps}
        results["mixed"] = run_load(port, [p for _, p in eps], clients, seconds * 2)
        # first visits: every enterprise page and twin once, none cached yet (the handler runs)
        with urlopen(f"{base}/api/enterprises?size=500&page=2") as r:
            fresh = [x["entity_id"] for x in json.loads(r.read())["rows"] if x["entity_id"] != sample]
        cold = [f"/enterprises/{e}" for e in fresh] + [f"/api/enterprises/{e}" for e in fresh]
        results["cold"] = run_load(port, cold, clients, seconds, once=True)
        results["server_rss_mb"] = vm_hwm_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    return {"enterprises": enterprises, "clients": clients, "seconds": seconds, "db": db or "embedded DuckDB",
            "start_s": start_s, "paths": dict(eps), "machine": machine(), **results}


def machine() -> dict[str, str]:
    import fastapi
    import uvicorn

    return {"cpu": proc_field("/proc/cpuinfo", "model name"), "cores": str(os.cpu_count()),
            "python": platform.python_version(),
            "fastapi": fastapi.__version__, "uvicorn": uvicorn.__version__, "date": dt.date.today().isoformat()}


def render_section(r: dict[str, Any]) -> str:
    base = r["baseline"]["all"]["p95_ms"]
    rows = ["| endpoint | path | requests/s | p50 ms | p95 ms | p99 ms | p95 ÷ baseline | errors |",
            "|---|---|---:|---:|---:|---:|---:|---:|"]

    def row(label: str, path: str, x: dict[str, Any]) -> str:
        a = x["all"]
        return (f"| {label} | `{path}` | {x['requests'] / x['wall_s']:,.0f} | {a['p50_ms']:.1f} | {a['p95_ms']:.1f} | "
                f"{a['p99_ms']:.1f} | {a['p95_ms'] / base:.1f} | {x['errors']} |")

    rows.append(row("baseline: static file", BASELINE, r["baseline"]))
    worst = 0.0
    for label, x in r["endpoints"].items():
        rows.append(row(label, r["paths"][label], x))
        worst = max(worst, x["all"]["p95_ms"])
    mixed = r["mixed"]
    rows.append(row("all of the above, mixed", "…", mixed))
    cold = r["cold"]
    rows.append(row("enterprise pages and twins, first visit (not cached)", "/enterprises/{id}, /api/enterprises/{id}",
                    cold))
    met = worst <= TARGET_P95_MS and mixed["all"]["p95_ms"] <= TARGET_P95_MS
    cold_p95 = r["cold"]["all"]["p95_ms"]
    m = r["machine"]
    return "\n".join([
        HEADING, "",
        "`python benchmarks/bench_web.py --write-docs` (numbers below are from that run).", "",
        f"Target: p95 ≤ {TARGET_P95_MS:.0f} ms for the main pages and API endpoints under "
        f"{r['clients']} concurrent clients on the demo city: **{'met' if met else 'not met'}** for every page "
        f"and endpoint once it has been computed (worst single endpoint p95 {worst:.1f} ms; mixed p95 "
        f"{mixed['all']['p95_ms']:.1f} ms); **{'met' if cold_p95 <= TARGET_P95_MS else 'not met'}** for a burst "
        f"of first visits to enterprise pages, {r['clients']} at a time (p95 {cold_p95:.0f} ms), where each "
        "request runs its handler and they queue on one process (last row).", "",
        f"Input: the demo city, {r['enterprises']:,} enterprises × 72 months (2020–2025), store "
        f"{r['db']}; one `qingshan serve` process (uvicorn, one worker) started in {r['start_s']:.1f} s; "
        f"server peak RSS {r['server_rss_mb']:,.0f} MiB.", "",
        f"Load: {r['clients']} keep-alive connections from a separate process on the same 2-core machine, "
        f"each sending its next request as soon as the answer arrives (closed loop, no think time), "
        f"{r['seconds']:.0f} s per endpoint and {2 * r['seconds']:.0f} s mixed. The baseline is a static file "
        f"served under the same load in the same run; the ratio column is each p95 over the baseline's.", "",
        *rows, "",
        "Every GET answer is kept by the response cache (`qingshan.web.cache`) until an upload is accepted, "
        "so after its first visit a page costs what a static file costs. The last row is the other case: "
        f"{cold['requests']:,} enterprise pages and twins that nobody had asked for yet, each requested once under "
        "the same 50-client load, so each runs its handler (the enterprise's monthly accounts by carrier, its "
        "evaluation items and explanation). The city-wide pages (overview, map, evaluation, targets) are "
        "computed once at start-up or on the first visit after it.", "",
        "### Machine", "",
        f"* CPU: {m['cpu']}, {m['cores']} cores; Python {m['python']}; FastAPI {m['fastapi']}; "
        f"uvicorn {m['uvicorn']}",
        f"* Date: {m['date']}", "",
    ])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Load benchmark of qingshan serve.")
    ap.add_argument("--enterprises", type=int, default=1500)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--db", default=None, help="store URL (default: embedded DuckDB)")
    ap.add_argument("--write-docs", action="store_true", help="rewrite the web section of docs/performance.md")
    ap.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--paths", default="[]", help=argparse.SUPPRESS)
    ap.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.load:
        load_main(args)
        return
    r = bench(args.enterprises, args.clients, args.seconds, args.db)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(r, indent=1), "utf-8")
    section = render_section(r)
    print(section)
    if args.write_docs:
        write_section(section)


if __name__ == "__main__":
    main()
