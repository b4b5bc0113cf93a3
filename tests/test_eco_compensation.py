"""Ecological compensation rules (qingshan.methods.eco_compensation)."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingshan.methods import eco_compensation as ec

RULES = Path(__file__).resolve().parents[1] / "src/qingshan/ecology/compensation"


def _heze_terms() -> tuple[dict[str, ec.PollutantTerm], dict[str, float]]:
    rule = tomllib.loads((RULES / "heze-water-2014.toml").read_text(encoding="utf-8"))
    terms = {p: ec.PollutantTerm(v["target_mg_l"], v["rate_yuan_per_mg_l"]) for p, v in rule["pollutants"].items()}
    return terms, rule["worked_example"]


def test_heze_published_example_by_the_formula() -> None:
    # report: COD 20 mg/L, NH3-N 1 mg/L; by its formula and coefficients
    # (30 − 20) × 2万 + (1.5 − 1) × 30万 = 20万 + 15万 = 35万元.
    # The report prints 45万元: an inconsistency of the source, recorded in the rule file.
    terms, example = _heze_terms()
    amount = ec.linear_section_compensation({"COD": example["COD"], "NH3N": example["NH3N"]}, terms)
    assert amount == pytest.approx(350_000.0)
    assert amount == pytest.approx(example["formula_amount_yuan"])
    assert example["printed_amount_yuan"] == 450_000.0
    assert example["verified"] is False


def test_heze_penalty_when_worse_than_target() -> None:
    # COD 35, NH3-N 2.0 → (30 − 35) × 2万 + (1.5 − 2.0) × 30万 = −10万 − 15万 = −25万元 (county pays)
    terms, _ = _heze_terms()
    amount = ec.linear_section_compensation({"COD": 35.0, "NH3N": 2.0}, terms)
    assert amount == pytest.approx(-250_000.0)
    tr = ec.two_party_transfers(amount, "county A", "city fund")
    assert tr == {"county A": pytest.approx(-250_000.0), "city fund": pytest.approx(250_000.0)}


def test_heze_missing_pollutant_refused() -> None:
    terms, _ = _heze_terms()
    with pytest.raises(ValueError, match="NH3N"):
        ec.linear_section_compensation({"COD": 20.0}, terms)


def _rule(name: str) -> dict[str, Any]:
    return tomllib.loads((RULES / f"{name}.toml").read_text(encoding="utf-8"))


def test_yunhe_purchase_hand_worked() -> None:
    # GEP base 1.0e9 yuan × 0.2 % = 2.0e6; first year 70 % = 1.4e6; second year 30 % with
    # the quality assessment fully met = 6.0e5, half met = 3.0e5
    rule = _rule("yunhe-gep-purchase-2020")
    first, second = ec.gep_purchase_payments(1.0e9, rule["rate"], rule["first_share"], 1.0)
    assert first == pytest.approx(1.4e6)
    assert second == pytest.approx(6.0e5)
    assert ec.gep_purchase_payments(1.0e9, rule["rate"], rule["first_share"], 0.5)[1] == pytest.approx(3.0e5)


def test_yellow_river_basic_compensation() -> None:
    rule = _rule("yellow-river-yu-lu-2021")
    basic = rule["basic"]
    # class II: one class better than III → Shandong pays Henan 6000 万元
    assert ec.class_step_compensation(2, basic["reference_class"], basic["amount_per_class_yuan"]) == 6.0e7
    # class III: nothing; class V: two worse → Henan pays Shandong 1.2 亿元; 劣V (6): 1.8 亿元
    assert ec.class_step_compensation(3, 3, basic["amount_per_class_yuan"]) == 0.0
    assert ec.class_step_compensation(5, 3, basic["amount_per_class_yuan"]) == -1.2e8
    assert ec.class_step_compensation(6, 3, basic["amount_per_class_yuan"]) == -1.8e8
    with pytest.raises(ValueError):
        ec.class_step_compensation(7, 3, 1.0)


def test_yellow_river_change_compensation() -> None:
    ch = _rule("yellow-river-yu-lu-2021")["change"]
    # index −3.6 points y/y, whole points → 3 × 100 万 = 300 万元 to upstream
    assert (
        ec.index_change_compensation(-3.6, ch["amount_per_point_yuan"], ch["cap_yuan"], whole_points=ch["whole_points"])
        == 3.0e6
    )
    # +55 points → −5500 万, capped at −4000 万 (upstream pays)
    assert ec.index_change_compensation(55.0, ch["amount_per_point_yuan"], ch["cap_yuan"], whole_points=True) == -4.0e7


def test_yellow_river_reported_two_years_consistent() -> None:
    # reported: class II both years, Shandong paid 1.26 亿元 in total; basic part 2 × 6000 万 =
    # 1.2 亿, leaving 600 万 = 6 whole points of index fall at 100 万 each (within the cap)
    rule = _rule("yellow-river-yu-lu-2021")
    basic = 2 * ec.class_step_compensation(2, 3, rule["basic"]["amount_per_class_yuan"])
    rest = rule["reported_outcome"]["total_paid_by_downstream_yuan"] - basic
    assert basic == 1.2e8
    assert rest == pytest.approx(6.0e6)
    assert 0 <= rest <= rule["reported_outcome"]["years"] * rule["change"]["cap_yuan"]


def test_spillover_hand_worked() -> None:
    # A supplies 300, uses 100 → +200; B supplies 50, uses 230 → −180; higher level −20
    out = ec.spillover_transfers({"A": 300.0, "B": 50.0}, {"A": 100.0, "B": 230.0})
    assert out == {"A": 200.0, "B": -180.0, "higher_level": -20.0}


@given(
    st.dictionaries(st.sampled_from(list("ABCDEFG")), st.tuples(st.floats(0, 1e9), st.floats(0, 1e9)), min_size=1),
)
def test_spillover_sums_to_zero(data: dict[str, tuple[float, float]]) -> None:
    out = ec.spillover_transfers({k: v[0] for k, v in data.items()}, {k: v[1] for k, v in data.items()})
    assert math.isclose(math.fsum(out.values()), 0.0, abs_tol=1e-6)


@given(st.integers(1, 6), st.floats(-200, 200, allow_nan=False))
def test_upstream_downstream_sums_to_zero(water_class: int, change: float) -> None:
    amount = ec.class_step_compensation(water_class, 3, 6.0e7) + ec.index_change_compensation(
        change, 1.0e6, 4.0e7, whole_points=True
    )
    tr = ec.two_party_transfers(amount, "河南省", "山东省")
    assert math.fsum(tr.values()) == 0.0
    assert abs(ec.index_change_compensation(change, 1.0e6, 4.0e7, whole_points=False)) <= 4.0e7


@given(st.floats(0, 100), st.floats(0, 20))
def test_two_party_section_sums_to_zero(cod: float, nh3n: float) -> None:
    terms, _ = _heze_terms()
    tr = ec.two_party_transfers(ec.linear_section_compensation({"COD": cod, "NH3N": nh3n}, terms), "county", "fund")
    assert math.fsum(tr.values()) == 0.0


def test_rule_files_cite_their_source() -> None:
    for path in RULES.glob("*.toml"):
        rule = tomllib.loads(path.read_text(encoding="utf-8"))
        assert rule["id"] == path.stem
        assert rule["source"] and rule["clause"]
