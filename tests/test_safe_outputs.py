"""Safe outputs and parameters (issue #13, item 5): no cell of an export is ever a formula
or a link, no JSON holds NaN or Infinity, and every GET parameter is checked (4xx with a
message, never 500); a name from a request is looked up among the known ones, never opened
as a path."""

from __future__ import annotations

import builtins
import csv
import html
import io
import json
import math
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

import pandas as pd
import pytest
from click.testing import CliRunner
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook

from qingshan.cli import main
from qingshan.web.app import PAGES, create_app
from tests.web_city import web_city

HOSTILE_NAMES = ('=HYPERLINK("http://x","y")', "@SUM(A1)", "+1-1", "-2+3", "=cmd|' /C calc'!A0")
FACTOR_NOTE = "= 34.12 kgce/GJ"  # GB/T 2589's heat coefficient note in the factor file
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
SRC = Path(__file__).parents[1] / "src" / "qingshan"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _fail_on_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(text: str) -> Any:
    """``json.loads`` that refuses NaN, Infinity and -Infinity."""
    return json.loads(text, parse_constant=_fail_on_constant)


# --- the hostile city -------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The small demo city (2020-2023) with enterprises named as formulas, and with value
    added 0 for one enterprise in every year and for one whole district in 2023 (so that
    intensities divide by zero)."""
    from qingshan.city.config import write_city_config
    from qingshan.data.demo import generate_demo_city
    from qingshan.data.package import write_csv_package

    tables = generate_demo_city(enterprises=40, years=range(2020, 2024))
    ent = tables["entities"].copy()
    ent["name"] = ent["name"].astype(object)
    firms = ent.index[ent["entity_type"] == "enterprise"]
    for i, name in zip(firms, HOSTILE_NAMES, strict=False):
        ent.loc[i, "name"] = name
    tables["entities"] = ent
    eco = tables["economics"].copy()
    zero_id = str(ent.loc[firms[len(HOSTILE_NAMES)], "entity_id"])
    district = str(ent.loc[firms[0], "district_id"])
    in_district = set(ent.loc[ent["district_id"].astype(str) == district, "entity_id"].astype(str))
    ids = eco["entity_id"].astype(str)
    eco.loc[ids == zero_id, "value_added_10k_yuan"] = 0.0
    eco.loc[ids.isin(in_district) & (eco["year"] == 2023), "value_added_10k_yuan"] = 0.0
    tables["economics"] = eco
    d = tmp_path_factory.mktemp("hostile")
    write_csv_package(tables, d / "package")
    write_city_config(d, "demo")
    park = str(ent.loc[ent["entity_type"] == "park", "entity_id"].iloc[0])
    # the drill-down's units: the district whose value added is 0 in 2023 (intensities divide by zero)
    codes = {"districts": district, "parks": park, "industries": str(ent.loc[firms[0], "industry_code"])[:2]}
    return {"dir": d, "zero_id": zero_id, "named_id": str(ent.loc[firms[0], "entity_id"]), "codes": codes}


@pytest.fixture(scope="module")
def client(hostile: dict[str, Any]) -> TestClient:
    return TestClient(create_app(web_city(hostile["dir"])), raise_server_exceptions=False)


def run(*args: str) -> str:
    r = CliRunner().invoke(main, ["--lang", "en", *args])
    assert r.exit_code == 0, r.output
    return r.stdout


# --- what a safe workbook and a safe CSV are ----------------------------------------------


def xml_texts(content: bytes) -> list[str]:
    """Every text of a workbook as stored in its XML (inline and shared strings), and the
    check that no sheet holds a formula or a link."""
    z = zipfile.ZipFile(io.BytesIO(content))
    texts: list[str] = []
    for name in z.namelist():
        if not name.endswith(".xml"):
            continue
        raw = z.read(name).decode("utf-8")
        if name.startswith("xl/worksheets/"):
            root = ElementTree.fromstring(raw)
            assert root.find(f".//{MAIN_NS}f") is None, f"a formula in {name}"
            assert root.find(f".//{MAIN_NS}hyperlink") is None, f"a link in {name}"
        if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml":
            root = ElementTree.fromstring(raw)
            texts += ["".join(t.itertext()) for t in root.iter(f"{MAIN_NS}t")]
    assert not [n for n in z.namelist() if n.startswith("xl/worksheets/_rels/")], "links in a sheet"
    return texts


def cells(content: bytes) -> list[Any]:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return [c for name in wb.sheet_names for row in wb.get_sheet_by_name(name).to_python() for c in row]


def assert_safe_text(values: list[Any], where: str) -> None:
    for v in values:
        if isinstance(v, str) and v.startswith(FORMULA_START):
            assert NUMBER.fullmatch(v), (where, v)


def assert_safe_workbook(content: bytes, where: str, names: bool = False) -> list[Any]:
    texts = xml_texts(content)
    assert_safe_text(texts, where)
    values = cells(content)
    assert_safe_text(values, where)
    if names:  # the hostile names are there, as text with the leading quote
        for n in HOSTILE_NAMES:
            assert "'" + n in texts and "'" + n in values, (where, n)
    return values


def assert_safe_csv(text: str, where: str, names: bool = True) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert_safe_text([f for r in rows for f in r], where)
    fields = {f for r in rows for f in r}
    for n in HOSTILE_NAMES if names else ():
        assert "'" + n in fields, (where, n)
    return rows


# --- the writers ----------------------------------------------------------------------------


def test_safe_text_and_numbers() -> None:
    from qingshan.reports.safe import safe_frame, safe_text
    from qingshan.reports.workbook import workbook_bytes

    assert safe_text("=1+1") == "'=1+1" and safe_text("@SUM(A1)") == "'@SUM(A1)" and safe_text("\tx") == "'\tx"
    assert safe_text("-2+3") == "'-2+3" and safe_text("+1-1") == "'+1-1" and safe_text("\r=1") == "'\r=1"
    assert safe_text("-5") == "-5" and safe_text("+1.5e3") == "+1.5e3" and safe_text("青山") == "青山"
    assert safe_text("") == "" and safe_text("a=b") == "a=b"
    frame = pd.DataFrame({"=x": ["=1", None, "ok"], "v": [-1.5, 2.0, float("nan")],
                          "c": pd.Categorical(["@a", "b", "@a"]), "t": pd.array(["-a", "-1", None], dtype="string")})
    out = safe_frame(frame)
    assert list(out.columns) == ["'=x", "v", "c", "t"]
    assert out["'=x"].tolist()[0] == "'=1" and out["'=x"].isna().tolist() == [False, True, False]
    assert out["v"].dtype == frame["v"].dtype and out["v"].tolist()[0] == -1.5  # numbers stay numbers
    assert out["c"].tolist() == ["'@a", "b", "'@a"] and out["t"].tolist()[:2] == ["'-a", "-1"]
    assert frame["=x"].tolist()[0] == "=1"  # the input is not changed
    content = workbook_bytes([("s", frame), ("s", frame)])  # the same sheet name twice is made unique
    values = assert_safe_workbook(content, "unit")
    assert -1.5 in values and "'=1" in values and "'-a" in values and "-1" in values
    assert CalamineWorkbook.from_filelike(io.BytesIO(content)).sheet_names == ["s", "s~2"]


def test_cli_account_exports(hostile: dict[str, Any], tmp_path: Path) -> None:
    d = str(hostile["dir"])
    out = tmp_path / "accounts.xlsx"
    run("account", d, "--format", "xlsx", "--out", str(out))
    values = assert_safe_workbook(out.read_bytes(), "account xlsx", names=True)
    assert "'" + FACTOR_NOTE in values  # the 因子来源 sheet's note is text, not a broken formula
    factors = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Factors used").to_python()  # --lang en
    assert "'" + FACTOR_NOTE in [c for row in factors for c in row]
    f = tmp_path / "a.csv"
    run("account", d, "--format", "csv", "--out", str(f))
    for where, text in (("account csv", f.read_text("utf-8-sig")),
                        ("account csv to stdout", run("account", d, "--format", "csv"))):
        rows = assert_safe_csv(text, where)
        frame = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), dtype={"entity_id": str})
        assert frame["energy_tce"].dtype.kind == "f" and rows[0][0] == "entity_id"  # numbers stay numbers
    doc = strict_json(run("account", d, "--year", "2023"))
    assert set(HOSTILE_NAMES) <= {e["name"] for e in doc["enterprises"]}  # JSON keeps the data as they are


def test_monthly_csv(hostile: dict[str, Any], tmp_path: Path) -> None:
    from qingshan.city import City
    from qingshan.reports.accounts import write_monthly_csv

    with City.open(hostile["dir"]) as city:
        path = write_monthly_csv(city.accounts(), tmp_path / "m.csv", [2023])
    rows = assert_safe_csv(path.read_text("utf-8-sig"), "monthly csv", names=False)  # no names: ids and numbers
    assert len(rows) > 40 and any(f.startswith("-") and float(f) < 0 for r in rows[1:] for f in r[1:])


def test_cli_workbooks_of_every_result(hostile: dict[str, Any], tmp_path: Path) -> None:
    d = str(hostile["dir"])
    project = tmp_path / "project.yaml"
    text = (SRC / "screening" / "demo_projects" / "aluminium_expansion.yaml").read_text("utf-8")
    project.write_text(text.replace("name: 青山铝业电解铝扩建项目", "name: '=HYPERLINK(\"http://x\",\"y\")'"), "utf-8")
    runs = {"evaluate": (["evaluate", d, "--year", "2023"], True),
            "targets": (["targets", d], False),
            "decompose": (["decompose", d, "--from", "2021", "--to", "2023"], False),
            "project": (["project", d, "--scenario", "baseline", "--scenario", "policy"], False),
            "screen": (["screen", str(project), "--package", d], False)}
    for name, (args, names) in runs.items():
        out = tmp_path / f"{name}.xlsx"
        run(*args, "--format", "xlsx", "--out", str(out))
        values = assert_safe_workbook(out.read_bytes(), name, names=names)
        if name == "screen":
            assert "'" + HOSTILE_NAMES[0] in values
        strict_json(run(*args))  # and the JSON of the same command is strict JSON


def test_web_workbooks_of_every_page(client: TestClient, hostile: dict[str, Any]) -> None:
    urls = [f"/api/{name}" for name, _, _, _ in PAGES if name not in ("screen", "import")]
    urls += ["/api/enterprises?size=500", f"/api/enterprises/{hostile['named_id']}", "/api/accounts",
             "/api/lmdi?from=2021&to=2023", "/api/pathways?scenario=baseline&scenario=policy"]
    for url in urls:
        r = client.get(url + ("&" if "?" in url else "?") + "format=xlsx")
        assert r.status_code == 200, (url, r.text)
        has_names = url.startswith(("/api/enterprises", "/api/map", "/api/evaluation", "/api/accounts")) \
            and not url.startswith("/api/enterprises/")
        assert_safe_workbook(r.content, url, names=has_names)


# --- JSON -----------------------------------------------------------------------------------


def get_routes(client: TestClient) -> list[APIRoute]:
    return [r for r in client.app.routes  # type: ignore[attr-defined]
            if isinstance(r, APIRoute) and "GET" in (r.methods or ())]


REQUIRED = {"from": "2021", "to": "2023", "scenario": "baseline"}


def fill_path(route: APIRoute, entity_id: str, codes: dict[str, str] | None = None) -> tuple[str, bool]:
    """The route's path with its parameters filled: ``entity_id`` for an enterprise, a unit
    of ``codes`` for a level of the drill-down (``/districts/{code}``…), and ``unknown`` for
    any other (a job, say); and whether such an unknown id is in it."""
    path, unknown = route.path, False
    for p in route.dependant.path_params:
        level = route.path.strip("/").split("/")[-2] if p.alias == "code" else ""
        known = p.alias == "entity_id" or level in (codes or {})
        value = entity_id if p.alias == "entity_id" else (codes or {}).get(level, "unknown")
        unknown |= not known
        path = path.replace("{" + p.alias + "}", value)
    return path, unknown


def test_every_answer_is_strict_json(client: TestClient, hostile: dict[str, Any]) -> None:
    """Division by zero in the accounts (value added 0) reaches no answer as NaN or Infinity:
    every JSON endpoint parses with a strict parser, and so does the JSON in every page."""
    for route in get_routes(client):
        path, unknown = fill_path(route, hostile["zero_id"], hostile["codes"])
        params = {p.alias: REQUIRED[p.alias] for p in route.dependant.query_params if p.alias in REQUIRED}
        r = client.get(path, params=params)
        assert r.status_code == 200 or (unknown and r.status_code == 404), (path, r.text)
        if r.headers["content-type"].startswith("application/json"):
            strict_json(r.text)
        else:
            for m in re.findall(r'data-chart="([^"]*)"', r.text):
                strict_json(html.unescape(m))
            for m in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', r.text, re.S):
                strict_json(m)
    one = client.get(f"/api/enterprises/{hostile['zero_id']}").json()
    assert all(y["energy_per_va"] is None for y in one["yearly"])  # 0 value added: no intensity, not Infinity


def test_a_non_finite_number_is_a_loud_error(tmp_path: Path) -> None:
    from fastapi.responses import JSONResponse

    from qingshan.documents.values import clean, records
    from qingshan.reports.files import write_json

    assert clean(float("inf")) is None and clean(float("nan")) is None and clean(-1.5) == -1.5
    assert records(pd.DataFrame({"x": [1.0 / 3, math.inf, -math.inf]})) == [{"x": 1.0 / 3}, {"x": None}, {"x": None}]
    with pytest.raises(ValueError):
        JSONResponse({"x": math.nan})  # the web's answer
    with pytest.raises(ValueError):
        write_json({"x": math.inf}, tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


# --- parameters -----------------------------------------------------------------------------

HOSTILE_VALUES = ("1999", "-1", "null", "../../etc/passwd", "(", "x" * 10_000, "\x00")
#: parameters that take any text (up to 200 characters): a filter or a search matches nothing
TEXT = {"q", "district", "park", "industry", "class", "grade", "action", "actor", "entity"}


#: parameters that name one unit to analyse (code or name): one that does not exist is 404, not "nothing"
UNIT = {path: "district" for page in ("lmdi", "permits", "air", "water", "carrying")
        for path in (f"/{page}", f"/api/{page}")}


def valid(param: str, value: str, path: str = "") -> bool:
    if UNIT.get(path) == param:
        return False
    if param in TEXT:
        return len(value) <= 200
    return param == "page" and value == "1999"  # a page past the last is the last page


def test_every_get_parameter_is_checked(client: TestClient, hostile: dict[str, Any]) -> None:
    seen: set[str] = set()
    for route in get_routes(client):
        path, unknown = fill_path(route, hostile["named_id"], hostile["codes"])
        names = [p.alias for p in route.dependant.query_params]
        rc = route.response_class
        if isinstance(rc, type) and issubclass(rc, HTMLResponse):
            names.append("lang")  # every page reads ?lang=
        base = {k: v for k, v in REQUIRED.items() if k in names}
        for name in names:
            seen.add(name)
            for value in HOSTILE_VALUES:
                r = client.get(path, params={**base, name: value})
                assert r.status_code < 500, (path, name, value[:20], r.text[:200])
                if valid(name, value, path) and not unknown:
                    assert r.status_code == 200, (path, name, value[:20], r.text[:200])
                else:
                    assert 400 <= r.status_code < 500, (path, name, value[:20])
                    detail = r.json()["detail"]
                    assert isinstance(detail, str) and " / " in detail and len(detail) < 1000, detail[:200]
        for p in route.dependant.path_params:  # an enterprise (or a job) that does not exist
            for value in HOSTILE_VALUES:
                r = client.get(route.path.replace("{" + p.alias + "}", quote(value, safe="")))
                assert 400 <= r.status_code < 500, (route.path, value[:20], r.text[:200])
    assert {"year", "scheme", "colour", "sort", "page", "size", "by", "scenario", "format", "lang", "desc", "q",
            "from", "to"} <= seen


@pytest.mark.parametrize("q", ["(", ".*", "[", "\\", "a|b", "%", "*"])
def test_q_is_text_not_a_pattern(client: TestClient, q: str) -> None:
    r = client.get("/api/enterprises", params={"q": q, "size": 500})
    assert r.status_code == 200
    names = {e["name"] for e in r.json()["rows"]}
    assert all(q in n for n in names)  # only names that hold the text itself
    assert client.get("/enterprises", params={"q": q}).status_code == 200


def test_messages_name_the_parameter_in_both_languages(client: TestClient) -> None:
    cases = {"/api/evaluation?year=1999": ("1999", "year 1999 is not in the data"),
             "/api/evaluation?year=2020": ("数据无法给出此结果", "the data cannot give this result"),
             "/api/evaluation?scheme=null": ("未知的评价方案", "unknown scheme 'null'"),
             "/api/enterprises?sort=zzz": ("参数 sort", "sort must be one of"),
             "/api/enterprises?size=501": ("参数 size", "size must be at most 500"),
             "/api/enterprises?page=0": ("参数 page", "page must be at least 1"),
             "/api/accounts?year=abc": ("参数 year 应为整数", "year must be an integer"),
             "/api/map?colour=red": ("参数 colour", "colour must be one of class, grade"),
             "/api/overview?format=pdf": ("参数 format", "format must be 'json', 'xlsx' or 'csv'"),
             "/?lang=fr": ("参数 lang", "lang must be one of zh, en"),
             "/api/pathways?scenario=baseline&scenario=baseline": ("每个情景", "name each scenario once")}
    for url, (zh, en) in cases.items():
        r = client.get(url)
        assert r.status_code == 422, (url, r.text)
        assert zh in r.json()["detail"] and en in r.json()["detail"], (url, r.json()["detail"])
    r = client.get("/api/enterprises/NOPE")
    assert r.status_code == 404 and r.json()["detail"] == "没有企业 'NOPE' / no enterprise 'NOPE'"


@pytest.fixture
def evil_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[dict[str, Path], list[str]]]:
    """A scheme, a scenario and a profile file under ``tmp_path`` (valid TOML), and the list
    of every attempt to open or probe a file there: each is recorded, and fails."""
    files = {k: tmp_path / f"evil-{k}.toml" for k in ("scheme", "scenario", "profile")}
    for k, f in files.items():
        f.write_text(f'id = "evil-{k}"\n', "utf-8")
    touched: list[str] = []
    guarded = str(tmp_path)

    def guard(name: str, real: Any) -> Any:
        def wrapper(path: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(path, str | os.PathLike) and guarded in os.fsdecode(path):
                touched.append(f"{name} {path}")
                raise PermissionError(path)
            return real(path, *args, **kwargs)
        return wrapper

    monkeypatch.setattr(builtins, "open", guard("open", builtins.open))
    monkeypatch.setattr(io, "open", guard("io.open", io.open))
    monkeypatch.setattr(os, "open", guard("os.open", os.open))
    monkeypatch.setattr(os, "stat", guard("os.stat", os.stat))
    for method in ("open", "read_text", "read_bytes"):
        monkeypatch.setattr(Path, method, guard(f"Path.{method}", getattr(Path, method)))
    yield files, touched


def test_a_file_named_in_a_request_is_never_opened(client: TestClient,
                                                     evil_files: tuple[dict[str, Path], list[str]]) -> None:
    files, touched = evil_files
    scheme, scenario, profile = files["scheme"], files["scenario"], files["profile"]
    with pytest.raises(PermissionError):  # the guard works
        scheme.read_text("utf-8")
    touched.clear()
    for url, params, status in (
            ("/api/evaluation", {"scheme": str(scheme)}, 422),
            ("/evaluation", {"scheme": str(scheme)}, 422),
            ("/api/evaluation", {"scheme": "evil-scheme"}, 422),
            ("/api/evaluation", {"scheme": f"../../../../../../..{scheme.with_suffix('')}"}, 422),
            ("/api/pathways", {"scenario": str(scenario)}, 422),
            ("/api/pathways", {"scenario": str(scenario.with_suffix(""))}, 422),
            ("/api/profile", {"profile": str(profile)}, 200),  # no such parameter: ignored, never a file
            ("/api/overview", {"profile": str(profile)}, 200),
            ("/api/overview", {"scheme": str(scheme)}, 422),  # the level panels' scheme: a name, never a path
            ("/api/districts/459902", {"scheme": str(scheme)}, 422),
            ("/api/enterprises", {"scheme": str(scheme)}, 422),
            ("/api/measures", {"scheme": str(scheme)}, 422)):
        r = client.get(url, params=params)
        assert r.status_code == status, (url, params, r.text)
    assert touched == []
