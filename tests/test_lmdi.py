"""LMDI-I: hand-worked decompositions (Ang 2005 formulas written out), exactness, zeros."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.methods import lmdi


def L(a: float, b: float) -> float:
    return a if a == b else (a - b) / (math.log(a) - math.log(b))


def test_two_sectors_energy_by_hand() -> None:
    base = pd.DataFrame({"sector": ["A", "B"], "va": [60.0, 40.0], "tce": [120.0, 20.0]})
    target = pd.DataFrame({"sector": ["A", "B"], "va": [70.0, 80.0], "tce": [126.0, 32.0]})
    d = lmdi.decompose_energy(base, target, "sector", "va", "tce")
    la, lb = L(126, 120), L(32, 20)
    act = la * math.log(150 / 100) + lb * math.log(150 / 100)
    stru = la * math.log((70 / 150) / 0.6) + lb * math.log((80 / 150) / 0.4)
    inten = la * math.log(1.8 / 2.0) + lb * math.log(0.4 / 0.5)
    assert d["activity"].sum() == pytest.approx(act, rel=1e-12)
    assert d["structure"].sum() == pytest.approx(stru, rel=1e-12)
    assert d["intensity"].sum() == pytest.approx(inten, rel=1e-12)
    assert act + stru + inten == pytest.approx(158 - 140, rel=1e-12)
    m = lmdi.multiplicative({k: d[k].to_numpy() for k in ("activity", "structure", "intensity")}, 140, 158)
    assert m["activity"] * m["structure"] * m["intensity"] == pytest.approx(158 / 140, rel=1e-12)
    assert m["activity"] == pytest.approx(math.exp(act / L(158, 140)), rel=1e-12)


def test_two_sectors_two_fuels_carbon_by_hand() -> None:
    # sector A burns coal and gas, sector B coal only; activity Q, energy E, CO2 C
    base = pd.DataFrame({"sector": ["A", "A", "B"], "fuel": ["coal", "gas", "coal"], "va": [50.0, 50.0, 50.0],
                         "tce": [80.0, 20.0, 40.0], "co2": [200.0, 30.0, 100.0]})
    target = pd.DataFrame({"sector": ["A", "A", "B"], "fuel": ["coal", "gas", "coal"], "va": [60.0, 60.0, 90.0],
                           "tce": [60.0, 40.0, 54.0], "co2": [144.0, 60.0, 135.0]})
    d = lmdi.decompose_carbon(base, target, "sector", "fuel", "va", "tce", "co2")
    cells = [(200.0, 144.0, 80.0, 60.0, 100.0, 100.0, 50.0, 60.0),  # C0, C1, E0, E1, Es0, Es1, Q0i, Q1i
             (30.0, 60.0, 20.0, 40.0, 100.0, 100.0, 50.0, 60.0),
             (100.0, 135.0, 40.0, 54.0, 40.0, 54.0, 50.0, 90.0)]
    q0, q1 = 100.0, 150.0
    eff = {"activity": 0.0, "structure": 0.0, "intensity": 0.0, "mix": 0.0, "emission_factor": 0.0}
    for c0, c1, e0, e1, s0, s1, a0, a1 in cells:
        w = L(c1, c0)
        eff["activity"] += w * math.log(q1 / q0)
        eff["structure"] += w * math.log((a1 / q1) / (a0 / q0))
        eff["intensity"] += w * math.log((s1 / a1) / (s0 / a0))
        eff["mix"] += w * math.log((e1 / s1) / (e0 / s0))
        eff["emission_factor"] += w * math.log((c1 / e1) / (c0 / e0))
    for k, v in eff.items():
        assert d[k].sum() == pytest.approx(v, rel=1e-12, abs=1e-12), k
    assert sum(eff.values()) == pytest.approx(339 - 330, rel=1e-12)


def test_a_fuel_taken_up_puts_its_change_in_the_mix_effect() -> None:
    base = pd.DataFrame({"sector": ["A"], "fuel": ["coal"], "va": [100.0], "tce": [100.0], "co2": [260.0]})
    target = pd.DataFrame({"sector": ["A", "A"], "fuel": ["coal", "gas"], "va": [100.0, 100.0],
                           "tce": [70.0, 30.0], "co2": [182.0, 48.0]})
    d = lmdi.decompose_carbon(base, target, "sector", "fuel", "va", "tce", "co2")
    gas = d.loc[("A", "gas")]
    assert gas["mix"] == pytest.approx(48.0) and gas[["activity", "structure", "intensity",
                                                       "emission_factor"]].abs().max() == 0.0
    assert d[["activity", "structure", "intensity", "mix", "emission_factor"]].to_numpy().sum() == pytest.approx(
        230 - 260, rel=1e-12)


def test_zero_limit_agrees_with_small_delta_replacement() -> None:
    # Ang & Liu (2007): replacing zeros by δ → 0 converges to the analytical limit
    base = {"a": np.array([2.0, 3.0]), "b": np.array([0.0, 1.5])}
    target = {"a": np.array([2.5, 3.0]), "b": np.array([4.0, 0.0])}
    exact = lmdi.decompose(base, target)
    delta = 1e-300
    approx = lmdi.decompose({k: np.where(v == 0, delta, v) for k, v in base.items()},
                            {k: np.where(v == 0, delta, v) for k, v in target.items()})
    for k in exact:
        np.testing.assert_allclose(approx[k], exact[k], rtol=2e-3, atol=1e-2)  # error ~ 1/ln δ
    assert exact["b"][0] == pytest.approx(10.0) and exact["a"][0] == 0.0  # new cell: all to b
    assert exact["b"][1] == pytest.approx(-4.5)  # vanished cell: all to b


def test_a_new_sector_goes_to_structure() -> None:
    base = pd.DataFrame({"sector": ["A"], "va": [100.0], "tce": [50.0]})
    target = pd.DataFrame({"sector": ["A", "N"], "va": [100.0, 20.0], "tce": [50.0, 10.0]})
    d = lmdi.decompose_energy(base, target, "sector", "va", "tce")
    assert d.loc["N", "structure"] == pytest.approx(10.0) and d.loc["N", "intensity"] == 0.0
    assert d[["activity", "structure", "intensity"]].to_numpy().sum() == pytest.approx(10.0, rel=1e-12)


def test_negative_values_are_refused() -> None:
    with pytest.raises(ValueError):
        lmdi.decompose({"a": np.array([-1.0])}, {"a": np.array([1.0])})


positive = st.floats(0.0, 1e6, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(positive, positive, positive, positive), min_size=1, max_size=12))
def test_additive_effects_sum_exactly_to_the_change(rows: list[tuple[float, float, float, float]]) -> None:
    x0 = {"a": np.array([r[0] for r in rows]), "b": np.array([r[1] for r in rows])}
    x1 = {"a": np.array([r[2] for r in rows]), "b": np.array([r[3] for r in rows])}
    eff = lmdi.decompose(x0, x1)
    change = float((x1["a"] * x1["b"]).sum() - (x0["a"] * x0["b"]).sum())
    total = float(sum(v.sum() for v in eff.values()))
    scale = max(1.0, float((x1["a"] * x1["b"]).sum()), float((x0["a"] * x0["b"]).sum()))
    assert abs(total - change) <= 1e-9 * scale
