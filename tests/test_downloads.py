"""Downloads on the web (docs/web.md, "Downloads and reports"): every page's tables as CSV
and Excel with the page's filters, all rows, headers in the page's language, the evaluation
workbook's class counts and migration; the report routes (PDF, Word) and their scope: a
district's user gets its own district's report only (403 for another), and no city report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from qingshan.reports.formats import MEDIA
from tests.test_web_access import Matrix, _signed_in
from tests.test_web_access import matrix as matrix  # the signed-in users of each level (a fixture)
from tests.web_city import client_of, demo_city, web_city

PROJECT = Path(__file__).parents[1] / "src" / "qingshan" / "screening" / "demo_projects" / "aluminium_expansion.yaml"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    web = web_city(demo_city(tmp_path_factory.mktemp("downloads")))
    yield client_of(web)


def _csv(r: object) -> list[list[str]]:
    body: bytes = r.content  # type: ignore[attr-defined]
    assert body.startswith(b"\xef\xbb\xbf")  # Excel opens it in Chinese
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _book(r: object) -> dict[str, pd.DataFrame]:
    body: bytes = r.content  # type: ignore[attr-defined]
    return pd.read_excel(io.BytesIO(body), sheet_name=None, engine="calamine")


def test_every_page_offers_its_downloads(client: TestClient) -> None:
    for url in ("/", "/evaluation", "/targets", "/map", "/enterprises"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'id="downloads"' in page.text and "format=xlsx" in page.text and "format=csv" in page.text, url
    assert "/download/city?" in client.get("/").text
    assert "/download/evaluation?" in client.get("/evaluation").text


def test_the_enterprise_list_downloads_every_row_with_its_filters(client: TestClient) -> None:
    total = client.get("/api/enterprises", params={"size": 10}).json()["total"]
    rows = _csv(client.get("/enterprises", params={"size": 10, "page": 2, "format": "csv"}))
    assert rows[0][0] == "主体代码（统一社会信用代码）" and "名称" in rows[0]
    assert len(rows) - 1 == total > 10
    book = _book(client.get("/enterprises", params={"size": 10, "format": "xlsx", "lang": "en"}))
    assert next(iter(book)) == "About" and len(book["Enterprises"]) == total
    assert "name" in book["Enterprises"].columns and "entity id (unified social credit code)" in book["Enterprises"]
    district = client.get("/api/enterprises", params={"size": 1}).json()["rows"][0]["district_id"]
    one = client.get("/api/enterprises", params={"district": district, "size": 500}).json()
    rows = _csv(client.get("/enterprises", params={"district": district, "size": 5, "format": "csv",
                                                   "sort": "name", "desc": "false"}))
    at = rows[0].index("所属区县")
    assert len(rows) - 1 == one["total"] and {r[at] for r in rows[1:]} == {district}
    names = [r[rows[0].index("名称")] for r in rows[1:]]
    assert names == sorted(names)


def test_headers_follow_the_page_language(client: TestClient) -> None:
    zh = _csv(client.get("/targets", params={"format": "csv", "table": "latest"}))
    en = _csv(client.get("/targets", params={"format": "csv", "table": "latest", "lang": "en"}))
    assert "实际变化" in zh[0] and "进度目标" in zh[0] and "actual change" in en[0]
    assert len(zh) == len(en) == 1 + len(client.get("/api/targets").json()["latest"])
    assert client.get("/targets", params={"format": "csv", "table": "nope"}).status_code == 422
    assert client.get("/targets", params={"format": "pdf"}).status_code == 422


def test_the_evaluation_workbook_has_class_counts_and_migration(client: TestClient) -> None:
    doc = client.get("/api/evaluation").json()
    book = _book(client.get("/evaluation", params={"format": "xlsx"}))
    assert {"说明", "类别统计", "类别迁移", "企业", "指标得分"} <= set(book)
    counts = book["类别统计"].set_index("评价分组")
    for seg, by in doc["summary"]["classes"].items():
        for c, n in by.items():
            assert counts.loc[seg, c] == n
    mig = book["类别迁移"].set_index("上年类别")
    for f, row in doc["migration"]["from_rows_to_columns"].items():
        for c, n in row.items():
            assert mig.loc[f, c] == n
    assert len(book["企业"]) == len(doc["enterprises"])


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_each_report_route(client: TestClient, fmt: str) -> None:
    firm = client.get("/api/enterprises", params={"size": 1}).json()["rows"][0]
    for url in ("/download/city", f"/download/district/{firm['district_id']}", f"/download/park/{firm['park_id']}",
                f"/download/enterprise/{firm['entity_id']}", "/download/evaluation"):
        for lang in ("zh", "en"):
            r = client.get(url, params={"format": fmt, "lang": lang})
            assert r.status_code == 200, (url, r.text[:300])
            assert r.headers["content-type"] == MEDIA[fmt] and "attachment" in r.headers["content-disposition"]
            assert r.content[:4] == (b"%PDF" if fmt == "pdf" else b"PK\x03\x04")
    r = client.post(f"/download/screen?format={fmt}", data={"project": PROJECT.read_text("utf-8")})
    assert r.status_code == 200 and r.headers["content-type"] == MEDIA[fmt]
    assert client.get("/download/district/nope", params={"format": fmt}).status_code == 404
    assert client.get("/download/city", params={"format": "xls"}).status_code == 422
    assert client.get("/download/city", params={"format": fmt, "year": 1999}).status_code == 422
    assert client.post(f"/download/screen?format={fmt}", data={"project": "name: x\n"}).status_code == 422


def test_a_district_gets_only_its_own_report(matrix: Matrix) -> None:
    district = matrix.unit["district"]
    c = _signed_in(matrix, "analyst-district")
    assert c.get(f"/download/district/{district}").headers["content-type"] == "application/pdf"
    other = next(d for d in _districts(matrix) if d != district)
    assert c.get(f"/download/district/{other}", params={"format": "pdf"}).status_code == 403
    assert c.get(f"/download/park/{matrix.unit['park']}", params={"format": "docx"}).status_code == 200
    assert c.get(f"/download/enterprise/{matrix.other}", params={"format": "pdf"}).status_code == 404
    assert c.get(f"/download/enterprise/{sorted(matrix.mine)[0]}").status_code == 200
    assert c.get("/download/city", params={"format": "pdf"}).status_code == 403
    assert c.get("/download/evaluation", params={"format": "pdf"}).status_code == 403
    park = _signed_in(matrix, "analyst-park")
    assert park.get(f"/download/district/{district}", params={"format": "pdf"}).status_code == 403
    # the CSV of a district's enterprise list holds its enterprises only, all of them
    rows = _csv(c.get("/enterprises", params={"size": 5, "format": "csv"}))
    assert {r[0] for r in rows[1:]} == matrix.mine
    # a role without `export` downloads nothing
    viewer = _signed_in(matrix, "viewer-district")
    assert viewer.get(f"/download/district/{district}").status_code == 403  # the default format, pdf, too


def _districts(m: Matrix) -> list[str]:
    from qingshan.app.organisations import tree_paths

    return sorted(c for c, (u, _, _) in tree_paths(m.web.city.units()).items() if u.kind == "district")
