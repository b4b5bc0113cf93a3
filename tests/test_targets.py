"""Targets: the time-proportional schedule and barometer at and around its thresholds,
exclusions, remaining room by hand, and the checks of a targets file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qingshan.errors import ValidationError
from qingshan.methods import barometer, schedule
from qingshan.methods import remaining_room as rr
from qingshan.targets import load_targets, observations, progress_table, room_table
from qingshan.targets.barometer import barometer_rules
from qingshan.targets.definitions import Target


def colour(actual: float, required: float) -> str:
    """The colour with the shipped barometer's red share (targets/barometers/ndrc-2021.toml):
    the cases below are typed at 629号's 10 %, so a changed file fails them."""
    gap, share = schedule.schedule_gap(np.array([actual]), np.array([required]))
    return str(barometer.colour(gap, share, float(barometer_rules()["red_gap_share"]))[0])


def test_progress_target_is_the_target_times_the_elapsed_share() -> None:
    # −17 % from 2020 to 2025: by 2023, 3/5 of the period, the progress target is −10.2 %
    f = schedule.elapsed_share(np.array([2023]), 2020, 2025)
    assert f[0] == pytest.approx(0.6) and -0.17 * f[0] == pytest.approx(-0.102)


@pytest.mark.parametrize(("actual", "expected"), [
    (-0.2, "green"),      # ahead
    (-0.102, "green"),    # exactly on schedule
    (-0.1, "yellow"),     # behind by 0.2 points = 2 % of the progress target
    (-0.0918, "yellow"),  # behind by exactly 10 % of the progress target: not above it
    (-0.0917, "red"),     # behind by just over 10 %
    (0.01, "red"),        # intensity rose
])
def test_barometer_around_its_thresholds(actual: float, expected: str) -> None:
    assert colour(actual, -0.102) == expected


def test_an_increase_target_mirrors_the_rule() -> None:
    # green factories 10 → 20 by 2025 (+100 %); by 2023 the progress target is +60 %
    assert colour(0.7, 0.6) == "green" and colour(0.55, 0.6) == "yellow" and colour(0.5, 0.6) == "red"


def test_remaining_room_by_hand() -> None:
    # 2020 intensity 0.5 tce/10k yuan, −17 % by 2025 → 0.415; 2024: value added 1000, energy 450;
    # growth 6 %: value added 2025 = 1060, allowed energy = 0.415 × 1060 = 439.9, room = −10.1
    q, allowed = rr.allowed_total(0.5, -0.17, 1000.0, 0.06, 2024, 2025)
    assert q == pytest.approx(1060.0) and allowed == pytest.approx(439.9)
    assert rr.room(allowed, 450.0) == pytest.approx(-10.1)
    assert rr.room(allowed, 400.0, cap=420.0) == pytest.approx(20.0)  # the cap binds
    assert rr.room(allowed, 400.0, cap=500.0) == pytest.approx(39.9)


def yearly() -> pd.DataFrame:
    rows = []
    for year, e, feed, ren, va in ((2020, 500.0, 100.0, 10.0, 1000.0), (2023, 520.0, 120.0, 40.0, 1300.0)):
        rows.append({"entity_id": "F1", "year": year, "district_id": "D1", "park_id": "P1", "energy_tce": e,
                     "feedstock_tce": feed, "renewable_tce": ren, "co2_t": 2 * e, "value_added_10k_yuan": va})
    rows.append({"entity_id": "F2", "year": 2023, "district_id": "D2", "park_id": None, "energy_tce": 50.0,
                 "feedstock_tce": 0.0, "renewable_tce": 0.0, "co2_t": 100.0, "value_added_10k_yuan": 0.0})
    return pd.DataFrame(rows)


def target(**kw: object) -> Target:
    base: dict[str, object] = {"id": "t", "zh": "t", "en": "t", "level": "district", "entity": "D1",
                               "indicator": "energy_intensity_iva", "base_year": 2020, "target_year": 2025,
                               "target_change": -0.17, "source": "test"}
    return Target(**{**base, **kw})  # type: ignore[arg-type]


def test_exclusions_of_feedstock_and_new_renewables() -> None:
    plain = observations(target(), yearly())
    assert plain.loc[2023] == pytest.approx(520 / 1300)
    feed = observations(target(exclude_feedstock=True), yearly())
    assert feed.loc[2020] == pytest.approx(400 / 1000) and feed.loc[2023] == pytest.approx(400 / 1300)
    both = observations(target(exclude_feedstock=True, exclude_new_renewables=True), yearly())
    assert both.loc[2023] == pytest.approx((520 - 120 - (40 - 10)) / 1300)
    total = observations(target(level="city", entity="city", indicator="total_energy"), yearly())
    assert total.loc[2023] == pytest.approx(570.0)  # totals include the firm without value added


def test_progress_table_rows() -> None:
    p = progress_table([target()], yearly())
    row = p.iloc[0]
    assert row["year"] == 2023 and row["base_value"] == pytest.approx(0.5)
    assert row["actual_change"] == pytest.approx(0.4 / 0.5 - 1) and row["required_change"] == pytest.approx(-0.102)
    assert row["colour"] == "green"


def test_room_table_uses_the_last_year_and_the_cap() -> None:
    cap = target(id="cap", indicator="total_energy", target_change=0.10)
    r = room_table([target(), cap], yearly(), growth=0.05).iloc[0]
    allowed = 0.5 * 0.83 * 1300 * 1.05 ** 2
    assert r["last_year"] == 2023 and r["allowed_total"] == pytest.approx(allowed)
    assert r["cap"] == pytest.approx(550.0) and r["room"] == pytest.approx(min(allowed - 520, 550 - 520))


def test_a_bad_targets_file_reports_every_problem(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text('[[targets]]\nid = "a"\nzh = "a"\nen = "a"\nlevel = "county"\nentity = "x"\n'
                 'indicator = "gdp_per_capita"\nbase_year = 2025\ntarget_year = 2020\nsource = "s"\n', "utf-8")
    with pytest.raises(ValidationError) as e:
        load_targets(f)
    cols = {p.column for p in e.value.problems}
    assert {"targets[0].level", "targets[0].indicator", "targets[0].target_year", "targets[0].target_change"} <= cols


def test_targets_and_decompose_commands_on_a_demo_city(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from qingshan.cli import main
    from qingshan.data.demo import generate_demo_city
    from qingshan.data.package import write_csv_package

    pkg = write_csv_package(generate_demo_city(enterprises=80, years=range(2020, 2023)), tmp_path / "package")
    demo_targets = Path(__file__).parents[1] / "src" / "qingshan" / "targets" / "plans" / "demo_targets.toml"
    res = CliRunner().invoke(main, ["targets", str(pkg), "--targets", str(demo_targets)])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    districts = {r["entity"] for r in doc["latest"] if r["indicator"] == "energy_intensity_iva"}
    assert len(districts) == 6  # the city and its five districts
    assert all(r["colour"] in ("red", "yellow", "green") for r in doc["yearly"])
    assert {r["colour"] for r in doc["warnings"]} <= {"red", "yellow"}
    assert doc["remaining_room"] and all("room" in r for r in doc["remaining_room"])
    scen = Path(__file__).parents[1] / "src" / "qingshan" / "targets" / "demo_scenarios"
    res = CliRunner().invoke(main, ["project", str(pkg), "--scenario", str(scen / "baseline.toml"),
                                    "--scenario", str(scen / "policy.toml")])
    assert res.exit_code == 0, res.output
    p = json.loads(res.stdout)
    assert [s["id"] for s in p["scenarios"]] == ["baseline", "policy"]
    for s in p["scenarios"]:
        assert 2022 <= s["summary"]["co2_peak_year"] <= 2035 and len(s["years"]) == 2035 - 2022 + 1
    res = CliRunner().invoke(main, ["decompose", str(pkg), "--from", "2020", "--to", "2022", "--by", "district"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    for q in ("energy", "co2"):
        s = d[q]["summary"]
        assert abs(sum(s["additive"].values()) + s["not_decomposed"] - s["change"]) <= 1e-6 * max(1.0, s["base"])
