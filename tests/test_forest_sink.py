"""Forest and mangrove sink arithmetic (qingshan.methods.forest_sink), hand-worked."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingshan.methods import forest_sink as fs

TABLE = Path(__file__).resolve().parents[1] / "src/qingshan/ecology/sinks/methodologies.toml"


def test_biomass_bef_hand_worked() -> None:
    # 100 m³ × 0.5 t/m³ × BEF 1.4 × (1 + 0.25) = 87.5 t d.m.
    assert fs.biomass_bef(100.0, 0.5, 1.4, 0.25) == pytest.approx(87.5)
    # 87.5 t × CF 0.5 × 44/12 = 43.75 × 3.6667 = 160.4167 t CO2
    assert fs.biomass_to_co2(87.5, 0.5) == pytest.approx(160.41666667)


def test_biomass_fang_larch_hand_worked() -> None:
    # larch a = 0.6079, b = 17.062 (张春华 et al. 2018 Table 1): V = 100 m³/hm² on 2 hm²
    # (0.6079 × 100 + 17.062) × 2 = 77.852 × 2 = 155.704 t
    table = tomllib.loads(TABLE.read_text(encoding="utf-8"))
    larch = table["fang_bef"]["larch"]
    assert fs.biomass_fang(100.0, 2.0, larch["a"], larch["b"]) == pytest.approx(155.704)


def test_stock_changes_linear() -> None:
    # stocks 0, 100, 400 t CO2e at years 0, 5, 10: 20 and 60 t CO2e/a
    assert fs.stock_series_changes([0.0, 100.0, 400.0], [0, 5, 10]) == pytest.approx([20.0, 60.0])
    with pytest.raises(ValueError):
        fs.annual_stock_change(0.0, 1.0, 0.0)


def test_dead_organic_matter_default_factors() -> None:
    assert fs.dead_organic_matter_co2(1000.0, 0.02, 0.04) == pytest.approx((20.0, 40.0))


def test_sink_estimate_hand_worked() -> None:
    # project pools 1000 + 50 + 20 + 10 = 1080, minus GHG_E 30 = 1050 (ΔC_ACTUAL)
    # baseline 100 + 20 = 120; LK = 0 (AR-CM-001-V01); ΔC_AR = 1050 − 120 − 0 = 930
    # deduction 10 %: 930 × 0.9 = 837
    est = fs.sink_estimate(
        "AR-CM-001-V01",
        {"tree": 1000.0, "shrub": 50.0, "dead_wood": 20.0, "litter": 10.0},
        {"tree": 100.0, "shrub": 20.0},
        project_emissions=30.0,
        leakage=0.0,
        deduction_fraction=0.1,
    )
    assert est.project_sink == pytest.approx(1050.0)
    assert est.baseline_sink == pytest.approx(120.0)
    assert est.reduction == pytest.approx(930.0)
    assert est.credited == pytest.approx(837.0)


def test_mangrove_leakage_is_an_input() -> None:
    # CCER-14-002-V01: leakage not transcribed -> the project gives it: 500 − 0 − 25 = 475
    est = fs.sink_estimate(
        "CCER-14-002-V01", {"biomass": 500.0}, {}, project_emissions=0.0, leakage=25.0, deduction_fraction=0.0
    )
    assert est.reduction == pytest.approx(475.0)
    assert est.credited == pytest.approx(475.0)


def test_ar_cm_001_refuses_leakage() -> None:
    with pytest.raises(ValueError, match="LK = 0"):
        fs.sink_estimate("AR-CM-001-V01", {"tree": 1.0}, {}, project_emissions=0.0, leakage=1.0, deduction_fraction=0.0)


@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(0.0, 1.0),
)
def test_credits_never_exceed_net_removals(net: float, deduction: float) -> None:
    assert fs.credited_removals(net, deduction) <= net


def test_deduction_out_of_range_refused() -> None:
    with pytest.raises(ValueError):
        fs.credited_removals(10.0, 1.5)
    with pytest.raises(ValueError):
        fs.biomass_to_co2(1.0, 1.2)


def test_methodology_table_every_parameter_sourced() -> None:
    table = tomllib.loads(TABLE.read_text(encoding="utf-8"))
    for mid, m in table["methodology"].items():
        assert m.get("source"), mid
        for name, p in m.get("parameters", {}).items():
            assert p["status"] in {"read", "required_input"}, (mid, name)
            assert p.get("source"), (mid, name)
            # a value only where it was read; never a value on a required input
            assert ("value" in p) == (p["status"] == "read"), (mid, name)
    # the one leakage value read: AR-CM-001-V01 sets LK = 0
    assert table["methodology"]["AR-CM-001-V01"]["parameters"]["leakage"]["value"] == 0.0
