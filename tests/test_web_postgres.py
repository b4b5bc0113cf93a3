"""The web application deployed on PostgreSQL (docs/web.md, "Deployment on PostgreSQL"):
the configuration reaches the server, and every page's JSON twin is the same as on the
embedded store."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from qingshan.cli import main
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package
from qingshan.web.app import create_app
from qingshan.web.data import CityData

DEMO_TARGETS = Path(__file__).parents[1] / "src" / "qingshan" / "targets" / "demo_targets.toml"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("pgweb")
    write_csv_package(generate_demo_city(enterprises=120, years=range(2021, 2024)), d / "package")
    (d / "targets.toml").write_text(DEMO_TARGETS.read_text("utf-8"), "utf-8")
    return d


def same(a: Any, b: Any, path: str = "") -> None:
    """Equal documents, numbers to 1e-9 relative (the two stores sum in different orders)."""
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), path
    elif isinstance(a, dict):
        assert set(a) == set(b), path
        for k in a:
            same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    else:
        assert a == b, path


@pytest.mark.postgres
def test_every_twin_is_the_same_on_postgresql(city: Path, pg_url: str) -> None:
    duck = TestClient(create_app(CityData.load(city)))
    pg = TestClient(create_app(CityData.load(city, db=pg_url)))
    eid = duck.get("/api/enterprises").json()["rows"][0]["entity_id"]
    for url in ("/api/overview", "/api/map", "/api/enterprises?size=500", "/api/evaluation", "/api/targets",
                f"/api/enterprises/{eid}"):
        a, b = duck.get(url), pg.get(url)
        assert a.status_code == b.status_code == 200, url
        same(a.json(), b.json(), url)


def test_serve_takes_its_configuration_from_the_environment(city: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def load(data_dir: Path, db: str | None = None, scheme: str = "") -> str:
        seen.update(data_dir=data_dir, db=db, scheme=scheme)
        return "city"

    monkeypatch.setattr(CityData, "load", staticmethod(load))
    monkeypatch.setattr("qingshan.web.app.create_app", lambda data: ("app", data))
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: seen.update(app=app, **kw))
    env = {"QINGSHAN_DB": "postgresql://qingshan@127.0.0.1:5432/city", "QINGSHAN_HOST": "0.0.0.0",
           "QINGSHAN_PORT": "8100", "QINGSHAN_DATA_DIR": str(city)}
    r = CliRunner().invoke(main, ["serve"], env=env)
    assert r.exit_code == 0, r.output
    assert seen["db"] == env["QINGSHAN_DB"] and seen["data_dir"] == city
    assert (seen["host"], seen["port"], seen["app"], seen["http"]) == ("0.0.0.0", 8100, ("app", "city"), "httptools")
    # options win over the environment; with neither, loopback
    r = CliRunner().invoke(main, ["serve", str(city), "--port", "9000", "--db", "postgresql://x@127.0.0.1/y"],
                           env={"QINGSHAN_PORT": "8100"})
    assert r.exit_code == 0, r.output
    assert (seen["host"], seen["port"], seen["db"]) == ("127.0.0.1", 9000, "postgresql://x@127.0.0.1/y")
