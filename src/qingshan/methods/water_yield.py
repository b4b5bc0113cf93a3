"""Annual water yield (年产水量) as the InVEST Annual Water Yield model computes it: a Budyko
curve in the form of Fu (1981) and Zhang et al. (2004), with Donohue et al. (2012)'s ω.

Source: InVEST user guide, chapter "Annual Water Yield" (``natcap/invest.users-guide``
``source/en/annual_water_yield.rst``, commit f868ba2b), and its implementation
``src/natcap/invest/annual_water_yield/annual_water_yield.py`` (``fractp_op``,
``wyield_op``, ``compute_water_yield_volume``; ``natcap/invest`` 3.20.1-42, commit 54ff9ca1).
docs/gep/biophysical-carbon-water.md lists every difference.

Per pixel x with land-cover class ℓ (biophysical table columns ``lucode``, ``lulc_veg``,
``root_depth`` mm, ``kc``)::

    PET   = Kc(ℓ) · ET0                                                   [mm]
    AWC   = min(root_depth(ℓ), soil depth) · PAWC                         [mm]
    ω     = min(Z · AWC / P + 1.25, 5)
    AET/P = min(PET/P, 1 + PET/P − (1 + (PET/P)^ω)^(1/ω))   if lulc_veg = 1
    AET/P = min(PET, P) / P                                   otherwise
    AET   = AET/P · P,   Y = (1 − AET/P) · P                              [mm]
    volume = Y / 1000 · a                                                 [m³], a in m²

P annual precipitation (mm), ET0 reference evapotranspiration (mm), soil depth the depth
to the root-restricting layer (mm), PAWC plant available water content (fraction), Z the
seasonality constant. 1.25 is ω for bare soil and 5 its cap (Donohue et al. 2012, as the
user guide states).

Nodata as InVEST: AET/P, AET and Y are nodata (NaN here, −1 in InVEST's files) where the
land cover, P, ET0, soil depth or PAWC is nodata and where P is 0
(``isclose(P, 0)``); PET is nodata only where ET0 or the land cover is. A land-cover code
missing from the table is a ``G001`` problem.

This is InVEST's water yield P − AET, runoff included; the GEP water-conservation quantity
(水源涵养量, Q = (P − R − ET)·A) is a different quantity, computed in
:mod:`qingshan.methods.gep_services`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from qingshan.methods.reclassify import Grid, check_table_codes, data_mask, reclassify
from qingshan.methods.zonal import ZonalSums, zonal_sums

#: ω of bare soil (root depth 0), the intercept of Donohue et al. (2012) used by InVEST.
OMEGA_BARE_SOIL = 1.25
#: Upper cap of ω (Yang et al. 2008; Donohue et al. 2012), as InVEST applies it.
OMEGA_CAP = 5.0
#: Millimetres per metre.
MM_PER_M = 1000.0


@dataclass(frozen=True)
class WaterYieldTable:
    """InVEST's biophysical table for water yield: ``lucode``, ``lulc_veg`` (1 vegetated,
    0 not: wetlands, urban, water …), ``root_depth`` (mm, used only where ``lulc_veg`` is 1)
    and ``kc`` (crop coefficient)."""

    lucode: npt.NDArray[np.int64]
    lulc_veg: npt.NDArray[np.float64]
    root_depth_mm: npt.NDArray[np.float64]
    kc: npt.NDArray[np.float64]

    @classmethod
    def from_columns(cls, lucode: Sequence[int] | npt.NDArray[Any], lulc_veg: npt.ArrayLike,
                     root_depth_mm: npt.ArrayLike, kc: npt.ArrayLike, *,
                     table: str = "biophysical table") -> WaterYieldTable:
        """Build the table from its columns. As InVEST, the root depth of a class that is
        not vegetated is never used: it is set to 1 (so it may be blank in the input)."""
        codes = np.asarray(lucode, dtype=np.int64)
        check_table_codes(codes, table=table, column="lucode")
        veg = np.asarray(lulc_veg, dtype=np.float64)
        root = np.where(veg == 1, np.asarray(root_depth_mm, dtype=np.float64), 1.0)
        kcs = np.asarray(kc, dtype=np.float64)
        if not (veg.size == root.size == kcs.size == codes.size):
            raise ValueError("every column has one value per lucode")
        return cls(codes, veg, root, kcs)


@dataclass(frozen=True)
class WaterYield:
    """The per-pixel outputs of :func:`annual_water_yield` (InVEST's ``pet``, ``fractp``,
    ``aet`` and ``wyield`` rasters), NaN where nodata."""

    pet_mm: Grid
    aet_fraction: Grid
    aet_mm: Grid
    wyield_mm: Grid


def potential_et(kc: Grid, et0_mm: Grid) -> Grid:
    """PET = Kc · ET0 (mm)."""
    return kc * et0_mm


def available_water_content(root_depth_mm: Grid, soil_depth_mm: Grid, pawc: Grid) -> Grid:
    """AWC = min(root depth, depth to the root-restricting layer) · PAWC (mm)."""
    return np.where(root_depth_mm < soil_depth_mm, root_depth_mm, soil_depth_mm) * pawc


def budyko_omega(awc_mm: Grid, precip_mm: Grid, z: float) -> Grid:
    """ω = Z · AWC / P + 1.25, capped at 5 (Donohue et al. 2012; InVEST ``climate_w``).
    ``precip_mm`` must be non-zero."""
    return np.minimum(awc_mm / precip_mm * z + OMEGA_BARE_SOIL, OMEGA_CAP)


def fu_zhang_aet_fraction(pet_mm: Grid, precip_mm: Grid, omega: Grid) -> Grid:
    """AET/P of a vegetated pixel: min(φ, 1 + φ − (1 + φ^ω)^(1/ω)), φ = PET/P (Fu 1981;
    Zhang et al. 2004). A negative φ (not physical) gives NaN. ``precip_mm`` must be
    non-zero."""
    phi = pet_mm / precip_mm
    base = np.where(phi >= 0, phi, np.nan)
    fu = 1 + base - (1 + base**omega) ** (1 / omega)
    return np.where(phi < fu, phi, fu)


def annual_water_yield(lulc: Grid, precip_mm: Grid, et0_mm: Grid, soil_depth_mm: Grid, pawc: Grid,
                       table: WaterYieldTable, z: float, *, lulc_nodata: float | None,
                       precip_nodata: float | None = None, et0_nodata: float | None = None,
                       soil_depth_nodata: float | None = None,
                       pawc_nodata: float | None = None, raster: str = "lulc") -> WaterYield:
    """InVEST annual water yield per pixel (see the module docstring for the equations).

    Parameters
    ----------
    lulc : Grid
        Land-cover codes.
    precip_mm, et0_mm : Grid
        Annual precipitation and reference evapotranspiration (mm).
    soil_depth_mm : Grid
        Depth to the root-restricting layer (mm).
    pawc : Grid
        Plant available water content (fraction, 0–1).
    table : WaterYieldTable
        The biophysical table.
    z : float
        Seasonality constant Z (> 0; typically 1–30).
    lulc_nodata, precip_nodata, et0_nodata, soil_depth_nodata, pawc_nodata : float or None
        Each raster's nodata value (None: none declared; NaN is always nodata).
    raster : str
        The land-cover raster's name in a problem (``G001``, codes missing from the table).
    """
    kc = reclassify(lulc, table.lucode, table.kc, nodata=lulc_nodata, raster=raster)
    root = reclassify(lulc, table.lucode, table.root_depth_mm, nodata=lulc_nodata, raster=raster)
    veg = reclassify(lulc, table.lucode, table.lulc_veg, nodata=lulc_nodata, raster=raster)
    pet = np.where(data_mask(et0_mm, et0_nodata), potential_et(kc, et0_mm), np.nan)
    valid = (~np.isnan(kc) & data_mask(precip_mm, precip_nodata) & ~np.isclose(precip_mm, 0)
             & data_mask(et0_mm, et0_nodata) & data_mask(soil_depth_mm, soil_depth_nodata)
             & data_mask(pawc, pawc_nodata))
    p = np.where(valid, precip_mm, 1.0)  # a safe divisor; the invalid pixels are masked below
    pet_v = np.where(valid, pet, 0.0)
    awc = available_water_content(root, soil_depth_mm, pawc)
    omega = budyko_omega(np.where(valid, awc, 0.0), p, z)
    veg_fraction = fu_zhang_aet_fraction(pet_v, p, omega)
    nonveg_fraction = np.where(p < pet_v, p, pet_v) / p
    fraction = np.where(valid, np.where(veg == 1, veg_fraction, nonveg_fraction), np.nan)
    return WaterYield(pet, fraction, fraction * precip_mm, (1 - fraction) * precip_mm)


def water_yield_volume(wyield_mm: Grid, pixel_area_m2: float | Grid) -> Grid:
    """Water yield volume per pixel (m³): Y / 1000 · a."""
    return wyield_mm / MM_PER_M * pixel_area_m2


def water_yield_by_zone(wyield_mm: Grid, zones: Grid, zone_ids: npt.ArrayLike,
                        pixel_area_m2: float | Grid) -> ZonalSums:
    """Water yield volume per zone (m³) as the sum of the pixel volumes of the zone's valid
    pixels (``total``), with the count of valid pixels (``count``)."""
    return zonal_sums(water_yield_volume(wyield_mm, pixel_area_m2), zones, zone_ids)


def watershed_yield_volume(mean_wyield_mm: float | Grid, watershed_area_m2: float | Grid) -> Grid:
    """InVEST's ``wyield_vol`` (m³): the mean yield of the watershed's valid pixels (mm)
    times the polygon's area (m²) / 1000 (``compute_water_yield_volume``). Equal to the sum of
    pixel volumes when the valid pixels cover the polygon exactly."""
    return np.multiply(mean_wyield_mm, watershed_area_m2) / MM_PER_M
