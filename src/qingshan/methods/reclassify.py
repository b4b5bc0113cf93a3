"""Land-cover reclassification (地类重分类) and nodata masks for raster kernels, written for
numpy arrays and for any array that implements numpy's dispatch protocols (NEP 13
``__array_ufunc__``, NEP 18 ``__array_function__``), such as a dask array; dask is never
imported here.

Behaviour follows InVEST 3.20 (``natcap.invest.utils.reclassify_raster`` →
``pygeoprocessing.reclassify_raster`` with ``values_required=True``; pygeoprocessing
2.4.10-22, commit a325b658):

- a pixel equal to the raster's nodata value becomes nodata (here NaN), unless the nodata
  value is itself a code of the table, when it is reclassified like any other code;
- a pixel whose code is not in the table is an error that lists every missing code
  (problem ``G001``);
- a float raster's nodata test is ``numpy.isclose(value, nodata, equal_nan=True)``
  (rtol 1e-5, atol 1e-8), an integer raster's is ``value == nodata``
  (``pygeoprocessing.array_equals_nodata``).

Why a block function: ``numpy.take(table, codes)`` dispatches on the table only, so a dask
``codes`` would be computed into memory, and dask's fancy indexing accepts only 1-D integer
indexers. The lookup is therefore a numpy function applied block by block through the
array's own ``map_blocks`` when it has one (duck typing), and directly otherwise. Every other
step of the kernels is a ufunc or ``numpy.where`` and dispatches by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from qingshan.errors import Problem, ValidationError

#: A raster block: a numpy array or a duck array (dask) that numpy functions dispatch to.
Grid: TypeAlias = Any

#: Problem code of a pixel code missing from a table (InVEST's reclassification error).
UNKNOWN_CLASS = "G001"
#: Problem code of a code that appears twice in a table's key column.
DUPLICATE_CLASS = "G002"
#: Largest code for which the lookup is a dense table indexed by the code (faster than a search).
_DENSE_MAX = 1 << 16


def data_mask(grid: Grid, nodata: float | None) -> Grid:
    """True where ``grid`` holds data: not NaN and not the nodata value.

    ``pygeoprocessing.array_equals_nodata``: integer arrays compare with ``==``, float
    arrays with ``numpy.isclose(…, equal_nan=True)`` (default tolerances). NaN is always
    nodata here (InVEST lets a NaN that is not the declared nodata flow through as NaN; the
    result is the same NaN).
    """
    if np.issubdtype(grid.dtype, np.integer):
        return np.full_like(grid, True, dtype=bool) if nodata is None else grid != nodata
    mask = ~np.isnan(grid)
    if nodata is not None and not np.isnan(nodata):
        mask = mask & ~np.isclose(grid, nodata)
    return mask


def check_table_codes(codes: Sequence[int] | npt.NDArray[Any], *, table: str, column: str) -> None:
    """Raise :class:`ValidationError` (``G002``) naming every duplicated code."""
    arr = np.asarray(codes)
    uniq, counts = np.unique(arr, return_counts=True)
    dup = uniq[counts > 1]
    if dup.size:
        raise ValidationError([Problem(
            DUPLICATE_CLASS, table, None, column, ", ".join(str(c) for c in dup.tolist()),
            "每个地类代码只能出现一次", "each land-cover code appears once")])


def _lookup_block(block: npt.NDArray[Any], keys: npt.NDArray[Any], values: npt.NDArray[np.float64],
                  nodata: float | None, raster: str, column: str) -> npt.NDArray[np.float64]:
    """Reclassify one numpy block (see the module docstring)."""
    valid = np.ones(block.shape, dtype=bool) if nodata is None else block != nodata
    dense = (np.issubdtype(block.dtype, np.integer) and np.issubdtype(keys.dtype, np.integer)
             and keys[0] >= 0 and keys[-1] <= _DENSE_MAX)
    if dense:  # a table indexed by the code itself: one gather, no search
        lut = np.full(int(keys[-1]) + 2, np.nan)  # the last slot stands for every unknown code
        lut[keys] = values
        known = np.zeros(lut.size, dtype=bool)
        known[keys] = True
        idx = block.astype(np.intp)
        idx[(idx < 0) | (idx > keys[-1])] = lut.size - 1
        found = known[idx]
        mapped = lut[idx]
    else:
        pos = np.clip(np.searchsorted(keys, block), 0, keys.size - 1)
        found = keys[pos] == block
        mapped = values[pos]
    missing = valid & ~found
    if missing.any():
        codes = np.unique(block[missing])
        raise ValidationError([Problem(
            UNKNOWN_CLASS, raster, None, column, ", ".join(str(c) for c in codes.tolist()),
            f"栅格中的地类代码须在表的「{column}」列中",
            f"every code of the raster is in the table's '{column}' column")])
    return np.where(valid, mapped, np.nan)


def reclassify(codes: Grid, table_codes: npt.NDArray[Any], table_values: npt.NDArray[Any], *,
               nodata: float | None, raster: str = "lulc", table: str = "biophysical table",
               column: str = "lucode") -> Grid:
    """Map each pixel's land-cover code to the table's value for that code (float64; NaN
    where the code is nodata).

    Parameters
    ----------
    codes : Grid
        Integer land-cover codes (a numpy or dask array).
    table_codes, table_values : numpy.ndarray
        The table's key column and the column to map (same length, codes unique).
    nodata : float or None
        The raster's nodata value; None when the raster declares none.
    raster, table, column : str
        Names used in the problems (unknown codes, duplicated codes).

    Raises
    ------
    ValidationError
        ``G001`` listing every code of ``codes`` absent from ``table_codes`` (for a dask
        array, when the block is computed).
    """
    keys = np.asarray(table_codes)
    vals = np.asarray(table_values, dtype=np.float64)
    if keys.size == 0 or keys.shape != vals.shape:
        raise ValueError("a reclassification table needs one value per code and at least one code")
    check_table_codes(keys, table=table, column=column)
    order = np.argsort(keys, kind="stable")
    keys, vals = keys[order], vals[order]
    if nodata is not None and np.any(np.isclose(keys, nodata, equal_nan=True)):
        nodata = None  # nodata is a code of the table: reclassified like the others
    block_fn = partial(_lookup_block, keys=keys, values=vals, nodata=nodata, raster=raster, column=column)
    if hasattr(codes, "map_blocks"):
        return codes.map_blocks(block_fn, dtype=np.float64)
    return block_fn(np.asarray(codes))
