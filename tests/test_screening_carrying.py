"""R-CARRYING, the regional approval restriction (区域限批) of carrying-capacity red zones
(docs/screening.md, "Carrying-capacity red zones"; issue #18 item 5): hand-made projects in
the demo city's districts, screened against the district's latest evaluation up to the
application year, worked from the demo's inputs and the rules written out here:

- 意见 (2017-09-20) 二(三): red zones: "针对超载因素实施最严格的区域限批，依法暂停办理相关行业领域新建、
  改建、扩建项目审批手续"; a district moved from 临界超载 to 超载 is handled like a red zone;
- the industries concerned by each factor are the demo city's own choice
  (``screening/rules/carrying_sectors.toml``): land → every project taking land; water →
  4411, 4412, 13, 15, 17, 22, 25, 26, 28, 31; environment → 17, 19, 22, 25–28, 30–32, 4411,
  4412; ecology → 06–12.

The demo city (2020–2025, docs/demo-city.md "Carrying-capacity inputs") evaluates 2021 and
2025: 钢城区 is red in both (2025: land overloaded, D = 0.12 > 0), 临江县 red in 2021
(environment) and yellow in 2025, 青山区 blue in 2021 and orange in 2025 with water
overloaded (use 1.04 × its control target > 1): from 临界超载 to 超载, handled as red.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qingshan.city import City
from qingshan.city.config import write_city_config
from qingshan.city.demo import create_demo_city
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package
from qingshan.documents import carrying as carrying_doc
from qingshan.documents import screening as screening_doc
from qingshan.errors import ValidationError
from qingshan.methods import carrying_capacity as cc
from qingshan.screening import read_project
from qingshan.screening import rules as r
from qingshan.screening.carrying import DistrictState
from tests.web_city import client_of, web_city

YEARS = list(range(2020, 2026))
HTML = {"accept": "text/html"}
QUOTE = "针对超载因素实施最严格的区域限批，依法暂停办理相关行业领域新建、改建、扩建项目审批手续"
GANGCHENG, QINGSHAN, LINJIANG, SHIMEN = "459904", "459902", "459921", "459922"
SECTORS = r.load_carrying_sectors()


def project_text(*, district: str | None = None, park: str | None = None, code: str = "3670",
                 date: str = "2026-03-01", land: float | None = 50.0) -> str:
    where = f'district_id: "{district}"\n' if district else f"park_id: {park}\n"
    return ("name: 承载力测试项目\nbuilder: 承载力测试公司\n"
            f'industry_code: "{code}"\nkind: new\napplication_date: {date}\ncommissioning_year: 2027\n'
            f"{where}energy:\n  - {{carrier: 电力, quantity: 100, unit: 万千瓦时}}\n"
            "value_added: 5000\n" + ("" if land is None else f"land_mu: {land}\n"))


def project(tmp: Path, **kw: Any) -> Any:
    f = tmp / "p.yaml"
    f.write_text(project_text(**kw), "utf-8")
    return read_project(f)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("carrying-screen")
    create_demo_city(d, enterprises=60, years=YEARS, seed=2025)
    return d


@pytest.fixture(scope="module")
def city(demo_dir: Path) -> Iterator[City]:
    with City.open(demo_dir) as c:
        yield c


def screened(city: City, tmp: Path, **kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The screening document of a hand-made project and its R-CARRYING reason."""
    doc = screening_doc.build(city, project(tmp, **kw))
    (reason,) = [x for x in doc["reasons"] if x["rule"] == "R-CARRYING"]
    return doc, reason


# --------------------------------------------------------------------------- the demo's inputs


def test_the_states_agree_with_the_carrying_page(city: City) -> None:
    """The screening reads the same evaluation as the carrying document (``qingshan carrying``):
    钢城区 2025 land D = 0.12 > 0 (超载, the rule file's cut 0); its colour red."""
    ci = city.package["carrying_inputs"]
    row = ci[(ci["district_id"].astype(str) == GANGCHENG) & (ci["year"] == 2025)].iloc[0]
    assert float(row["land_pressure_index"]) == 0.12 and 0.12 > 0.0
    src = city.carrying_source()
    for year in (2021, 2025):
        doc = carrying_doc.build(city, year)
        for d in doc["districts"]:
            s = src.state(d["district_id"], year)
            assert (s.year, s.colour, s.load, s.trend) == (year, d["colour"], d["load"], d["trend"])
            assert list(s.factors) == [f["element"] for f in d["overload_factors"]]
    assert src.state(GANGCHENG, 2026).year == 2025  # the latest evaluation up to the application year
    assert src.state(GANGCHENG, 2024).year == 2021
    early = src.state(GANGCHENG, 2020)  # 2016 is a process base only (no element assessed)
    assert not early.evaluated and "no element" in early.why_en


# --------------------------------------------------------------------------- the rule on the demo city


def test_a_land_project_in_the_red_district_fails(city: City, tmp_path: Path) -> None:
    doc, reason = screened(city, tmp_path, district=GANGCHENG, land=50.0)
    assert reason["outcome"] == "fail" and doc["verdict"] == "not_approvable"
    n = reason["numbers"]
    assert (n["year"], n["colour"], n["load"], n["overload_factors"], n["related"]) == (
        2025, "red", "overloaded", ["land"], ["land"])
    assert "钢城区" in reason["zh"] and "2025 年" in reason["zh"] and "红色预警" in reason["zh"]
    assert "超载因素：土地资源" in reason["zh"] and f"“{QUOTE}”" in reason["zh"]
    assert "二(三)" in reason["zh"] and "暂停办理审批" in reason["zh"]
    assert "钢城区" in reason["en"] and "red warning" in reason["en"] and "land resources" in reason["en"]
    assert "2025" in reason["en"] and "approval suspended" in reason["en"] and "II(3)" in reason["en"]
    assert "[U]" in reason["source"] and "[R]" in reason["source"]  # the demo's choice and the 意见's quote


def test_land_not_stated_asks_for_conditions_and_no_land_passes(city: City, tmp_path: Path) -> None:
    _, unsure = screened(city, tmp_path, district=GANGCHENG, land=None)
    assert unsure["outcome"] == "conditions" and unsure["numbers"]["to_confirm"] == ["land"]
    assert "未填报用地面积" in unsure["zh"] and "states no land area" in unsure["en"]
    _, none = screened(city, tmp_path, district=GANGCHENG, land=0.0)
    assert none["outcome"] == "pass" and none["numbers"]["related"] == []
    assert "不受区域限批" in none["zh"] and "not restricted" in none["en"]


def test_critical_to_overloaded_is_handled_as_red(city: City, tmp_path: Path) -> None:
    """青山区 2025: orange (overloaded, easing) but from 临界超载 in 2021 to 超载: as red (意见
    二(三)); its factor water: paper (2221, division 22) is concerned, car parts (3670) not."""
    doc, paper = screened(city, tmp_path, district=QINGSHAN, code="2221")
    n = paper["numbers"]
    assert (n["colour"], n["transition_from"], n["transition_to"], n["measure"]) == (
        "orange", "critical", "overloaded", "as_red")
    assert paper["outcome"] == "fail" and n["related"] == ["water"] and doc["verdict"] == "not_approvable"
    assert "橙色预警" in paper["zh"] and "参照红色预警区处理" in paper["zh"] and "超载因素：水资源" in paper["zh"]
    assert "handled as a red zone" in paper["en"]
    _, parts = screened(city, tmp_path, district=QINGSHAN, code="3670")
    assert parts["outcome"] == "pass" and parts["numbers"]["related"] == []


def test_other_colours_are_a_note(city: City, tmp_path: Path) -> None:
    """石门县 (the sugar park P06, district from the park) is green in 2025: a note, whatever
    the industry (sugar 1340 is water-intensive by the demo's list)."""
    doc, reason = screened(city, tmp_path, park="P06", code="1340")
    assert reason["outcome"] == "info" and reason["numbers"]["district_id"] == SHIMEN
    assert reason["numbers"]["colour"] == "green" and "绿色无警" in reason["zh"] and "不实施区域限批" in reason["zh"]
    assert "not a red zone" in reason["en"]
    assert doc["verdict"] != "not_approvable" or any(x["outcome"] == "fail" and x["rule"] != "R-CARRYING"
                                                     for x in doc["reasons"])


def test_the_evaluation_in_force_at_the_application_date(city: City, tmp_path: Path) -> None:
    """临江县 (the chemical park P02): red in 2021 (environment overloaded), yellow in 2025. A
    chemicals project (2614, division 26) applied for in 2022 is screened against 2021 and
    fails; the same in 2026 against 2025, a note."""
    _, early = screened(city, tmp_path, park="P02", code="2614", date="2022-06-01")
    assert (early["outcome"], early["numbers"]["year"], early["numbers"]["overload_factors"]) == (
        "fail", 2021, ["environment"])
    assert early["numbers"]["related"] == ["environment"] and "主要排污行业" in early["zh"]
    _, late = screened(city, tmp_path, park="P02", code="2614", date="2026-06-01")
    assert (late["outcome"], late["numbers"]["year"], late["numbers"]["colour"]) == ("info", 2025, "yellow")
    assert "奖励性措施" in late["zh"]  # 超载 → 临界超载 since 2021


def test_the_demo_projects_keep_their_verdicts(city: City) -> None:
    """The shipped demo projects lie in 河东区 (P04, blue) and 石门县 (P03, P06, green): notes."""
    for name, verdict in (("auto_parts", "approvable"), ("aluminium_expansion", "not_approvable"),
                          ("sugar_small", "approvable")):
        doc = screening_doc.build(city, read_project(name))
        (reason,) = [x for x in doc["reasons"] if x["rule"] == "R-CARRYING"]
        assert reason["outcome"] == "info" and doc["verdict"] == verdict, name


# --------------------------------------------------------------------------- the rule by itself


def state(colour: str | None, measure: str | None, factors: tuple[str, ...]) -> DistrictState:
    load = {"red": "overloaded", "orange": "overloaded", "yellow": "critical", "blue": "critical",
            "green": "not_overloaded", None: None}[colour]
    t = {"kind": "worsened", "from": "critical", "to": "overloaded", "from_zh": "临界超载", "to_zh": "超载",
         "from_en": "critical", "to_en": "overloaded", "measure": measure, "measure_zh": "措施",
         "measure_en": "measure"} if measure else {"kind": "unchanged", "measure": None}
    return DistrictState("459904", "钢城区", True, year=2025, rules="carrying_capacity-2016 v1", load=load,
                         load_determined=load is not None, colour=colour, factors=factors, transition=t)


def test_fail_only_in_a_restricted_district_for_a_concerned_industry(tmp_path: Path) -> None:
    """Every colour × change-of-class measure × overload factors × industry: the outcome is
    fail exactly when the district is red or handled as red and the industry is concerned by
    one of its factors (a plain restatement of the rule); a note where it is not restricted."""
    rules = r.load_screening_rules({k: k for k in r.RULE_KEYS})
    projects = {key: project(tmp_path, district=GANGCHENG, code=key[:4], land=land)
                for key, land in (("2221", 0.0), ("0610", 0.0), ("3670", 0.0), ("3670-land", 10.0))}
    concerned = {"2221": {"water", "environment"}, "0610": {"ecology"}, "3670": set(), "3670-land": {"land"}}
    for colour, measure in itertools.product([*cc.COLOURS, None], [None, "as_red", "single_element", "reward"]):
        for n in range(3):
            for factors in itertools.combinations(cc.ELEMENTS, n):
                s = state(colour, measure, factors)
                restricted = colour == "red" or measure == "as_red"
                for key, p in projects.items():
                    got = r.carrying(p, s, rules)
                    hit = bool(concerned[key] & set(factors))
                    want = ("fail" if hit else "pass") if restricted else "info"
                    assert got.outcome == want, (colour, measure, factors, key, got.zh)


def test_not_evaluated_and_no_sector_list_are_notes(tmp_path: Path) -> None:
    rules = r.load_screening_rules({k: k for k in r.RULE_KEYS})
    p = project(tmp_path, district=GANGCHENG)
    unknown = DistrictState(GANGCHENG, "钢城区", False, "数据包没有资源环境承载能力评价数据", "no inputs")
    none = r.carrying(p, unknown, rules)
    assert none.outcome == "info" and none.numbers["evaluated"] is False and "未作" in none.zh
    assert r.carrying(p, None, rules).outcome == "info"
    without = r.load_screening_rules({k: (None if k == "carrying_sectors" else k) for k in r.RULE_KEYS})
    got = r.carrying(p, state("red", None, ("land",)), without)
    assert got.outcome == "info" and "未选择超载因素对应的相关行业领域" in got.zh and "not checked" in got.en


def test_the_sector_file_is_the_demo_citys_choice() -> None:
    """Each element once; every entry tagged U (the city's own), the quote tagged R."""
    assert set(SECTORS["factors"]) == set(cc.ELEMENTS)
    assert all(e["tag"] == "U" for e in SECTORS["factors"].values()) and SECTORS["tag"] == "U"
    assert SECTORS["quote_zh"] == QUOTE and SECTORS["quote_tag"] == "R"
    land = SECTORS["factors"]["land"]
    assert land["all_industries"] and land["takes_land"] and land["prefixes"] == []
    assert SECTORS["factors"]["water"]["prefixes"] == ["4411", "4412", "13", "15", "17", "22", "25", "26", "28", "31"]
    assert SECTORS["factors"]["ecology"]["prefixes"] == ["06", "07", "08", "09", "10", "11", "12"]


def test_a_hostile_sector_file_reports_every_problem(tmp_path: Path) -> None:
    f = tmp_path / "carrying_sectors-bad.toml"
    f.write_text('zh = "x"\nen = "x"\nsource = "x"\ntag = "Q"\nquote_zh = "q"\nquote_en = "q"\n'
                 'quote_source = "s"\nquote_tag = "R"\ncolour = "red"\n'
                 '[[factor]]\nelement = "air"\nzh = "a"\nen = "a"\nprefixes = ["3"]\nsource = "s"\ntag = "U"\n'
                 '[[factor]]\nelement = "land"\nzh = "b"\nen = "b"\nprefixes = ["31"]\nall_industries = true\n'
                 'source = "s"\ntag = "U"\n'
                 '[[factor]]\nelement = "land"\nzh = "c"\nen = "c"\nall_industries = true\nsource = "s"\n'
                 'tag = "U"\nextra = 1\n', "utf-8")
    with pytest.raises(ValidationError) as e:
        r.load_carrying_sectors(f)
    where = {(p.code, p.column) for p in e.value.problems}
    assert {("R010", "colour"), ("R010", "tag"), ("R010", "factor[0].element"), ("R010", "factor[0].prefixes"),
            ("R010", "factor[1].prefixes"), ("R010", "factor[2].element"), ("R010", "factor[2].extra")} <= where, where


# --------------------------------------------------------------------------- cities without it


def test_a_city_without_carrying_inputs(tmp_path: Path) -> None:
    tables = generate_demo_city(enterprises=30, years=range(2022, 2024))
    for name in ("carrying_inputs", "carrying_national_rates"):
        tables.pop(name, None)
    write_csv_package(tables, tmp_path / "package")
    write_city_config(tmp_path, "demo")
    with City.open(tmp_path) as c:
        _, reason = screened(c, tmp_path, district=GANGCHENG)
    assert reason["outcome"] == "info" and reason["numbers"]["evaluated"] is False
    assert "has no carrying-capacity inputs" in reason["en"] and "未作资源环境承载能力区域限批审查" in reason["zh"]


def test_a_profile_without_the_sector_list(demo_dir: Path, tmp_path: Path) -> None:
    """A profile that selects no ``screening.carrying_sectors``: the red zone is named, the
    restriction not checked (a note, never a pass)."""
    prof = tmp_path / "no-sectors.toml"
    prof.write_text('id = "no-sectors"\nzh = "测试"\nen = "test"\nlevel = "city"\nregion_code = "459900"\n'
                    'parent = "demo"\nversion = "1"\nreleased = 2026-12-01\nchanges = "test"\n\n'
                    '[[screening.carrying_sectors]]\nvalue = "none"\nfrom = 2016\nsource = "test"\n', "utf-8")
    with City.open(demo_dir, profile=prof) as c:
        _, reason = screened(c, tmp_path, district=GANGCHENG)
    assert reason["outcome"] == "info" and reason["numbers"]["colour"] == "red"
    assert "未作区域限批审查" in reason["zh"] and "a reviewer must decide" in reason["en"]


def test_a_profile_without_carrying_rules(demo_dir: Path, tmp_path: Path) -> None:
    """A profile whose ``environment.carrying_capacity`` starts after the data (from 2030):
    no evaluation up to the application year, a note."""
    prof = tmp_path / "no-rules.toml"
    prof.write_text('id = "no-rules"\nzh = "测试"\nen = "test"\nlevel = "city"\nregion_code = "459900"\n'
                    'parent = "demo"\nversion = "1"\nreleased = 2026-12-01\nchanges = "test"\n\n'
                    '[[environment.carrying_capacity]]\nvalue = "carrying_capacity-2016"\nfrom = 2030\n'
                    'source = "test"\n', "utf-8")
    with City.open(demo_dir, profile=prof) as c:
        _, reason = screened(c, tmp_path, district=GANGCHENG)
    assert reason["outcome"] == "info" and reason["numbers"]["evaluated"] is False
    assert "selects no carrying-capacity rules up to 2025" in reason["en"]
    assert "配置未为 2025 年及以前选择资源环境承载能力规则" in reason["zh"]


# --------------------------------------------------------------------------- the screening page


@pytest.fixture(scope="module")
def client(demo_dir: Path) -> TestClient:
    return client_of(web_city(demo_dir))


def test_the_screening_page_and_its_twin_show_the_reason(client: TestClient) -> None:
    text = project_text(district=GANGCHENG)
    doc = client.post("/api/screen", content=text.encode(), headers={"content-type": "text/plain"}).json()
    assert doc["result"] is not None, doc["problems"]
    (reason,) = [x for x in doc["result"]["reasons"] if x["rule"] == "R-CARRYING"]
    assert reason["outcome"] == "fail" and doc["result"]["verdict"] == "not_approvable"
    zh = client.post("/screen", headers=HTML, data={"project": text})
    assert zh.status_code == 200 and "R-CARRYING" in zh.text
    assert reason["zh"] in html.unescape(zh.text) and reason["en"] not in html.unescape(zh.text)
    en = client.post("/screen?lang=en", headers=HTML, data={"project": text})
    assert en.status_code == 200 and reason["en"] in html.unescape(en.text)
