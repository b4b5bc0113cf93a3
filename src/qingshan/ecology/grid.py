"""Square windows over a raster grid, shared by validation and block iteration."""

from __future__ import annotations

from collections.abc import Iterator

from rasterio.windows import Window


def grid_windows(height: int, width: int, block: int) -> Iterator[Window]:
    """Square windows of side ``block`` covering a ``height × width`` grid row by row."""
    if block < 1:
        raise ValueError(f"block size must be at least 1 pixel, got {block}")
    for r in range(0, height, block):
        for c in range(0, width, block):
            yield Window(c, r, min(block, width - c), min(block, height - r))
