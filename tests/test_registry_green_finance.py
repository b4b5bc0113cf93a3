"""Green-finance lists (docs/registries.md, "Green finance"): the demo rule file, every
problem of a hostile file collected, the lists judged by hand on enterprises written out
below, properties of the judging, the document on a small demo city and
`qingshan registry green-finance` with its exports for banks."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.city import City
from qingshan.cli import main
from qingshan.documents.registry_green_finance import green_finance_document
from qingshan.errors import ConfigError, ValidationError
from qingshan.profiles import load_profile
from qingshan.registry.green_finance import (
    Criterion,
    FinanceList,
    Firm,
    GreenFinanceRules,
    Standing,
    green_finance_for,
    judge,
    listings,
    load_green_finance,
)

DEMO = load_green_finance("green_finance-demo")


def firm(eid: str, cls: str | None = None, grade: str | None = None, industry: str | None = "3981",
         standings: tuple[Standing, ...] | None = ()) -> Firm:
    return Firm(eid, f"企业{eid}", "459921", None, industry, cls, grade, standings)


def on(right: str, status: str) -> Standing:
    return Standing(right, "2025", status)


def test_the_demo_file_cites_every_list_and_criterion() -> None:
    assert [x.id for x in DEMO.lists] == ["mujun_priority", "mujun_restricted", "carbon_efficiency_loan",
                                          "compliance_watch", "pollution_liability_insurance"]
    assert {x.kind for x in DEMO.lists} == {"credit", "insurance"}
    for lst in DEMO.lists:
        assert lst.source.strip() and lst.own_choice.strip(), lst.id  # the demo marks its own choices
        for c in lst.criteria:
            assert c.source.strip() and c.zh.strip() and c.en.strip(), (lst.id, c.field)
    assert DEMO.rights == ("YN", "TP", "PW-COD", "PW-NH3N", "PW-SO2", "PW-NOX")
    assert green_finance_for(load_profile("demo"), 2025) == DEMO


def test_a_profile_without_the_key_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"registry\.green_finance"):
        green_finance_for(load_profile("national"), 2025)


def test_a_hostile_file_reports_every_problem(tmp_path: Path) -> None:
    f = tmp_path / "gf.toml"
    f.write_text('''name = "x"
zh = "x"
en = "x"
source = "x"
colour = "green"

[[list]]
id = "Bad Id"
kind = "mortgage"
zh = "x"
en = "x"
source = "x"

[[list.criterion]]
field = "mujun_class"
op = "in"
values = ["E"]
rights = ["YN"]
missing = "maybe"
zh = "x"
en = "x"
source = "x"

[[list.criterion]]
field = "compliance"
op = "equals"
values = ["late", "forgiven"]
missing = "met"
zh = "x"
en = "x"

[[list]]
id = "ok"
kind = "credit"
zh = "x"
en = "x"
source = "x"

[[list.criterion]]
field = "industry"
op = "in"
values = ["3211", "32A", "7"]
rights = ["yn"]
missing = "not_met"
zh = "x"
en = "x"
source = "x"
''', "utf-8")
    with pytest.raises(ValidationError) as e:
        load_green_finance(f)
    got = sorted((p.code, p.column, p.value) for p in e.value.problems)
    assert got == sorted([
        ("D510", "colour", None),  # an unknown key
        ("D510", "list[0].id", "Bad Id"),
        ("D510", "list[0].kind", "mortgage"),
        ("D510", "list[0].criterion[0].values", "E"),  # not a class
        ("D510", "list[0].criterion[0].rights", "YN"),  # rights only for compliance
        ("D510", "list[0].criterion[0].missing", "maybe"),
        ("D510", "list[0].criterion[1].values", "forgiven"),  # not a status
        ("D510", "list[0].criterion[1].rights", None),  # compliance needs its rights
        ("D510", "list[0].criterion[1].op", "equals"),
        ("D510", "list[0].criterion[1].source", None),  # every criterion cites
        ("D510", "list[1].criterion[0].values", "32A"),
        ("D510", "list[1].criterion[0].values", "7"),
        ("D510", "list[1].criterion[0].rights", "yn"),
        ("D510", "list[1].criterion[0].rights", "yn"),
    ])
    assert all(p.file == str(f) for p in e.value.problems)


def test_unknown_and_unreadable_files() -> None:
    with pytest.raises(ValidationError) as e:
        load_green_finance("green_finance-nowhere")
    assert e.value.problems[0].code == "D501"
    with pytest.raises(ValidationError) as e:
        load_green_finance(Path(__file__).parent / "data" / "nothing-here.toml")
    assert e.value.problems[0].code == "D501"


def test_a_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    f = tmp_path / "gf.toml"
    f.write_text('name = "x"\n[[list]\n', "utf-8")
    with pytest.raises(ValidationError) as e:
        load_green_finance(f)
    assert e.value.problems[0].code == "D502" and "2" in (e.value.problems[0].expected_en or "")


# --- the demo's lists, judged by hand ---------------------------------------------------
#
# mujun_priority: class A. mujun_restricted: class D. carbon_efficiency_loan: grade 1 or 2,
# AND not class D (no class counts as met), AND no YN or TP standing `not_done` (none counts
# as met). compliance_watch: a YN, TP or PW-* standing `not_done` (none: not met).
# pollution_liability_insurance: industry starting 0911–0915, 3211–3215, 3843, 191, 192, 26.

FIRMS = [
    firm("E1", "A", "1", standings=(on("YN", "on_time"),)),  # priority, loan
    firm("E2", "D", "1"),  # restricted; not the loan (class D)
    firm("E3", "B", "2", standings=(on("YN", "not_done"),)),  # watch; not the loan
    firm("E4", None, None, industry="3211"),  # copper smelting: insurance only
    firm("E5", "C", "2", standings=None),  # no compliance list at all: the loan by `missing = met`
    firm("E6", "B", "1", industry="3216", standings=(on("YN", "late"), on("TP", "on_time"))),  # aluminium: no
    firm("E7", "C", "3", industry="2612", standings=(on("PW-COD", "not_done"), on("YN", "on_time"))),  # watch, ins.
    firm("E8", "A", "2", industry="26", standings=(on("TP", "not_done"),)),  # priority, watch, insurance
    firm("E9", "T", "5", industry="1910", standings=(on("YN", "open"),)),  # leather: insurance
    firm("E10", "B", "2", industry="321", standings=(on("YN", "unknown"),)),  # "321" is not "3211": no insurance
]


def test_the_demo_lists_by_hand() -> None:
    got = {k: [x.firm.entity_id for x in v] for k, v in listings(DEMO, FIRMS).items()}
    assert got == {
        "mujun_priority": ["E1", "E8"],
        "mujun_restricted": ["E2"],
        "carbon_efficiency_loan": ["E1", "E5", "E6", "E10"],
        "compliance_watch": ["E3", "E7", "E8"],
        "pollution_liability_insurance": ["E4", "E7", "E8", "E9"],
    }


def test_each_listing_says_why() -> None:
    by = {(x.list_id, x.firm.entity_id): x for v in listings(DEMO, FIRMS).values() for x in v}
    assert by["mujun_priority", "E1"].reason_zh == "亩均类别为 A 类，符合“亩均评价 A 类”"
    assert by["mujun_priority", "E1"].reason_en == "亩均 class is A: meets “亩均 class A”"
    assert by["carbon_efficiency_loan", "E1"].reason_zh == (
        "碳效等级为 1 级，符合“碳效等级 1 级（高效）或 2 级（较高）”；亩均类别为 A 类，符合“非亩均 D 类”；"
        "履约状态为 YN 2025 按时完成，符合“用能权、碳排放配额未有未完成履约”")
    assert by["carbon_efficiency_loan", "E5"].reason_zh.endswith(
        "履约状态：无履约名单，按规则视为符合“用能权、碳排放配额未有未完成履约”")
    assert by["carbon_efficiency_loan", "E5"].reason_en.endswith(
        "compliance status: no compliance list, counted as meeting “no unfinished surrender of 用能权 or carbon "
        "allowances” by the rule")
    # E10 has a YN standing without an accounted figure: it has a standing, so it is not "no obligation"
    assert by["carbon_efficiency_loan", "E10"].reasons[-1].value_zh == "YN 2025 无核算数据"
    assert by["compliance_watch", "E7"].reason_zh == (
        "履约状态为 PW-COD 2025 未完成，YN 2025 按时完成，符合“有未完成的履约（用能权、碳排放配额或排污权）”")
    assert by["pollution_liability_insurance", "E9"].reason_en == (
        "industry code is 1910: meets “in an industry the guidance lists for heavy metals”")


def test_a_firm_without_obligations_for_the_rights_is_not_on_the_watch_list() -> None:
    f = firm("X", "B", "2", standings=(on("PW-COD", "on_time"),))
    watch = next(x for x in DEMO.lists if x.id == "compliance_watch")
    loan = next(x for x in DEMO.lists if x.id == "carbon_efficiency_loan")
    assert judge(watch.criteria[0], f) is None
    r = judge(loan.criteria[2], f)  # a PW-COD standing is not one of YN, TP: no obligation, met by `missing`
    assert r is not None and r.counted and r.value_zh == "无履约义务"


# --- properties ------------------------------------------------------------------------

FIELD_VALUES = {"mujun_class": ("A", "B", "C", "D", "T"), "carbon_grade": ("1", "2", "3", "4", "5"),
                "compliance": ("on_time", "late", "not_done", "open", "unknown"),
                "industry": ("26", "3211", "191", "0912")}
STATUS = st.sampled_from(FIELD_VALUES["compliance"])
RIGHT = st.sampled_from(("YN", "TP", "PW-COD"))
FIRM = st.builds(
    Firm, entity_id=st.text("abcdef", min_size=1, max_size=4), name=st.just("x"), district_id=st.none(),
    park_id=st.none(), industry_code=st.one_of(st.none(), st.sampled_from(("2612", "3211", "3216", "1910", "0912"))),
    mujun_class=st.one_of(st.none(), st.sampled_from(FIELD_VALUES["mujun_class"])),
    carbon_grade=st.one_of(st.none(), st.sampled_from(FIELD_VALUES["carbon_grade"])),
    standings=st.one_of(st.none(), st.lists(st.builds(Standing, RIGHT, st.just("2025"), STATUS), max_size=3)
                        .map(tuple)))


@st.composite
def criterion(draw: st.DrawFn) -> Criterion:
    field = draw(st.sampled_from(tuple(FIELD_VALUES)))
    values = tuple(draw(st.lists(st.sampled_from(FIELD_VALUES[field]), min_size=1, max_size=3, unique=True)))
    rights = tuple(draw(st.lists(RIGHT, min_size=1, max_size=2, unique=True))) if field == "compliance" else ()
    return Criterion(field, draw(st.sampled_from(("in", "not_in"))), values, rights,
                     draw(st.sampled_from(("met", "not_met"))), "z", "e", "s")


def _rules(*lists: FinanceList) -> GreenFinanceRules:
    return GreenFinanceRules("t", "t", "0", "t", "t", "t", "", lists)


@settings(max_examples=200, deadline=None)
@given(c=criterion(), firms=st.lists(FIRM, max_size=12))
def test_in_and_not_in_with_opposite_missing_split_every_firm(c: Criterion, firms: list[Firm]) -> None:
    """A list and its complement (`in` ↔ `not_in`, `met` ↔ `not_met`) hold every firm
    exactly once between them."""
    other = Criterion(c.field, "not_in" if c.op == "in" else "in", c.values, c.rights,
                      "not_met" if c.missing == "met" else "met", "z", "e", "s")
    got = listings(_rules(FinanceList("a", "credit", "", "", "", "", (c,)),
                          FinanceList("b", "credit", "", "", "", "", (other,))), firms)
    assert sorted(id(x.firm) for x in got["a"] + got["b"]) == sorted(id(f) for f in firms)
    assert not {id(x.firm) for x in got["a"]} & {id(x.firm) for x in got["b"]}


@settings(max_examples=100, deadline=None)
@given(crits=st.lists(criterion(), min_size=1, max_size=4), firms=st.lists(FIRM, max_size=12), data=st.data())
def test_a_list_is_the_intersection_of_its_criteria_and_order_free(crits: list[Criterion], firms: list[Firm],
                                                                    data: st.DataObject) -> None:
    single = [FinanceList(f"c{i}", "credit", "", "", "", "", (c,)) for i, c in enumerate(crits)]
    rules = _rules(FinanceList("all", "insurance", "", "", "", "", tuple(crits)), *single)
    got = listings(rules, firms)
    each = [{id(x.firm) for x in got[f"c{i}"]} for i in range(len(crits))]
    assert {id(x.firm) for x in got["all"]} == set.intersection(*each)
    assert all(len(x.reasons) == len(crits) for x in got["all"])  # every criterion gives its reason
    shuffled = data.draw(st.permutations(firms))
    again = listings(rules, shuffled)
    assert {k: sorted(id(x.firm) for x in v) for k, v in again.items()} == \
        {k: sorted(id(x.firm) for x in v) for k, v in got.items()}


# --- the document and the command, on a small demo city ----------------------------------


@pytest.fixture(scope="module")
def demo_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from qingshan.city.demo import create_demo_city

    d = tmp_path_factory.mktemp("gf") / "city"
    create_demo_city(d, enterprises=80, years=[2023, 2024], seed=7)
    return d


def test_the_document_follows_the_evaluation(demo_city: Path) -> None:
    with City.open(demo_city) as city:
        firms = city.evaluation(2024).firms
        some = str(firms["entity_id"].iloc[0])
        doc = green_finance_document(city, 2024, standings={some: [Standing("YN", "2024", "not_done")]})
    classes = firms["class"].astype("string")
    counts = {x["list"]: x["count"] for x in doc["lists"]}
    assert counts["mujun_priority"] == int((classes == "A").sum())
    assert counts["mujun_restricted"] == int((classes == "D").sum())
    assert counts["compliance_watch"] == 1
    assert [x["entity_id"] for x in doc["listings"] if x["list"] == "compliance_watch"] == [some]
    industry = firms["industry_code"].astype("string").fillna("")
    heavy = ("0911", "0912", "0913", "0914", "0915", "3211", "3212", "3213", "3214", "3215", "3843", "191", "192", "26")
    assert counts["pollution_liability_insurance"] == int(industry.map(lambda c: c.startswith(heavy)).sum())
    assert sum(counts.values()) == len(doc["listings"])
    assert doc["compliance"] == {"period": "2024", "rights": list(DEMO.rights), "available": True}
    assert doc["rules"]["selection"]["value"] == "green_finance-demo" and doc["rules"]["selection"]["borrowed"]
    assert doc["profile"]["id"] == "demo"
    for x in doc["listings"]:
        assert x["reason"]["zh"] and x["reason"]["en"]


def test_without_a_registry_the_document_says_so(demo_city: Path) -> None:
    with City.open(demo_city) as city:
        doc = green_finance_document(city, 2024, only=["compliance_watch", "carbon_efficiency_loan"])
        with pytest.raises(ConfigError, match="mujun_priority"):
            green_finance_document(city, 2024, only=["nope"])
    assert doc["compliance"]["available"] is False  # the city has no application database yet
    assert [x["list"] for x in doc["lists"]] == ["carbon_efficiency_loan", "compliance_watch"]
    assert {x["list"]: x["count"] for x in doc["lists"]}["compliance_watch"] == 0
    assert any("未能读取履约名单" in n["zh"] for n in doc["notes"])


def test_the_command_exports_for_banks(demo_city: Path, tmp_path: Path) -> None:
    run = CliRunner().invoke
    r = run(main, ["registry", "green-finance", str(demo_city), "--year", "2024"])
    assert r.exit_code == 0, r.output
    assert "亩均 A 类企业信贷优先保障名单" in r.output
    out = tmp_path / "gf.csv"
    r = run(main, ["registry", "green-finance", str(demo_city), "--year", "2024", "--format", "csv", "--out", str(out),
                   "--list", "mujun_priority"])
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())  # Excel opens it in Chinese
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["名单代码", "名单", "名单类型"] and "原因" in rows[0] and "亩均类别" in rows[0]
    assert {r[0] for r in rows[1:]} == {"mujun_priority"} and len(rows) > 1
    out_en = tmp_path / "gf-en.csv"
    r = run(main, ["--lang", "en", "registry", "green-finance", str(demo_city), "--year", "2024", "--format", "csv",
                   "--out", str(out_en)])
    assert r.exit_code == 0, r.output
    head = next(csv.reader(io.StringIO(out_en.read_bytes().decode("utf-8-sig"))))
    assert head[:3] == ["list id", "list", "list type"] and "reason" in head
    book = tmp_path / "gf.xlsx"
    r = run(main, ["registry", "green-finance", str(demo_city), "--year", "2024", "--format", "xlsx", "--out",
                   str(book)])
    assert r.exit_code == 0, r.output
    sheets = pd.read_excel(book, sheet_name=None, engine="calamine")
    assert list(sheets) == ["说明", "名单与规则", "名单条件", "入选企业"]
    listed = sheets["入选企业"]
    assert len(listed) == int(sheets["名单与规则"]["企业数"].sum()) > 0
    assert set(listed["名单代码"]) <= {x.id for x in DEMO.lists} and listed["原因"].notna().all()
    r = run(main, ["registry", "green-finance", str(demo_city), "--year", "2024", "--format", "csv"])
    assert r.exit_code != 0 and "--out" in r.output
    r = run(main, ["registry", "green-finance", str(demo_city), "--year", "2024", "--list", "nope"])
    assert r.exit_code == 2 and "mujun_priority" in r.output
