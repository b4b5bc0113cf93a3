"""Every page in both languages, for every year the data hold, and every link on it one level
deep (issue #16, items 5 and 9), signed in as an analyst of the whole demo-like test city:

- no answer is a server error (5xx), and a link on a page never leads to a refusal;
- no internal code is shown raw: the deny-list is derived from the code and the data (class
  segments of every shipped scheme, screening outcomes and verdicts, target ids, measure
  keys, barometer colours and sizes on Chinese pages), nor a snake_case identifier;
- counts are integers ("150 家", never "150.0 家" or "第 95.0 名");
- English pages hold no Chinese but the proper names of the city's units and enterprises, and
  Chinese pages no English UI words (only the short list of names and symbols below);
- the import page's validation messages and the screening page's reasons are in the page's
  language.

The city is built once for the module; a page's links are followed one level deep, at most
:data:`PER_PATTERN` links of each kind per page (50 enterprise pages of a list are 50 times the
same template), each URL once.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient

from qingshan.app import audit, database, organisations, users
from qingshan.city import City
from qingshan.documents.enterprises import SCALES
from qingshan.documents.lmdi import BY as LMDI_BY
from qingshan.documents.screening import OUTCOME
from qingshan.documents.targets import COLOUR_ZH
from qingshan.ecology.demo import write_demo_eco_package
from qingshan.registry import rights_for
from qingshan.screening.verdict import VERDICTS
from qingshan.web.app import PAGES, create_app
from qingshan.web.city import WebCity
from tests import registry_data
from tests.web_city import demo_city, upload_workbook, with_csrf

HTML = {"accept": "text/html"}
ADMIN = audit.Actor("cli:test", role="administrator")
PASSWORD = "Crawler-pass-2026"
USER = "analyst-of-the-city"
#: links of one kind (path with digits and ids folded) followed from one page
PER_PATTERN = 3
#: pages that are developer references, not the analyst's pages: their text is the API's own
#: (parameter names in snake_case, English docstrings)
REFERENCE = ("/api",)
#: seeds besides the menu: the drill-down's own pages
EXTRA_SEEDS = ("/measures", "/password")
#: what a link may lead to besides 200: the first data year's evaluation (a page saying why),
#: a GEP page of a data year without a land-cover map (the ecological package holds its own
#: accounting years; the 422 page names them), and the carrying-capacity page of a data year
#: without an evaluation (the 422 page names the evaluation years)
ALLOWED_REFUSALS = {422: ("/evaluation", "/gep", "/gep/map", "/gep/coordination", "/carrying")}
#: words a Chinese page may show in Latin letters: names of formats and products, symbols,
#: the CLI commands it quotes, the language switch
LATIN_ON_ZH = {"Qingshan", "Excel", "CSV", "PDF", "Word", "JSON", "OpenAPI", "API", "CO2", "GB", "SHA", "YAML",
               "English", "MB", "qingshan", "history", "diff", "restore", "docs", "md", "xlsx", "data", "package",
               "screening", "user", "add", "db", "upgrade", "tce", "kWh", "K", "GDP", "UTC", "LMDI", "CO2e", "N2O",
               "CF4", "C2F6", "GWP", "InVEST", "JavaScript"}
#: Chinese an English page may show besides the names of units and enterprises: the language switch, the brand
CJK_ON_EN = {"中文", "青山"}
COUNT_DECIMAL = re.compile(r"\d\.0\s*(家|名|个|项|次|位|年|enterprises\b|firms\b)|第\s*\d+\.0")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
CJK = re.compile(r"[\u3400-\u9fff]+")


class _Page(HTMLParser):
    """A page's visible text and its links: scripts, styles, attributes, form text and what
    is marked ``translate="no"`` (a citation of a document in its own language) left out."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                      "track", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, whether its text is left out)

    def _skipping(self) -> bool:
        return any(skip for _, skip in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag not in self.VOID:
            self._open.append((tag, tag in ("script", "style", "textarea") or a.get("translate") == "no"))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.text.append(data)


def parsed(html: str) -> tuple[str, list[str]]:
    p = _Page()
    p.feed(html)
    return " ".join(" ".join(p.text).split()), p.links


@dataclass
class Site:
    client: TestClient
    years: list[int]
    proper: set[str]  # names of the city, its units and enterprises (shown in both languages)
    codes_everywhere: set[str]  # internal codes never shown on a page
    codes_zh: set[str]  # codes that are English words: never on a Chinese page
    visited: dict[str, int] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)


def _segment_ids() -> set[str]:
    folder = resources.files("qingshan.evaluation").joinpath("schemes")
    out: set[str] = set()
    for f in folder.iterdir():
        if f.name.endswith(".toml"):
            doc = tomllib.loads(f.read_text("utf-8"))
            out |= {str(s["id"]) for s in doc.get("segments", []) if "id" in s}
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    d = demo_city(tmp_path_factory.mktemp("crawl"))
    write_demo_eco_package(d / "ecology")  # the GEP pages are crawled with data (issue #17)
    url = database.app_url(d)
    database.upgrade(url)
    with City.open(d) as city:
        units = city.units()
        book = rights_for(city.profile, city.years[-1])  # the registry's pages are crawled with data (issue #19)
        # the names of the water sections and of the waters they are on are proper names too (web/water.py)
        sections = city.package.get("water_sections")
        waters = set() if sections is None else {str(v) for c in ("name", "river") for v in sections[c].dropna()}
        # and so are the names of the air monitoring stations (web/air.py)
        stations = city.package.get("air_stations")
        waters |= set() if stations is None else {str(v) for v in stations["name"].dropna()}
    top = next(u for u in units if u.kind == "city")
    with database.session(url) as s:
        organisations.sync(s, units, ADMIN)
        users.add_user(s, ADMIN, USER, top.code, ["analyst"], password="Temporary-pass-1")
    with database.session(url) as s:
        users.change_password(s, USER, "Temporary-pass-1", PASSWORD)
    registry_data.seed(url, units, book)  # accounts, blocks and every request state (tests/registry_data.py)
    web = WebCity.start(City.open(d))
    client = with_csrf(TestClient(create_app(web), follow_redirects=False))
    assert client.post("/login", data={"username": USER, "password": PASSWORD, "next": "/"}).status_code == 303
    with_csrf(client)
    targets = client.get("/api/targets").json()
    target_ids = {str(r["target_id"]) for r in targets["latest"]} | {str(r["target_id"])
                                                                       for r in targets["remaining_room"]}
    ev = client.get("/api/evaluation").json()
    measures = {str(m["measure"]) for f in ev.get("enterprises", []) for m in f.get("measures") or []}
    # codes that are no English word are never shown; those that are words, never on a Chinese page
    codes = _segment_ids() | target_ids | measures | set(VERDICTS) | {"out_of_scope", "not_approvable"}
    everywhere = {c for c in codes if re.search(r"[_\d-]", c)}
    codes_zh = (set(SCALES) | (codes - everywhere) | set(OUTCOME) | set(COLOUR_ZH) | {"error", "warning"}
                | set(LMDI_BY) | {"energy", "co2"})
    proper = {u.name for u in units if u.name} | CJK_ON_EN | waters
    yield Site(client, list(web.city.years), proper, everywhere, codes_zh)


def _pattern(path: str) -> str:
    return re.sub(r"/[^/]*\d[^/]*$", "/{id}", path)


def _followed(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return False
    q = dict(parse_qsl(parts.query))
    return (not parts.path.startswith(("/static", "/download", "/api/", "/openapi")) and parts.path != "/logout"
            and q.get("format") not in ("pdf", "docx"))  # the printed reports: tests/test_reports_pdf.py


def check_page(site: Site, url: str, html: str, lang: str) -> list[str]:
    """What is wrong with one page's text (empty: nothing)."""
    text, _ = parsed(html)
    text = re.sub(r"(?<![\w])/[\w/.{}?=&-]*", " ", text)  # paths and URLs quoted on a page (its JSON twin)
    text = re.sub(r"[\w/-]+\.(?:toml|md|csv|xlsx|yaml)\b|\[\w+\]", " ", text)  # files and sections it names
    text = text.replace(USER, " ")  # the signed-in user's own name in the header
    path = urlsplit(url).path
    out: list[str] = []
    if path in REFERENCE:
        return out
    words = {w.rstrip("-") for w in re.findall(r"[A-Za-z][\w-]*", text)}
    raw = sorted(c for c in site.codes_everywhere if re.search(rf"(?<![\w/.-]){re.escape(c)}(?![\w/.-])", text))
    if raw:
        out.append(f"internal codes {raw}")
    if lang == "zh":
        zh_codes = sorted(c for c in site.codes_zh if c in words)
        if zh_codes:
            out.append(f"English codes on a Chinese page {zh_codes}")
        latin = sorted(w for w in words if len(w) >= 2 and not w.isupper() and w not in LATIN_ON_ZH
                       and not re.fullmatch(r"[A-Z]?\d.*|v\d+|[A-Z][0-9]+", w))
        if latin:
            out.append(f"English words on a Chinese page {latin[:20]}")
    else:
        rest = re.sub(r"\(\s*[\u3400-\u9fff]+\s*\)", " ", text)  # a gloss: "mu-efficiency (亩产效益)"
        for name in sorted(site.proper, key=len, reverse=True):
            rest = rest.replace(name, " ")
        cjk = sorted(set(CJK.findall(rest)))
        if cjk:
            out.append(f"Chinese on an English page {cjk[:20]}")
    snake = sorted(set(SNAKE.findall(text)))
    if snake:
        out.append(f"snake_case identifiers {snake[:10]}")
    m = COUNT_DECIMAL.search(text)
    if m:
        out.append(f"a count with a decimal: {text[max(0, m.start() - 30):m.end() + 10]!r}")
    return out


def visit(site: Site, url: str, lang: str, referrer: str | None) -> list[str]:
    """Open ``url`` (once) and check it; its links."""
    if url in site.visited:
        return []
    r = site.client.get(url, headers=HTML)
    site.visited[url] = r.status_code
    where = f"{url} (from {referrer})" if referrer else url
    if r.status_code >= 500:
        site.findings.append(f"{where}: {r.status_code}")
        return []
    if r.status_code in (301, 302, 303, 307):
        return [r.headers["location"]]
    if r.status_code != 200 and not (r.status_code in ALLOWED_REFUSALS
                                     and urlsplit(url).path in ALLOWED_REFUSALS[r.status_code]):
        site.findings.append(f"{where}: {r.status_code}")
    if "text/html" not in r.headers.get("content-type", "") or "format" in dict(parse_qsl(urlsplit(url).query)):
        return []  # a download (Excel, CSV) of the page: only that it is one
    site.findings += [f"{where}: {p}" for p in check_page(site, url, r.text, lang)]
    return parsed(r.text)[1]


def in_language(url: str, lang: str) -> str:
    parts = urlsplit(url)
    q = [(k, v) for k, v in parse_qsl(parts.query) if k != "lang"] + ([("lang", "en")] if lang == "en" else [])
    return parts.path + ("?" + urlencode(q) if q else "")


def crawl(site: Site, seeds: list[str], lang: str) -> None:
    for seed in seeds:
        links = visit(site, seed, lang, None)
        seen: dict[str, int] = defaultdict(int)
        for link in links:
            if link.startswith("?"):  # this page with other parameters (a download, another order)
                link = urlsplit(seed).path + link
            if not _followed(link):
                continue
            target = in_language(link, lang) if "lang=" in link or lang == "zh" else link
            key = _pattern(urlsplit(target).path) + (" download" if "format=" in target else "")
            if seen[key] >= PER_PATTERN:
                continue
            seen[key] += 1
            visit(site, target, lang, seed)


def seeds(site: Site, lang: str) -> list[str]:
    paths = [href for _, href, _, _ in PAGES] + list(EXTRA_SEEDS)
    out = []
    for p in paths:
        out.append(in_language(p, lang))
        for y in site.years:
            out.append(in_language(f"{p}?year={y}", lang))
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_and_its_links_in_every_year(site: Site, lang: str) -> None:
    crawl(site, seeds(site, lang), lang)
    assert len([u for u in site.visited if ("lang=en" in u) == (lang == "en")]) > 40
    assert any("format=xlsx" in u for u in site.visited) and any("format=csv" in u for u in site.visited)
    mine = [f for f in site.findings if ("lang=en" in f.split(" ")[0]) == (lang == "en")]
    assert not mine, "\n".join(mine)


def test_the_deny_lists_are_derived_from_the_code(site: Site) -> None:
    assert {"below_3mu", "not_approvable"} <= site.codes_everywhere
    assert {"above", "pass", "fail", "info", "red"} <= site.codes_zh
    assert any(len(c) > 3 for c in site.codes_everywhere - {"below_3mu", "not_approvable", "out_of_scope",
                                                             "approvable"})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_validation_messages_are_in_the_pages_language(site: Site, tmp_path: Path, lang: str) -> None:
    book = upload_workbook(tmp_path / "broken.xlsx", break_it=True)
    with book.open("rb") as f:
        r = site.client.post("/import" + ("?lang=en" if lang == "en" else ""), headers=HTML,
                             files={"file": ("broken.xlsx", f, "application/octet-stream")})
    assert r.status_code == 200, r.text[:300]
    report = site.client.post("/api/import", files={"file": ("broken.xlsx", book.read_bytes(),
                                                             "application/octet-stream")}).json()
    problems = report["problems"]
    assert problems
    for p in problems:
        mine, other = (p["expected_zh"], p["expected_en"]) if lang == "zh" else (p["expected_en"], p["expected_zh"])
        assert _esc(mine) in r.text
        if other != mine:
            assert _esc(other) not in r.text, other
    site.proper.add("可燃冰")  # the value the broken file holds, quoted as it is
    found = check_page(site, "/import", r.text, lang)
    assert not found, found


PROJECTS = resources.files("qingshan.screening").joinpath("demo_projects")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("project", ["aluminium_expansion.yaml", "auto_parts.yaml", "sugar_small.yaml"])
def test_screening_reasons_and_targets_are_in_the_pages_language(site: Site, lang: str, project: str) -> None:
    text = PROJECTS.joinpath(project).read_text("utf-8")
    r = site.client.post("/screen" + ("?lang=en" if lang == "en" else ""), headers=HTML, data={"project": text})
    assert r.status_code == 200, r.text[:300]
    doc = site.client.post("/api/screen", content=text.encode(), headers={"content-type": "text/plain"}).json()
    assert doc["result"] is not None, doc["problems"]
    shown, _ = parsed(r.text)
    for reason in doc["result"]["reasons"]:
        assert " ".join(reason["zh" if lang == "zh" else "en"].split()) in shown
    assert doc["result"]["impact"]
    for row in doc["result"]["impact"]:
        assert row["zh" if lang == "zh" else "en"] in shown  # targets by name, never by id
        assert row["target_id"] not in shown
    p = doc["result"]["project"]
    site.proper |= {p["name"], p["builder"]} | {str(x["product"]) for x in doc["result"]["products"]}
    found = check_page(site, "/screen", r.text, lang)  # the rules' codes named (documents/screening_words.py)
    assert not found, found


def _esc(s: str) -> str:
    from html import escape

    return escape(s, quote=True)


def test_month_range_and_month_on_month_at_every_level(site: Site) -> None:
    c = site.client
    district = str(c.get("/api/overview").json()["level"]["below"]["rows"][0]["code"])
    year = site.years[-1]
    d = c.get(f"/api/districts/{district}?year={year}").json()
    m = d["months"]
    assert [r["period"] for r in m["rows"]] == [f"{year}-{k:02d}" for k in range(1, 13)]
    total = sum(r["energy_tce"] for r in m["rows"])
    assert abs(total - d["figures"]["energy_tce"]) <= 1e-6 * d["figures"]["energy_tce"]  # the months add up
    wide = c.get(f"/api/districts/{district}?from_month={year - 1}-11&to_month={year}-02").json()["months"]
    rows = {r["period"]: r for r in wide["rows"]}
    assert list(rows) == [f"{year - 1}-11", f"{year - 1}-12", f"{year}-01", f"{year}-02"]
    jan, dec = rows[f"{year}-01"], rows[f"{year - 1}-12"]
    assert abs(jan["energy_tce_mom"] - (jan["energy_tce"] / dec["energy_tce"] - 1)) < 1e-9
    before = {r["period"]: r for r in c.get(f"/api/districts/{district}?year={year - 1}").json()["months"]["rows"]}
    assert abs(jan["co2_t_yoy"] - (jan["co2_t"] / before[f"{year - 1}-01"]["co2_t"] - 1)) < 1e-9
    first = c.get(f"/api/districts/{district}?year={site.years[0]}").json()["months"]["rows"][0]
    assert first["energy_tce_mom"] is None and first["energy_tce_yoy"] is None  # nothing before the data
    html = c.get(f"/districts/{district}?from_month={year}-03&to_month={year}-05", headers=HTML).text
    assert 'id="months-form"' in html and f'<option value="{year}-03" selected>' in html
    assert html.count('<tr data-period="') == 3 and "环比" in html and "同比" in html
    firm_id = c.get(f"/api/enterprises?district={district}&size=1").json()["rows"][0]["entity_id"]
    e = c.get(f"/api/enterprises/{firm_id}?from_month={year}-06&to_month={year}-06").json()["months"]
    assert [r["period"] for r in e["rows"]] == [f"{year}-06"]
    assert "on the month before" in c.get(f"/enterprises/{firm_id}?lang=en", headers=HTML).text
    for bad in ("from_month=2023-13", "from_month=1999-01", f"from_month={year}-05&to_month={year}-02",
                "to_month=x"):
        for url in (f"/api/districts/{district}?{bad}", f"/api/enterprises/{firm_id}?{bad}"):
            r = c.get(url)
            assert r.status_code == 422 and " / " in r.json()["detail"], (url, r.text[:200])
        assert c.get(f"/districts/{district}?{bad}&lang=en", headers=HTML).status_code == 422


def test_every_page_names_the_profile_version_that_produced_it(site: Site) -> None:
    profile = site.client.get("/api/profile").json()
    for url in ("/", "/enterprises", "/targets", f"/enterprises?year={site.years[0]}&lang=en"):
        html = site.client.get(url, headers=HTML).text
        assert f'data-version="{profile["version"]}"' in html, url
    assert "本市只保存当前版本" in site.client.get("/", headers=HTML).text
