"""Physical constants and unit conversion of factor values (scalars only).

- ``CO2_PER_C = 44/12``: the ratio of molar masses of CO2 and C used by every national
  accounting guideline (e.g. GB/T 32150-2015 formula for 排放因子 = 单位热值含碳量 ×
  碳氧化率 × 44/12).
- ``GJ_PER_TCE = 29.3076``: 1 kgce = 7 000 kcal = 29 307.6 kJ with the international
  steam-table calorie 4.1868 J (GB/T 2589-2020, 3.1 标准煤: 低位发热量 29 307 kJ/kg).
"""

from __future__ import annotations

from qingshan.data.units import _registry

CO2_PER_C = 44.0 / 12.0
GJ_PER_TCE = 29.3076

_CANONICAL_PINT = {"t": "tonne", "m3": "meter**3", "kWh": "kilowatt_hour", "GJ": "gigajoule",
                   "tce": "tce"}


def to_canonical(value: float, value_unit: str, numerator: str, denominator: str | None) -> float:
    """Convert ``value`` in ``value_unit`` (a pint ratio like ``kgce/meter**3``) into
    ``numerator`` per ``denominator`` canonical unit (e.g. tce per m³)."""
    ureg = _registry()
    target = _CANONICAL_PINT[numerator]
    if denominator is not None:
        target = f"{target} / {_CANONICAL_PINT[denominator]}"
    q = (value * ureg.parse_expression(value_unit)).to(target)
    return float(f"{float(q.magnitude):.12g}")
