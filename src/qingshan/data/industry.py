"""GB/T 4754-2017 《国民经济行业分类》 divisions (大类), from ``spec/gbt4754_2017_divisions.csv``.

Industry codes in the data package are 4-digit classes (小类); the first two digits are the
division (大类), which is the level the roll-ups and the 碳效码 industry comparison use by
default. The full list of ~1 380 classes is not shipped, so a class is checked only for its
form and its division.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def divisions() -> dict[str, dict[str, str]]:
    """Division code → {section, name_zh, name_en}."""
    text = resources.files("qingshan.data").joinpath("spec/gbt4754_2017_divisions.csv").read_text("utf-8")
    return {r["division"]: {"section": r["section"], "name_zh": r["name_zh"], "name_en": r["name_en"]}
            for r in csv.DictReader(text.splitlines())}


def known_division(code: str) -> bool:
    return code in divisions()


def division_name(code: str, lang: str = "zh") -> str:
    d = divisions().get(code[:2])
    if d is None:
        return code
    return d["name_zh"] if lang == "zh" else d["name_en"]
