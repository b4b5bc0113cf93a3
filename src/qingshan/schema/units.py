"""Unit normalisation at the boundary.

Quantities arrive in many units (吨/万吨, m³/万m³/Nm³, kWh/万kWh/MWh, GJ/MJ/百万千焦,
元/万元/亿元, 亩/m²/公顷). They are converted once, when a package is read, into one
canonical unit per dimension. pint is used only to *derive* the scalar factor for each
(alias, canonical) pair; millions of values are then multiplied as plain floats
(docs/architecture.md, "Units").

Aliases live in ``data/spec/units.csv`` (the schema files stay in the data package). Definitions added to pint here:

- ``tce``: tonne of standard coal equivalent, its own dimension, because GB/T 2589
  coefficients are tabulated conventions rather than exact energy ratios (GB/T 2589-2020,
  3.9 折标准煤系数). ``kgce = 1e-3 tce``.
- ``yuan``: the money dimension (人民币元).
- ``mu`` (亩): 1 公顷 = 15 亩, the 市制 ratio kept for land by 国务院《关于在我国统一实行法定
  计量单位的命令》(1984) and its 《全面推行我国法定计量单位的意见》; 1 亩 = 666.67 m².
- Gas volumes: ``m3`` and ``Nm3`` share one base, because the national accounting
  guidelines state their gas factors per 10⁴ Nm³ at 0 °C and 101.325 kPa; no temperature
  or pressure correction is made.
"""

from __future__ import annotations

import csv
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

CANONICAL_UNITS: dict[str, str] = {
    "mass": "t",
    "volume": "m3",
    "energy": "kWh",  # electricity; heat uses GJ (a carrier names its own canonical unit)
    "standard_coal": "tce",
    "money": "万元",
    "area": "亩",
}


@cache
def unit_registry() -> Any:
    """The pint registry with ``tce``, ``kgce``, ``yuan`` and ``mu`` defined (built once)."""
    import pint

    ureg: Any = pint.UnitRegistry(on_redefinition="raise")
    ureg.define("tce = [coal_equivalent]")
    ureg.define("kgce = 1e-3 * tce")
    ureg.define("gram_ce = 1e-6 * tce")
    ureg.define("yuan = [currency]")
    ureg.define("mu = hectare / 15")
    return ureg


@cache
def unit_aliases() -> dict[str, str]:
    """Map each accepted unit spelling to its pint expression."""
    text = resources.files("qingshan.data").joinpath("spec/units.csv").read_text("utf-8")
    return {row["alias"]: row["pint_expression"] for row in csv.DictReader(text.splitlines())}


def normalise_unit_label(label: str) -> str:
    """Drop white space and read full-width letters, digits and punctuation as ASCII (NFKC),
    so that '万 千瓦时' matches '万千瓦时', 'ｋＷｈ' matches 'kWh' and 'm³' matches 'm3'."""
    if not label.isascii():
        label = unicodedata.normalize("NFKC", label)
    return "".join(label.split())


@cache
def _alias_keys() -> dict[str, str]:
    """The accepted unit spellings, normalised as labels are, and their pint expressions."""
    return {normalise_unit_label(a): e for a, e in unit_aliases().items()}


def label_key(label: str) -> str:
    """The form of a header or name label that lookups compare: normalised, lower case."""
    return normalise_unit_label(label).lower()


def is_known_unit(label: str) -> bool:
    return normalise_unit_label(label) in _alias_keys()


@cache
def conversion_factor(from_unit: str, to_unit: str) -> float:
    """Factor that converts a value in ``from_unit`` into ``to_unit``.

    Both are aliases from ``units.csv``. Raises ``KeyError`` for an unknown alias and
    ``ValueError`` when the two measure different things (mass vs volume).
    """
    import pint

    aliases = _alias_keys()
    src = aliases[normalise_unit_label(from_unit)]
    dst = aliases[normalise_unit_label(to_unit)]
    ureg = unit_registry()
    try:
        ratio = ureg.parse_expression(src) / ureg.parse_expression(dst)
        return float(f"{float(ratio.to('dimensionless').magnitude):.12g}")
    except pint.DimensionalityError as exc:
        raise ValueError(f"cannot convert {from_unit!r} to {to_unit!r}") from exc


def dimension_of(unit: str) -> str | None:
    """Name of the dimension a unit measures, as used in ``carriers.csv`` (or None)."""
    for dim, canonical in CANONICAL_UNITS.items():
        try:
            conversion_factor(unit, canonical)
        except (KeyError, ValueError):
            continue
        return dim
    return None
