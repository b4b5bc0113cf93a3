"""The web application deployed on PostgreSQL (docs/web.md, "Deployment on PostgreSQL"):
the configuration reaches the server, and every page's JSON twin is the same as on the
embedded store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from qingshan.city.config import write_city_config
from qingshan.cli import main
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package
from qingshan.web.app import create_app
from tests.web_city import same, web_city


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("pgweb")
    write_csv_package(generate_demo_city(enterprises=120, years=range(2021, 2024)), d / "package")
    write_city_config(d, "demo")
    return d


@pytest.mark.postgres
def test_every_twin_is_the_same_on_postgresql(city: Path, pg_url: str) -> None:
    duck = TestClient(create_app(web_city(city)))
    pg = TestClient(create_app(web_city(city, db=pg_url)))
    eid = duck.get("/api/enterprises").json()["rows"][0]["entity_id"]
    for url in ("/api/overview", "/api/map", "/api/enterprises?size=500", "/api/evaluation", "/api/targets",
                f"/api/enterprises/{eid}"):
        a, b = duck.get(url), pg.get(url)
        assert a.status_code == b.status_code == 200, url
        same(a.json(), b.json(), url)


def test_serve_takes_its_configuration_from_the_environment(city: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    class Opened:
        class profile:
            id, version = "demo", "2026.1"

    def open_city(path: Path, **kw: Any) -> type[Opened]:
        seen.update(data_dir=path, **kw)
        return Opened

    monkeypatch.setattr("qingshan.cli.serve.open_city", open_city)
    monkeypatch.setattr("qingshan.web.city.WebCity.start", staticmethod(lambda c, auth=None: ("web", c)))
    monkeypatch.setattr("qingshan.web.app.create_app", lambda data, host=None: ("app", data))
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: seen.update(app=app, **kw))
    env = {"QINGSHAN_DB": "postgresql://qingshan@127.0.0.1:5432/city", "QINGSHAN_HOST": "0.0.0.0",
           "QINGSHAN_PORT": "8100", "QINGSHAN_DATA_DIR": str(city), "QINGSHAN_FACTOR_SET": "cn-ets",
           "QINGSHAN_PROFILE": "huaian"}
    r = CliRunner().invoke(main, ["serve"], env=env)
    assert r.exit_code == 0, r.output
    assert seen["data_dir"] == city
    assert (seen["host"], seen["port"], seen["app"], seen["http"]) == ("0.0.0.0", 8100, ("app", ("web", Opened)),
                                                                       "httptools")
    # options win over the environment; with neither, loopback
    r = CliRunner().invoke(main, ["serve", str(city), "--port", "9000", "--db", "postgresql://x@127.0.0.1/y",
                                  "--profile", "dezhou"], env={"QINGSHAN_PORT": "8100"})
    assert r.exit_code == 0, r.output
    assert (seen["host"], seen["port"], seen["db"], seen["profile"]) == ("127.0.0.1", 9000,
                                                                         "postgresql://x@127.0.0.1/y", "dezhou")


def test_serve_and_the_cli_read_the_same_settings(city: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """QINGSHAN_DB, QINGSHAN_FACTOR_SET and QINGSHAN_PROFILE reach the city that `serve` opens
    exactly as they reach the one every CLI command opens (one City.open for both)."""
    from qingshan.city import City

    opened: list[City] = []
    real_open = City.open

    def spy(*a: Any, **kw: Any) -> City:
        c = real_open(*a, **kw)
        opened.append(c)
        return c

    monkeypatch.setattr(City, "open", staticmethod(spy))
    monkeypatch.setattr("qingshan.web.city.WebCity.start", staticmethod(lambda c, auth=None: c))
    monkeypatch.setattr("qingshan.web.app.create_app", lambda data, host=None: data)
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: None)
    env = {"QINGSHAN_FACTOR_SET": "cn-ets", "QINGSHAN_PROFILE": "huaian", "QINGSHAN_DB": "duckdb://"}
    assert CliRunner().invoke(main, ["serve", str(city)], env=env).exit_code == 0
    assert CliRunner().invoke(main, ["account", str(city), "--year", "2023"], env=env).exit_code == 0
    served, cli = opened
    for c in (served, cli):
        assert c.factor_set.name == "cn-ets" and c.db == "duckdb://"
    # city.toml names the demo profile, which wins over QINGSHAN_PROFILE; --profile wins over both
    assert served.profile.id == cli.profile.id == "demo"
