"""Carrying-capacity early warning (docs/environment.md, "Carrying-capacity early warning"):
every threshold at, just below and just above its cut, the dissolved-oxygen inversion, the
two-sections rule, the integration table exhaustively against a plain restatement, the
process rule, the colours and the changes of class, the rule file against the plan and the
held standards, a district of the demo city worked by hand from its monitoring data, and
hostile packages and rule files reporting every problem with its code.

The thresholds written out here are those of the plan (docs/environment.md): D > 0 超载,
−0.3 ≤ D ≤ 0 临界超载; water > 1 × control 超载, > 0.9 × control 临界超载; R > 0 超载,
−0.2 < R ≤ 0 临界超载; H > 0.10 超载, 0.05 < H ≤ 0.10 临界超载 [R].
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from qingshan.city import City
from qingshan.city.demo import create_demo_city
from qingshan.cli import main
from qingshan.data.demo import generate_demo_city
from qingshan.data.demo.carrying import demo_years
from qingshan.data.validate import check_package
from qingshan.documents import carrying as carrying_doc
from qingshan.environment.carrying_rules import carrying_rules, rule_names
from qingshan.environment.standards import air_limits, water_limits
from qingshan.errors import ValidationError
from qingshan.methods import carrying_capacity as cc
from qingshan.methods.carrying_capacity import Part

RULES = carrying_rules("carrying_capacity-2016")
B = RULES.bands
RULE_FILE = Path(__file__).parents[1] / "src/qingshan/environment/rules/carrying_capacity-2016.toml"


# --- the rule file is the plan, and its standards are the held tables ----------------------

def test_the_rule_file_holds_the_plans_thresholds() -> None:
    assert rule_names() == ["carrying_capacity-2016"]
    assert (B["land"].overloaded_cut, B["land"].overloaded_at_cut, B["land"].critical_cut,
            B["land"].critical_at_cut) == (0.0, False, -0.3, True)
    assert (B["water"].overloaded_cut, B["water"].overloaded_at_cut, B["water"].critical_cut,
            B["water"].critical_at_cut) == (1.0, False, 0.9, False)
    assert (B["environment"].overloaded_cut, B["environment"].overloaded_at_cut, B["environment"].critical_cut,
            B["environment"].critical_at_cut) == (0.0, False, -0.2, False)
    assert (B["ecology"].overloaded_cut, B["ecology"].overloaded_at_cut, B["ecology"].critical_cut,
            B["ecology"].critical_at_cut) == (0.10, False, 0.05, False)
    assert RULES.min_sections == 2
    assert (RULES.integration.min_critical_for_overloaded, RULES.integration.min_critical_for_critical) == (2, 1)
    assert RULES.process.min_classes == 2
    assert [(c.id, c.indicators, c.min_worse) for c in RULES.process.classes] == [
        ("low_efficiency", ("land_per_gdp", "water_per_gdp"), 2),
        ("high_intensity", ("cod_per_gdp", "nh3n_per_gdp", "so2_per_gdp", "nox_per_gdp"), 3),
        ("low_quality", ("forest_grass_cover",), 1)]
    assert {i.id: i.worse for i in RULES.process.indicators} == {
        "land_per_gdp": "higher", "water_per_gdp": "higher", "cod_per_gdp": "higher", "nh3n_per_gdp": "higher",
        "so2_per_gdp": "higher", "nox_per_gdp": "higher", "forest_grass_cover": "lower"}
    assert {(p.load, p.trend): p.colour for p in RULES.colours} == {
        ("overloaded", "worsening"): "red", ("overloaded", "easing"): "orange", ("critical", "worsening"): "yellow",
        ("critical", "easing"): "blue", ("not_overloaded", "any"): "green"}
    assert {(t.from_load, t.to_load): t.measure for t in RULES.transitions} == {
        ("critical", "overloaded"): "as_red", ("not_overloaded", "critical"): "single_element",
        ("overloaded", "critical"): "reward", ("critical", "not_overloaded"): "reward"}
    # every entry says where it comes from, tagged
    text = RULE_FILE.read_text("utf-8")
    assert text.count("source = ") >= 30 and "[R]" in text
    for key in ("land", "water", "environment", "ecology", "integration", "process", "colours"):
        assert RULES.sources[key]["source"] and RULES.sources[key]["tag"] in ("C", "R", "U"), key
    assert "区域限批" in RULES.red_zone["zh"] and RULES.red_zone["tag"] == "R"


def test_the_standards_of_r_are_gb3095_grade_ii_and_gb3838_class_iii() -> None:
    gb3095 = air_limits(pd.Timestamp("2025-12-31").date(), "2012").set_index(["pollutant", "averaging"])["grade_2"]
    # SO2 60, NO2 40, PM10 70, PM2.5 35 (annual), CO 4 mg/m³ (24 h)
    assert {a.pollutant: a.limit for a in RULES.air_limits} == {"SO2": 60.0, "NO2": 40.0, "PM10": 70.0,
                                                               "PM2_5": 35.0, "CO": 4.0}
    for a in RULES.air_limits:
        avg = "24h" if a.pollutant == "CO" else "annual"
        assert a.limit == float(gb3095[(a.pollutant, avg)]), a.pollutant
    gb3838 = water_limits()
    assert {(w.item, w.water_body): w.limit for w in RULES.water_limits} == {
        ("do", "all"): 5.0, ("codmn", "all"): 6.0, ("bod5", "all"): 4.0, ("cod", "all"): 20.0, ("nh3n", "all"): 1.0,
        ("tn", "lake"): 1.0, ("tp", "river"): 0.2, ("tp", "lake"): 0.05}
    for w in RULES.water_limits:
        row = gb3838[(gb3838["item"] == w.item) & (gb3838["direction"] == w.direction)
                     & gb3838["water_body"].isin(["all", w.water_body])]
        assert float(row["class_3"].iloc[0]) == w.limit, w.item
    assert [w.direction for w in RULES.water_limits if w.item == "do"] == ["min"]


# --- thresholds at, below and above every cut ----------------------------------------------

@pytest.mark.parametrize(("d", "load"), [
    (0.001, "overloaded"), (0.0, "critical"), (-0.001, "critical"),          # D > 0 overloaded
    (-0.299, "critical"), (-0.3, "critical"), (-0.301, "not_overloaded"),   # −0.3 ≤ D is critical
    (-1.0, "not_overloaded"), (2.5, "overloaded")])
def test_land_d_cuts(d: float, load: str) -> None:
    e = cc.land_element(d, B["land"])
    assert (e.load, e.status, e.values["d"]) == (load, "assessed", d)
    assert e.reason_zh and e.reason_en and f"{d:.4g}" in e.reason_en


@pytest.mark.parametrize(("use", "load"), [
    (100.1, "overloaded"), (100.0, "critical"), (99.9, "critical"),     # > 1 × control overloaded
    (90.1, "critical"), (90.0, "not_overloaded"), (89.9, "not_overloaded")])  # > 0.9 × control critical
def test_water_use_against_its_control_target(use: float, load: str) -> None:
    e = cc.water_element(use, 100.0, 10.0, 100.0, False, B["water"])
    assert (e.load, e.status) == (load, "assessed")
    assert e.values["use_ratio"] == pytest.approx(use / 100.0)


@pytest.mark.parametrize(("supply", "load"), [
    (50.05, "overloaded"), (50.0, "critical"), (45.05, "critical"), (45.0, "not_overloaded")])
def test_groundwater_supply_against_its_target(supply: float, load: str) -> None:
    # control 50: 50.05/50 = 1.001 > 1; 45.05/50 = 0.901 > 0.9; 45/50 = 0.9 is not above 0.9
    e = cc.water_element(10.0, 100.0, supply, 50.0, False, B["water"])
    assert e.load == load


def test_groundwater_overexploitation_is_overloaded_and_missing_tests_give_a_lower_bound() -> None:
    assert cc.water_element(10.0, 100.0, 1.0, 100.0, True, B["water"]).load == "overloaded"
    partial = cc.water_element(10.0, 100.0, None, None, None, B["water"])  # one test of three made
    assert (partial.status, partial.load, partial.final) == ("partial", "not_overloaded", False)
    over = cc.water_element(None, None, None, None, True, B["water"])  # over-exploited: final whatever is missing
    assert (over.status, over.load, over.final) == ("partial", "overloaded", True)
    none = cc.water_element(None, 100.0, None, None, None, B["water"])
    assert (none.status, none.load) == ("not_assessed", None)


def _env(r: float) -> cc.Element:
    return cc.environment_element(Part(r, True, "PM2_5"), Part(-0.9, True, "S1"), B["environment"])


@pytest.mark.parametrize(("r", "load"), [
    (0.001, "overloaded"), (0.0, "critical"), (-0.001, "critical"),        # R > 0 overloaded
    (-0.199, "critical"), (-0.2, "not_overloaded"), (-0.201, "not_overloaded")])  # −0.2 < R critical
def test_environment_r_cuts(r: float, load: str) -> None:
    e = _env(r)
    assert (e.load, e.status, e.values["r"], e.values["deciding"]) == (load, "assessed", r, "air")


@pytest.mark.parametrize(("degraded", "load"), [
    (10.01, "overloaded"), (10.0, "critical"), (9.99, "critical"),        # H > 0.10 overloaded
    (5.01, "critical"), (5.0, "not_overloaded"), (4.99, "not_overloaded")])  # 0.05 < H critical
def test_ecology_h_cuts(degraded: float, load: str) -> None:
    e = cc.ecology_element(degraded, 100.0, B["ecology"])  # H = degraded / 100 km²
    assert (e.load, e.values["h"]) == (load, pytest.approx(degraded / 100.0))


def test_pm25_at_its_limit_is_r_zero_and_critical() -> None:
    # PM2.5 35 µg/m³ against 35: R = 35/35 − 1 = 0, not above 0: critical; 35.035 gives 0.001: overloaded
    air = cc.air_part({"SO2": 6.0, "NO2": 20.0, "PM10": 35.0, "PM2_5": 35.0, "CO": 0.4}, RULES.air_limits)
    assert (air.index, air.deciding, air.complete) == (0.0, "PM2_5", True)
    water = Part(-0.5, True, "S1")
    assert cc.environment_element(air, water, B["environment"]).load == "critical"
    air = cc.air_part({"SO2": 6.0, "NO2": 20.0, "PM10": 35.0, "PM2_5": 35.035, "CO": 0.4}, RULES.air_limits)
    assert air.index == pytest.approx(0.001)
    assert cc.environment_element(air, water, B["environment"]).load == "overloaded"


def test_elements_without_data_are_not_assessed_never_not_overloaded() -> None:
    for e in (cc.land_element(None, B["land"]), cc.ecology_element(None, 100.0, B["ecology"]),
              cc.ecology_element(5.0, 0.0, B["ecology"]), cc.environment_element(None, None, B["environment"]),
              cc.environment_element(Part(None, False, None), Part(None, False, None), B["environment"])):
        assert (e.status, e.load, e.final) == ("not_assessed", None, False)
        assert "not assessed" in e.reason_en


def test_a_band_whose_cuts_cross_is_refused() -> None:
    with pytest.raises(ValueError):
        cc.Band(0.0, False, 0.1, False)
    with pytest.raises(ValueError):
        cc.band_class(float("nan"), B["land"])


# --- the environment index: DO inverted, sections and districts ----------------------------

def test_dissolved_oxygen_is_inverted() -> None:
    # R = S/C − 1: DO 4 mg/L against 5 is 5/4 − 1 = 0.25 (worse when lower); DO 10 is −0.5; DO 0 is +∞
    assert cc.pollutant_index(4.0, 5.0, "min") == 0.25
    assert cc.pollutant_index(10.0, 5.0, "min") == -0.5
    assert cc.pollutant_index(0.0, 5.0, "min") == math.inf
    assert cc.pollutant_index(4.0, 5.0, "max") == pytest.approx(-0.2)
    # a river section: DO 4 → 0.25; COD 18/20 − 1 = −0.1; NH3-N 0.5/1 − 1 = −0.5; TP 0.1/0.2 − 1 = −0.5
    s = cc.section_part("S1", {"do": 4.0, "cod": 18.0, "nh3n": 0.5, "tp": 0.1, "codmn": 3.0, "bod5": 2.0}, "river",
                        RULES.water_limits)
    assert (s.index, s.deciding, s.complete) == (0.25, "do", True)
    assert {r["item"]: r["index"] for r in s.rows} == pytest.approx(
        {"do": 0.25, "codmn": -0.5, "bod5": -0.5, "cod": -0.1, "nh3n": -0.5, "tp": -0.5})
    with pytest.raises(ValueError):
        cc.pollutant_index(-1.0, 5.0)


def test_lake_sections_take_tn_and_the_lake_tp() -> None:
    means = {"do": 8.0, "codmn": 3.0, "bod5": 2.0, "cod": 10.0, "nh3n": 0.2, "tp": 0.06, "tn": 0.8}
    lake = cc.section_part("L1", means, "lake", RULES.water_limits)
    river = cc.section_part("R1", means, "river", RULES.water_limits)
    # lake: TP 0.06/0.05 − 1 = 0.2 decides; TN 0.8 − 1 = −0.2 is counted; river: TP 0.06/0.2 − 1 = −0.7, no TN
    assert lake.index == pytest.approx(0.2) and lake.deciding == "tp"
    assert "tn" in {r["item"] for r in lake.rows} and "tn" not in {r["item"] for r in river.rows}
    assert river.index == pytest.approx(5.0 / 8.0 - 1.0) and river.deciding == "do"


def test_water_needs_two_sections() -> None:
    one = [cc.section_part("S1", {"do": 4.0}, "river", RULES.water_limits)]
    w = cc.water_part(one, RULES.min_sections)
    assert (w.index, w.extra["sections"]) == (None, 1)
    assert "fewer than 2" in w.reason_en
    # the district is then assessed on air alone, as a lower bound
    air = cc.air_part({"SO2": 6.0, "NO2": 20.0, "PM10": 35.0, "PM2_5": 14.0, "CO": 0.4}, RULES.air_limits)
    e = cc.environment_element(air, w, B["environment"])
    assert (e.status, e.load, e.final) == ("partial", "not_overloaded", False)
    assert e.values["r"] == pytest.approx(-0.5)
    two = [*one, cc.section_part("S2", {"do": 10.0}, "river", RULES.water_limits)]
    w2 = cc.water_part(two, RULES.min_sections)
    assert w2.index == pytest.approx((0.25 - 0.5) / 2) and w2.deciding == "S1"  # mean of 0.25 and −0.5
    # R = max(air −0.5, water −0.125) = −0.125: critical, from water
    e2 = cc.environment_element(air, w2, B["environment"])
    assert (e2.status, e2.load, e2.values["deciding"]) == ("partial", "critical", "water")  # sections lack items
    full = {"do": 10.0, "codmn": 1.0, "bod5": 1.0, "cod": 5.0, "nh3n": 0.1, "tp": 0.02}
    w3 = cc.water_part([cc.section_part(s, full, "river", RULES.water_limits) for s in ("S1", "S2")], 2)
    assert cc.environment_element(air, w3, B["environment"]).status == "assessed"


def test_a_missing_air_pollutant_makes_a_lower_bound() -> None:
    air = cc.air_part({"SO2": 6.0, "PM2_5": 14.0}, RULES.air_limits)
    assert air.index == pytest.approx(-0.6) and air.complete is False
    assert "NO₂" in air.reason_en and "lower bound" in air.reason_en and "缺 NO₂" in air.reason_zh


# --- integration: every combination --------------------------------------------------------

def _plain(loads: list[str]) -> str:
    """The integration as the plan states it, restated plainly."""
    if "overloaded" in loads:
        return "overloaded"
    n = loads.count("critical")
    if n >= 2:
        return "overloaded"
    if n == 1:
        return "critical"
    return "not_overloaded"


def _element(name: str, load: str | None, status: str = "assessed") -> cc.Element:
    if load is None:
        return cc.Element(name, "not_assessed", None, {}, "", "")
    return cc.Element(name, status, load, {}, "", "")


def test_integration_of_every_combination_of_the_four_elements() -> None:
    combos = list(itertools.product(cc.LOADS, repeat=4))
    assert len(combos) == 81
    for combo in combos:
        els = {n: _element(n, x) for n, x in zip(cc.ELEMENTS, combo, strict=True)}
        got = cc.integrate(els, RULES.integration)
        assert (got.load, got.determined) == (_plain(list(combo)), True), combo
        assert set(got.overloaded) == {n for n, x in zip(cc.ELEMENTS, combo, strict=True) if x == "overloaded"}
        if "overloaded" in combo:
            assert got.factors == got.overloaded and got.factor_basis == "overloaded_elements"
        elif got.load == "overloaded":
            assert got.factors == got.critical and len(got.factors) >= 2
        else:
            assert got.factors == ()
        assert got.reason_zh and got.reason_en


def test_integration_with_elements_not_assessed_or_partial() -> None:
    states = [*cc.LOADS, None]
    for combo in itertools.product(states, repeat=4):
        for partial in (False, True):
            els = {n: _element(n, x, "partial" if partial and x is not None else "assessed")
                   for n, x in zip(cc.ELEMENTS, combo, strict=True)}
            got = cc.integrate(els, RULES.integration)
            known = [x for x in combo if x is not None]
            if not known:
                assert (got.load, got.determined) == (None, False)
                continue
            lower = _plain(known)
            assert got.load == lower, combo
            complete = None not in combo and not partial
            assert got.determined == (complete or lower == "overloaded"), (combo, partial)
            if not got.determined:  # never shown as a final class: the reason says it is a lower bound
                assert "lower bound" in got.reason_en


def test_integration_rule_restated_the_other_way_would_differ() -> None:
    # the reading "≥ 2 critical → critical" (rejected, docs) gives another class on two critical elements
    els = {n: _element(n, x) for n, x in zip(cc.ELEMENTS, ["critical", "critical", "not_overloaded",
                                                           "not_overloaded"], strict=True)}
    assert cc.integrate(els, RULES.integration).load == "overloaded"
    other = cc.IntegrationRule(min_critical_for_overloaded=5, min_critical_for_critical=1)
    assert cc.integrate(els, other).load == "critical"


# --- the process rule ------------------------------------------------------------------------

def test_annual_rate_by_hand() -> None:
    assert cc.annual_rate(100.0, 121.0, 2) == pytest.approx(0.1)       # (121/100)^(1/2) − 1
    assert cc.annual_rate(100.0, 81.0, 2) == pytest.approx(-0.1)
    assert cc.annual_rate(50.0, 50.0, 5) == 0.0
    for bad in ((0.0, 1.0, 2), (None, 1.0, 2), (1.0, None, 2), (1.0, -1.0, 2), (1.0, 1.0, 0)):
        assert cc.annual_rate(*bad) is None


def test_equal_to_national_is_not_worse() -> None:
    assert cc.is_worse(-0.05, -0.05, "higher") is False
    assert cc.is_worse(-0.049, -0.05, "higher") is True
    assert cc.is_worse(-0.051, -0.05, "higher") is False
    assert cc.is_worse(0.005, 0.005, "lower") is False
    assert cc.is_worse(0.004, 0.005, "lower") is True
    assert cc.is_worse(None, 0.005, "lower") is None


def _plain_trend(worse: dict[str, bool | None]) -> str | None:
    def met(ids: list[str], need: int) -> bool | None:
        t = sum(1 for i in ids if worse[i] is True)
        u = sum(1 for i in ids if worse[i] is None)
        return True if t >= need else False if t + u < need else None
    flags = [met(["land_per_gdp", "water_per_gdp"], 2),
             met(["cod_per_gdp", "nh3n_per_gdp", "so2_per_gdp", "nox_per_gdp"], 3),
             met(["forest_grass_cover"], 1)]
    t = sum(1 for f in flags if f is True)
    u = sum(1 for f in flags if f is None)
    return "worsening" if t >= 2 else "easing" if t + u < 2 else None


def test_process_rule_over_every_combination_of_worse_flags() -> None:
    ids = [i.id for i in RULES.process.indicators]
    national = {i: 0.0 for i in ids}
    for flags in itertools.product((True, False, None), repeat=len(ids)):
        worse = dict(zip(ids, flags, strict=True))
        rates: dict[str, float | None] = {}
        for ind in RULES.process.indicators:
            f = worse[ind.id]
            up = 0.01 if ind.worse == "higher" else -0.01
            rates[ind.id] = None if f is None else (up if f else -up)
        got = cc.process(rates, national, RULES.process)
        assert got.trend == _plain_trend(worse), flags


def test_process_by_hand() -> None:
    national = {"land_per_gdp": -0.05, "water_per_gdp": -0.05, "cod_per_gdp": -0.06, "nh3n_per_gdp": -0.06,
                "so2_per_gdp": -0.08, "nox_per_gdp": -0.07, "forest_grass_cover": 0.005}
    # land −3 % and water −4 % (slower than −5 %): low efficiency; COD −5 %, SO2 −6 %, NOx −6 % slower, NH3-N
    # −7 % faster: 3 of 4, high intensity; cover +0.6 % above +0.5 %: not low quality → 2 classes: worsening
    local = {"land_per_gdp": -0.03, "water_per_gdp": -0.04, "cod_per_gdp": -0.05, "nh3n_per_gdp": -0.07,
             "so2_per_gdp": -0.06, "nox_per_gdp": -0.06, "forest_grass_cover": 0.006}
    p = cc.process(local, national, RULES.process)
    assert p.trend == "worsening" and p.classes_met == 2
    assert [c["met"] for c in p.classes] == [True, True, False]
    # one class only (NOx as fast as national, cover growing faster): easing
    p = cc.process({**local, "nox_per_gdp": -0.07, "so2_per_gdp": -0.08}, national, RULES.process)
    assert p.trend == "easing" and [c["met"] for c in p.classes] == [True, False, False]
    # no national rates: undetermined
    assert cc.process(local, {}, RULES.process).trend is None


# --- colours and changes of class -------------------------------------------------------------

@pytest.mark.parametrize(("load", "trend", "colour"), [
    ("overloaded", "worsening", "red"), ("overloaded", "easing", "orange"), ("critical", "worsening", "yellow"),
    ("critical", "easing", "blue"), ("not_overloaded", "worsening", "green"), ("not_overloaded", "easing", "green"),
    ("not_overloaded", None, "green"), ("overloaded", None, None), ("critical", None, None)])
def test_colours(load: str, trend: str | None, colour: str | None) -> None:
    c = cc.warning_colour(load, True, trend, RULES.colours)
    assert c.colour == colour
    assert c.reason_zh and c.reason_en


def test_no_colour_for_an_undetermined_class() -> None:
    for load in (*cc.LOADS, None):
        assert cc.warning_colour(load, False, "easing", RULES.colours).colour is None


@pytest.mark.parametrize(("before", "after", "kind", "measure"), [
    ("critical", "overloaded", "worsened", "as_red"),
    ("not_overloaded", "critical", "worsened", "single_element"),
    ("overloaded", "critical", "improved", "reward"),
    ("critical", "not_overloaded", "improved", "reward"),
    ("not_overloaded", "overloaded", "worsened", None),   # not named by 意见 二(三): no measure guessed
    ("overloaded", "not_overloaded", "improved", None),
    ("overloaded", "overloaded", "unchanged", None), ("critical", "critical", "unchanged", None),
    ("not_overloaded", "not_overloaded", "unchanged", None)])
def test_transitions(before: str, after: str, kind: str, measure: str | None) -> None:
    t = cc.transition(before, True, after, True, RULES.transitions)
    assert (t.kind, t.measure) == (kind, measure)
    if measure is None and kind != "unchanged":
        assert "name no measure" in t.reason_en
    if measure == "as_red":
        assert t.measure_zh == "参照红色预警区综合配套措施进行处理"


def test_transition_undetermined_and_none() -> None:
    assert cc.transition("critical", False, "overloaded", True, RULES.transitions).kind == "undetermined"
    assert cc.transition("critical", True, "critical", False, RULES.transitions).kind == "undetermined"
    assert cc.transition(None, False, "critical", True, RULES.transitions, has_previous=False).kind == "none"


# --- the demo city end to end: 临江县 worked by hand ---------------------------------------------

LINJIANG = "459921"
YEARS = list(range(2020, 2026))


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("carrying-demo")
    create_demo_city(d, enterprises=60, years=YEARS, seed=2025)
    return d


@pytest.fixture(scope="module")
def demo_tables() -> dict[str, pd.DataFrame]:
    return generate_demo_city(enterprises=60, years=YEARS, seed=2025)


@pytest.fixture(scope="module")
def demo_doc(demo_dir: Path) -> dict[str, Any]:
    r = CliRunner().invoke(main, ["carrying", str(demo_dir)])
    assert r.exit_code == 0, r.output
    doc: dict[str, Any] = json.loads(r.stdout)
    return doc


def _air_r_by_hand(t: dict[str, pd.DataFrame], district: str, year: int) -> tuple[float, dict[str, float]]:
    st = t["air_stations"]
    mine = set(st.loc[st["district_id"] == district, "station_id"])
    d = t["air_daily"]
    d = d[d["station_id"].isin(mine) & d["date"].str.startswith(str(year))].copy()
    limits = {"so2_24h": 60.0, "no2_24h": 40.0, "pm10_24h": 70.0, "pm25_24h": 35.0, "co_24h": 4.0}
    short = d["valid_hours"] < 20  # fewer than 20 hours: not a valid 24-hour mean (GB 3095 Table 4)
    for c in limits:
        d.loc[short, c] = np.nan
    daily = d.groupby("date")[list(limits)].mean()  # each day: mean of the stations with a value
    means = daily.mean()  # the year: mean of the days with a value
    r = {c: float(means[c]) / s - 1.0 for c, s in limits.items()}
    return max(r.values()), r


def _water_r_by_hand(t: dict[str, pd.DataFrame], district: str, year: int) -> tuple[float, list[float]]:
    sec = t["water_sections"]
    s = t["water_samples"]
    rows = []
    for sid, body in zip(sec["section_id"], sec["water_body"], strict=True):
        if sec.loc[sec["section_id"] == sid, "district_id"].iloc[0] != district:
            continue
        x = s[(s["section_id"] == sid) & s["date"].str.startswith(str(year))]
        m = x.groupby("item")["value"].mean()
        tp = 0.05 if body in ("lake", "reservoir") else 0.2
        r = [5.0 / m["do"] - 1, m["codmn"] / 6 - 1, m["bod5"] / 4 - 1, m["cod"] / 20 - 1, m["nh3n"] / 1.0 - 1,
             m["tp"] / tp - 1]
        if body in ("lake", "reservoir"):
            r.append(m["tn"] / 1.0 - 1)
        rows.append(max(r))
    return sum(rows) / len(rows), rows


def test_linjiang_2025_by_hand(demo_tables: dict[str, pd.DataFrame], demo_doc: dict[str, Any]) -> None:
    t = demo_tables
    base, first, last = demo_years(np.array(YEARS))
    assert (base, first, last) == (2016, 2021, 2025)
    r_air, _ = _air_r_by_hand(t, LINJIANG, 2025)
    r_water, sections = _water_r_by_hand(t, LINJIANG, 2025)
    assert len(sections) == 3  # QSW08 river, QSW09 and QSW10 estuaries (as rivers)
    r = max(r_air, r_water)
    assert -0.2 < r <= 0.0  # critical
    doc = demo_doc
    d = next(x for x in doc["districts"] if x["district_id"] == LINJIANG)
    env = d["elements"]["environment"]
    assert env["values"]["r_air"] == pytest.approx(r_air, rel=1e-9)
    assert env["values"]["r_water"] == pytest.approx(r_water, rel=1e-9)
    assert env["values"]["r"] == pytest.approx(r, rel=1e-9)
    assert (env["load"], env["status"]) == ("critical", "assessed")
    # the other elements from carrying_inputs: D −0.44, water use 0.82 of its target, H 0.038
    ci = t["carrying_inputs"]
    row: dict[Any, Any] = ci[(ci["district_id"] == LINJIANG) & (ci["year"] == 2025)].iloc[0].to_dict()
    prev: dict[Any, Any] = ci[(ci["district_id"] == LINJIANG) & (ci["year"] == 2021)].iloc[0].to_dict()
    assert row["land_pressure_index"] == -0.44 and d["elements"]["land"]["load"] == "not_overloaded"
    assert row["water_use_10k_m3"] / row["water_control_10k_m3"] == pytest.approx(0.82, abs=1e-4)
    assert d["elements"]["water"]["load"] == "not_overloaded"
    assert row["degraded_area_km2"] / row["land_area_km2"] == pytest.approx(0.038)
    assert d["elements"]["ecology"]["load"] == "not_overloaded"
    # one critical element: critical
    assert (d["load"], d["load_determined"]) == ("critical", True)
    # process 2021 → 2025 (4 years) against the illustrative national rates
    n = 4

    def rate(num: str, den: str | None) -> float:
        a = prev[num] / (prev[den] if den else 1.0)
        b = row[num] / (row[den] if den else 1.0)
        return float((b / a) ** (1 / n) - 1)

    rates = {"land_per_gdp": rate("construction_land_km2", "gdp_100m_yuan"),
             "water_per_gdp": rate("water_use_10k_m3", "gdp_100m_yuan"),
             "cod_per_gdp": rate("cod_t", "gdp_100m_yuan"), "nh3n_per_gdp": rate("nh3n_t", "gdp_100m_yuan"),
             "so2_per_gdp": rate("so2_t", "gdp_100m_yuan"), "nox_per_gdp": rate("nox_t", "gdp_100m_yuan"),
             "forest_grass_cover": rate("forest_grass_cover_pct", None)}
    rt = t["carrying_national_rates"]
    nat = rt[(rt["start_year"] == 2021) & (rt["end_year"] == 2025)].set_index("indicator")["annual_rate"]
    worse = {k: (v > nat[k]) if k != "forest_grass_cover" else (v < nat[k]) for k, v in rates.items()}
    assert worse == {"land_per_gdp": True, "water_per_gdp": True, "cod_per_gdp": True, "nh3n_per_gdp": False,
                     "so2_per_gdp": True, "nox_per_gdp": True, "forest_grass_cover": False}
    got = {i["indicator"]: i for i in d["process"]["indicators"]}
    for k, v in rates.items():
        assert got[k]["rate"] == pytest.approx(v, rel=1e-9) and got[k]["worse"] == worse[k]
    # low efficiency (2/2) and high intensity (3/4): two classes, worsening → critical + worsening = yellow
    assert (d["process"]["base_year"], d["trend"], d["colour"]) == (2021, "worsening", "yellow")
    # 2021: its air R was above 0 (overloaded) → 超载 to 临界超载: rewards
    r21, _ = _air_r_by_hand(t, LINJIANG, 2021)
    assert r21 > 0
    assert d["previous"]["year"] == 2021 and d["previous"]["load"] == "overloaded"
    assert (d["transition"]["kind"], d["transition"]["measure"]) == ("improved", "reward")


def test_gangcheng_water_has_one_section_and_land_makes_it_red(demo_tables: dict[str, pd.DataFrame],
                                                              demo_doc: dict[str, Any]) -> None:
    d = next(x for x in demo_doc["districts"] if x["district_id"] == "459904")
    env = d["elements"]["environment"]
    assert env["status"] == "partial" and env["values"]["r_water"] is None  # one section: water not assessed
    r_air, _ = _air_r_by_hand(demo_tables, "459904", 2025)
    assert env["values"]["r"] == pytest.approx(r_air, rel=1e-9)
    assert (d["load"], d["load_determined"], d["colour"]) == ("overloaded", True, "red")
    assert [f["element"] for f in d["overload_factors"]] == ["land"]
    assert d["red_zone"]["factors"][0]["element"] == "land" and "区域限批" in d["red_zone"]["zh"]
    assert demo_doc["red_zones"] == [{"district_id": "459904", "name": "钢城区",
                                      "factors": d["overload_factors"], "factor_basis": "overloaded_elements"}]


def test_the_demo_shows_every_colour_with_reasons(demo_doc: dict[str, Any]) -> None:
    doc = demo_doc
    colours = {x["name"]: x["colour"] for x in doc["districts"]}
    assert colours == {"青山区": "orange", "河东区": "blue", "钢城区": "red", "临江县": "yellow", "石门县": "green"}
    assert doc["counts"]["colours"] == {"red": 1, "orange": 1, "yellow": 1, "blue": 1, "green": 1,
                                        "undetermined": 0}
    qs = next(x for x in doc["districts"] if x["name"] == "青山区")
    assert (qs["transition"]["from"], qs["transition"]["to"], qs["transition"]["measure"]) == (
        "critical", "overloaded", "as_red")
    for x in doc["districts"]:
        assert len(x["reasons_zh"]) == len(x["reasons_en"]) >= 7
        assert all(e["reason_zh"] and e["reason_en"] for e in x["elements"].values())


def test_document_shape(demo_doc: dict[str, Any]) -> None:
    doc = demo_doc
    assert {"profile", "factor_set", "package", "kind", "year", "years", "rules", "method", "legend", "districts",
            "red_zones", "counts", "not_built", "unverified", "notes", "problems"} <= set(doc)
    assert doc["kind"] == "carrying_capacity" and doc["year"] == 2025 and doc["years"] == [2016, 2021, 2025]
    rules = doc["rules"]
    assert rules["name"] == "carrying_capacity-2016" and rules["version"] == "1"
    assert rules["selection"]["value"] == "carrying_capacity-2016"
    assert doc["profile"]["selections"]["environment.carrying_capacity"]["value"] == "carrying_capacity-2016"
    assert [c["colour"] for c in doc["legend"]] == ["red", "orange", "yellow", "blue", "green"]
    text = json.dumps(doc["not_built"], ensure_ascii=False)
    assert "水气环境黑灰指数" in text and "重点生态功能区" in text
    d = doc["districts"][0]
    assert set(d) >= {"district_id", "name", "elements", "load", "load_determined", "integration", "overload_factors",
                      "process", "trend", "colour", "previous", "transition", "red_zone", "reasons_zh", "reasons_en"}
    assert list(d["elements"]) == ["land", "water", "environment", "ecology"]


def test_rules_come_from_the_file_not_the_code(demo_dir: Path, tmp_path: Path) -> None:
    # a city's own reading with a stricter land cut: 青山区's D = −0.33 becomes critical
    stricter = RULE_FILE.read_text("utf-8").replace("critical_cut = -0.3\n", "critical_cut = -0.5\n", 1)
    f = tmp_path / "carrying_capacity-city.toml"
    f.write_text(stricter, "utf-8")
    r = CliRunner().invoke(main, ["carrying", str(demo_dir), "--rules", str(f)])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    qs = next(x for x in doc["districts"] if x["name"] == "青山区")
    assert qs["elements"]["land"]["load"] == "critical"
    assert doc["rules"]["given"] == str(f) and doc["rules"]["selection"] is None


def test_earlier_year_and_unknown_year(demo_dir: Path) -> None:
    r = CliRunner().invoke(main, ["carrying", str(demo_dir), "--year", "2016"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)  # the base year: nothing assessed but air/water have no 2016 data either
    assert all(x["load"] is None and x["colour"] is None for x in doc["districts"])
    assert all(x["transition"]["kind"] == "none" for x in doc["districts"])
    r = CliRunner().invoke(main, ["carrying", str(demo_dir), "--year", "2019"])
    assert r.exit_code == 2 and "2016" in r.output


def test_xlsx(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "carrying.xlsx"
    r = CliRunner().invoke(main, ["carrying", str(demo_dir), "--format", "xlsx", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.stat().st_size > 0


# --- an engine on a synthetic package: missing data are never 不超载 ----------------------------

def test_a_district_without_inputs_is_not_green(small_package: Path) -> None:
    (small_package / "carrying_inputs.csv").write_text(
        "district_id,year,land_pressure_index,water_use_10k_m3,water_control_10k_m3,groundwater_supply_10k_m3,"
        "groundwater_control_10k_m3,groundwater_overexploited,degraded_area_km2,land_area_km2\n"
        "450901,2024,-0.5,50,100,5,100,否,1,100\n", "utf-8")
    with City.open(small_package, profile="demo") as city:
        doc = carrying_doc.build(city, 2024)
    east, west = doc["districts"]
    # 东区: land, water, ecology not overloaded, no monitoring: environment not assessed → no class, no colour
    assert east["elements"]["environment"]["status"] == "not_assessed"
    assert (east["load"], east["load_determined"], east["colour"]) == ("not_overloaded", False, None)
    # 西区 has no row at all
    assert (west["has_inputs"], west["load"], west["colour"]) == (False, None, None)
    assert all(e["status"] == "not_assessed" for e in west["elements"].values())


# --- hostile input ---------------------------------------------------------------------------

def test_hostile_tables_report_every_problem(small_package: Path) -> None:
    (small_package / "carrying_inputs.csv").write_text(
        "district_id,year,land_area_km2,degraded_area_km2,construction_land_km2,water_control_10k_m3,"
        "gdp_100m_yuan,forest_grass_cover_pct,groundwater_overexploited\n"
        "450901,2024,100,120,30,0,50,40,是\n"          # row 2: P172 degraded > land, P171 control 0
        "450901,2024,abc,-1,5,10,0,140,maybe\n"        # row 3: P011, P012 ×2, P171 GDP 0, P015, P035
        "91450200MA5K00001K,2023,10,1,20,5,5,5,no\n"   # row 4: P170 an enterprise, P172 construction > land
        "450902,2023,1e400,,,,,,\n", "utf-8")          # row 5: P017 not finite
    (small_package / "carrying_national_rates.csv").write_text(
        "start_year,end_year,indicator,annual_rate,source\n"
        "2020,2020,林草覆盖率,0.01,x\n"                 # row 2: P173
        "2020,2024,foo,-2,\n"                          # row 3: P015, P012, P010
        "2020,2024,land_per_gdp,-0.05,x\n"
        "2020,2024,建设用地/GDP,-0.04,y\n", "utf-8")    # row 5: P035 (the alias is the same indicator)
    _, problems = check_package(small_package)
    mine = sorted((p.code, p.file, p.row, p.column) for p in problems if p.file.startswith("carrying"))
    assert mine == [
        ("P010", "carrying_national_rates.csv", 3, "source"),
        ("P011", "carrying_inputs.csv", 3, "land_area_km2"),
        ("P012", "carrying_inputs.csv", 3, "degraded_area_km2"),
        ("P012", "carrying_inputs.csv", 3, "forest_grass_cover_pct"),
        ("P012", "carrying_national_rates.csv", 3, "annual_rate"),
        ("P015", "carrying_inputs.csv", 3, "groundwater_overexploited"),
        ("P015", "carrying_national_rates.csv", 3, "indicator"),
        ("P017", "carrying_inputs.csv", 5, "land_area_km2"),
        ("P035", "carrying_inputs.csv", 3, "district_id+year"),
        ("P035", "carrying_national_rates.csv", 5, "start_year+end_year+indicator"),
        ("P170", "carrying_inputs.csv", 4, "district_id"),
        ("P171", "carrying_inputs.csv", 2, "water_control_10k_m3"),
        ("P171", "carrying_inputs.csv", 3, "gdp_100m_yuan"),
        ("P172", "carrying_inputs.csv", 2, "degraded_area_km2"),
        ("P172", "carrying_inputs.csv", 4, "construction_land_km2"),
        ("P173", "carrying_national_rates.csv", 2, "end_year"),
    ]
    assert all(p.expected_zh and p.expected_en for p in problems if p.file.startswith("carrying"))


def test_missing_key_columns(small_package: Path) -> None:
    (small_package / "carrying_inputs.csv").write_text("district_id,land_area_km2\n450901,100\n", "utf-8")
    (small_package / "carrying_national_rates.csv").write_text(
        "start_year,indicator,annual_rate\n2020,land_per_gdp,x\n", "utf-8")
    _, problems = check_package(small_package)
    missing = sorted((p.file, p.column) for p in problems if p.code == "P002")
    assert missing == [("carrying_inputs.csv", "year"), ("carrying_national_rates.csv", "end_year"),
                       ("carrying_national_rates.csv", "source")]
    assert any(p.code == "P011" and p.column == "annual_rate" for p in problems)


def test_the_cli_without_inputs_or_rules(small_package: Path) -> None:
    r = CliRunner().invoke(main, ["carrying", str(small_package), "--profile", "demo"])
    assert r.exit_code == 2 and "carrying_inputs" in r.output
    (small_package / "carrying_inputs.csv").write_text("district_id,year,land_pressure_index\n450901,2024,0.1\n",
                                                       "utf-8")
    r = CliRunner().invoke(main, ["carrying", str(small_package), "--profile", "national"])
    assert r.exit_code == 2 and "environment.carrying_capacity" in r.output
    r = CliRunner().invoke(main, ["carrying", str(small_package), "--profile", "national",
                                  "--rules", "carrying_capacity-2016"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["districts"][0]["elements"]["land"]["load"] == "overloaded"


def test_hostile_rule_file_reports_every_problem(tmp_path: Path) -> None:
    head, tail = RULE_FILE.read_text("utf-8").split("\n[land]\n", 1)
    land, rest = tail.split("\n[water]\n", 1)
    land = (land.replace("critical_cut = -0.3\n", "critical_cut = 0.5\n", 1)           # E512 (above 0)
            .replace('tag = "R"\n', 'tag = "X"\nshade = 1\n', 1))                    # E510 ×2
    bad = (f"{head}\n[land]\n{land}\n[water]\n{rest}"
           .replace("min_sections = 2\n", "min_sections = 0\n", 1)                      # E510 (≥ 1)
           .replace('pollutant = "CO"', 'pollutant = "CO2"', 1)                          # E510
           .replace('colour = "orange"', 'colour = "purple"', 1)                         # E510 and E511
           .replace('indicators = ["forest_grass_cover"]', 'indicators = ["forest"]', 1)  # E512
           .replace("min_critical_for_critical = 1", "min_critical_for_critical = 3", 1))  # E512
    f = tmp_path / "carrying_capacity-bad.toml"
    f.write_text(bad, "utf-8")
    with pytest.raises(ValidationError) as exc:
        carrying_rules(f)
    got = sorted((p.code, p.column) for p in exc.value.problems)
    assert got == sorted([
        ("E512", "land.critical_cut"), ("E510", "land.tag"), ("E510", "land.shade"),
        ("E510", "environment.min_sections"), ("E510", "air_standard[4].pollutant"),
        ("E510", "colour[1].colour"), ("E511", "colour"),
        ("E512", "process.class[2].indicators"), ("E512", "integration.min_critical_for_critical")])


def test_rule_file_names_and_syntax(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as exc:
        carrying_rules("carrying_capacity-1999")
    assert exc.value.problems[0].code == "E501"
    f = tmp_path / "broken.toml"
    f.write_text("name = \n", "utf-8")
    with pytest.raises(ValidationError) as exc:
        carrying_rules(f)
    assert exc.value.problems[0].code == "E502"
