"""Aligned windows over an ecological package's rasters, and the rasters as dask arrays.

Every raster of a validated package shares one grid (:mod:`qingshan.ecology.package`), so one
window addresses the same pixels in each. :func:`iter_blocks` yields square blocks of
``block_size`` pixels (the last row and column of blocks are smaller) with the arrays of the
requested rasters: value rasters as float64 with nodata as NaN, class rasters (LULC,
districts) as int64 with a boolean nodata mask.

**Halo.** With ``halo=k`` each array also holds the ``k`` pixels around the block, so a
neighbourhood kernel (slope, flow direction) sees its neighbours; :attr:`Block.core` slices
the block itself back out. Beyond the raster's edge the halo is *padded as nodata* (NaN for
value rasters, mask True for class rasters, value 0 under the mask), so every array has
shape ``(rows + 2k, cols + 2k)`` and a kernel treats the outside like any nodata pixel — as
InVEST treats pixels outside the raster.

:func:`as_dask` gives a raster as a dask array read lazily window by window (one chunk =
one rasterio window read, opened in the worker), so the same numpy kernels run block-wise
on areas larger than memory, or on a dask distributed cluster.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import rasterio
from numpy.typing import NDArray
from rasterio.windows import Window

from qingshan.ecology.grid import grid_windows

if TYPE_CHECKING:
    import dask.array as da

    from qingshan.ecology.package import EcoPackage


@dataclass(frozen=True)
class Block:
    """One block: ``window`` (the block itself, in raster pixels), ``halo`` (pixels of
    neighbours around it in every array), ``arrays`` by raster key (``dem``, ``lulc_2020``…)
    and, for class rasters, ``masks`` (True = nodata)."""

    window: Window
    halo: int
    arrays: dict[str, NDArray[Any]]
    masks: dict[str, NDArray[np.bool_]]

    @property
    def core(self) -> tuple[slice, slice]:
        """Slices of each array that give the block without its halo."""
        k = self.halo
        return slice(k, k + int(self.window.height)), slice(k, k + int(self.window.width))


def _read(
    ds: Any, window: Window, kind: str, nodata: float | None, halo: int, height: int, width: int
) -> tuple[NDArray[Any], NDArray[np.bool_]]:
    r0, c0 = int(window.row_off) - halo, int(window.col_off) - halo
    r1, c1 = int(window.row_off + window.height) + halo, int(window.col_off + window.width) + halo
    rr0, cc0, rr1, cc1 = max(r0, 0), max(c0, 0), min(r1, height), min(c1, width)
    raw = ds.read(1, window=Window(cc0, rr0, cc1 - cc0, rr1 - rr0))
    pad = ((rr0 - r0, r1 - rr1), (cc0 - c0, c1 - cc1))
    if kind == "class":
        vals = raw.astype(np.int64)
        mask = np.zeros(vals.shape, bool) if nodata is None else vals == int(nodata)
        vals[mask] = 0
        return np.pad(vals, pad), np.pad(mask, pad, constant_values=True)
    x = raw.astype(np.float64)
    if nodata is not None and not np.isnan(nodata):
        x[x == nodata] = np.nan
    x = np.pad(x, pad, constant_values=np.nan)
    return x, np.isnan(x)


def iter_blocks(package: EcoPackage, keys: Sequence[str], *, block_size: int = 512, halo: int = 0) -> Iterator[Block]:
    """Blocks of ``block_size`` pixels over the package's grid with the rasters ``keys``
    (keys of ``package.rasters``: ``dem``, ``lulc_2020``…), each with ``halo`` pixels of
    neighbours (edge handling in the module docstring). The rasters stay open while the
    iterator runs."""
    if halo < 0:
        raise ValueError(f"halo must be >= 0, got {halo}")
    unknown = [k for k in keys if k not in package.rasters]
    if unknown:
        raise KeyError(f"rasters not in the package: {unknown}; it has {list(package.rasters)}")
    h, w = package.shape
    with ExitStack() as stack:
        handles = {key: stack.enter_context(rasterio.open(package.rasters[key])) for key in keys}
        for win in grid_windows(h, w, block_size):
            arrays: dict[str, NDArray[Any]] = {}
            masks: dict[str, NDArray[np.bool_]] = {}
            for key in keys:
                kind = package.kind(key)
                arr, mask = _read(handles[key], win, kind, package.nodata[key], halo, h, w)
                arrays[key] = arr
                if kind == "class":
                    masks[key] = mask
            yield Block(win, halo, arrays, masks)


class _LazyRaster:
    """A raster that reads only the window it is sliced with (for ``dask.array.from_array``).
    Holds a path, not an open dataset, so it pickles to distributed workers."""

    def __init__(self, path: Path, kind: str, nodata: float | None, shape: tuple[int, int]) -> None:
        self.path, self.kind, self.nodata = path, kind, nodata
        self.shape = shape
        self.dtype = np.dtype(np.int64) if kind == "class" else np.dtype(np.float64)
        self.ndim = 2

    def __getitem__(self, key: tuple[slice, slice]) -> NDArray[Any]:
        rows, cols = key
        r0, r1, _ = rows.indices(self.shape[0])
        c0, c1, _ = cols.indices(self.shape[1])
        if r1 <= r0 or c1 <= c0:
            return np.empty((max(r1 - r0, 0), max(c1 - c0, 0)), self.dtype)
        with rasterio.open(self.path) as ds:
            raw = ds.read(1, window=Window(c0, r0, c1 - c0, r1 - r0))
        if self.kind == "class":
            out: NDArray[Any] = raw.astype(np.int64)
            return out
        x: NDArray[np.float64] = raw.astype(np.float64)
        if self.nodata is not None and not np.isnan(self.nodata):
            x[x == self.nodata] = np.nan
        return x


def as_dask(package: EcoPackage, key: str, chunks: int | tuple[int, int] = 2048) -> da.Array:
    """The raster ``key`` as a lazy dask array of ``chunks`` (square side, or (rows, cols)).

    Value rasters are float64 with nodata as NaN. Class rasters are int64 with their codes as
    stored; nodata pixels keep the raster's declared nodata value, ``package.nodata[key]``
    (test ``arr == package.nodata[key]`` for the mask)."""
    import dask.array as da

    lazy = _LazyRaster(package.rasters[key], package.kind(key), package.nodata[key], package.shape)
    arr: da.Array = da.from_array(  # type: ignore[no-untyped-call]
        lazy,
        chunks=chunks,
        asarray=False,
        lock=False,
        fancy=False,
        meta=np.empty((0, 0), lazy.dtype),
        name=f"qingshan-eco-{key}-{package.token}",
    )
    return arr
