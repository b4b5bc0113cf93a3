"""Pathways: the projection formula by hand, the base year reproduced, projects, peaks and
seeded Monte Carlo bands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qingshan.errors import ValidationError
from qingshan.methods import pathways as pw
from qingshan.targets.scenarios import load_scenario, pathway

BASE = pw.Base(year=2025, divisions=np.array(["31"]), value_added=np.array([100.0]), energy=np.array([50.0]),
               electricity_share=np.array([0.4]), co2_per_tce_other=np.array([2.5]),
               co2_per_tce_electricity=np.array([4.3]))


def test_projection_by_hand() -> None:
    years = np.array([2025, 2027])
    e, c = pw.project(BASE, years, np.array([0.05]), np.array([0.02]), 0.003, 0.002, np.array([1.0, 0.9]),
                      np.zeros(2), np.zeros(2))
    e27 = 100 * 1.05 ** 2 * 0.5 * 0.98 ** 2
    s27 = 0.4 + 0.003 * 2
    c27 = e27 * ((1 - s27) * 2.5 * 0.998 ** 2 + s27 * 4.3 * 0.9)
    assert e[1] == pytest.approx(e27, rel=1e-12) and c[1] == pytest.approx(c27, rel=1e-12)
    assert e[0] == pytest.approx(50.0) and c[0] == pytest.approx(50 * (0.6 * 2.5 + 0.4 * 4.3))


def test_base_year_reproduces_the_accounts() -> None:
    yearly = pd.DataFrame({
        "year": [2025, 2025, 2025], "industry_code": ["3110", "3120", "2611"],
        "value_added_10k_yuan": [100.0, 50.0, 80.0], "energy_tce": [300.0, 100.0, 40.0],
        "electricity_kwh": [400_000.0, 100_000.0, 200_000.0], "co2_combustion_t": [600.0, 200.0, 50.0],
        "co2_electricity_t": [230.0, 55.0, 110.0], "co2_heat_t": [10.0, 0.0, 5.0]})
    b = pw.base_from_yearly(yearly, 2025, 0.1229e-3)  # GB/T 2589 electricity 当量值, tce/kWh
    n = len(b.divisions)
    e, c = pw.project(b, np.array([2025]), np.zeros(n), np.zeros(n), 0.0, 0.0, np.ones(1), np.zeros(1), np.zeros(1))
    assert e[0] == pytest.approx(440.0) and c[0] == pytest.approx(600 + 200 + 50 + 230 + 55 + 110 + 10 + 5)


def test_peak_takes_the_first_highest_year() -> None:
    assert pw.peak(np.array([2025, 2026, 2027, 2028]), np.array([1.0, 3.0, 3.0, 2.0])) == (2026, 3.0)


def _scenario(tmp_path: Path, extra: str = "") -> Path:
    f = tmp_path / "s.toml"
    f.write_text('id = "s"\nzh = "s"\nen = "s"\nsource = "test"\nhorizon = 2030\nseed = 7\ndraws = 200\n'
                 '[growth]\ndefault = 0.05\n[growth_range]\nlow = -0.02\nhigh = 0.02\n[intensity]\ndefault = 0.03\n'
                 '[grid]\npoints = { 2030 = 0.4 }\n' + extra, "utf-8")
    return f


def test_projects_open_and_close(tmp_path: Path) -> None:
    f = _scenario(tmp_path, '[[projects]]\nname = "p"\nopens = 2027\ncloses = 2029\nenergy_tce = 10\nco2_t = 30\n')
    with_p, _ = pathway(load_scenario(f), BASE, 0.5)
    (tmp_path / "other").mkdir()
    without, _ = pathway(load_scenario(_scenario(tmp_path / "other")), BASE, 0.5)
    diff = (with_p["co2_t"] - without["co2_t"]).to_numpy()
    assert list(diff) == pytest.approx([0, 0, 30, 30, 0, 0])


def test_monte_carlo_is_seeded_and_ordered(tmp_path: Path) -> None:
    sc = load_scenario(_scenario(tmp_path))
    a, sa = pathway(sc, BASE, 0.5)
    b, sb = pathway(sc, BASE, 0.5)
    pd.testing.assert_frame_equal(a, b)
    assert sa == sb
    assert (a["co2_t_p5"] <= a["co2_t_p50"]).all() and (a["co2_t_p50"] <= a["co2_t_p95"]).all()
    # the grid path starts from the base year's own factor: no jump in the first year
    assert a["co2_t"].iloc[0] == pytest.approx(50 * (0.6 * 2.5 + 0.4 * 4.3))


def test_without_uncertainty_the_bands_collapse(tmp_path: Path) -> None:
    f = _scenario(tmp_path).read_text("utf-8").replace("low = -0.02\nhigh = 0.02", "low = 0\nhigh = 0")
    (tmp_path / "n.toml").write_text(f, "utf-8")
    p, _ = pathway(load_scenario(tmp_path / "n.toml"), BASE, 0.5)
    np.testing.assert_allclose(p["co2_t_p5"], p["co2_t"], rtol=1e-12)
    np.testing.assert_allclose(p["co2_t_p95"], p["co2_t"], rtol=1e-12)


def test_a_bad_scenario_reports_every_problem(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text('id = "b"\n[growth]\ndefault = "fast"\n[grid_range]\nlow = 0.1\nhigh = -0.1\n', "utf-8")
    with pytest.raises(ValidationError) as e:
        load_scenario(f)
    cols = {p.column for p in e.value.problems}
    assert {"zh", "en", "source", "growth.default", "grid.points", "grid_range.low"} <= cols


def test_the_base_year_grid_factor_of_another_year_is_said() -> None:
    """A base year without a published grid factor uses the latest earlier year's (the
    factor set's rule), and the pathways document says so; a year with one says nothing."""
    from qingshan.factors import load_factor_set
    from qingshan.targets.scenarios import pathway_base

    fs = load_factor_set("cn-ets")
    yearly = pd.DataFrame({"year": [2022, 2024], "industry_code": ["3110", "3110"],
                           "value_added_10k_yuan": [100.0, 100.0], "energy_tce": [300.0, 300.0],
                           "electricity_kwh": [400_000.0, 400_000.0], "co2_combustion_t": [600.0, 600.0],
                           "co2_electricity_t": [230.0, 230.0], "co2_heat_t": [10.0, 10.0]})
    _, grid, year = pathway_base(yearly, fs, 2022)
    assert (grid, year) == (pytest.approx(0.5703), 2022)  # tCO2/MWh, published for 2022
    _, grid, year = pathway_base(yearly, fs, 2024)
    assert (grid, year) == (pytest.approx(0.5703), 2022)  # none for 2024: 2022's, said by the document
