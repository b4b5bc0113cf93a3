"""Unit conversion of factor values (scalars only), with the pint registry of
:mod:`qingshan.schema.units`. The constants 44/12 and 29.3076 GJ per tce are in
:mod:`qingshan.methods.constants`.
"""

from __future__ import annotations

from qingshan.schema.units import unit_registry

_CANONICAL_PINT = {"t": "tonne", "m3": "meter**3", "kWh": "kilowatt_hour", "GJ": "gigajoule",
                   "tce": "tce"}


def to_canonical(value: float, value_unit: str, numerator: str, denominator: str | None) -> float:
    """Convert ``value`` in ``value_unit`` (a pint ratio like ``kgce/meter**3``) into
    ``numerator`` per ``denominator`` canonical unit (e.g. tce per m³)."""
    ureg = unit_registry()
    target = _CANONICAL_PINT[numerator]
    if denominator is not None:
        target = f"{target} / {_CANONICAL_PINT[denominator]}"
    q = (value * ureg.parse_expression(value_unit)).to(target)
    return float(f"{float(q.magnitude):.12g}")
