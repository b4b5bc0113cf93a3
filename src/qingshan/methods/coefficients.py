"""The coefficient tables an account joins to its rows.

``coefficients`` has one row per (carrier, use) and holds each per-row sum's contribution
per unit of quantity: every rule of :mod:`.energy` and :mod:`.carbon` that depends only on
the carrier and the use (signs, standard-coal coefficients, default NCV × CC × OF × 44/12)
is resolved here, once, on a table of a few hundred rows. The kernel is then one join on
small integer keys and a multiply per sum; rows with measured parameters take a second
branch where those replace the defaults (see :mod:`.accounts`).

``year_coefficients`` has one row per year and holds the factors that depend on the year:
electricity's 当量值 and 等价值, the grid factor and the heat factor. They multiply the
monthly sums of kWh and GJ, which is the guidelines' own form (E = AD × EF on the
period's net purchases) and keeps the per-row work independent of the year.

Keys are small integers: ``carrier_key`` is the carrier's position in ``carriers.csv``
(:func:`qingshan.schema.carriers.carrier_keys`; a carrier is one bit of a 64-bit mask,
used for lineage), ``use_key`` the position of the use in :data:`USES`.

The carrier catalogue and the factor set come in as arguments: a table of carriers
(``carrier``, ``carrier_key``, ``is_fossil``) and anything with the tables of a
:class:`qingshan.factors.FactorSet` (:class:`FactorTables`).
"""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd

from qingshan.errors import ConfigError
from qingshan.methods.carbon import BURNT_SIGN
from qingshan.methods.constants import CO2_PER_C, GJ_PER_TCE
from qingshan.methods.energy import COUNTED_SIGN

#: Uses, in key order.
USES: tuple[str, ...] = ("fuel", "feedstock", "self_generated_renewable", "export", "non_industrial")
#: Carriers are bits of signed 64-bit lineage masks.
MAX_CARRIERS = 62


class FactorTables(Protocol):
    """What the coefficient tables read of a factor set (:class:`qingshan.factors.FactorSet`)."""

    @property
    def name(self) -> str: ...
    @property
    def energy(self) -> pd.DataFrame: ...  # carrier, tce_per_unit, factor_id
    @property
    def fuel_carbon(self) -> pd.DataFrame: ...  # carrier, ncv_gj_per_unit, cc_tc_per_gj, oxidation, factor_id
    @property
    def heat_tco2_per_gj(self) -> float: ...
    @property
    def heat_factor_id(self) -> str: ...

    def by_year(self, table: str, years: list[int]) -> pd.DataFrame: ...


def _check_carriers(carriers: pd.DataFrame) -> None:
    keys = carriers["carrier_key"].astype("int64").tolist()
    if keys != list(range(len(keys))):
        raise AssertionError("carrier keys must be the positions 0, 1, … of the catalogue")
    if len(keys) > MAX_CARRIERS:  # one bit each in a signed 64-bit mask
        raise AssertionError("the carrier catalogue outgrew the 64-bit lineage mask")


def use_keys() -> dict[str, int]:
    return {u: i for i, u in enumerate(USES)}


#: ``coef_key = carrier_key × USE_SLOTS + use_key``: one integer join key per (carrier, use).
USE_SLOTS = 8
if len(USES) > USE_SLOTS:
    raise AssertionError("more uses than slots in coef_key")


def coef_key(carrier_key: Any, use_key: Any) -> Any:
    """The coefficient table's join key for Ibis columns of the energy rows.

    Joining on one integer instead of two columns saves about a tenth of the monthly
    kernel's time at province scale (docs/performance.md)."""
    return carrier_key.cast("int32") * USE_SLOTS + use_key


def coefficient_table(fs: FactorTables, carriers: pd.DataFrame) -> pd.DataFrame:
    """Per (carrier_key, use_key): contributions per unit of quantity, for every carrier of
    ``carriers`` (``carrier``, ``carrier_key``, ``is_fossil``, in key order).

    Columns ``k_*`` multiply the quantity (canonical unit) to give the per-row sum of the
    same name; ``ncv_per_tce_*`` multiply a measured NCV (GJ per unit) instead, where one
    is given; ``burnt_fossil_44_12`` × NCV × CC × OF gives combustion CO2 with measured
    parameters, ``k_co2_combustion_t`` is the same with the defaults. Nothing here depends
    on the year: electricity and heat enter the rows only as kWh and GJ, and the year's
    factors multiply the monthly sums (:func:`year_coefficient_table`).
    """
    _check_carriers(carriers)
    base = pd.DataFrame({"carrier": carriers["carrier"].astype(str).to_numpy(),
                         "carrier_key": carriers["carrier_key"].astype("int64").to_numpy(),
                         "is_fossil": carriers["is_fossil"].astype(bool).to_numpy()})
    base["is_electricity"] = base["carrier"] == "electricity"
    base["is_heat"] = base["carrier"] == "heat"
    base = base.merge(fs.energy.rename(columns={"factor_id": "energy_factor_id"}), on="carrier", how="left")
    base = base.merge(
        fs.fuel_carbon[["carrier", "ncv_gj_per_unit", "cc_tc_per_gj", "oxidation", "factor_id"]]
        .rename(columns={"factor_id": "carbon_factor_id"}), on="carrier", how="left")
    uses = pd.DataFrame({"use": list(USES), "use_key": range(len(USES))})
    t = base.merge(uses, how="cross")

    elec, heat, fossil = t["is_electricity"], t["is_heat"], t["is_fossil"]
    not_elec = (~elec).astype(float)
    counted = t["use"].map(COUNTED_SIGN).astype(float)
    burnt = t["use"].map(BURNT_SIGN).fillna(0).astype(float)
    is_use = {u: (t["use"] == u).astype(float) for u in USES}
    tce = t["tce_per_unit"]
    burnt_fossil = burnt * fossil * CO2_PER_C
    out = pd.DataFrame({
        "carrier_key": t["carrier_key"].astype("int16"),
        "use_key": t["use_key"].astype("int8"),
        "coef_key": (t["carrier_key"] * USE_SLOTS + t["use_key"]).astype("int32"),
        # GB/T 2589 综合能耗 (energy.py); electricity is added after the sums, in kWh
        "k_non_electricity_tce": counted * not_elec * tce,
        "k_feedstock_tce": is_use["feedstock"] * tce,
        "k_non_industrial_tce": is_use["non_industrial"] * tce,
        "k_renewable_electricity_kwh": is_use["self_generated_renewable"] * elec,
        # a measured NCV replaces the coefficient: NCV / 29.3076 GJ per tce (GB/T 2589-2020, 3.9)
        "ncv_per_tce_non_electricity": counted * not_elec / GJ_PER_TCE,
        "ncv_per_tce_feedstock": is_use["feedstock"] / GJ_PER_TCE,
        "ncv_per_tce_non_industrial": is_use["non_industrial"] * not_elec / GJ_PER_TCE,
        # CO2 (carbon.py): combustion = ± FC × NCV × CC × OF × 44/12
        "k_co2_combustion_t": burnt_fossil * t["ncv_gj_per_unit"] * t["cc_tc_per_gj"] * t["oxidation"],
        "burnt_fossil_44_12": burnt_fossil,
        "ncv_gj_per_unit": t["ncv_gj_per_unit"],
        "cc_tc_per_gj": t["cc_tc_per_gj"],
        "oxidation": t["oxidation"],
        "k_net_purchased_electricity_kwh": burnt * elec,
        "k_net_purchased_heat_gj": burnt * heat,
        # lineage: the carrier's bit, set when the row is present / burnt
        "carrier_bit": (2 ** t["carrier_key"].astype("int64")).astype("int64"),
        "burnt_bit": ((burnt != 0) * 2 ** t["carrier_key"].astype("int64")).astype("int64"),
    })
    for c in out.columns:
        if c.startswith("k_"):
            out[c] = out[c].fillna(0.0).astype("float64")
        elif c.startswith(("ncv_per", "burnt_fossil")):
            out[c] = out[c].astype("float64")
    return out.reset_index(drop=True)


def year_coefficient_table(fs: FactorTables, years: list[int]) -> pd.DataFrame:
    """Per year: the factors that multiply monthly sums rather than energy rows.

    ``tce_per_kwh`` is electricity's 当量值 (GB/T 2589, the factor set's ``electricity``
    row), ``tce_per_kwh_equal`` the year's 等价值, ``tco2_per_kwh`` the year's grid factor
    and ``tco2_per_gj_heat`` the purchased-heat factor, each resolved as
    :meth:`FactorSet.by_year` resolves them (with the fallback rule for unpublished years).
    """
    ys = sorted({int(y) for y in years}) or [0]
    grid = fs.by_year("grid", ys)[["year", "tco2_per_kwh"]]
    eq = fs.by_year("equal_value", ys)[["year", "tce_per_kwh"]].rename(columns={"tce_per_kwh": "tce_per_kwh_equal"})
    elec = fs.energy.loc[fs.energy["carrier"] == "electricity", "tce_per_unit"]
    if len(elec) != 1:
        raise ConfigError(f"factor set {fs.name!r} has no single standard-coal coefficient for electricity")
    out = pd.DataFrame({"year": ys}).merge(grid, on="year").merge(eq, on="year")
    out["tce_per_kwh"] = float(elec.iloc[0])
    out["tco2_per_gj_heat"] = float(fs.heat_tco2_per_gj)
    out["year"] = out["year"].astype("int16")
    return out[["year", "tce_per_kwh", "tce_per_kwh_equal", "tco2_per_kwh", "tco2_per_gj_heat"]].astype(
        {c: "float64" for c in ("tce_per_kwh", "tce_per_kwh_equal", "tco2_per_kwh", "tco2_per_gj_heat")})


def factor_lookup(fs: FactorTables, years: list[int], carriers: pd.DataFrame) -> pd.DataFrame:
    """Per (carrier_key, year): the factor ids behind the coefficients, for lineage, for
    every carrier of ``carriers`` (``carrier``, ``carrier_key``, in key order)."""
    _check_carriers(carriers)
    cat = carriers["carrier"].astype(str).tolist()
    t = pd.DataFrame({"carrier_key": range(len(cat))}).merge(
        pd.DataFrame({"year": sorted({int(y) for y in years}) or [0]}), how="cross")
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
