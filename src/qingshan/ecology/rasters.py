"""Checking the rasters of an ecological data package: each opens as a one-band GeoTIFF, all
share one projected CRS in metres and one grid, class rasters hold integers, and their
values (read window by window, never a whole raster at once) lie within the role's bounds,
with no nodata inside the study area (the pixels where the first year's LULC has data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from numpy.typing import NDArray
from rasterio.crs import CRS
from rasterio.errors import RasterioError

from qingshan.data import files
from qingshan.ecology.grid import grid_windows
from qingshan.ecology.spec import RasterRole
from qingshan.ecology.tables import problem
from qingshan.errors import Problem

#: Most pixels a raster may have (a 2 000 km × 2 000 km square at 30 m is 4.4e9): a header
#: claiming more is a damaged or hostile file, refused before any pixel is read (L004).
MAX_RASTER_PIXELS = 5_000_000_000
#: Side of the square windows validation reads (pixels): 1024² float64 = 8 MB per raster.
CHECK_BLOCK = 1024


@dataclass(frozen=True)
class RasterMeta:
    """What a raster's header says: its key (``dem``, ``lulc_2020``…), role and grid."""

    key: str
    role: RasterRole
    path: Path
    label: str
    crs: CRS | None
    transform: Affine
    width: int
    height: int
    count: int
    dtype: str
    nodata: float | None


def open_meta(key: str, role: RasterRole, path: Path, label: str, problems: list[Problem]) -> RasterMeta | None:
    """The raster's header, or None after recording why it cannot be used (L003, L005,
    L006, L010)."""
    bad = files.entry_problem(path, label)
    if bad is not None:
        problems.append(problem("L003", label, None, None, None, bad.expected_zh, bad.expected_en))
        return None
    try:
        with rasterio.open(path) as ds:
            meta = RasterMeta(
                key, role, path, label, ds.crs, ds.transform, ds.width, ds.height, ds.count, ds.dtypes[0], ds.nodata
            )
            driver = ds.driver
    except (RasterioError, OSError) as exc:
        problems.append(
            problem(
                "L005",
                label,
                None,
                None,
                None,
                f"无法作为 GeoTIFF 读取：{str(exc).replace(str(path), label)}",
                f"cannot be read as a GeoTIFF: {str(exc).replace(str(path), label)}",
            )
        )
        return None
    if driver != "GTiff":
        problems.append(problem("L005", label, None, None, driver, "应为 GeoTIFF 文件", "expected a GeoTIFF file"))
        return None
    ok = True
    if meta.width * meta.height > MAX_RASTER_PIXELS:
        problems.append(
            problem(
                "L004",
                label,
                None,
                None,
                f"{meta.height}×{meta.width}",
                f"栅格像元数超过上限 {MAX_RASTER_PIXELS:,}（未读取）",
                f"the raster has more than {MAX_RASTER_PIXELS:,} pixels (not read)",
            )
        )
        return None
    if meta.count != 1:
        problems.append(
            problem("L006", label, None, "bands", meta.count, "应为单波段栅格", "expected a single-band raster")
        )
        ok = False
    if role.kind == "class" and not np.issubdtype(np.dtype(meta.dtype), np.integer):
        problems.append(
            problem(
                "L010",
                label,
                None,
                "band 1",
                meta.dtype,
                "分类栅格应为整数类型（如 uint8、int16）",
                "a class raster must have an integer type (uint8, int16, ...)",
            )
        )
        ok = False
    return meta if ok else None


def crs_problems(metas: list[RasterMeta], expected: CRS | None) -> list[Problem]:
    """L007 (no CRS, or a CRS other than the manifest's or the first raster's) and L008
    (a geographic CRS in degrees, or linear units other than metres)."""
    out: list[Problem] = []
    ref = expected
    for m in metas:
        if m.crs is None:
            out.append(problem("L007", m.label, None, "crs", None, "栅格没有坐标参考系", "the raster has no CRS"))
            continue
        if m.crs.is_geographic or (m.crs.linear_units or "").lower() not in ("metre", "meter", "m"):
            out.append(
                problem(
                    "L008",
                    m.label,
                    None,
                    "crs",
                    m.crs.to_string(),
                    "须为以米为单位的投影坐标系（如 CGCS2000 高斯-克吕格 3 度带、UTM），不能是经纬度",
                    "expected a projected CRS in metres (e.g. CGCS2000 3-degree Gauss-Kruger, UTM), not degrees",
                )
            )
        if ref is None:
            ref = m.crs
        elif m.crs != ref:
            out.append(
                problem(
                    "L007",
                    m.label,
                    None,
                    "crs",
                    m.crs.to_string(),
                    f"坐标参考系应与其他栅格一致：{ref.to_string()}",
                    f"the CRS must be that of the other rasters: {ref.to_string()}",
                )
            )
    return out


def grid_problems(metas: list[RasterMeta], ref: RasterMeta) -> list[Problem]:
    """L009: a raster whose shape, pixel size or origin differs from ``ref`` (the first LULC
    raster), or whose pixels are rotated."""
    out: list[Problem] = []
    t0 = ref.transform
    tol = 1e-6 * max(abs(t0.a), abs(t0.e), 1e-12)
    for m in metas:
        t = m.transform
        if t.b != 0 or t.d != 0:
            out.append(
                problem("L009", m.label, None, "transform", tuple(t)[:6], "像元不应旋转", "pixels must not be rotated")
            )
            continue
        if m is ref:
            continue
        if (m.height, m.width) != (ref.height, ref.width):
            out.append(
                problem(
                    "L009",
                    m.label,
                    None,
                    "shape",
                    f"{m.height}×{m.width}",
                    f"行列数应与「{ref.label}」一致：{ref.height}×{ref.width}",
                    f"rows × columns must match '{ref.label}': {ref.height}×{ref.width}",
                )
            )
        elif abs(t.a - t0.a) > tol or abs(t.e - t0.e) > tol:
            out.append(
                problem(
                    "L009",
                    m.label,
                    None,
                    "resolution",
                    f"{t.a:g}×{-t.e:g}",
                    f"像元大小应与「{ref.label}」一致：{t0.a:g}×{-t0.e:g}",
                    f"pixel size must match '{ref.label}': {t0.a:g}×{-t0.e:g}",
                )
            )
        elif abs(t.c - t0.c) > tol or abs(t.f - t0.f) > tol:
            out.append(
                problem(
                    "L009",
                    m.label,
                    None,
                    "origin",
                    f"({t.c:.3f}, {t.f:.3f})",
                    f"栅格原点应与「{ref.label}」一致：({t0.c:.3f}, {t0.f:.3f})",
                    f"the grid origin must match '{ref.label}': ({t0.c:.3f}, {t0.f:.3f})",
                )
            )
    return out


@dataclass
class _Tally:
    """What the windowed scan of one raster has found so far."""

    valid: int = 0
    nodata_in_area: int = 0
    first_nodata: tuple[int, int] | None = None
    out_of_range: int = 0
    first_out: tuple[int, int, float] | None = None
    infinite: int = 0
    first_inf: tuple[int, int, float] | None = None
    lo: float = np.inf
    hi: float = -np.inf
    codes: dict[int, tuple[int, int]] = field(default_factory=dict)


def _first(mask: NDArray[np.bool_], r0: int, c0: int) -> tuple[int, int]:
    i = int(np.flatnonzero(mask.ravel())[0])
    return r0 + i // mask.shape[1], c0 + i % mask.shape[1]


def _scan_block(
    m: RasterMeta, data: NDArray[np.generic], area: NDArray[np.bool_] | None, r0: int, c0: int, t: _Tally
) -> None:
    if m.role.kind == "class":
        vals = data.astype(np.int64)
        nod = np.zeros(vals.shape, bool) if m.nodata is None else vals == int(m.nodata)
        codes, idx = np.unique(vals[~nod], return_index=True)
        if codes.size:
            rows, cols = np.nonzero(~nod)
            for code, i in zip(codes.tolist(), idx.tolist(), strict=True):
                t.codes.setdefault(int(code), (r0 + int(rows[i]), c0 + int(cols[i])))
        t.valid += int((~nod).sum())
    else:
        x = data.astype(np.float64)
        nod = np.isnan(x) if m.nodata is None or np.isnan(m.nodata) else (x == m.nodata) | np.isnan(x)
        inf = np.isinf(x)
        if inf.any():
            t.infinite += int(inf.sum())
            if t.first_inf is None:
                r, c = _first(inf, r0, c0)
                t.first_inf = (r, c, float(x[r - r0, c - c0]))
        ok = ~nod & ~inf
        lo = -np.inf if m.role.min is None else m.role.min
        hi = np.inf if m.role.max is None else m.role.max
        out = ok & ((x < lo) | (x > hi))
        if out.any():
            t.out_of_range += int(out.sum())
            if t.first_out is None:
                r, c = _first(out, r0, c0)
                t.first_out = (r, c, float(x[r - r0, c - c0]))
        if ok.any():
            t.lo, t.hi = min(t.lo, float(x[ok].min())), max(t.hi, float(x[ok].max()))
        t.valid += int(ok.sum())
    if area is not None:
        gap = area & nod
        if gap.any():
            t.nodata_in_area += int(gap.sum())
            if t.first_nodata is None:
                t.first_nodata = _first(gap, r0, c0)


def scan(metas: list[RasterMeta], ref: RasterMeta, block: int = CHECK_BLOCK) -> dict[str, _Tally]:
    """Read every raster window by window over the shared grid and tally what validation
    reports (memory: a few ``block``² arrays at a time)."""
    tallies = {m.key: _Tally() for m in metas}
    handles = {m.key: rasterio.open(m.path) for m in metas}
    try:
        for win in grid_windows(ref.height, ref.width, block):
            r0, c0 = int(win.row_off), int(win.col_off)
            ref_data = handles[ref.key].read(1, window=win)
            area = ref_data != ref.nodata if ref.nodata is not None else np.ones(ref_data.shape, bool)
            for m in metas:
                data = ref_data if m is ref else handles[m.key].read(1, window=win)
                _scan_block(m, data, None if m is ref else area, r0, c0, tallies[m.key])
    finally:
        for h in handles.values():
            h.close()
    return tallies


def value_problems(
    metas: list[RasterMeta],
    tallies: dict[str, _Tally],
    ref: RasterMeta,
    known: Callable[[RasterMeta], dict[str, set[int]]],
) -> list[Problem]:
    """L011–L017 from the tallies. ``known(meta)`` gives, for a class raster, the codes each
    lookup table has (``{"L015": classes, "L016": biophysical}`` for LULC; ``{"L017": …}``
    for districts)."""
    out: list[Problem] = []
    n_area = tallies[ref.key].valid
    for m in metas:
        t = tallies[m.key]
        if t.valid == 0:
            out.append(problem("L012", m.label, None, "band 1", None, "栅格全部为无数据像元", "every pixel is nodata"))
            continue
        if t.nodata_in_area and t.first_nodata is not None:
            r, c = t.first_nodata
            share = t.nodata_in_area / max(n_area, 1)
            out.append(
                problem(
                    "L011",
                    m.label,
                    None,
                    f"band 1, pixel (row {r}, col {c})",
                    "nodata",
                    f"研究区（{ref.label} 有值的像元）内有 {t.nodata_in_area} 个无数据像元（{share:.2%}）",
                    f"{t.nodata_in_area} nodata pixels ({share:.2%}) inside the study area "
                    f"(the pixels where {ref.label} has data)",
                    "warning",
                )
            )
        if t.first_inf is not None:
            r, c, v = t.first_inf
            out.append(
                problem(
                    "L014",
                    m.label,
                    None,
                    f"band 1, pixel (row {r}, col {c})",
                    v,
                    f"有 {t.infinite} 个无穷大像元；应为有限数值或声明的无数据值",
                    f"{t.infinite} infinite pixels; expected finite values or the declared nodata value",
                )
            )
        if t.first_out is not None:
            r, c, v = t.first_out
            unit = m.role.unit
            out.append(
                problem(
                    "L013",
                    m.label,
                    None,
                    f"band 1, pixel (row {r}, col {c})",
                    f"{v:g}",
                    f"有 {t.out_of_range} 个像元超出 [{m.role.min:g}, {m.role.max:g}] {unit}（取值范围 "
                    f"{t.lo:g}…{t.hi:g}）；请检查单位",
                    f"{t.out_of_range} pixels outside [{m.role.min:g}, {m.role.max:g}] {unit} (values "
                    f"{t.lo:g}…{t.hi:g}); check the unit",
                )
            )
        if m.role.kind == "class":
            for code, (zh_table, en_table, have) in _lookups(m, known).items():
                for value, (r, c) in sorted(t.codes.items()):
                    if value not in have:
                        out.append(
                            problem(
                                code,
                                m.label,
                                None,
                                f"band 1, pixel (row {r}, col {c})",
                                value,
                                f"代码 {value} 在{zh_table}中没有对应行",
                                f"code {value} has no row in the {en_table}",
                            )
                        )
    return out


_TABLE_NAMES = {
    "L015": ("地类—生态系统类型对照表（classes）", "class table (classes)"),
    "L016": ("生物物理参数表（biophysical）", "biophysical table"),
    "L017": ("区县栅格代码表（districts）", "districts table"),
}


def _lookups(m: RasterMeta, known: Callable[[RasterMeta], dict[str, set[int]]]) -> dict[str, tuple[str, str, set[int]]]:
    return {code: (*_TABLE_NAMES[code], have) for code, have in known(m).items()}
