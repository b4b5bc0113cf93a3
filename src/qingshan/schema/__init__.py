"""The data-package schema as data, below every other part of the package: the tables
(:mod:`.tables`), the carrier catalogue (:mod:`.carriers`) and the units with their aliases
(:mod:`.units`). The files themselves are kept in ``qingshan/data/spec/``.

The readers and validation (:mod:`qingshan.data`) and the factor sets
(:mod:`qingshan.factors`) both read the schema; validation also reads the factor sets, so
the schema cannot live in either of them without an import cycle.
"""
