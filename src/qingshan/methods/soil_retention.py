"""Soil retention (土壤保持): potential minus actual USLE soil loss, as InVEST's sediment
delivery ratio (SDR) model computes its ``rkls``, ``usle`` and ``avoided_erosion`` outputs.

* potential soil loss  RKLS = R·K·LS                          (t ha⁻¹ yr⁻¹)
* actual soil loss     USLE = R·K·LS·C·P                      (t ha⁻¹ yr⁻¹)
* soil retention       A_s  = RKLS − USLE = R·K·LS·(1 − C·P)  (t ha⁻¹ yr⁻¹)

with R the rainfall erosivity (MJ mm ha⁻¹ h⁻¹ yr⁻¹), K the soil erodibility
(t ha h ha⁻¹ MJ⁻¹ mm⁻¹), C the cover-management and P the support-practice factor (from the
biophysical table's ``usle_c`` and ``usle_p`` by land-use class). This is the form of the
GEP "土壤保持" service (ecology-environment.md §4.3) and of InVEST's avoided erosion
(InVEST SDR user's guide; ``sdr.py``, natcap/invest commit 54ff9ca, 3.20.1-42).

LS follows InVEST's ``_calculate_ls_factor`` (Desmet & Govers 1996, eq. 4 form)::

    L = ((A + D²)^(m+1) − A^(m+1)) / (D^(m+2) · x^m · 22.13^m),  L capped at l_max
    A = √((F − 1)·D²)         F = MFD flow accumulation in cells (counts the cell itself)
    x = |sin θ| + |cos θ|     θ = arctan(slope % / 100) — InVEST's code uses the slope angle here
    S = 10.8·sin θ + 0.03 (slope < 9 %) or 16.8·sin θ − 0.50 (slope ≥ 9 %)   (McCool et al.
        1987, as in RUSLE, Renard et al. 1997)
    m = 0.2 (≤ 1 %), 0.3 (≤ 3.5 %), 0.4 (≤ 5 %), 0.5 (≤ 9 %), β/(1 + β) above 9 %,
        β = (sin θ / 0.0896) / (3·sin θ^0.8 + 0.56)   (Oliveira et al. 2013; McCool 1989)

D is the cell size (m). RKLS is undefined (NaN) on stream cells, as in InVEST.

References
----------
Wischmeier, W. H. & Smith, D. D. (1978). Predicting rainfall erosion losses. USDA Agriculture
Handbook 537.
Desmet, P. J. J. & Govers, G. (1996). A GIS procedure for automatically calculating the USLE
LS factor on topographically complex landscape units. J. Soil Water Conserv. 51(5), 427–433.
Renard, K. G. et al. (1997). Predicting soil erosion by water: a guide to conservation
planning with the Revised Universal Soil Loss Equation (RUSLE). USDA Agriculture Handbook 703.
Oliveira, A. H. et al. (2013). Development of topographic factor modeling for application
in soil erosion models. In: Soil Processes and Current Trends in Quality Assessment, InTech.
Borselli, L., Cassi, P. & Torri, D. (2008). Prolegomena to sediment and flow connectivity in
the landscape. Catena 75, 268–277 (connectivity index IC).
Vigiak, O. et al. (2012). Comparison of conceptual landscape metrics to define hillslope-scale
sediment delivery ratio. Geomorphology 138, 74–88 (SDR from IC).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from qingshan.errors import ConfigError
from qingshan.methods import flow_routing, terrain

__all__ = [
    "Delivery",
    "SoilRetention",
    "avoided_erosion",
    "cp_factor",
    "ls_factor",
    "per_pixel_tonnes",
    "potential_soil_loss",
    "sdr_from_ic",
    "sediment_delivery",
    "slope_exponent_m",
    "slope_steepness_s",
    "soil_retention",
    "usle",
]

FloatArray = NDArray[np.float64]

#: Length of the USLE unit plot, m (Wischmeier & Smith 1978).
UNIT_PLOT_LENGTH_M = 22.13
#: Slope classes (%, upper bounds, inclusive) and their exponent m (InVEST ``sdr.py``,
#: "Table 1 in InVEST Sediment Model_modifications_10-01-2012_RS"; Oliveira et al. 2013).
M_CLASS_UPPER_PCT = (1.0, 3.5, 5.0, 9.0)
M_CLASS_VALUE = (0.2, 0.3, 0.4, 0.5)
#: Slope (%) from which S uses the steep-slope form (McCool et al. 1987; RUSLE).
S_STEEP_FROM_PCT = 9.0


def slope_exponent_m(slope_pct: FloatArray) -> FloatArray:
    """Slope-length exponent m by slope class (InVEST SDR), dimensionless."""
    s = np.asarray(slope_pct, dtype=np.float64)
    theta = np.arctan(s / 100.0)
    sin_t = np.sin(theta)
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = (sin_t / 0.0896) / (3.0 * sin_t**0.8 + 0.56)
    b = M_CLASS_UPPER_PCT
    v = M_CLASS_VALUE
    out: FloatArray = np.select(
        [s <= b[0], s <= b[1], s <= b[2], s <= b[3], s > b[3]],
        [np.full_like(s, v[0]), np.full_like(s, v[1]), np.full_like(s, v[2]), np.full_like(s, v[3]),
         beta / (1.0 + beta)],
        default=np.nan,
    )
    return out


def slope_steepness_s(slope_pct: FloatArray) -> FloatArray:
    """RUSLE slope-steepness factor S (McCool et al. 1987), dimensionless."""
    s = np.asarray(slope_pct, dtype=np.float64)
    sin_t = np.sin(np.arctan(s / 100.0))
    out: FloatArray = np.where(s < S_STEEP_FROM_PCT, 10.8 * sin_t + 0.03, 16.8 * sin_t - 0.50)
    return out


def ls_factor(
    slope_pct: FloatArray, flow_accumulation: FloatArray, cell_size: float, l_max: float
) -> FloatArray:
    """LS factor (坡长坡度因子) as InVEST SDR computes it (see the module docstring).

    Parameters
    ----------
    slope_pct : float array, %
        Slope of the pit-filled DEM (:func:`qingshan.methods.terrain.slope_percent`).
    flow_accumulation : float array, cells
        MFD flow accumulation counting the cell itself (≥ 1).
    cell_size : float, m
        Side of the (square) cell.
    l_max : float
        Upper bound of L (InVEST's ``l_max``; the Gura sample uses 122).

    Returns
    -------
    float array
        LS, dimensionless; NaN where an input is NaN.
    """
    if not cell_size > 0:
        raise ConfigError(f"cell size must be positive, got {cell_size}")
    if not l_max > 0:
        raise ConfigError(f"l_max must be positive, got {l_max}")
    s = np.asarray(slope_pct, dtype=np.float64)
    fa = np.asarray(flow_accumulation, dtype=np.float64)
    if s.shape != fa.shape:
        raise ValueError(f"slope shape {s.shape} differs from accumulation shape {fa.shape}")
    # element-wise, so computed in slices to bound the temporaries (about 15 arrays of the
    # slice's size instead of the whole grid's)
    flat_s, flat_fa = s.ravel(), fa.ravel()
    out = np.empty(flat_s.shape, dtype=np.float64)
    for start in range(0, flat_s.size, _LS_SLICE):
        stop = start + _LS_SLICE
        out[start:stop] = _ls_slice(flat_s[start:stop], flat_fa[start:stop], float(cell_size), l_max)
    result: FloatArray = out.reshape(s.shape)
    return result


_LS_SLICE = 1 << 20


def _ls_slice(s: FloatArray, fa: FloatArray, d: float, l_max: float) -> FloatArray:
    area = d * d
    theta = np.arctan(s / 100.0)
    with np.errstate(invalid="ignore"):
        a_in = np.sqrt((fa - 1.0) * area)
    x = np.abs(np.sin(theta)) + np.abs(np.cos(theta))
    m = slope_exponent_m(s)
    with np.errstate(invalid="ignore", over="ignore"):
        length = ((a_in + area) ** (m + 1.0) - a_in ** (m + 1.0)) / (
            d ** (m + 2.0) * x**m * UNIT_PLOT_LENGTH_M**m
        )
    length = np.where(length > l_max, l_max, length)
    out: FloatArray = length * slope_steepness_s(s)
    return out


def potential_soil_loss(
    ls: FloatArray, erosivity: FloatArray, erodibility: FloatArray, stream: NDArray[np.uint8] | None = None
) -> FloatArray:
    """Potential soil loss RKLS = R·K·LS (潜在土壤侵蚀量), t ha⁻¹ yr⁻¹.

    ``erosivity`` in MJ mm ha⁻¹ h⁻¹ yr⁻¹, ``erodibility`` in t ha h ha⁻¹ MJ⁻¹ mm⁻¹. Where
    ``stream`` is given, stream cells (1) and cells without a stream value (not 0) are NaN, as
    in InVEST's ``rkls`` output.
    """
    out: FloatArray = (
        np.asarray(ls, dtype=np.float64) * np.asarray(erosivity, dtype=np.float64)
        * np.asarray(erodibility, dtype=np.float64)
    )
    if stream is not None:
        out = np.where(np.asarray(stream) == 0, out, np.nan)
    return out


def cp_factor(
    lulc: NDArray[np.integer], usle_c: Mapping[int, float], usle_p: Mapping[int, float],
    lulc_nodata: int | None = None,
) -> FloatArray:
    """C·P per cell from the land-use raster and the biophysical table (``usle_c``, ``usle_p``
    by ``lucode``), dimensionless; NaN on ``lulc_nodata``.

    Raises :class:`~qingshan.errors.ConfigError` naming every class in the raster that the
    table lacks.
    """
    codes = np.asarray(lulc)
    keys = sorted(set(usle_c) & set(usle_p))
    present = np.unique(codes)
    missing = [int(v) for v in present if int(v) not in keys and (lulc_nodata is None or v != lulc_nodata)]
    if missing:
        raise ConfigError(
            f"biophysical table has no usle_c/usle_p for land-use class(es) {missing}"
        )
    table = np.array(keys, dtype=np.int64)
    values = np.array([usle_c[k] * usle_p[k] for k in keys], dtype=np.float64)
    nodata_mask = np.zeros(codes.shape, dtype=bool) if lulc_nodata is None else codes == lulc_nodata
    idx = np.clip(np.searchsorted(table, np.where(nodata_mask, table[0], codes)), 0, len(table) - 1)
    out: FloatArray = np.where(nodata_mask, np.nan, values[idx])
    return out


def usle(rkls: FloatArray, cp: FloatArray) -> FloatArray:
    """Actual soil loss USLE = RKLS·C·P (实际土壤侵蚀量), t ha⁻¹ yr⁻¹."""
    out: FloatArray = np.asarray(rkls, dtype=np.float64) * np.asarray(cp, dtype=np.float64)
    return out


def avoided_erosion(rkls: FloatArray, usle_loss: FloatArray) -> FloatArray:
    """Soil retention = RKLS − USLE (土壤保持量; InVEST ``avoided_erosion``), t ha⁻¹ yr⁻¹."""
    out: FloatArray = np.asarray(rkls, dtype=np.float64) - np.asarray(usle_loss, dtype=np.float64)
    return out


def per_pixel_tonnes(rate_t_per_ha: FloatArray, cell_size_x: float, cell_size_y: float) -> FloatArray:
    """A rate in t ha⁻¹ yr⁻¹ times the cell area (m² / 10 000 m² ha⁻¹), t yr⁻¹ per cell."""
    out: FloatArray = np.asarray(rate_t_per_ha, dtype=np.float64) * (
        abs(cell_size_x * cell_size_y) / 10_000.0
    )
    return out


def sdr_from_ic(ic: FloatArray, sdr_max: float, ic_0: float, k: float) -> FloatArray:
    """Sediment delivery ratio SDR = SDR_max / (1 + exp((IC₀ − IC)/k)) (Vigiak et al. 2012,
    as InVEST SDR; the Gura sample uses SDR_max 0.8, IC₀ 0.5, k 2), dimensionless."""
    out: FloatArray = sdr_max / (1.0 + np.exp((ic_0 - np.asarray(ic, dtype=np.float64)) / k))
    return out


#: Lower bound of the W factor (USLE C) in the connectivity index (InVEST ``_calculate_w``).
W_MIN = 0.001
#: Bounds of the slope (m/m) in the connectivity index (InVEST ``threshold_slope_op``, after
#: Cavalli et al. 2013).
S_MIN, S_MAX = 0.005, 1.0


@dataclass(frozen=True)
class Delivery:
    """Connectivity and delivery outputs (InVEST SDR names; ``d_dn`` in InVEST's own units)."""

    d_up: FloatArray
    d_dn: FloatArray
    ic: FloatArray
    sdr: FloatArray
    sed_export: FloatArray
    e_prime: FloatArray
    sed_deposition: FloatArray
    avoided_export: FloatArray


def sediment_delivery(
    flow_dir: NDArray[np.int32],
    flow_accumulation: FloatArray,
    stream: NDArray[np.uint8],
    slope_pct: FloatArray,
    usle_c: FloatArray,
    usle_loss: FloatArray,
    avoided: FloatArray,
    cell_size: float,
    sdr_max: float,
    ic_0: float,
    k: float,
) -> Delivery:
    """Connectivity index, SDR and sediment export over MFD routing, as InVEST SDR codes them.

    * W = max(usle_c, 0.001); S = slope/100 clamped to [0.005, 1] m/m
    * W̄ = Σ_up W / F, S̄ = Σ_up S / F (MFD accumulations of W and S, each counting the cell)
    * D_up = W̄·S̄·√(F·D²)   (F here, not F − 1)
    * D_dn = MFD mean of Σ 1/(W·S) along the flow path to the stream, the downstream cell's
      value per step (pygeoprocessing ``distance_to_channel_mfd`` with that weight)
    * IC = log₁₀(D_up / D_dn) (Borselli et al. 2008); SDR = SDR_max/(1 + exp((IC₀ − IC)/k)),
      1 on streams (InVEST ≥ 3.17, issue #2379)
    * sed_export = USLE·SDR, t ha⁻¹ yr⁻¹
    * E' = USLE·(1 − SDR), 0 on streams; sediment deposition routed downslope
      (:func:`~qingshan.methods.flow_routing.sediment_deposition_mfd`)
    * avoided_export = avoided erosion·SDR + deposition, t ha⁻¹ yr⁻¹

    ``usle_loss`` and ``avoided`` are :func:`usle` and :func:`avoided_erosion` (NaN on streams).
    """
    fa = np.asarray(flow_accumulation, dtype=np.float64)
    w = np.maximum(np.asarray(usle_c, dtype=np.float64), W_MIN)
    w = np.where(np.isnan(usle_c), np.nan, w)
    s_mm = np.clip(np.asarray(slope_pct, dtype=np.float64) / 100.0, S_MIN, S_MAX)
    w_bar = flow_routing.flow_accumulation_mfd(flow_dir, w) / fa
    s_bar = flow_routing.flow_accumulation_mfd(flow_dir, s_mm) / fa
    d_up = w_bar * s_bar * np.sqrt(fa * float(cell_size) ** 2)
    d_dn = flow_routing.distance_to_channel_mfd(flow_dir, stream, 1.0 / (w * s_mm))
    with np.errstate(divide="ignore", invalid="ignore"):
        ic = np.where((d_dn != 0) & (d_up != 0), np.log10(d_up / d_dn), np.nan)
    sdr = np.where(stream == 1, 1.0, sdr_from_ic(ic, sdr_max, ic_0, k))
    loss = np.asarray(usle_loss, dtype=np.float64)
    e_prime = np.where(stream == 1, 0.0, loss * (1.0 - sdr))
    deposition, _flux = flow_routing.sediment_deposition_mfd(flow_dir, e_prime, sdr)
    return Delivery(
        d_up=d_up, d_dn=d_dn, ic=ic, sdr=sdr, sed_export=loss * sdr, e_prime=e_prime,
        sed_deposition=deposition,
        avoided_export=np.asarray(avoided, dtype=np.float64) * sdr + deposition,
    )


@dataclass(frozen=True)
class SoilRetention:
    """The per-cell outputs of :func:`soil_retention` (InVEST SDR output names)."""

    filled_dem: FloatArray
    slope_pct: FloatArray
    flow_dir: NDArray[np.int32] | NDArray[np.uint8]
    flow_accumulation: FloatArray
    stream: NDArray[np.uint8]
    ls: FloatArray
    rkls: FloatArray
    usle: FloatArray
    avoided_erosion: FloatArray


def soil_retention(
    dem: FloatArray,
    erosivity: FloatArray,
    erodibility: FloatArray,
    cp: FloatArray,
    cell_size: float,
    threshold_flow_accumulation: float,
    l_max: float,
    flow_dir_algorithm: Literal["mfd", "d8"] = "mfd",
) -> SoilRetention:
    """RKLS, USLE and avoided erosion of one watershed (or any region that holds all its
    upstream area), InVEST SDR's chain: fill pits → slope → flow directions (MFD, InVEST's
    default, or D8) → flow accumulation → streams (MFD: traced from the outlets, trace 0.7;
    D8: accumulation > threshold) → LS → RKLS → USLE → avoided erosion.

    All arrays share one grid of square cells of side ``cell_size`` (m); NaN is nodata, and a
    cell that is NaN in any input is nodata in every output (InVEST's mutual mask).
    """
    shapes = {np.shape(a) for a in (dem, erosivity, erodibility, cp)}
    if len(shapes) != 1:
        raise ValueError(f"input grids differ in shape: {sorted(shapes)}")
    r = np.asarray(erosivity, dtype=np.float64)
    k = np.asarray(erodibility, dtype=np.float64)
    cpa = np.asarray(cp, dtype=np.float64)
    z = np.asarray(dem, dtype=np.float64)
    valid = ~(np.isnan(z) | np.isnan(r) | np.isnan(k) | np.isnan(cpa))
    z = np.where(valid, z, np.nan)
    filled = flow_routing.fill_pits(z)
    slope = terrain.slope_percent(filled, cell_size, cell_size)
    fd: NDArray[np.int32] | NDArray[np.uint8]
    if flow_dir_algorithm == "mfd":
        fd = flow_routing.flow_dir_mfd(filled)
        acc = flow_routing.flow_accumulation_mfd(fd)
        stream = flow_routing.streams_mfd(acc, fd, threshold_flow_accumulation, 0.7)
    elif flow_dir_algorithm == "d8":
        fd = flow_routing.flow_dir_d8(filled)
        acc = flow_routing.flow_accumulation_d8(fd)
        stream = flow_routing.streams_d8(acc, threshold_flow_accumulation)
    else:
        raise ConfigError(f"flow_dir_algorithm must be 'mfd' or 'd8', got {flow_dir_algorithm!r}")
    ls = ls_factor(slope, acc, cell_size, l_max)
    rkls = potential_soil_loss(ls, r, k, stream)
    loss = usle(rkls, cpa)
    return SoilRetention(
        filled_dem=filled, slope_pct=slope, flow_dir=fd, flow_accumulation=acc, stream=stream,
        ls=ls, rkls=rkls, usle=loss, avoided_erosion=avoided_erosion(rkls, loss),
    )
