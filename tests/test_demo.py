"""The demo city 青山市 (qingshan.data.demo) and the GB 32100-2015 credit-code check.

The standard-coal coefficients below are written out by hand from GB/T 2589-2008 Annex A
(as reproduced in the 中国能源统计年鉴 appendix, see docs/demo-city.md) and are not read
from the generator, so the calibration test checks the generator's unit handling too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from qingshan.data.demo import DEFECT_KINDS, generate_demo_city, load_calibration
from qingshan.data.package import write_csv_package
from qingshan.data.uscc import USCC_CHARSET, is_valid_uscc, uscc_check_char
from qingshan.schema.carriers import carriers, resolve_carrier
from qingshan.schema.tables import TABLE_ORDER, tables
from qingshan.schema.units import conversion_factor, is_known_unit

# --- hand-written reference numbers ------------------------------------------------------

# tce per canonical unit (t, m3, kWh, GJ): GB/T 2589-2008 Annex A / yearbook appendix.
TCE_PER_CANONICAL = {
    "anthracite": 0.7143,  # 原煤 5 000 kcal/kg
    "bituminous_coal": 0.7143,
    "coke": 0.9714,
    "natural_gas": 12.143 / 1e4,  # 12.143 tce per 10⁴ m³
    "blast_furnace_gas": 1.286 / 1e4,
    "diesel": 1.4571,
    "gasoline": 1.4714,
    "fuel_oil": 1.4286,
    "lpg": 1.7143,
    "heat": 0.03412,  # per GJ (34.12 kgce/GJ)
    "electricity": 1.229 / 1e4,  # 当量值, per kWh
    "fresh_water": 0.2571 / 1e3,  # 0.2571 kgce/t
}
# canonical units per reporting unit
PER_UNIT = {
    "吨": 1.0, "t": 1.0, "万吨": 1e4, "kg": 1e-3,
    "立方米": 1.0, "Nm3": 1.0, "万立方米": 1e4, "万m³": 1e4,
    "kWh": 1.0, "千瓦时": 1.0, "万千瓦时": 1e4, "MWh": 1e3,
    "GJ": 1.0, "吉焦": 1.0, "百万千焦": 1.0,
}  # fmt: skip
MONEY_TO_10K = {"万元": 1.0, "元": 1e-4, "千元": 0.1}
MASS_TO_T = {"吨": 1.0, "t": 1.0, "万吨": 1e4, "kg": 1e-3}

# GB/T 4754-2017 classes the demo city uses.
KNOWN_CLASSES = {
    "1340", "1353", "1391", "1711", "1713", "2221", "2612", "2614", "2619", "2621", "2651",
    "2710", "2922", "3011", "3012", "3021", "3041", "3110", "3120", "3130", "3140", "3211",
    "3216", "3252", "3311", "3360", "3391", "3412", "3611", "3612", "3670", "3973", "3976",
    "3981", "3982",
}  # fmt: skip

ENERGY_KEY = ["entity_id", "period", "carrier", "use"]


@pytest.fixture(scope="module")
def city() -> dict[str, pd.DataFrame]:
    return generate_demo_city()


@pytest.fixture(scope="module")
def damaged() -> dict[str, pd.DataFrame]:
    return generate_demo_city(defects=True)


def _enterprises(c: dict[str, pd.DataFrame]) -> pd.DataFrame:
    ent = c["entities"]
    return ent[ent["entity_type"] == "enterprise"]


def _energy_tce(c: dict[str, pd.DataFrame]) -> pd.DataFrame:
    en = c["energy"].copy()
    en["carrier"] = en["carrier"].astype(str)
    en["unit"] = en["unit"].astype(str)
    factor = en["carrier"].map(TCE_PER_CANONICAL) * en["unit"].map(PER_UNIT)
    assert factor.notna().all(), en.loc[factor.isna(), ["carrier", "unit"]].drop_duplicates()
    en["tce"] = en["quantity"] * factor
    en["year"] = en["period"].astype(str).str[:4].astype(int)
    en["entity_id"] = en["entity_id"].astype(str)
    return en


def _economics_10k(c: dict[str, pd.DataFrame]) -> pd.DataFrame:
    eco = c["economics"].copy()
    k = eco["money_unit"].astype(str).map(MONEY_TO_10K)
    assert k.notna().all()
    for col in eco.columns:
        if col.endswith("_10k_yuan"):
            eco[col] = eco[col] * k
    return eco


# --- GB 32100-2015 -------------------------------------------------------------------------


def test_uscc_worked_example_of_the_standard() -> None:
    # GB 32100-2015 check-character example: 91350100M000100Y4 -> sum 1640, MOD 31 = 28,
    # check value 31 - 28 = 3; the example's '…Y4Z' is rejected.
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert is_valid_uscc("91350100M000100Y43")
    assert not is_valid_uscc("91350100M000100Y4Z")


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038216",  # 华为技术有限公司 (published registration record)
        "9144030071526726XG",  # 腾讯科技（深圳）有限公司 (published registration record)
    ],
)
def test_uscc_published_codes(code: str) -> None:
    assert is_valid_uscc(code)


def test_uscc_detects_every_single_substitution() -> None:
    rng = np.random.default_rng(1)
    for _ in range(50):
        body = "91" + "".join(rng.choice(list("0123456789"), 6)) + "".join(
            rng.choice(list(USCC_CHARSET), 9)
        )
        code = body + uscc_check_char(body)
        assert is_valid_uscc(code)
        for i in range(18):
            for c in USCC_CHARSET:
                if c != code[i] and (i not in range(2, 8) or c.isdigit()):
                    assert not is_valid_uscc(code[:i] + c + code[i + 1 :])


@pytest.mark.parametrize(
    "bad", ["", "91350100M000100Y4", "91350100M000100Y433", "91350100m000100Y43",
            "91350100M000100I43", "913501A0M000100Y43", " 91350100M000100Y43"],
)  # fmt: skip
def test_uscc_rejects_malformed(bad: str) -> None:
    assert not is_valid_uscc(bad)


def test_uscc_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        uscc_check_char("123")
    with pytest.raises(ValueError):
        uscc_check_char("91350100M000100O4")


# --- shape and codes ---------------------------------------------------------------------


def test_tables_and_canonical_columns(city: dict[str, pd.DataFrame]) -> None:
    assert list(city) == list(TABLE_ORDER)
    for name, frame in city.items():
        spec = tables()[name]
        assert list(frame.columns) == [c for c in spec.column_names if c in frame.columns]
        for col in spec.columns:
            if col.required:
                assert col.name in frame.columns, (name, col.name)
                assert frame[col.name].notna().all(), (name, col.name)
        assert len(frame) > 0, name


def test_codes_are_valid(city: dict[str, pd.DataFrame]) -> None:
    spec = tables()
    ent, en = city["entities"], city["energy"]
    types = spec["entities"].column("entity_type").choices
    assert set(ent["entity_type"].astype(str)) == set(types)
    assert (ent["entity_type"] == "city").sum() == 1
    e = _enterprises(city)
    assert set(e["scale"].astype(str)) == {"above", "below"}
    assert e["industry_code"].isin(KNOWN_CLASSES).all()
    cat = carriers()
    assert set(en["carrier"].astype(str)) <= set(cat)
    assert set(en["use"].astype(str)) == set(spec["energy"].column("use").choices)
    pairs = en[["carrier", "unit"]].astype(str).drop_duplicates()
    for c, u in zip(pairs["carrier"], pairs["unit"], strict=True):
        assert is_known_unit(u), u
        conversion_factor(u, cat[c].canonical_unit)  # raises if the unit does not fit
    assert en["period"].astype(str).str.fullmatch(r"20(2[0-5])-(0[1-9]|1[0-2])").all()
    pollutants = spec["pollutants"].column("pollutant").choices
    assert set(city["pollutants"]["pollutant"]) <= set(pollutants)
    assert set(city["process"]["material"]) == {"clinker", "lime", "caco3", "anode"}
    for name, column in (("economics", "money_unit"), ("entities", "land_unit"),
                         ("pollutants", "unit"), ("process", "unit"), ("production", "unit")):
        units = city[name][column].dropna().astype(str).unique()
        assert all(is_known_unit(u) or u in {"辆", "台"} for u in units), (name, units)  # fmt: skip
    # no Chinese carrier names or aliases: codes only (carrier names resolve to themselves)
    assert all(resolve_carrier(c) == c for c in en["carrier"].astype(str).unique())


def test_enterprise_ids_and_references(city: dict[str, pd.DataFrame]) -> None:
    ent = city["entities"]
    e = _enterprises(city)
    assert e["entity_id"].map(is_valid_uscc).all()
    assert ent["entity_id"].is_unique
    assert e["entity_id"].str[2:8].isin(ent.loc[ent["entity_type"].isin(["city", "district"]),
                                                "entity_id"]).all()  # fmt: skip
    districts = set(ent.loc[ent["entity_type"] == "district", "entity_id"])
    parks = set(ent.loc[ent["entity_type"] == "park", "entity_id"])
    assert len(districts) == 5 and len(parks) == 6
    assert e["district_id"].isin(districts).all()
    assert e["park_id"].dropna().isin(parks).all()
    assert 0.1 < e["park_id"].isna().mean() < 0.9  # some enterprises outside parks
    ids = set(e["entity_id"])
    for name in ("energy", "economics", "production", "process", "pollutants"):
        assert set(city[name]["entity_id"].astype(str)) <= ids, name
    assert e["lon"].between(109.2, 109.6).all() and e["lat"].between(24.2, 24.5).all()
    assert e["name"].is_unique


# --- determinism and scaling ---------------------------------------------------------------


def test_deterministic_by_seed() -> None:
    a = generate_demo_city(seed=7, enterprises=300, years=range(2021, 2024))
    b = generate_demo_city(seed=7, enterprises=300, years=range(2021, 2024))
    c = generate_demo_city(seed=8, enterprises=300, years=range(2021, 2024))
    for name in TABLE_ORDER:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["entities"]["entity_id"].equals(c["entities"]["entity_id"])
    assert len(a["energy"]) != len(c["energy"]) or not np.array_equal(
        a["energy"]["quantity"].to_numpy(), c["energy"]["quantity"].to_numpy()
    )


@pytest.mark.parametrize("n", [1, 40, 500])
def test_enterprise_count_scales(n: int) -> None:
    c = generate_demo_city(enterprises=n, years=[2023, 2024])
    assert len(_enterprises(c)) == n
    assert set(c["energy"]["period"].astype(str).str[:4]) <= {"2023", "2024"}
    assert set(c["economics"]["year"]) <= {2023, 2024}


def test_years_option() -> None:
    c = generate_demo_city(enterprises=60, years=[2025, 2019, 2019])
    assert sorted(c["economics"]["year"].unique()) == [2019, 2025]
    assert set(c["energy"]["period"].astype(str).str[:4]) == {"2019", "2025"}
    with pytest.raises(ValueError):
        generate_demo_city(enterprises=0)
    with pytest.raises(ValueError):
        generate_demo_city(years=[])


# --- plausibility ----------------------------------------------------------------------------


def test_values_are_sane(city: dict[str, pd.DataFrame]) -> None:
    assert (city["energy"]["quantity"] >= 0).all()
    quantities = (("production", "quantity"), ("process", "quantity"), ("pollutants", "quantity_t"))
    for name, col in quantities:
        assert (city[name][col] >= 0).all(), name
    eco = _economics_10k(city)
    assert (eco["value_added_10k_yuan"] <= eco["output_value_10k_yuan"]).all()
    assert (eco["output_value_10k_yuan"] > 0).all() and (eco["employees"] >= 1).all()
    assert (eco["tax_10k_yuan"] < 0).mean() < 0.02  # refunds are rare
    ratio = eco["value_added_10k_yuan"].sum() / eco["output_value_10k_yuan"].sum()
    assert 0.15 < ratio < 0.35  # 规上工业 VA ratio 30.04 % in Qinghai 2020 (qinghai_yb_2021)
    # scale follows the 2000 万元 revenue threshold in the base year, heavy-tailed sizes
    e = _enterprises(city)
    assert 0.3 < (e["scale"] == "above").mean() < 0.8
    out = eco.groupby("entity_id")["output_value_10k_yuan"].max()
    assert out.max() / out.median() > 100
    pro = city["process"]
    clinker = pro[pro["material"] == "clinker"]
    assert clinker["cao_fraction"].between(0.64, 0.66).all()
    assert clinker["mgo_fraction"].between(0.01, 0.02).all()
    lime = pro[pro["material"] == "lime"]
    assert lime["cao_fraction"].between(0.85, 0.90).all()
    caco3 = pro[pro["material"] == "caco3"]
    assert caco3["cao_fraction"].isna().all() and (caco3["calcination_fraction"] == 1.0).all()


def test_industry_mix(city: dict[str, pd.DataFrame]) -> None:
    e = _enterprises(city)
    codes = set(e["industry_code"])
    assert codes == KNOWN_CLASSES
    products = set(city["production"]["product"])
    assert {"粗钢", "水泥熟料", "电解铝", "汽车", "新能源汽车", "成品糖"} <= products
    # every park hosts enterprises
    assert set(e["park_id"].dropna()) == {f"P0{i}" for i in range(1, 7)}


def test_mixed_reporting_units(city: dict[str, pd.DataFrame]) -> None:
    en = city["energy"]
    pairs = en[["carrier", "unit"]].astype(str).drop_duplicates()
    units = {c: set(pairs.loc[pairs["carrier"] == c, "unit"]) for c in pairs["carrier"].unique()}
    assert {"万千瓦时", "kWh"} <= units["electricity"]
    assert {"万立方米", "立方米"} <= units["natural_gas"]
    assert {"百万千焦", "GJ"} <= units["heat"]
    assert {"元", "万元"} <= set(city["economics"]["money_unit"].astype(str))


def test_uses_and_small_enterprises(city: dict[str, pd.DataFrame]) -> None:
    en = _energy_tce(city)
    e = _enterprises(city).set_index("entity_id")
    en["scale"] = en["entity_id"].map(e["scale"].astype(str))
    uses = en.groupby("use", observed=True)["carrier"].agg(set)
    assert uses["self_generated_renewable"] == {"electricity"}
    assert uses["feedstock"] == {"natural_gas"}
    assert {"blast_furnace_gas", "heat", "electricity"} <= uses["export"]
    assert "electricity" in uses["non_industrial"]
    # 规下 enterprises report only what utilities supply
    assert set(en.loc[en["scale"] == "below", "carrier"]) <= {"electricity", "natural_gas"}


def test_sugar_campaign_and_trend(city: dict[str, pd.DataFrame]) -> None:
    en = _energy_tce(city)
    e = _enterprises(city).set_index("entity_id")
    en["code"] = en["entity_id"].map(e["industry_code"])
    sugar = en[(en["code"] == "1340") & (en["use"] == "fuel")]
    month = sugar["period"].astype(str).str[5:].astype(int)
    in_season = sugar.loc[month.isin([12, 1, 2, 3]), "tce"].sum()
    off_season = sugar.loc[month.isin([6, 7, 8, 9]), "tce"].sum()
    assert off_season < 0.1 * in_season
    # city-wide energy per value added falls from the first to the last year
    eco = _economics_10k(city)
    counted = en[en["use"].isin(["fuel", "feedstock", "self_generated_renewable"])]
    i = counted.groupby("year")["tce"].sum() / eco.groupby("year")["value_added_10k_yuan"].sum()
    assert i[2025] < i[2020]


# --- calibration -----------------------------------------------------------------------------


def test_industry_intensity_matches_calibration(city: dict[str, pd.DataFrame]) -> None:
    """Per industry, 规上 energy (fuel + feedstock + on-site PV, tce) / value added (万元)
    equals the calibration target × the yearly decline, within 3 %."""
    cal = load_calibration()
    base = cal["meta"]["base_year"]
    decline = cal["trend"]["intensity_decline_per_year"]
    target = {d["code"]: d["intensity"] for d in cal["industry"]}
    en = _energy_tce(city)
    e = _enterprises(city).set_index("entity_id")
    en["code"] = en["entity_id"].map(e["industry_code"])
    en = en[en["entity_id"].map(e["scale"].astype(str)) == "above"]
    en = en[en["use"].isin(["fuel", "feedstock", "self_generated_renewable"])]
    eco = _economics_10k(city)
    eco["code"] = eco["entity_id"].map(e["industry_code"])
    eco = eco[eco["entity_id"].map(e["scale"].astype(str)) == "above"]
    tce = en.groupby(["code", "year"])["tce"].sum()
    va = eco.groupby(["code", "year"])["value_added_10k_yuan"].sum()
    got = (tce / va).dropna()
    assert len(got) >= 30 * 6
    for key, value in got.items():
        code, year = str(key[0]), int(key[1])  # type: ignore[index]
        want = target[code] * (1 - decline) ** (year - base)
        assert value == pytest.approx(want, rel=0.03), (code, year)


def test_product_energy_matches_sources(city: dict[str, pd.DataFrame]) -> None:
    """Crude steel at 545.27 kgce/t (CISA 2020) and aluminium electricity at the 13 350 kWh/t
    基准 (NDRC 2021) in the base year, falling by the calibrated yearly rate after it."""
    cal = load_calibration()
    fall = 1.0 - float(cal["trend"]["unit_energy_decline_per_year"])
    base = int(cal["meta"]["base_year"])
    en = _energy_tce(city)
    en = en[en["use"].isin(["fuel", "feedstock", "self_generated_renewable"])]
    e = _enterprises(city).set_index("entity_id")
    en["code"] = en["entity_id"].map(e["industry_code"])
    pr = city["production"].copy()
    pr["t"] = pr["quantity"] * pr["unit"].map(MASS_TO_T)
    pr["trend"] = np.power(fall, (pr["year"] - base).to_numpy(dtype=float))

    steel = pr[pr["product"] == "粗钢"]
    steel_tce = en.loc[en["code"] == "3120", "tce"].sum()
    kgce_per_t = steel_tce * 1000 / (steel["t"] * steel["trend"]).sum()
    assert kgce_per_t == pytest.approx(545.27, rel=0.03)

    al = pr[pr["product"] == "电解铝"]
    elec = en[(en["code"] == "3216") & (en["carrier"] == "electricity")]
    kwh = (elec["tce"] / TCE_PER_CANONICAL["electricity"]).sum()
    assert kwh / (al["t"] * al["trend"]).sum() == pytest.approx(13350, rel=0.03)


# --- defects ---------------------------------------------------------------------------------


def _slip(c: dict[str, pd.DataFrame]) -> bool:
    en = c["energy"]
    q = en["quantity"].abs()
    med = q.groupby([en["entity_id"], en["carrier"], en["use"]], observed=True).transform("median")
    return bool(((med > 0) & (q >= 1000 * med)).any())


def _bad_period(c: dict[str, pd.DataFrame]) -> bool:
    p = c["energy"]["period"].astype(str)
    ok = p.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    return bool((~ok).any() and (p.str[:4].astype(int) > c["economics"]["year"].max()).any())


City = dict[str, pd.DataFrame]

DETECTORS: dict[str, Callable[[City], bool]] = {
    "unknown_carrier": lambda c: any(
        resolve_carrier(x) is None for x in c["energy"]["carrier"].astype(str).unique()
    ),
    "unknown_unit": lambda c: not all(map(is_known_unit, c["energy"]["unit"].astype(str).unique())),
    "negative_quantity": lambda c: bool((c["energy"]["quantity"] < 0).any()),
    "duplicate_energy_key": lambda c: bool(c["energy"].duplicated(ENERGY_KEY).any()),
    "period_out_of_range": _bad_period,
    "enterprise_without_district": lambda c: bool(_enterprises(c)["district_id"].isna().any()),
    "value_added_exceeds_output": lambda c: bool(
        (c["economics"]["value_added_10k_yuan"] > c["economics"]["output_value_10k_yuan"]).any()
    ),
    "unit_slip": _slip,
    "invalid_uscc": lambda c: not _enterprises(c)["entity_id"].map(is_valid_uscc).all(),
}


def test_detectors_cover_every_defect_kind() -> None:
    assert set(DETECTORS) == set(DEFECT_KINDS)


@pytest.mark.parametrize("kind", DEFECT_KINDS)
def test_defect_present_only_when_asked(
    kind: str, city: dict[str, pd.DataFrame], damaged: dict[str, pd.DataFrame]
) -> None:
    assert not DETECTORS[kind](city)
    assert DETECTORS[kind](damaged)


def test_defects_are_few_and_leave_the_rest_alone(
    city: dict[str, pd.DataFrame], damaged: dict[str, pd.DataFrame]
) -> None:
    assert len(damaged["energy"]) == len(city["energy"]) + 1  # the duplicate
    diff = damaged["entities"].compare(city["entities"])
    assert len(diff) == 2  # one enterprise without district, one wrong check character
    for name in ("economics", "production", "process", "pollutants"):
        assert len(damaged[name]) == len(city[name])
    va = "value_added_10k_yuan"
    changed = damaged["economics"][va] != city["economics"][va]
    assert changed.sum() == 1
    small = generate_demo_city(enterprises=3, years=[2024], defects=True)
    for kind in DEFECT_KINDS:
        assert DETECTORS[kind](small), kind


# --- output ----------------------------------------------------------------------------------


def test_writes_as_a_csv_package(tmp_path: pytest.TempPathFactory) -> None:
    c = generate_demo_city(enterprises=50, years=[2024])
    dest = write_csv_package(c, tmp_path / "demo")  # type: ignore[operator]
    back = pd.read_csv(dest / "energy.csv", dtype=str)
    assert list(back.columns) == list(c["energy"].columns)
    assert len(back) == len(c["energy"])
    assert re.fullmatch(r"\d{4}-\d{2}", back["period"].iloc[0])


@pytest.mark.slow
def test_fifty_thousand_enterprises_is_fast() -> None:
    t0 = time.perf_counter()
    c = generate_demo_city(enterprises=50_000, years=range(2020, 2026))
    elapsed = time.perf_counter() - t0
    assert len(_enterprises(c)) == 50_000
    assert len(c["energy"]) > 5_000_000
    assert elapsed < 60
