"""用能权 allocation (docs/registries.md, "Allocation"): each formula worked by hand from its
document, the rule file's checks, a new project's purchase (quota, price, cost) step by
step, the free allocation by benchmark and by history, the deduction of a shortfall, the
issuance through the kernel, and properties of the rounding.

Sources of the hand calculations:
- 豫发改环资〔2022〕586号 Art. 4: 能耗指标交易量 = A × B × C ÷ 全省平均工业增加值能耗,
  0.3 ≤ B ≤ 1 (0.3 at first); Art. 5: energy reckoned at the sector's 标杆 level;
- 石嘴山市用能权交易资金管理办法（试行） (2025): 交易价格 = 150 元/tce × A × B ÷ 4.48,
  0.2 ≤ A ≤ 0.4;
- 平湖市用能权有偿使用和交易操作办法 (2014) Art. 6–8: base ¥80/tce; ≥ 100 tce (等价值) must
  buy; above 0.73 tce/¥10k the fee is base × sector coefficient;
- 豫政办〔2019〕25号: benchmark or historical method for existing capacity.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.errors import ValidationError
from qingshan.registry import balances, holdings, load_rights, verify
from qingshan.registry.allocation import (
    Level,
    Param,
    ProductLevel,
    Purchase,
    allocate,
    benchmark_amount,
    benchmark_ratio,
    deduct,
    free_lines,
    grandfathered_amount,
    henan_quota,
    load_allocation,
    pinghu_fee,
    purchase,
    shizuishan_price,
)
from qingshan.registry.models import RightRequest
from qingshan.screening.energy_right import EnergyRightRules, city_intensity, energy_right
from qingshan.screening.figures import Figures
from qingshan.screening.project import read_project
from qingshan.screening.rules import Reason
from tests.test_registry_kernel import ORGS, app_url, make_world  # noqa: F401  (app_url: a fixture)

D = Decimal
BOOK = load_rights("rights-demo", "459900")
YN = BOOK.right("YN")
DEMO = load_allocation("allocation-demo")


# --- the formulas, by hand ---------------------------------------------------------------


def test_henan_quota_is_a_times_b_times_c_over_p() -> None:
    """586号 Art. 4: A = 12 000 tce, B = 0.3, C = 2.5 tce/¥10k, P = 0.5 tce/¥10k:
    12 000 × 0.3 × 2.5 ÷ 0.5 = 3 600 × 5 = 18 000 tce."""
    assert henan_quota(D("12000"), D("0.3"), D("2.5"), D("0.5")) == D("18000")


def test_shizuishan_price() -> None:
    """石嘴山 2025: 150 × A 0.3 × B 5.6 ÷ 4.48 = 45 × 1.25 = 56.25 yuan/tce."""
    assert shizuishan_price(D("150"), D("0.3"), D("5.6"), D("4.48")) == D("56.25")


def test_pinghu_fee() -> None:
    """平湖 2014 Art. 6, 8: ¥80/tce × a sector coefficient 1.5 (a test's coefficient) = ¥120/tce."""
    assert pinghu_fee(D("80"), D("1.5")) == D("120.0")


def test_benchmark_and_grandfathered_amounts() -> None:
    """Benchmark: 500 000 t of clinker × 100 kgce/t (标杆, 1609号) ÷ 1000 = 50 000 tce.
    History: (10 000 + 11 000 + 12 500) ÷ 3 = 33 500 ÷ 3 = 11 166.67 tce."""
    assert benchmark_amount(D("500000"), D("100")) == D("50000")
    assert grandfathered_amount([D("10000"), D("11000"), D("12500")]).quantize(D("0.01")) == D("11166.67")


def test_the_benchmark_ratio_reckons_each_product_at_its_level() -> None:
    """586号 Art. 5: a single product at 110 against a level of 100 → k = 100 ÷ 110 = 0.9091;
    two products sharing the energy 60/40, the first at 110 vs 100, the second without a row:
    k = 1 + 0.6 × (100/110 − 1) = 1 − 0.6 × 0.0909 = 0.94545."""
    one = [ProductLevel("p", D(1), D(110), D(100), "kgce/t", "")]
    assert benchmark_ratio(one)[0] == D(100) / D(110)
    two = [ProductLevel("p", D("0.6"), D(110), D(100), "kgce/t", "")]
    assert benchmark_ratio(two)[0].quantize(D("0.00001")) == D("0.94545")
    neg = [ProductLevel("bof", D(1), D(-20), D(-30), "kgce/t", "")]  # a negative level is not reckoned
    ratio, notes = benchmark_ratio(neg)
    assert ratio == 1 and notes


# --- a new project's purchase -------------------------------------------------------------


def test_a_two_high_project_buys_a_b_c_over_p_at_the_shizuishan_price() -> None:
    """The demo's rules (586号 quota, 石嘴山 price). Project: 20 000 tce (等价值) of which
    5 000 tce coal, value added ¥100 million (10 000 × ¥10k), one product at 110 kgce/t against a
    标杆 of 100 kgce/t, P = 1.2 tce/¥10k:
    k = 100/110 = 0.909091; A = (20 000 − 5 000) × k = 13 636.36 tce; B = 0.3;
    C = 20 000 × k ÷ 10 000 = 1.818182 tce/¥10k;
    quota = 13 636.36 × 0.3 × 1.818182 ÷ 1.2 = 6 198.35 → 6 199 tce (rounded up);
    price = 150 × 0.3 × (20 000 ÷ 10 000 = 2.0) ÷ 4.48 = 90 ÷ 4.48 = 20.0893 yuan/tce;
    cost = 6 199 × 90 ÷ 4.48 = 124 533.48 yuan."""
    p = purchase(DEMO, YN, energy_tce=D(20000), energy_tce_equal=D(20000), coal_tce=D(5000),
                 value_added_10k_yuan=D(10000), two_high="yes", industry_code="3011",
                 levels=[ProductLevel("cement_clinker", D(1), D(110), D(100), "kgce/t", "1609号")],
                 provincial=Param(D("1.2"), "a test's provincial figure"))
    assert p is not None and p.required is True
    steps = {s.name: s.value for s in p.steps}
    assert steps["A"] is not None and steps["A"].quantize(D("0.01")) == D("13636.36")
    assert steps["C"] is not None and steps["C"].quantize(D("0.000001")) == D("1.818182")
    assert p.quota_exact is not None and p.quota_exact.quantize(D("0.01")) == D("6198.35")
    assert p.quota_tce == D(6199)
    assert p.price_yuan_per_tce is not None and p.price_yuan_per_tce.quantize(D("0.0001")) == D("20.0893")
    assert p.cost_yuan is not None and p.cost_yuan.quantize(D("0.01")) == D("124533.48")
    assert p.zh == "须购买用能权 6,199 吨标准煤，价格 20.09 元/吨标准煤，合计 124,533.48 元"
    assert p.en == "must buy 6,199 tce of energy-use rights at 20.09 yuan/tce, 124,533.48 yuan in all"
    assert any("586号" in s for s in p.sources) and any("石嘴山" in s for s in p.sources)


def test_a_project_that_is_not_two_high_buys_nothing_and_one_that_depends_is_reckoned() -> None:
    kw = {"energy_tce": D(20000), "energy_tce_equal": D(20000), "coal_tce": D(0),
          "value_added_10k_yuan": D(10000), "industry_code": "3011", "provincial": Param(D(1), "t")}
    no = purchase(DEMO, YN, two_high="no", **kw)  # type: ignore[arg-type]
    assert no is not None and no.required is False and no.quota_tce == 0 and no.price_yuan_per_tce is None
    assert no.zh == "按规则无须购买用能权"
    # 20 000 × 0.3 × 2.0 ÷ 1 = 12 000 tce, to be bought unless a reviewer finds it is not 两高
    dep = purchase(DEMO, YN, two_high="depends", **kw)  # type: ignore[arg-type]
    assert dep is not None and dep.required is True and dep.quota_tce == D(12000) and dep.notes


def test_a_project_without_value_added_has_no_quota_and_says_why() -> None:
    p = purchase(DEMO, YN, energy_tce=D(20000), energy_tce_equal=D(20000), coal_tce=D(0), value_added_10k_yuan=None,
                 two_high="yes", industry_code="3011", provincial=Param(D(1), "t"))
    assert p is not None and p.quota_tce is None and p.price_yuan_per_tce is None
    assert p.zh.startswith("须购买的用能权未能确定") and "增加值" in p.zh


PINGHU = """
name = "pinghu-test"
zh = "测试"
en = "test"
right = "YN"
source = "平湖市用能权有偿使用和交易操作办法 (2014)"
energy_basis = "equal"
energy_basis_source = "平湖 Art. 7: 100 tce (等价值)"

[purchase]
formula = "pinghu_2014"
source = "平湖 Art. 7: 年综合能耗100吨标准煤（等价值）及以上…新增用能项目…均需有偿申购"
min_energy_tce = { value = "100", source = "平湖 Art. 7" }

[price]
formula = "pinghu_2014"
source = "平湖 Art. 8"
base_yuan_per_tce = { value = "80", source = "平湖 Art. 6: 基准价格为80元/吨标准煤" }
threshold = { value = "0.73", source = "平湖 Art. 8: 单位工业增加值能耗十二五末目标值 0.73 吨标准煤" }

[[price.coefficients]]
prefixes = ["30"]
coefficient = "1.5"
source = "a test's coefficient (Pinghu's table was not read)"
"""


def test_pinghu_rules_threshold_and_sector_coefficient(tmp_path: Path) -> None:
    """平湖: 99.9 tce (等价值) need not buy; 150 tce with value added ¥1 million (100 × ¥10k)
    is 1.5 tce/¥10k > 0.73: the whole 150 tce at 80 × 1.5 = ¥120/tce, ¥18 000; at 0.5 tce/¥10k
    the fee was not read: no price; a sector without a coefficient: no price."""
    f = tmp_path / "allocation-pinghu.toml"
    f.write_text(PINGHU, "utf-8")
    rules = load_allocation(f)

    def buy(e: str, va: str, code: str = "3011") -> Purchase:
        found = purchase(rules, YN, energy_tce=D(e), energy_tce_equal=D(e), coal_tce=D(0),
                        value_added_10k_yuan=D(va), two_high=None, industry_code=code)
        assert found is not None
        return found

    small = buy("99.9", "100")
    assert small.required is False and small.quota_tce == 0
    big = buy("150", "100")
    assert (big.quota_tce, big.price_yuan_per_tce, big.cost_yuan) == (
        D(150), D("120.0"), D("18000.0"))
    low = buy("150", "300")
    assert low.quota_tce == D(150) and low.price_yuan_per_tce is None
    other = buy("150", "100", code="2511")
    assert other.price_yuan_per_tce is None and any("2511" in n[0] for n in other.notes)


def test_the_rule_file_is_checked_and_every_problem_reported(tmp_path: Path) -> None:
    """B below 586号's 0.3, A above 石嘴山's 0.4, an unknown energy convention and a source
    key misspelt: every problem at once."""
    text = (Path(__file__).resolve().parents[1] / "src/qingshan/registry/rules/allocation-demo.toml").read_text("utf-8")
    bad = (text.replace('value = "0.3"\nsource = "豫发改环资', 'value = "0.2"\nsource = "豫发改环资', 1)
           .replace('value = "0.3"\nsource = "the demo city', 'value = "0.5"\nsource = "the demo city', 1)
           .replace('energy_basis = "equal"', 'energy_basis = "both"')
           .replace('[free.grandfathering]\nyears = 3\nsource', '[free.grandfathering]\nyears = 3\nsrc'))
    f = tmp_path / "allocation-bad.toml"
    f.write_text(bad, "utf-8")
    with pytest.raises(ValidationError) as e:
        load_allocation(f)
    where = {p.column for p in e.value.problems}
    assert where == {"purchase.b.value", "price.a.value", "energy_basis", "free.grandfathering.src",
                     "free.grandfathering.source"}
    assert all(p.code == "D010" for p in e.value.problems)
    with pytest.raises(ValidationError) as e2:
        load_allocation(f.with_name("allocation-none.toml"))
    assert e2.value.problems[0].code == "D001"


# --- the screening's figure ---------------------------------------------------------------


def _fig(equal: float, calorific: float, coal: float) -> Figures:
    return Figures(energy_tce=calorific, energy_tce_equal=equal, feedstock_tce=0.0, coal_t=0.0, electricity_kwh=0.0,
                   co2_t=0.0, co2_combustion_t=0.0, co2_process_t=0.0, co2_electricity_t=0.0, co2_heat_t=0.0,
                   coal_tce=coal)


def test_screening_shows_the_quota_and_price_of_the_aluminium_expansion() -> None:
    """The demo's aluminium expansion (value added ¥1.5 billion = 150 000 × ¥10k, applying
    2026-03-01) with 900 000 tce (等价值) of new energy, no coal, its AC power 13 500 kWh/t
    against the 标杆 13 000; the city's accounts of 2025 (the last year before 2026): energy
    3 000 + 1 000 = 4 000 tce over value added 1 500 + 1 000 = 2 500 → P = 1.6 (the 2026 row is
    not used):
    k = 13 000 ÷ 13 500 = 0.962963; A = 900 000 × k = 866 666.67 tce;
    C = 866 666.67 ÷ 150 000 = 5.777778; quota = 866 666.67 × 0.3 × 5.777778 ÷ 1.6 = 938 888.89
    → 938 889 tce; price = 150 × 0.3 × (900 000 ÷ 150 000 = 6) ÷ 4.48 = 270 ÷ 4.48 = 60.27
    yuan/tce; cost = 938 889 × 270 ÷ 4.48 = 56 584 828.13 yuan."""
    project = read_project("aluminium_expansion")
    yearly = pd.DataFrame({"entity_id": ["a", "b", "a"], "year": [2025, 2025, 2026],
                           "energy_tce_equal": [3000.0, 1000.0, 99999.0], "energy_tce": [1.0, 1.0, 1.0],
                           "value_added_10k_yuan": [1500.0, 1000.0, 1.0]})
    p, year = city_intensity(yearly, "equal", 2026)
    assert year == 2025 and p is not None and p.value == D("1.6")
    eff = Reason("R-EFFICIENCY", "fail", "", "", {"product": "electrolytic_aluminium", "value": 13500.0,
                                                  "benchmark": 13000.0, "unit": "kWh/t"}, "1609号")
    chosen = EnergyRightRules(DEMO, YN)
    r = energy_right(project, _fig(900000.0, 350000.0, 0.0), "yes", [eff], yearly, chosen)
    n = r.numbers
    assert r.rule == "R-ENERGY-RIGHT" and r.outcome == "info" and n["required"] is True
    assert n["quota_tce"] == 938889.0 and n["quota_exact_tce"] == pytest.approx(938888.8889, abs=1e-3)
    assert n["price_yuan_per_tce"] == pytest.approx(60.267857, abs=1e-6)
    assert n["cost_yuan"] == pytest.approx(56584828.125, abs=1e-3)
    assert [s["name"] for s in n["steps"]][:8] == ["E", "coal", "k", "A", "B", "C", "P", "quota"]
    assert r.zh == "须购买用能权 938,889 吨标准煤，价格 60.27 元/吨标准煤，合计 56,584,828.13 元"
    # without the profile's rules the check is reported as not made, never as nothing to buy
    none = energy_right(project, _fig(900000.0, 350000.0, 0.0), "yes", [eff], yearly, None)
    assert none.zh.startswith("本配置未选择用能权购买规则") and "quota_tce" not in none.numbers


# --- free allocation ---------------------------------------------------------------------------

LEVELS_2021 = {"cement_clinker": Level("cement_clinker", D(100), "kgce/t", 2021, "1609号 水泥熟料 标杆 100 kgce/t")}


def test_free_allocation_by_benchmark_and_by_history() -> None:
    """Vintage 2025 (base year 2024, threshold 5 000 tce, 豫政办〔2019〕25号):
    - X: 10 000, 11 000, 12 500 tce in 2022–2024, no output → history: 33 500 ÷ 3 = 11 166.67
      → 11 166 tce (rounded down);
    - Y: 4 000 tce in 2024, below the threshold → nothing;
    - Z: 60 000 tce and 500 000 t of 水泥熟料 in 2024 → benchmark: 500 000 × 100 ÷ 1000 =
      50 000 tce;
    - W: 水泥熟料 and 水泥 (no row) in 2024 → history over the years it has (2023, 2024):
      (8 000 + 9 001) ÷ 2 = 8 500.5 → 8 500 tce."""
    energy = {"X": {2022: D(10000), 2023: D(11000), 2024: D(12500)}, "Y": {2024: D(4000)},
              "Z": {2024: D(60000)}, "W": {2023: D(8000), 2024: D(9001)}}
    production = {"Z": {2024: {"水泥熟料": D(500000)}}, "W": {2024: {"水泥熟料": D(1000), "水泥": D(5000)}}}
    lines = free_lines(DEMO, YN, 2025, energy=energy, production=production, levels=LEVELS_2021,
                       names={"X": "甲", "Z": "丙"})
    got = {x.holder: (x.method, x.amount) for x in lines}
    assert got == {"W": ("grandfathering", D(8500)), "X": ("grandfathering", D(11166)),
                   "Z": ("benchmark", D(50000))}
    x = next(x for x in lines if x.holder == "X")
    assert x.holder_name == "甲" and x.exact.quantize(D("0.01")) == D("11166.67")
    assert any("11166" in e for e in x.evidence()) and x.vintage == 2025


def test_a_shortfall_is_deducted_from_the_next_allocation() -> None:
    """11 166 tce less a shortfall of 1 000 tce = 10 166; a shortfall larger than the line
    leaves nothing (the line is dropped)."""
    lines = free_lines(DEMO, YN, 2025, energy={"X": {2022: D(10000), 2023: D(11000), 2024: D(12500)}},
                       production={}, levels={})
    cut = deduct(lines, {"X": D(1000)}, "碳排放权交易管理办法（试行）: 等量核减", YN)
    assert [x.amount for x in cut] == [D(10166)] and cut[0].steps[-2].name == "deduction"
    assert deduct(lines, {"X": D(20000)}, "s", YN) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.decimals(min_value=5000, max_value=10**7, places=3), min_size=1, max_size=3),
       st.decimals(min_value=D("0.3"), max_value=D(1), places=2))
def test_rounding_never_gives_more_nor_asks_less(history: list[Decimal], b: Decimal) -> None:
    """A free allocation is the formula rounded down (0 ≤ exact − amount < 1 tce); a quota to
    buy is rounded up (0 ≤ quota − exact < 1 tce); a larger B never asks less."""
    energy = {"X": {2026 - len(history) + i: v for i, v in enumerate(history)}}
    (line,) = free_lines(DEMO, YN, 2026, energy=energy, production={}, levels={})
    assert 0 <= line.exact - line.amount < 1 and line.amount == line.amount.to_integral_value()
    kw = {"energy_tce": history[0], "energy_tce_equal": history[0], "coal_tce": D(0),
          "value_added_10k_yuan": D(1000), "two_high": "yes", "industry_code": "3011",
          "provincial": Param(D("0.9"), "t")}
    p = purchase(DEMO, YN, **kw)  # type: ignore[arg-type]
    assert p is not None and p.quota_tce is not None and p.quota_exact is not None
    assert 0 <= p.quota_tce - p.quota_exact < 1
    assert DEMO.purchase is not None
    higher = dataclasses.replace(DEMO, purchase=dataclasses.replace(DEMO.purchase, b=Param(b, "t")))
    q = purchase(higher, YN, **kw)  # type: ignore[arg-type]
    assert q is not None and q.quota_exact is not None and q.quota_exact >= p.quota_exact


# --- issuing through the kernel ------------------------------------------------------------------


def test_allocate_issues_each_line_with_its_evidence(app_url: str) -> None:  # noqa: F811
    """The lines become issuance requests of the 发改委 (fgw1), approved by a second official
    (fgw2): E1 11 166 tce and E2 50 000 tce by their methods, serials from 1, the steps as
    evidence; E3's account is opened by the allocation; the books verify."""
    w = make_world(app_url, holders=(("YN", "E1"), ("YN", "E2")))
    energy = {"E1": {2022: D(10000), 2023: D(11000), 2024: D(12500)}, "E2": {2024: D(60000)},
              "E3": {2024: D(7000)}}
    lines = free_lines(DEMO, YN, 2025, energy=energy, production={"E2": {2024: {"水泥熟料": D(500000)}}},
                       levels=LEVELS_2021)
    done = w.run(lambda s: allocate(s, ORGS["fgw1"], w.book, lines, approver=ORGS["fgw2"]))
    assert [(r.state, r.method, r.units) for r in done] == [("completed", "grandfathering", 11166),
                                                          ("completed", "benchmark", 50000),
                                                          ("completed", "grandfathering", 7000)]
    assert w.serials("YN:E1") == [("459900-YN-2025-000000001-000011166", "held", None)]
    with_evidence = w.run(lambda s: s.get_one(RightRequest, done[1].id).evidence)
    assert any("500000" in e and "水泥熟料" in e for e in with_evidence)
    held = w.run(lambda s: {b.account_id: b.held for b in balances(s, rights=["YN"])})
    assert sorted(held.values()) == [7000, 11166, 50000]
    assert w.run(verify) == []
    assert w.run(lambda s: len(holdings(s, done[2].to_account_id))) == 1
    # without an approver the requests wait for one (four eyes)
    pending = w.run(lambda s: allocate(s, ORGS["fgw1"], w.book, lines[:1]))
    assert pending[0].state == "pending"
