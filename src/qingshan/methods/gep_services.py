"""Physical quantities (功能量) of the GEP services that are not raster models of their own.

Every function works element-wise on a float, a numpy array or a dask array (plain
arithmetic and numpy ufuncs only), so the same code serves a statistics row, one pixel and a
whole raster block. Quantities come out in base units (m³, t, kWh, m², hm², yuan) so that
:mod:`qingshan.methods.gep_value` can multiply them by a price with a checked unit.

Sources (the formulas; the constants are arguments unless a source gives them):

* **[Ganzi]** 白玛卓嘎, 肖燚, 欧阳志云, 王莉雁 (2017) 甘孜藏族自治州生态系统生产总值核算研究.
  生态学报 37(19):6302–6312, doi:10.5846/stxb201607011362 (ChinaXiv 201711.00120), §2.3–2.5,
  equations numbered there (1)–(12). Same CAS group that drafted the MEE 2020 GEP guide.
* **[Baiyangdian]** 江波, 陈媛媛, 肖洋, 赵娟娟, 欧阳志云 (2017) 白洋淀湿地生态系统最终服务价值评估.
  生态学报 37(8):2497–2505, doi:10.5846/stxb201410091984 (ChinaXiv 201704.00322), §1.3, §2.2–2.3.

GB/T 46869-2025, 发改基础〔2022〕481号 and the MEE 2020 guide were not obtained in full text;
where they may set other constants, the constants here are parameters (docs/gep/services-prices.md).
Soil-retention tonnage (USLE potential − actual) is computed by
:mod:`qingshan.methods.soil_retention`; wind-erosion prevention (RWEQ) is left out because its
critical-field-length constant could not be confirmed (105.71 vs 150.71).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np

#: A float, a numpy array or a dask array; every function here is element-wise.
Field: TypeAlias = Any

#: kg CO2 fixed per kg of dry matter produced (photosynthesis equation) [Baiyangdian] §2.2.2.
CO2_PER_DRY_MATTER = 1.63
#: kg O2 released per kg of dry matter produced (photosynthesis equation) [Baiyangdian] §2.2.3.
O2_PER_DRY_MATTER = 1.2
#: Mass of carbon per mass of CO2 (molar masses 12/44), the t C ↔ t CO2 basis of a carbon price.
C_PER_CO2 = 12.0 / 44.0

MM_TO_M = 1e-3
KM2_TO_M2 = 1e6
WAN_M3 = 1e4  # 万 m³


# --- water conservation 水源涵养 -------------------------------------------------------------

def water_conservation(precipitation_mm: Field, storm_runoff_mm: Field, evapotranspiration_mm: Field,
                       area_m2: Field) -> Field:
    """Water retained by an ecosystem, m³/a: Q_w = (P − R − ET) · A.

    Water-balance equation, [Ganzi] §2.4.1 eq. for Q_w (P, R, ET in mm; A in m²; Q_w in m³/a).
    Sum over ecosystems (or pixels) for the region. The printed formula has no floor at zero,
    so a pixel whose ET exceeds P − R gives a negative value; callers decide how to report it.
    """
    return (precipitation_mm - storm_runoff_mm - evapotranspiration_mm) * MM_TO_M * area_m2


# --- soil retention 土壤保持 ------------------------------------------------------------------

def soil_retained(potential_erosion_t: Field, actual_erosion_t: Field) -> Field:
    """Soil retention A_s, t/a: potential minus actual erosion (USLE), [Ganzi] §2.4.2.

    The raster USLE terms are in :mod:`qingshan.methods.soil_retention`; this is the difference.
    """
    return potential_erosion_t - actual_erosion_t


def sediment_avoided(soil_retained_t: Field, deposition_coefficient: float, bulk_density_t_m3: float) -> Field:
    """Volume of reservoir sediment avoided, m³/a: λ · A_s / ρ.

    [Ganzi] §2.4.2 eq. for V_s1 (the value is this volume × dredging cost, yuan/m³). λ is the
    sediment deposition coefficient (Ganzi 0.24), ρ the soil bulk density in t/m³ (Ganzi 0.93).
    """
    if bulk_density_t_m3 <= 0:
        raise ValueError("soil bulk density must be positive (t/m³)")
    return deposition_coefficient * soil_retained_t / bulk_density_t_m3


def nutrient_retained(soil_retained_t: Field, content_fraction: float) -> Field:
    """Nitrogen or phosphorus kept out of non-point pollution, t/a: A_s · C.

    [Ganzi] §2.4.2 eq. for V_s2 = A_s·C_N·P_N + A_s·C_P·P_P; ``content_fraction`` is the soil's
    pure N or P content as a fraction (Ganzi: 0.37 % → 0.0037 N, 0.108 % → 0.00108 P).
    """
    if not 0 <= content_fraction <= 1:
        raise ValueError("nutrient content is a fraction between 0 and 1 (0.37 % is 0.0037)")
    return soil_retained_t * content_fraction


# --- sand fixation 防风固沙 (valuation part only) ---------------------------------------------

def sand_fixation_area(sand_fixed_t: Field, sand_bulk_density_t_m3: float, cover_thickness_m: float) -> Field:
    """Area of land kept from desertification, m²: Q_f / (ρ · h), [Ganzi] §2.4.3.

    Q_f (t/a) is the RWEQ potential − actual wind erosion, which Qingshan does not compute
    (constants unconfirmed); ρ is the sand bulk density (Ganzi 1.28 t/m³), h the standard sand
    cover thickness (Ganzi 0.1 m). The value is this area × sand-control cost (yuan/m²).
    """
    if sand_bulk_density_t_m3 <= 0 or cover_thickness_m <= 0:
        raise ValueError("sand bulk density and cover thickness must be positive")
    return sand_fixed_t / (sand_bulk_density_t_m3 * cover_thickness_m)


# --- flood regulation 洪水调蓄 ----------------------------------------------------------------

@dataclass(frozen=True)
class LakeStorageModel:
    """Regression C_l = e^a · A^b · T (C_l in 10⁴ m³/a, A lake area in km², T exchange times).

    ``region`` names where the regression holds; ``source`` where the coefficients were read.
    """

    region: str
    a: float
    b: float
    source: str


#: Lake flood-storage regressions by region. Only the Qinghai–Tibet plateau coefficients were
#: read (in [Ganzi] §2.4.4, citing 饶恩明, 肖燚, 欧阳志云 et al. 2014, 生态学报 34(21):6225–6231);
#: the other regions' coefficients of that paper were not obtained and are left out.
LAKE_STORAGE_MODELS: Mapping[str, LakeStorageModel] = {
    "qinghai_tibet_plateau": LakeStorageModel(
        "qinghai_tibet_plateau", 6.636, 0.678,
        "白玛卓嘎 et al. 2017 生态学报 37(19) §2.4.4, citing 饶恩明 et al. 2014 生态学报 34(21)"),
}


def lake_flood_storage(lake_area_km2: Field, model: LakeStorageModel, exchange_times: float = 1.0) -> Field:
    """Flood storage of lakes, m³/a: e^a · A^b · T × 10⁴ ([Ganzi] §2.4.4; T = 1 there).

    The regression returns 10⁴ m³/a; it is applied to the lake area A in km².
    """
    return math.exp(model.a) * np.power(lake_area_km2, model.b) * exchange_times * WAN_M3


def reservoir_flood_storage(total_capacity_m3: Field, flood_share: float = 0.35) -> Field:
    """Flood storage of reservoirs, m³: C_r = 0.35 · C_t (total capacity), [Ganzi] §2.4.4."""
    return total_capacity_m3 * flood_share


def marsh_flood_storage(marsh_area_km2: Field, retention_depth_m: float = 0.3) -> Field:
    """Flood storage of marshes, m³: C_m = 0.3 · S · 10⁶ (S in km²), [Ganzi] §2.4.4.

    0.3 m of surface retention over S km². The paper labels C_m "万m³/a", but its table (6.00
    亿m³ for about 70 % of 2864.27 km² of wetland) fits m³; m³ is used here.
    """
    return retention_depth_m * marsh_area_km2 * KM2_TO_M2


# --- carbon sequestration and oxygen release 固碳释氧 -----------------------------------------

def co2_fixed(dry_matter_t: Field) -> Field:
    """CO2 fixed, t: 1.63 t per t of dry matter produced ([Baiyangdian] §2.2.2)."""
    return CO2_PER_DRY_MATTER * dry_matter_t


def o2_released(dry_matter_t: Field) -> Field:
    """O2 released, t: 1.2 t per t of dry matter produced ([Baiyangdian] §2.2.3)."""
    return O2_PER_DRY_MATTER * dry_matter_t


def carbon_of_co2(co2_t: Field) -> Field:
    """Carbon mass of a CO2 mass, t C = t CO2 × 12/44 (basis of a per-t-C price)."""
    return co2_t * C_PER_CO2


def co2_of_carbon(carbon_t: Field) -> Field:
    """CO2 mass of a carbon mass, t CO2 = t C × 44/12; use it on a carbon-storage change
    (:mod:`qingshan.methods.carbon_storage`) to express sequestration as CO2."""
    return carbon_t / C_PER_CO2


# --- air and water purification 大气净化, 水质净化 -------------------------------------------

#: Pollutants priced by [Ganzi] §2.4.5 (air) and §2.4.6 (water); TP is accepted as a quantity
#: (it appears in later guides) but no TP treatment cost was verified.
AIR_POLLUTANTS = ("SO2", "NOx", "industrial_dust")
WATER_POLLUTANTS = ("COD", "NH3-N", "TP")


def purified(emissions_t: Mapping[str, float], pollutants: tuple[str, ...]) -> dict[str, float]:
    """Pollutant mass purified, t/a, per pollutant.

    [Ganzi] §2.4.5–2.4.6 take the region's emissions (for water: the emissions into wetlands)
    as the amount the ecosystems purify; the capacity-limited variant min(capacity × area,
    emissions) of later guides was not confirmed and is not offered. Unknown pollutant names
    and negative masses are refused.
    """
    unknown = sorted(set(emissions_t) - set(pollutants))
    if unknown:
        raise ValueError(f"unknown pollutants {unknown}; expected some of {list(pollutants)}")
    bad = sorted(k for k, v in emissions_t.items() if not v >= 0)
    if bad:
        raise ValueError(f"pollutant masses must be ≥ 0 t: {bad}")
    return {k: float(v) for k, v in emissions_t.items()}


# --- climate regulation 气候调节 --------------------------------------------------------------

def transpiration_cooling_energy(heat_kj_m2_d: Field, area_m2: Field, cooling_days: float,
                                 ac_energy_efficiency_ratio: float) -> Field:
    """Electricity an air conditioner would need to do the vegetation's cooling, kWh/a:
    E · S · d / (3600 · R), [Ganzi] §2.4.8 (1).

    E is the heat consumed by transpiration per unit area (kJ m⁻² d⁻¹; printed "GPP" in the
    paper, not gross primary production), S the area (m²), d the days air conditioning runs,
    R the air conditioner's energy-efficiency ratio. d and R have no cited default.
    """
    if ac_energy_efficiency_ratio <= 0:
        raise ValueError("energy-efficiency ratio must be positive")
    return heat_kj_m2_d * area_m2 * cooling_days / (3600.0 * ac_energy_efficiency_ratio)


def evaporation_cooling_energy(evaporation_m3: Field, water_density_kg_m3: float, latent_heat_j_g: float,
                               humidifier_kwh_m3: float) -> Field:
    """Electricity to cool and humidify as much as a water surface does, kWh/a:
    E · ρ · q / 3600 + E · γ, [Ganzi] §2.4.8 (2).

    E evaporation (m³), ρ water density (kg/m³), q latent heat of vaporisation (J/g; kg · J/g
    = kJ, so E·ρ·q/3600 is kWh), γ a humidifier's electricity per m³ evaporated (kWh/m³).
    No default for q or γ was found in a citable source.
    """
    return evaporation_m3 * water_density_kg_m3 * latent_heat_j_g / 3600.0 + evaporation_m3 * humidifier_kwh_m3


# --- pest control 病虫害控制 ------------------------------------------------------------------

def pest_control_area(self_recovering_area_hm2: Field) -> Field:
    """Area that recovers from pests without treatment, hm² ([Ganzi] §2.4.9, prevention-cost
    method; the value is this area × the cost of artificial pest control per hm²). Ganzi uses the
    natural forest and natural grassland areas. Negative areas are refused."""
    if np.any(np.asarray(self_recovering_area_hm2) < 0):
        raise ValueError("pest-control area must be ≥ 0 hm²")
    return self_recovering_area_hm2


# --- recreation 休闲游憩 ----------------------------------------------------------------------

def time_cost_per_visit(daily_wage_yuan: Field, days_per_visit: Field, wage_share: float = 0.3) -> Field:
    """Travel-time cost of one visit, yuan: the days spent × 30 % of the daily wage
    ([Baiyangdian] §2.3.1, citing refs 27–29)."""
    return daily_wage_yuan * days_per_visit * wage_share


def recreation_value(visits: Field, travel_expense_yuan: Field, time_cost_yuan: Field,
                     consumer_surplus_yuan: Field) -> Field:
    """Recreation value by the individual travel-cost method, yuan/a: visits × (TE + TV + CS)
    per visit, [Baiyangdian] eq. (8) (TE travel expense, TV time cost, CS consumer surplus)."""
    return visits * (travel_expense_yuan + time_cost_yuan + consumer_surplus_yuan)
