"""Service maps (生态系统服务分布图): a per-pixel GEP service raster (carbon storage, water yield,
avoided erosion, …) rendered on the server into a PNG image that the web pages show, with
district boundaries drawn and nodata transparent. The legend (the colour ramp and the
minimum and maximum with their unit) is not baked into the image: the page draws it in HTML
from :attr:`ServiceMap.stops`, :attr:`ServiceMap.low` and :attr:`ServiceMap.high`.

**Never the whole raster.** The raster is read once, decimated: ``DatasetReader.read`` with
an ``out_shape`` of at most ``max_side`` pixels on the longer side and nearest-neighbour
resampling (GDAL uses the file's overviews when it has them), so a 10 000 × 10 000 raster
costs a ~1 000 × 1 000 array. Each image pixel is one pixel of the raster (no averaging:
the colours are values that exist); the legend's range is that of the pixels shown.

**Palette.** Cubehelix (Green, D. A. 2011, "A colour scheme for the display of
astronomical intensity images", *Bulletin of the Astronomical Society of India* 39,
289–295, eq. 2 and its constants): the perceived brightness rises monotonically from the
low end to the high end, so the order of values survives greyscale printing and every
form of colour-vision deficiency, which changes hue perception but not brightness. The
parameters here (:data:`CUBEHELIX`) start at blue and turn half a revolution backwards
(blue → teal → green → pale yellow), the blue–yellow axis that protanopes and deuteranopes
keep. Lightness is clipped to [0.12, 0.90] so that the darkest colour differs from the
black boundary lines and the lightest from the white page. The ramp is computed from the
formula; no colour table is copied. tests/test_web_gep.py checks that its CIE L* rises
strictly.

**PNG** written with the standard library (``zlib`` and ``struct``, ISO/IEC 15948:2004):
8-bit indexed colour, 254 ramp colours, one for the boundaries and one fully transparent
(``tRNS``) for nodata and for pixels outside the districts shown.

**Cache.** The image and its legend (a JSON sidecar) are kept next to the raster under a
key that hashes the raster's content, the districts raster's content and the rendering
choices (size, districts shown, palette): a changed raster gets a new image, an unchanged
one is never drawn twice. A file's SHA-256 is memoised per process by (path, size,
modification time, inode), so a large raster is hashed once, not on every request.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import struct
import threading
import zlib
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from numpy.typing import NDArray
from rasterio.enums import Resampling
from rasterio.windows import Window

#: Cubehelix parameters (Green 2011 eq. 2): start colour ``s`` (1 red, 2 green, 3 blue),
#: rotations ``r``, hue (saturation) ``h``, gamma, and the lightness range used.
CUBEHELIX = {"start": 3.0, "rotations": -0.5, "hue": 1.5, "gamma": 1.0, "low": 0.12, "high": 0.90}
#: Green 2011's RGB directions of the perturbation (eq. 2), derived from the luminance weights.
_CH_COS = (-0.14861, -0.29227, 1.97294)
_CH_SIN = (1.78277, -0.90649, 0.0)
#: the citation the pages and docs give for the ramp
PALETTE_SOURCE = ("Cubehelix: Green, D. A. 2011, Bull. Astr. Soc. India 39, 289–295 "
                  f"(s={CUBEHELIX['start']}, r={CUBEHELIX['rotations']}, h={CUBEHELIX['hue']}, "
                  f"γ={CUBEHELIX['gamma']}, λ∈[{CUBEHELIX['low']}, {CUBEHELIX['high']}])")
#: palette indices: 0…253 the ramp, 254 the boundaries, 255 transparent
RAMP = 254
BOUNDARY = 254
CLEAR = 255
BOUNDARY_RGB = (0, 0, 0)
#: the longest side of an image, in pixels, unless asked otherwise
MAX_SIDE = 1024
#: bump when the drawing changes, so that cached images are drawn again
RENDER_VERSION = 2
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def cubehelix_colour(lightness: NDArray[np.float64]) -> NDArray[np.float64]:
    """The ramp's colours at ``lightness`` λ (Green 2011 eq. 2: φ = 2π(s/3 + 1 + rλ),
    a = h·λ^γ(1 − λ^γ)/2, each channel λ^γ + a(c₁ cos φ + c₂ sin φ)), as R, G, B rows
    in [0, 1] (clipped)."""
    p = CUBEHELIX
    lg = np.asarray(lightness, dtype=np.float64) ** p["gamma"]
    phi = 2.0 * np.pi * (p["start"] / 3.0 + 1.0 + p["rotations"] * np.asarray(lightness, dtype=np.float64))
    amp = p["hue"] * lg * (1.0 - lg) / 2.0
    rgb = np.stack([lg + amp * (c * np.cos(phi) + s * np.sin(phi)) for c, s in zip(_CH_COS, _CH_SIN, strict=True)],
                   axis=-1)
    return np.clip(rgb, 0.0, 1.0)


def cubehelix(n: int) -> NDArray[np.uint8]:
    """``n`` colours of the ramp (rows of 8-bit R, G, B), low to high: λ evenly spaced over
    the lightness range of :data:`CUBEHELIX`."""
    lam = np.linspace(CUBEHELIX["low"], CUBEHELIX["high"], n)
    return np.rint(cubehelix_colour(lam) * 255.0).astype(np.uint8)


def palette_hex(n: int = 9) -> list[str]:
    """``n`` evenly spaced colours of the ramp as ``#rrggbb``, low to high: the stops of
    the HTML legend's gradient."""
    return ["#{:02x}{:02x}{:02x}".format(*map(int, c)) for c in cubehelix(n)]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def indexed_png(indices: NDArray[np.uint8], rgb: NDArray[np.uint8], alpha: NDArray[np.uint8]) -> bytes:
    """An 8-bit indexed-colour PNG (colour type 3; ISO/IEC 15948:2004 §11) of ``indices``
    (rows × columns) with the palette ``rgb`` (k × 3) and its opacity ``alpha`` (k), k ≤ 256;
    every row with filter type 0."""
    height, width = indices.shape
    if not (0 < height < 2**31 and 0 < width < 2**31):
        raise ValueError(f"a PNG needs 1 to 2^31-1 rows and columns, got {height} × {width}")
    if len(rgb) > 256 or len(alpha) != len(rgb):
        raise ValueError("a PNG palette holds at most 256 colours, each with its opacity")
    rows = np.zeros((height, width + 1), dtype=np.uint8)  # a filter-type byte (0) before each row
    rows[:, 1:] = indices
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return b"".join((_PNG_SIGNATURE, _chunk(b"IHDR", header), _chunk(b"PLTE", rgb.astype(np.uint8).tobytes()),
                     _chunk(b"tRNS", alpha.astype(np.uint8).tobytes()),
                     _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)), _chunk(b"IEND", b"")))


_digests: dict[tuple[str, int, int, int], str] = {}
_digest_lock = threading.Lock()


def content_digest(path: Path) -> str:
    """SHA-256 of the file's bytes (hex), memoised by path, size, modification time and inode."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
    with _digest_lock:
        known = _digests.get(key)
    if known is not None:
        return known
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    with _digest_lock:
        _digests[key] = digest
    return digest


@dataclass(frozen=True)
class ServiceMap:
    """A rendered map: the PNG (``png``), its size, the raster's size and the decimation
    ``step`` (one image pixel per ``step`` × ``step`` raster pixels, at most), the range of
    the values shown (``low``, ``high``; ``None`` when no pixel has a value), how many image
    pixels have a value, the legend's colour stops, the districts shown (raster codes;
    empty = all), the cache key and the part of the raster drawn (``window``: the whole
    raster, or the box around the districts shown)."""

    png: Path
    width: int
    height: int
    raster_width: int
    raster_height: int
    step: int
    low: float | None
    high: float | None
    pixels: int
    stops: list[str]
    districts: list[int]
    key: str
    window: list[int]  # row and column offset, rows and columns of the part of the raster drawn
    palette: str = PALETTE_SOURCE

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["png"] = self.png.name
        return out


def _decimated(path: Path, out_shape: tuple[int, int], window: Window | None = None
               ) -> tuple[NDArray[Any], NDArray[np.bool_]]:
    """The first band (within ``window``, else whole) read at ``out_shape`` (nearest
    neighbour) and its nodata mask."""
    with rasterio.open(path) as src:
        band = src.read(1, window=window, out_shape=out_shape, resampling=Resampling.nearest, masked=True)
    values = np.asarray(band.data)
    mask = np.ma.getmaskarray(band)
    if np.issubdtype(values.dtype, np.floating):
        mask = mask | ~np.isfinite(values)
    return values, mask


def _extent(districts: Path, wanted: list[int], height: int, width: int, max_side: int) -> Window | None:
    """The box of raster pixels around the districts ``wanted`` (from the districts raster
    read decimated, widened by one decimation step on every side so that no pixel of theirs
    between two samples is cut off and their outline has room), or ``None`` if none is there."""
    step = max(1, math.ceil(max(height, width) / max_side))
    raw, outside = _decimated(districts, (math.ceil(height / step), math.ceil(width / step)))
    inside = np.isin(raw, wanted) & ~outside
    if not inside.any():
        return None
    r = np.flatnonzero(inside.any(axis=1))
    c = np.flatnonzero(inside.any(axis=0))
    r0, c0 = max(0, (int(r[0]) - 1) * step), max(0, (int(c[0]) - 1) * step)
    r1, c1 = min(height, (int(r[-1]) + 2) * step), min(width, (int(c[-1]) + 2) * step)
    return Window(c0, r0, c1 - c0, r1 - r0)


def _boundaries(codes: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Pixels whose code differs from the pixel to the right or below (a one-pixel line
    along every district's edge, the coast included); ``-1`` is outside every district."""
    edge = np.zeros(codes.shape, dtype=bool)
    right = codes[:, :-1] != codes[:, 1:]
    down = codes[:-1, :] != codes[1:, :]
    edge[:, :-1] |= right & ((codes[:, :-1] >= 0) | (codes[:, 1:] >= 0))
    edge[:-1, :] |= down & ((codes[:-1, :] >= 0) | (codes[1:, :] >= 0))
    return edge


def render_service_map(raster: Path, districts: Path | None = None, *, only: Collection[int] = (),
                       max_side: int = MAX_SIDE, cache_dir: Path | None = None) -> ServiceMap:
    """The map of the service raster ``raster`` (from the cache next to it when drawn
    before): its values on the ramp, nodata transparent, the boundaries of the districts of
    ``districts`` (a class raster on the same grid; its nodata is outside every district)
    in black. With ``only`` (district raster codes), the image is the box around those
    districts (read at the image's size), the pixels of other districts are transparent and
    only their outlines are drawn; the range is theirs."""
    if max_side < 2:
        raise ValueError(f"max_side must be at least 2 pixels, got {max_side}")
    raster = Path(raster)
    wanted = sorted({int(c) for c in only})
    parts = [content_digest(raster), content_digest(Path(districts)) if districts else "-",
             ",".join(map(str, wanted)), str(max_side), PALETTE_SOURCE, str(RENDER_VERSION)]
    key = hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]
    folder = Path(cache_dir) if cache_dir is not None else raster.parent
    png = folder / f"{raster.stem}.map-{key}.png"
    sidecar = png.with_suffix(".json")
    if png.is_file() and sidecar.is_file():
        kept = json.loads(sidecar.read_text("utf-8"))
        return ServiceMap(**{**kept, "png": png})

    with rasterio.open(raster) as src:
        height, width = src.height, src.width
    window = _extent(Path(districts), wanted, height, width, max_side) if districts is not None and wanted else None
    rows, cols = (height, width) if window is None else (int(window.height), int(window.width))
    step = max(1, math.ceil(max(rows, cols) / max_side))
    out_shape = (math.ceil(rows / step), math.ceil(cols / step))
    values, missing = _decimated(raster, out_shape, window)
    codes = np.zeros(out_shape, dtype=np.int64)
    if districts is not None:
        raw, outside = _decimated(Path(districts), out_shape, window)
        codes = np.where(outside, -1, raw.astype(np.int64))
        if wanted:
            codes = np.where(np.isin(codes, wanted), codes, -1)
            missing = missing | (codes < 0)
    shown = values[~missing].astype(np.float64)
    low = float(shown.min()) if shown.size else None
    high = float(shown.max()) if shown.size else None
    indices = np.full(out_shape, CLEAR, dtype=np.uint8)
    if low is not None and high is not None:
        scaled = (values.astype(np.float64) - low) / (high - low) if high > low else np.zeros(out_shape)
        ramp = np.clip(np.floor(np.nan_to_num(scaled) * RAMP), 0, RAMP - 1).astype(np.uint8)
        indices = np.where(missing, np.uint8(CLEAR), ramp)
    if districts is not None:
        indices[_boundaries(codes)] = BOUNDARY
    rgb = np.zeros((256, 3), dtype=np.uint8)
    rgb[:RAMP] = cubehelix(RAMP)
    rgb[BOUNDARY] = BOUNDARY_RGB
    alpha = np.full(256, 255, dtype=np.uint8)
    alpha[CLEAR] = 0
    found = ServiceMap(png=png, width=out_shape[1], height=out_shape[0], raster_width=width, raster_height=height,
                       step=step, low=low, high=high, pixels=int(shown.size), stops=palette_hex(),
                       districts=wanted, key=key,
                       window=[0, 0, height, width] if window is None else
                       [int(window.row_off), int(window.col_off), rows, cols])
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomically(png, indexed_png(indices, rgb, alpha))
    _write_atomically(sidecar, json.dumps({k: v for k, v in found.to_dict().items() if k != "png"},
                                          ensure_ascii=False, allow_nan=False).encode("utf-8"))
    return found


def _write_atomically(path: Path, body: bytes) -> None:
    """Write ``body`` to a temporary file beside ``path`` and rename it into place, so a
    reader sees the old file or the new one, whole."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(body)
    os.replace(tmp, path)
