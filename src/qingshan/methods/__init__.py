"""The science, as pure functions and table expressions (no file or network I/O). Modules
here import only the standard library, numpy, pandas, ibis, each other and
:mod:`qingshan.errors` (tests/test_layers.py); catalogues and factor tables come in as
arguments.

- :mod:`.coefficients`: the per-(carrier, year, use) coefficient table an account joins to its rows
- :mod:`.lineage`: which factor rows an enterprise-year used
- :mod:`.energy`: 综合能耗 under GB/T 2589 (当量值 and 等价值 conventions)
- :mod:`.carbon`: CO2 under the national enterprise accounting guidelines
- :mod:`.rollup`: sums to park, district, industry and city; intensities as ratios of sums
- :mod:`.constants`: 44/12 and 29.3076 GJ per tce
- :mod:`.mujun_scoring`, :mod:`.class_rules`, :mod:`.carbon_efficiency`,
  :mod:`.policy_measures`: 亩均 scores, classes, 碳效码 and surcharges
- :mod:`.schedule`, :mod:`.barometer`, :mod:`.remaining_room`, :mod:`.lmdi`,
  :mod:`.pathways`, :mod:`.carrier_rollup`: targets, warnings, decomposition, pathways
"""
