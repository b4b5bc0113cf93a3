"""A corpus of bad data packages, generated in code: the small demo city (12 enterprises,
2023) with one targeted corruption each, written as a CSV folder and as a workbook
(tests/test_hostile_input.py runs them)."""

from tests.hostile.corpus import CASES, Case, base_tables, build, write_tables

__all__ = ["CASES", "Case", "base_tables", "build", "write_tables"]
