"""Zonal sums (分区汇总) of a raster over a zone raster (districts, watersheds), for numpy and
dask arrays alike.

The sums go through ``numpy.histogram`` with the zone codes as bins and the values as
weights: numpy dispatches it to ``dask.array.histogram`` for a dask array (NEP 18), which
reduces block by block, so memory stays flat as the area grows. Nodata (NaN) values and
zone codes not asked for are left out; a zone with no valid pixel has count 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qingshan.methods.reclassify import Grid


@dataclass(frozen=True)
class ZonalSums:
    """Per-zone sum of the valid values and count of valid pixels, in ``zone_ids`` order
    (numpy arrays, or lazy dask arrays when the inputs were dask arrays)."""

    zone_ids: npt.NDArray[np.int64]
    total: Grid
    count: Grid

    @property
    def mean(self) -> Grid:
        """Mean of the valid values per zone (NaN for a zone without valid pixels)."""
        has = self.count > 0
        return np.where(has, self.total / np.where(has, self.count, 1), np.nan)


def zonal_sums(values: Grid, zones: Grid, zone_ids: npt.ArrayLike) -> ZonalSums:
    """Sum ``values`` over each zone of ``zones``.

    Parameters
    ----------
    values : Grid
        Float values, NaN where nodata (summed in float64).
    zones : Grid
        Integer zone codes, same shape as ``values``.
    zone_ids : array_like of int
        The zones to report (unique integers).
    """
    ids = np.unique(np.asarray(zone_ids, dtype=np.int64))
    if ids.size == 0:
        raise ValueError("zone_ids is empty")
    valid = ~np.isnan(values) & np.isin(zones, ids)
    weights = np.where(valid, values, np.float64(0.0))  # float64 sums, whatever the input dtype
    labels = np.where(valid, zones, ids[0])
    edges = np.concatenate([ids - 0.5, [ids[-1] + 0.5]])
    total, _ = np.histogram(labels, bins=edges, weights=weights)
    count, _ = np.histogram(labels, bins=edges, weights=valid.astype(np.float64))
    return ZonalSums(ids, total, count)
