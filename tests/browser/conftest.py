"""Browser tests: the web application served by uvicorn on loopback, driven by Playwright
through the system Chromium (Debian package ``chromium``; no browser is downloaded).

Skipped when /usr/bin/chromium is missing and not collected without the ``playwright``
package (the dev extra), unless QINGSHAN_REQUIRE_BROWSER=1 (set by scripts/test.sh): then
they fail. Select or leave them out with ``-m browser`` / ``-m "not browser"``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

import pytest

from tests.web_city import demo_city, web_city

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request

CHROMIUM = Path("/usr/bin/chromium")
# A closed network: without these flags Chromium tries to reach Google's services.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = "127.0.0.1"
TIMEOUT_MS = 15_000

if importlib.util.find_spec("playwright") is None and os.environ.get("QINGSHAN_REQUIRE_BROWSER") != "1":
    collect_ignore_glob = ["test_*.py"]  # the dev extra is not installed: nothing here can run


def _missing(reason: str) -> NoReturn:
    if os.environ.get("QINGSHAN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and QINGSHAN_REQUIRE_BROWSER=1")
    pytest.skip(f"{reason}: install Debian's chromium (apt-get install chromium; scripts/test.sh does)")


@contextlib.contextmanager
def serve(data_dir: Path) -> Iterator[str]:
    """The app for the city in ``data_dir``, served by uvicorn in a thread on a free loopback
    port; yields its base URL and stops the server afterwards."""
    import uvicorn

    from qingshan.web.app import create_app

    app = create_app(web_city(data_dir))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, 0))  # bound here, handed to uvicorn: no race for the port
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host=LOOPBACK, port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
        thread.start()
        base = f"http://{LOOPBACK}:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                if not thread.is_alive():
                    raise RuntimeError("the web server stopped while starting")
                try:
                    with urllib.request.urlopen(f"{base}/", timeout=5) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                time.sleep(0.05)
            yield base
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            assert not thread.is_alive(), "the web server did not stop"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo city served for one test module (read-only tests)."""
    with serve(demo_city(tmp_path_factory.mktemp("browser-city"))) as url:
        yield url


@pytest.fixture(scope="session")
def pw() -> Iterator[Playwright]:
    """The Playwright driver (bundled in its wheel), once per session."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(pw: Playwright) -> Iterator[Browser]:
    """One headless system Chromium per test module; never a downloaded browser."""
    b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()


@dataclass
class Watch:
    """What a page did: console errors, uncaught script errors and every URL it requested."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def on_console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.console_errors.append(f"{msg.text} ({msg.location.get('url', '')})")

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def offsite(self) -> list[str]:
        """Requests that would leave the machine (the offline rule: everything from 127.0.0.1)."""
        return [u for u in self.requests
                if urlsplit(u).scheme not in ("data", "blob", "about") and urlsplit(u).hostname != LOOPBACK]

    def assert_clean(self) -> None:
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.page_errors, f"script errors: {self.page_errors}"
        assert not self.offsite(), f"requests that leave 127.0.0.1: {self.offsite()}"


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser: Browser, watch: Watch) -> Iterator[Page]:
    """A fresh page in its own browser context (no shared cookies or cache) for every test."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, device_scale_factor=1,
                                  locale="zh-CN", service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)
    p = context.new_page()
    p.on("console", watch.on_console)
    p.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    p.on("request", watch.on_request)
    yield p
    context.close()
