"""Carbon storage and sequestration by pools (碳储量与碳汇), as the InVEST Carbon Storage and
Sequestration model computes them.

Source: InVEST user guide, chapter "Carbon Storage and Sequestration"
(``natcap/invest.users-guide`` ``source/en/carbonstorage.rst``, commit f868ba2b), and its
implementation ``src/natcap/invest/carbon/carbon.py`` (``natcap/invest`` 3.20.1-42, commit
54ff9ca1). docs/gep/biophysical-carbon-water.md lists every difference.

Each land-cover class ℓ carries four pool densities (t C/ha = Mg C/ha): ``c_above``
(地上生物量碳), ``c_below`` (地下生物量碳), ``c_soil`` (土壤碳), ``c_dead`` (死亡有机质碳).
For a pixel x with class ℓₓ::

    C_storage(x) = c_above(ℓₓ) + c_below(ℓₓ) + c_soil(ℓₓ) + c_dead(ℓₓ)        [t C/ha]
    ΔC(x)        = C_storage,alt(x) − C_storage,bas(x)                          [t C/ha]
    C per pixel  = C(x) · a / 10 000                                            [t C]

with a the pixel area in m² (InVEST's summary: Σ density · a / 10 000). Valuation of the
change (user guide eq. ``carbon_value``)::

    N = alt_year − bas_year,  r = 1 / ((1 + d/100)(1 + c/100))
    NPV(x) = ΔC(x) · V/N · Σ_{k=0}^{N−1} rᵏ

V the price per tonne of carbon (not CO2: a CO2 price times 44/12), d the discount rate (%)
and c the annual rate of change of the price (%). NPV per hectare where ΔC is per hectare.

Nodata: a pixel whose code is the raster's nodata gives NaN in every output (InVEST writes
its nodata −1); a code missing from the pool table is a ``G001`` problem listing every
missing code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from qingshan.methods.constants import CO2_PER_C
from qingshan.methods.reclassify import Grid, check_table_codes, reclassify

#: The four pools of InVEST's carbon pool table, in its column names (t C/ha).
POOLS: tuple[str, ...] = ("c_above", "c_below", "c_soil", "c_dead")
#: Square metres per hectare.
M2_PER_HA = 10_000.0


@dataclass(frozen=True)
class CarbonPools:
    """The carbon pool table (InVEST ``carbon_pools_path``): one row per land-cover code.

    ``density`` has one row per code and one column per pool in :data:`POOLS` order, t C/ha.
    """

    lucode: npt.NDArray[np.int64]
    density: npt.NDArray[np.float64]

    @classmethod
    def from_columns(cls, lucode: Sequence[int] | npt.NDArray[Any], c_above: npt.ArrayLike,
                     c_below: npt.ArrayLike, c_soil: npt.ArrayLike, c_dead: npt.ArrayLike,
                     *, table: str = "carbon pools") -> CarbonPools:
        """Build the table from its columns; raises ``G002`` for a duplicated code."""
        codes = np.asarray(lucode, dtype=np.int64)
        check_table_codes(codes, table=table, column="lucode")
        dens = np.column_stack([np.asarray(c, dtype=np.float64) for c in (c_above, c_below, c_soil, c_dead)])
        if dens.shape[0] != codes.size:
            raise ValueError("every pool column has one value per lucode")
        return cls(codes, dens)

    def pool(self, name: str) -> npt.NDArray[np.float64]:
        """One pool column (t C/ha) in ``lucode`` order."""
        return self.density[:, POOLS.index(name)]


def pool_density(lulc: Grid, pools: CarbonPools, pool: str, *, nodata: float | None,
                 raster: str = "lulc") -> Grid:
    """Density of one pool per pixel (t C/ha; InVEST ``c_above_bas`` etc.).

    Parameters
    ----------
    lulc : Grid
        Land-cover codes.
    pools : CarbonPools
        The pool table.
    pool : str
        One of :data:`POOLS`.
    nodata : float or None
        The land-cover raster's nodata value.
    raster : str
        The raster's name in a problem (``G001``, codes missing from the table).
    """
    return reclassify(lulc, pools.lucode, pools.pool(pool), nodata=nodata, raster=raster, table="carbon pools")


def storage_density(lulc: Grid, pools: CarbonPools, *, nodata: float | None, raster: str = "lulc") -> Grid:
    """Total carbon storage density per pixel, the sum of the four pools (t C/ha; InVEST
    ``c_storage_bas``/``c_storage_alt``). One table lookup of the per-class sum, which equals
    the sum of the four pool rasters."""
    return reclassify(lulc, pools.lucode, pools.density.sum(axis=1), nodata=nodata, raster=raster,
                      table="carbon pools")


def storage_change_density(lulc_bas: Grid, lulc_alt: Grid, pools: CarbonPools, *,
                           nodata_bas: float | None, nodata_alt: float | None,
                           rasters: tuple[str, str] = ("lulc_bas", "lulc_alt")) -> Grid:
    """Change of carbon storage density, alternate minus baseline (t C/ha; InVEST
    ``c_change_bas_alt``): positive is sequestration, negative is loss. NaN where either
    land-cover raster is nodata."""
    return (storage_density(lulc_alt, pools, nodata=nodata_alt, raster=rasters[1])
            - storage_density(lulc_bas, pools, nodata=nodata_bas, raster=rasters[0]))


def carbon_per_pixel(density_t_per_ha: Grid, pixel_area_m2: float | Grid) -> Grid:
    """Carbon per pixel (t C) from a density (t C/ha) and the pixel area (m²):
    C · a / 10 000."""
    return density_t_per_ha * (pixel_area_m2 / M2_PER_HA)


def total_carbon(density_t_per_ha: Grid, pixel_area_m2: float | Grid) -> Grid:
    """Total over the valid pixels (t C, or currency for an NPV density): InVEST's summary
    ``Σ density · a / 10 000``, nodata (NaN) pixels left out. A 0-d array (lazy for dask)."""
    return np.nansum(carbon_per_pixel(density_t_per_ha, pixel_area_m2))


def price_per_t_c(price_per_t_co2: float) -> float:
    """Price per tonne of carbon from a price per tonne of CO2: × 44/12 (InVEST's price is
    per tonne of elemental carbon, user guide ``price_per_metric_ton_of_c``)."""
    return price_per_t_co2 * CO2_PER_C


def valuation_constant(bas_year: int, alt_year: int, price_per_t_carbon: float,
                       discount_rate_pct: float, rate_change_pct: float) -> float:
    """InVEST's valuation constant V/N · Σ_{k=0}^{N−1} rᵏ, r = 1/((1 + d/100)(1 + c/100)),
    N = alt_year − bas_year (currency per t C of change).

    The sum is taken term by term (the user guide's form); InVEST's code uses its closed form
    (1 − r^N)/(1 − r), equal to it up to rounding.

    Raises
    ------
    ValueError
        If ``alt_year`` is not after ``bas_year`` (InVEST raises the same).
    """
    n_years = alt_year - bas_year
    if n_years <= 0:
        raise ValueError(f"the alternate year ({alt_year}) must be after the baseline year ({bas_year})")
    ratio = 1.0 / ((1.0 + discount_rate_pct / 100.0) * (1.0 + rate_change_pct / 100.0))
    return price_per_t_carbon / n_years * math.fsum(ratio**k for k in range(n_years))


def npv_density(change_t_per_ha: Grid, constant: float) -> Grid:
    """Net present value of the change per hectare (currency/ha; InVEST ``npv_alt``):
    ΔC × :func:`valuation_constant`."""
    return change_t_per_ha * constant
