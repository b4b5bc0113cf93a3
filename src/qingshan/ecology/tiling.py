"""Soil retention one watershed at a time, so its memory is bounded by the largest watershed
rather than the area (issue #17, item 7; docs/gep/soil-retention.md, "Processing watershed by
watershed").

Flow routing is not local: a cell's flow accumulation depends on its whole upstream area, so
InVEST SDR's chain (:func:`qingshan.methods.soil_retention.soil_retention`) cannot run on
windows. Watersheds are independent of each other, so :func:`soil_retention_by_watershed`
reads each watershed's bounding box from the package's rasters, sets the cells outside the
watershed to NaN (as InVEST masks its inputs to a watershed), runs the chain, and writes the
watershed's cells back. Peak memory is about 100 bytes per cell of the *largest* bounding box
per worker (the chain's arrays, docs/gep/soil-retention.md) instead of per cell of the area.

Where the watersheds are separated by nodata (no cell of one touches a cell of another, even
diagonally: a river or coast masked out, the raster's edge), the result equals the whole-grid
result cell by cell (``tests/test_gep_tiling.py``). Where they touch, the cells along the
boundary see it as the edge of the data, as InVEST does when its inputs are clipped to a
watershed: slope there uses the edge rule, flow does not cross the boundary, and flats along
it may drain off it; so the cells next to the boundary (and what flows from them) can differ
from a whole-grid run.

Watersheds run on ``workers`` threads: the routing kernels are compiled with numba
``nogil=True`` and numpy releases the GIL on whole-array operations, so threads use both cores
without a second process (and without compiling the kernels twice, about 11 s each).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import rasterio
from numpy.typing import NDArray
from rasterio.windows import Window
from scipy import ndimage

from qingshan.ecology.grid import grid_windows
from qingshan.ecology.package import EcoPackage
from qingshan.methods.reclassify import reclassify
from qingshan.methods.soil_retention import soil_retention
from qingshan.methods.zonal import zonal_sums

#: A function giving the zone code per cell (−1 or any code not in ``zone_ids``: no zone) from
#: the bounding box's class rasters (the LULC key and ``districts`` if the package has one),
#: int64 with each raster's nodata value kept.
ZoneFunction = Callable[[Mapping[str, NDArray[Any]]], NDArray[Any]]


@dataclass(frozen=True)
class WatershedSoil:
    """Per-watershed totals (``watershed``, ``cells``, ``rkls_t``, ``usle_t``, ``avoided_t``,
    all t/a; ``rows``, ``cols``: its bounding box) and, when zones were given, the avoided
    erosion A_s (t/a) summed by zone in the order of ``numpy.unique(zone_ids)``."""

    by_watershed: pd.DataFrame
    zone_totals: NDArray[np.float64] | None


def watershed_boxes(path: Path, nodata: float | None = None, block_size: int = 2048) -> dict[int, Window]:
    """Bounding box (a rasterio window) of each watershed of the label raster at ``path``
    (positive integer labels; 0, negative values and ``nodata`` belong to no watershed), read
    window by window."""
    boxes: dict[int, tuple[int, int, int, int]] = {}
    with rasterio.open(path) as ds:
        for win in grid_windows(ds.height, ds.width, block_size):
            lab = ds.read(1, window=win).astype(np.int64)
            if nodata is not None:
                lab[lab == int(nodata)] = 0
            lab[lab < 0] = 0
            r0, c0 = int(win.row_off), int(win.col_off)
            for i, sl in enumerate(ndimage.find_objects(lab)):
                if sl is None:
                    continue
                b = (r0 + sl[0].start, r0 + sl[0].stop, c0 + sl[1].start, c0 + sl[1].stop)
                old = boxes.get(i + 1)
                boxes[i + 1] = b if old is None else (min(old[0], b[0]), max(old[1], b[1]),
                                                      min(old[2], b[2]), max(old[3], b[3]))
    return {k: Window(c0, r0, c1 - c0, r1 - r0) for k, (r0, r1, c0, c1) in sorted(boxes.items())}


def _read_value(ds: Any, win: Window, nodata: float | None) -> NDArray[np.float64]:
    x: NDArray[np.float64] = ds.read(1, window=win).astype(np.float64)
    if nodata is not None and not np.isnan(nodata):
        x[x == nodata] = np.nan
    return x


def soil_retention_by_watershed(
    package: EcoPackage,
    year: int,
    watersheds: Path,
    *,
    threshold_flow_accumulation: float,
    l_max: float,
    flow_dir: Literal["mfd", "d8"] = "mfd",
    watershed_nodata: float | None = None,
    out_path: Path | None = None,
    zones: ZoneFunction | None = None,
    zone_ids: NDArray[np.int64] | None = None,
    workers: int = 2,
) -> WatershedSoil:
    """Soil retention (InVEST SDR's RKLS − USLE, t ha⁻¹ a⁻¹) of ``year`` watershed by watershed.

    Parameters
    ----------
    package : EcoPackage
        A validated package with ``dem``, ``erosivity``, ``erodibility``, the year's LULC and
        the ``biophysical`` table's ``usle_c`` and ``usle_p``.
    watersheds : Path
        A label raster on the package's grid (positive integer per watershed).
    threshold_flow_accumulation, l_max, flow_dir
        InVEST SDR's routing parameters (:func:`~qingshan.methods.soil_retention.soil_retention`).
    out_path : Path, optional
        An existing float32 GeoTIFF on the package's grid: each watershed's avoided erosion
        (t ha⁻¹ a⁻¹) is written into its cells; other cells are left as they are.
    zones, zone_ids : optional
        Zone code per cell (:data:`ZoneFunction`) and the zones to report; A_s × pixel area is
        summed by zone (t/a) over the watersheds' cells.
    workers : int
        Watersheds computed at the same time (threads), largest first.
    """
    key = package.lulc_key(year)
    bio = package.tables["biophysical"]
    codes = bio["lucode"].astype(int).to_numpy()
    cp_table = (bio["usle_c"].astype(float) * bio["usle_p"].astype(float)).to_numpy()
    cell = abs(package.transform.a)
    ha = package.pixel_area_ha
    class_keys = [key] + (["districts"] if "districts" in package.rasters else [])
    boxes = watershed_boxes(watersheds, watershed_nodata)
    write_lock = threading.Lock()
    ids = None if zone_ids is None else np.unique(np.asarray(zone_ids, dtype=np.int64))

    def one(label: int) -> tuple[dict[str, Any], NDArray[np.float64] | None]:
        win = boxes[label]
        with rasterio.open(watersheds) as ws:
            inside = ws.read(1, window=win).astype(np.int64) == label
        vals = {}
        for k in ("dem", "erosivity", "erodibility"):
            with rasterio.open(package.rasters[k]) as ds:
                vals[k] = np.where(inside, _read_value(ds, win, package.nodata.get(k)), np.nan)
        classes: dict[str, NDArray[Any]] = {}
        for k in class_keys:
            with rasterio.open(package.rasters[k]) as ds:
                classes[k] = ds.read(1, window=win).astype(np.int64)
        nd = package.nodata.get(key)
        cp = np.where(inside, reclassify(classes[key], codes, cp_table, nodata=nd, raster=key), np.nan)
        res = soil_retention(vals["dem"], vals["erosivity"], vals["erodibility"], cp, cell,
                             threshold_flow_accumulation, l_max, flow_dir)
        del vals, cp
        avoided = res.avoided_erosion
        row = {"watershed": label, "cells": int(inside.sum()),
               "rkls_t": float(np.nansum(res.rkls) * ha), "usle_t": float(np.nansum(res.usle) * ha),
               "avoided_t": float(np.nansum(avoided) * ha),
               "rows": (int(win.row_off), int(win.row_off + win.height)),
               "cols": (int(win.col_off), int(win.col_off + win.width))}
        del res
        totals = None
        if zones is not None and ids is not None:
            totals = np.asarray(zonal_sums(avoided * ha, zones(classes), ids).total, dtype=np.float64)
        if out_path is not None:
            with write_lock, rasterio.open(out_path, "r+") as out:
                old = out.read(1, window=win)
                out.write(np.where(inside, avoided, old).astype(np.float32), 1, window=win)
        return row, totals

    order = sorted(boxes, key=lambda k: -int(boxes[k].width * boxes[k].height))
    rows: list[dict[str, Any]] = []
    zone_totals = None if ids is None else np.zeros(ids.size, dtype=np.float64)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for row, totals in pool.map(one, order):
            rows.append(row)
            if zone_totals is not None and totals is not None:
                zone_totals += totals
    frame = pd.DataFrame(rows, columns=["watershed", "cells", "rkls_t", "usle_t", "avoided_t", "rows", "cols"])
    return WatershedSoil(frame.sort_values("watershed").reset_index(drop=True), zone_totals)
