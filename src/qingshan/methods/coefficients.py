"""The coefficient table an account joins to its energy rows: one row per
(carrier, year, use), holding each output column's contribution per unit of quantity.

Every rule of :mod:`.energy` and :mod:`.carbon` that depends only on the carrier, the
year and the use (signs, standard-coal coefficients, default NCV × CC × OF × 44/12, grid
and heat factors) is resolved here, once, on a table of a few hundred rows. The kernel is
then one join on small integer keys and a multiply-add per output column; measured
parameters replace the defaults through ``coalesce`` (see :mod:`.accounts`).

Keys are small integers: ``carrier_key`` is the carrier's position in ``carriers.csv``
(so a carrier is one bit of a 64-bit mask, used for lineage), ``use_key`` the position of
the use in :data:`USES`.
"""

from __future__ import annotations

import pandas as pd

from qingshan.data.spec import carriers
from qingshan.factors import FactorSet
from qingshan.factors.conversions import CO2_PER_C, GJ_PER_TCE
from qingshan.methods.carbon import BURNT_SIGN
from qingshan.methods.energy import COUNTED_SIGN

#: Uses, in key order.
USES: tuple[str, ...] = ("fuel", "feedstock", "self_generated_renewable", "export", "non_industrial")


def carrier_keys() -> dict[str, int]:
    """Carrier code → key (its row position in carriers.csv)."""
    keys = {c: i for i, c in enumerate(carriers())}
    if len(keys) > 62:  # one bit each in a signed 64-bit mask
        raise AssertionError("the carrier catalogue outgrew the 64-bit lineage mask")
    return keys


def use_keys() -> dict[str, int]:
    return {u: i for i, u in enumerate(USES)}


def coefficient_table(fs: FactorSet, years: list[int]) -> pd.DataFrame:
    """Per (carrier_key, year, use_key): contributions per unit and the factor ids used.

    Columns ``k_*`` multiply the quantity (canonical unit) to give the output of the same
    name; ``ncv_per_tce_*`` multiply a measured NCV (GJ per unit) instead, where one is
    given; ``burnt_fossil_44_12`` × NCV × CC × OF gives combustion CO2.
    """
    cat = carriers()
    ck = carrier_keys()
    ys = sorted({int(y) for y in years}) or [0]
    base = pd.DataFrame({"carrier": list(cat)})
    base["carrier_key"] = base["carrier"].map(ck)
    base["is_fossil"] = base["carrier"].map(lambda c: cat[c].is_fossil)
    base["is_electricity"] = base["carrier"] == "electricity"
    base["is_heat"] = base["carrier"] == "heat"
    base = base.merge(fs.energy.rename(columns={"factor_id": "energy_factor_id"}), on="carrier", how="left")
    base = base.merge(
        fs.fuel_carbon[["carrier", "ncv_gj_per_unit", "cc_tc_per_gj", "oxidation", "factor_id"]]
        .rename(columns={"factor_id": "carbon_factor_id"}), on="carrier", how="left")
    grid = fs.by_year("grid", ys).rename(columns={"factor_id": "grid_factor_id", "fallback": "grid_fallback"})
    eq = fs.by_year("equal_value", ys).rename(columns={"factor_id": "equal_factor_id",
                                                       "fallback": "equal_fallback"})
    per_year = pd.DataFrame({"year": ys}).merge(
        grid[["year", "tco2_per_kwh", "grid_factor_id", "grid_fallback"]], on="year").merge(
        eq[["year", "tce_per_kwh", "equal_factor_id", "equal_fallback"]], on="year")
    uses = pd.DataFrame({"use": list(USES), "use_key": range(len(USES))})
    t = base.merge(per_year, how="cross").merge(uses, how="cross")

    elec, heat, fossil = t["is_electricity"], t["is_heat"], t["is_fossil"]
    counted = t["use"].map(COUNTED_SIGN).astype(float)
    burnt = t["use"].map(BURNT_SIGN).fillna(0).astype(float)
    is_use = {u: (t["use"] == u).astype(float) for u in USES}
    tce = t["tce_per_unit"]
    tce_equal = tce.where(~elec, t["tce_per_kwh"])
    out = pd.DataFrame({
        "carrier_key": t["carrier_key"].astype("int16"),
        "year": t["year"].astype("int16"),
        "use_key": t["use_key"].astype("int8"),
        # GB/T 2589 综合能耗, both electricity conventions (energy.py)
        "k_energy_tce": counted * tce,
        "k_energy_tce_equal": counted * tce_equal,
        "k_feedstock_tce": is_use["feedstock"] * tce,
        "k_non_industrial_tce": is_use["non_industrial"] * tce,
        "k_renewable_electricity_kwh": is_use["self_generated_renewable"],
        "k_renewable_tce": is_use["self_generated_renewable"] * tce,
        "k_electricity_kwh": counted * elec,
        # a measured NCV replaces the coefficient: NCV / 29.3076 GJ per tce (GB/T 2589-2020, 3.9)
        "ncv_per_tce_counted": counted / GJ_PER_TCE,
        "ncv_per_tce_equal": (counted / GJ_PER_TCE).where(~elec),
        "ncv_per_tce_feedstock": is_use["feedstock"] / GJ_PER_TCE,
        "ncv_per_tce_non_industrial": is_use["non_industrial"] / GJ_PER_TCE,
        # CO2 (carbon.py): combustion = ± FC × NCV × CC × OF × 44/12
        "burnt_fossil_44_12": burnt * fossil * CO2_PER_C,
        "ncv_gj_per_unit": t["ncv_gj_per_unit"],
        "cc_tc_per_gj": t["cc_tc_per_gj"],
        "oxidation": t["oxidation"],
        "k_net_purchased_electricity_kwh": burnt * elec,
        "k_co2_electricity_t": burnt * elec * t["tco2_per_kwh"],
        "k_net_purchased_heat_gj": burnt * heat,
        "k_co2_heat_t": burnt * heat * fs.heat_tco2_per_gj,
        # lineage: the carrier's bit, set when the row is present / burnt
        "carrier_bit": (2 ** t["carrier_key"].astype("int64")).astype("int64"),
        "burnt_bit": ((burnt != 0) * 2 ** t["carrier_key"].astype("int64")).astype("int64"),
    })
    for c in out.columns:
        if c.startswith(("k_", "ncv_per", "burnt_fossil")):
            out[c] = out[c].fillna(0.0).astype("float64") if c.startswith("k_") else out[c].astype("float64")
    return out.reset_index(drop=True)


def factor_lookup(fs: FactorSet, years: list[int]) -> pd.DataFrame:
    """Per (carrier_key, year): the factor ids behind the coefficients, for lineage."""
    t = coefficient_table(fs, years)[["carrier_key", "year"]].drop_duplicates()
    cat = list(carriers())
    t["carrier"] = t["carrier_key"].map(lambda k: cat[int(k)])
    energy_ids = dict(zip(fs.energy["carrier"], fs.energy["factor_id"], strict=True))
    carbon_ids = dict(zip(fs.fuel_carbon["carrier"], fs.fuel_carbon["factor_id"], strict=True))
    ys = sorted(set(int(y) for y in t["year"]))
    grid = dict(zip(fs.by_year("grid", ys)["year"], fs.by_year("grid", ys)["factor_id"], strict=True))
    eqv = fs.by_year("equal_value", ys)
    equal = dict(zip(eqv["year"], eqv["factor_id"], strict=True))
    t["energy_factor_id"] = t["carrier"].map(energy_ids)
    t["carbon_factor_id"] = t["carrier"].map(carbon_ids)
    elec = t["carrier"] == "electricity"
    t["equal_factor_id"] = t["year"].map(equal).where(elec)
    t["grid_factor_id"] = t["year"].map(grid).where(elec)
    t["heat_factor_id"] = pd.Series(fs.heat_factor_id, index=t.index).where(t["carrier"] == "heat")
    return t.reset_index(drop=True)
