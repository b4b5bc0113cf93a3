"""One document per result, whoever asks: the CLI and the web return the same document
for the same city, profile and year, for every result kind (issue #12)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from qingshan.cli import main
from qingshan.web.app import create_app
from tests.web_city import client_of, demo_city, same, web_city


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_city(tmp_path_factory.mktemp("documents"))


@pytest.fixture(scope="module")
def web(city: Path) -> TestClient:
    return client_of(web_city(city))


def cli(*args: str) -> dict[str, Any]:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 0, r.output
    doc: dict[str, Any] = json.loads(r.stdout)
    return doc


def api(web: TestClient, url: str) -> dict[str, Any]:
    r = web.get(url)
    assert r.status_code == 200, (url, r.text)
    doc: dict[str, Any] = r.json()
    return doc


@pytest.mark.parametrize(("args", "url"), [
    (["account", "--year", "2023"], "/api/accounts?year=2023"),
    (["account"], "/api/accounts"),
    (["evaluate", "--year", "2023"], "/api/evaluation?year=2023"),
    (["evaluate", "--year", "2022", "--scheme", "jingde-2022"], "/api/evaluation?year=2022&scheme=jingde-2022"),
    (["targets"], "/api/targets"),
    (["decompose", "--from", "2020", "--to", "2023", "--by", "district"], "/api/lmdi?from=2020&to=2023&by=district"),
    (["project", "--scenario", "baseline", "--scenario", "policy"], "/api/pathways?scenario=baseline&scenario=policy"),
])
def test_the_cli_and_the_web_give_the_same_document(city: Path, web: TestClient, args: list[str], url: str) -> None:
    a, b = cli(args[0], str(city), *args[1:]), api(web, url)
    same(a, b, rel=1e-12)
    assert a["profile"]["id"] == "demo" and a["profile"]["version"] == "2026.1"
    assert a["profile"]["selections"]  # the selections of the document's year


def test_the_screening_document_is_the_same(city: Path, web: TestClient, tmp_path: Path) -> None:
    demo = resources.files("qingshan.screening").joinpath("demo_projects")
    text = demo.joinpath("aluminium_expansion.yaml").read_text("utf-8")
    f = tmp_path / "project.yaml"  # the web names a pasted project project.yaml
    f.write_text(text, "utf-8")
    a = cli("screen", str(f), "--package", str(city))
    r = web.post("/api/screen", content=text.encode(), headers={"content-type": "text/plain"})
    assert r.status_code == 200 and r.json()["problems"] == []
    same(a, r.json()["result"], rel=1e-12)
    assert a["verdict"] == "not_approvable" and a["profile"]["id"] == "demo"


def test_the_pathways_say_which_years_grid_factor_their_base_uses(web: TestClient) -> None:
    """The demo's latest year is 2023, whose national average factor is published by
    MEE/NBS: used as it is, and nothing to say (a base year without one: tests/test_pathways.py)."""
    doc = api(web, "/api/pathways?scenario=baseline")
    assert doc["base_year"] == doc["grid_factor_year"] and doc["grid_notes"] == []


def test_bad_parameters_are_refused_not_looked_up(web: TestClient) -> None:
    assert web.get("/api/evaluation?scheme=../../etc/x").status_code == 422
    assert web.get("/api/evaluation?year=1999").status_code == 422
    assert web.get("/api/pathways?scenario=../x").status_code == 422
    assert web.get("/api/lmdi?from=2020&to=2023&by=park").status_code == 422
    assert web.get("/api/profile").json()["id"] == "demo"


def test_pages_of_a_city_whose_profile_selects_no_scheme(tmp_path: Path) -> None:
    """The national default has no 亩均 scheme: the lists, the map and the enterprise page
    show accounts without classes; the evaluation answers 422 naming the profile."""
    from qingshan.city.config import write_city_config

    d = demo_city(tmp_path)
    write_city_config(d, "national")
    client = TestClient(create_app(web_city(d)))
    rows = api(client, "/api/enterprises")["rows"]
    assert rows and all(r["class"] is None for r in rows)
    one = api(client, f"/api/enterprises/{rows[0]['entity_id']}")
    assert one["evaluation"] is None and one["yearly"]
    assert client.get(f"/enterprises/{rows[0]['entity_id']}").status_code == 200
    assert api(client, "/api/map")["enterprises"]
    r = client.get("/api/evaluation")
    assert r.status_code == 422 and "national" in r.json()["detail"]


def test_a_screening_check_without_rules_is_not_passed(city: Path, tmp_path: Path) -> None:
    demo = resources.files("qingshan.screening").joinpath("demo_projects")
    text = demo.joinpath("auto_parts.yaml").read_text("utf-8")
    f = tmp_path / "p.yaml"
    f.write_text(text.replace("application_date: ", "application_date: 2020-06-01\n#", 1), "utf-8")
    doc = cli("screen", str(f), "--package", str(city), "--profile", "national")
    by_rule = {x["rule"]: x for x in doc["reasons"]}
    # national selects the 两高 scope from 2021 and no negative list or parks at all
    for rule in ("R-TWO-HIGH", "R-NEGATIVE", "R-SITING"):
        assert by_rule[rule]["outcome"] == "info" and "not checked" in by_rule[rule]["en"], rule
