"""Cited, versioned factor tables behind one accessor.

Every factor is a row of a CSV file in ``factors/data/`` that names its document,
edition, clause or table and a confidence tag (C confirmed, R repeated). A *factor set*
(``factor_sets.toml``) selects the files and series that apply (:mod:`.factor_set`); a
jurisdiction profile may pick among a set's open choices (:mod:`.choices`). Factor values
are converted into canonical units on load (:mod:`.conversions`).
"""

from qingshan.factors.factor_set import (
    ACCEPTED_TAGS,
    DEFAULT_FACTOR_SET,
    TABLE_KEYS,
    FactorSet,
    available_factor_sets,
    factor_choices,
    load_factor_set,
)

__all__ = [
    "ACCEPTED_TAGS",
    "DEFAULT_FACTOR_SET",
    "TABLE_KEYS",
    "FactorSet",
    "available_factor_sets",
    "factor_choices",
    "load_factor_set",
]
