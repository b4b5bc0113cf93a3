"""The demo city's carbon balances (docs/demo-city.md step 5, src/qingshan/data/demo/materials.py):
every enterprise-year of a sector whose guideline expects a balance (steel 3110/3120, coking
2521, ammonia 2621; ``expect_balance`` in data/spec/ghg_methods.toml) reports one, so the
accounts carry no ``carbon_balance`` note; the ironworks' balance is the pig iron they make,
carbon fixed at their own measured carbon content (demo data), worked by hand below."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qingshan import accounts
from qingshan.data.demo import generate_demo_city
from qingshan.data.demo.calibration import typed_calibration
from qingshan.data.package import write_csv_package
from qingshan.data.validate import load_package
from qingshan.factors import load_factor_set
from qingshan.store import Store

C = 44 / 12


def _calibration_balance(code: str) -> list[dict[str, object]]:
    (ind,) = [i for i in typed_calibration().raw["industry"] if i["code"] == code]
    return list(ind.get("balance", []))


def test_the_ironworks_balance_is_their_pig_iron_at_a_labelled_carbon_content() -> None:
    (b,) = _calibration_balance("3110")
    assert (b["material"], b["flow"], b["per_unit"], b["product"]) == ("pig_iron", "product", 1.0, "生铁")
    # 表2-5 of the steel guideline prints no default for pig iron leaving as a product: the
    # carbon content is the works' own (a demo assumption, labelled so), never a guideline value
    assert b["carbon_fraction"] == 0.043 and "demo data" in str(b["basis"]) and "not a guideline" in str(b["basis"])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, pd.DataFrame], accounts.AccountResult]:
    city = generate_demo_city(enterprises=120, years=range(2024, 2026))
    d = write_csv_package({k: v.copy() for k, v in city.items()}, tmp_path_factory.mktemp("bal") / "pkg")
    fs = load_factor_set()
    store = Store.connect(None)
    accounts.load(store, load_package(Path(d), fs), fs)
    return city, accounts.compute(store, fs)


def test_no_demo_steel_or_ammonia_enterprise_year_lacks_its_balance(
        demo: tuple[dict[str, pd.DataFrame], accounts.AccountResult]) -> None:
    city, res = demo
    ent = city["entities"]
    codes = dict(zip(ent["entity_id"].astype(str), ent["industry_code"].astype(str), strict=True))
    expected = {e for e, c in codes.items() if c in ("3110", "3120", "2521", "2621")}
    assert {codes[e] for e in expected} >= {"3110", "3120", "2621"}  # the sectors are in the demo
    assert not [n for n in res.notes if n["factor"] == "carbon_balance"]


def test_an_ironworks_fixes_the_carbon_of_its_pig_iron(
        demo: tuple[dict[str, pd.DataFrame], accounts.AccountResult]) -> None:
    city, res = demo
    ent = city["entities"]
    iron = set(ent.loc[ent["industry_code"].astype(str) == "3110", "entity_id"].astype(str))
    assert iron
    m = city["materials"]
    m = m[m["entity_id"].astype(str).isin(iron)].assign(year=lambda x: x["period"].astype(str).str[:4].astype(int))
    assert set(m["material"]) == {"pig_iron"} and set(m["flow"]) == {"product"}
    assert (m["unit"] == "t").all() and (m["carbon_fraction"] == 0.043).all()
    # R固碳 = Σ AD × EF (steel formula (17)), EF = the measured 0.043 tC/t × 44/12 = 0.15767 tCO2/t
    want = (m.groupby(["entity_id", "year"])["quantity"].sum() * 0.043 * C).rename("want")
    y = res.yearly.assign(entity_id=res.yearly["entity_id"].astype(str)).set_index(["entity_id", "year"])
    got = pd.to_numeric(y.loc[want.index, "co2_fixed_t"]).astype(float)
    assert len(want) > 0
    assert got.to_numpy() == pytest.approx(want.to_numpy(), rel=1e-9)
    # and the pig iron is the production table's: one t of pig iron per t made
    pr = city["production"]
    pr = pr[pr["entity_id"].astype(str).isin(iron) & (pr["product"] == "生铁")]
    t = pr.assign(t=pd.to_numeric(pr["quantity"]) * pr["unit"].map({"吨": 1.0, "万吨": 1e4}))
    made = t.groupby(["entity_id", "year"])["t"].sum()
    assert m.groupby(["entity_id", "year"])["quantity"].sum().to_numpy() == pytest.approx(
        made.reindex(want.index).to_numpy(), rel=1e-3)
