"""The science, as pure functions and table expressions (no file or network I/O).

- :mod:`.coefficients`: the per-(carrier, year, use) coefficient table an account joins to its rows
- :mod:`.lineage`: which factor rows an enterprise-year used
- :mod:`.energy`: 综合能耗 under GB/T 2589 (当量值 and 等价值 conventions)
- :mod:`.carbon`: CO2 under the national enterprise accounting guidelines
- :mod:`.rollup`: sums to park, district, industry and city; intensities as ratios of sums
"""
