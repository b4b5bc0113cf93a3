"""Physical constants of the accounting standards (scalars).

- ``CO2_PER_C = 44/12``: the ratio of molar masses of CO2 and C used by every national
  accounting guideline (e.g. GB/T 32150-2015 formula for 排放因子 = 单位热值含碳量 ×
  碳氧化率 × 44/12).
- ``GJ_PER_TCE = 29.3076``: 1 kgce = 7 000 kcal = 29 307.6 kJ with the international
  steam-table calorie 4.1868 J (GB/T 2589-2020, 3.1 标准煤: 低位发热量 29 307 kJ/kg).
"""

from __future__ import annotations

CO2_PER_C = 44.0 / 12.0
GJ_PER_TCE = 29.3076
