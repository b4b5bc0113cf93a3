"""Column names and their Chinese and English labels (``data/spec/glossary.csv``).

One source for report headers and docs/glossary.md.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from qingshan.i18n import language


@cache
def glossary() -> dict[str, dict[str, str]]:
    text = resources.files("qingshan.data").joinpath("spec/glossary.csv").read_text("utf-8")
    return {r["name"]: r for r in csv.DictReader(text.splitlines())}


def label(name: str, lang: str | None = None) -> str:
    """The column's label in the current (or given) language, with its unit."""
    g = glossary().get(name)
    if g is None:
        return name
    text = g["zh"] if (lang or language()) == "zh" else g["en"]
    return f"{text}（{g['unit']}）" if g["unit"] and (lang or language()) == "zh" else (
        f"{text} ({g['unit']})" if g["unit"] else text)
