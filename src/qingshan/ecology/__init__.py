"""The ecological data package (生态数据包) for GEP accounting: its spec (``spec.toml``), reading
and validation (:func:`read_eco_package`, problem codes L001–L033), aligned windowed reading
and dask arrays of its rasters (:func:`iter_blocks`, :func:`as_dask`), and the demo city's
package (:func:`qingshan.ecology.demo.write_demo_eco_package`). The format is described in docs/gep/package.md.
"""

from qingshan.ecology.package import EcoPackage, check_eco_package, read_eco_package
from qingshan.ecology.windows import Block, as_dask, iter_blocks

__all__ = ["Block", "EcoPackage", "as_dask", "check_eco_package", "iter_blocks", "read_eco_package"]
