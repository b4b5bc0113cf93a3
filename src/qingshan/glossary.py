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
    zh = (lang or language()) == "zh"
    text = g["zh"] if zh else g["en"]
    if not g["unit"]:
        return text
    # the glossary writes money as 万元 (tce/万元): in English it is 10k yuan, as the pages say
    return f"{text}（{g['unit']}）" if zh else f"{text} ({g['unit'].replace('万元', '10k yuan')})"
