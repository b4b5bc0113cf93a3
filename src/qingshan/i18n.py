"""Message language (中文 first, English available).

The language is chosen once per process from ``QINGSHAN_LANG`` (``zh`` or ``en``,
default ``zh``) or by :func:`set_language` (the CLI's ``--lang``). Every user-facing
string is written as a pair so that no message exists in one language only.
"""

from __future__ import annotations

import os
from typing import Literal

Language = Literal["zh", "en"]
_LANGUAGES: tuple[Language, ...] = ("zh", "en")
_current: Language = "en" if os.environ.get("QINGSHAN_LANG", "zh").lower().startswith("en") else "zh"


def set_language(lang: str) -> None:
    """Select the language of messages for this process (``zh`` or ``en``)."""
    global _current
    if lang not in _LANGUAGES:
        raise ValueError(f"language must be one of {_LANGUAGES}, got {lang!r}")
    _current = "en" if lang == "en" else "zh"


def language() -> Language:
    """The language currently in force."""
    return _current


def tr(zh: str, en: str) -> str:
    """Pick the string for the current language."""
    return zh if _current == "zh" else en


def halves(text: str) -> tuple[str, str]:
    """A text written as a pair, "中文 / English" (as profiles write a ``borrowed`` reason),
    split into its Chinese and English halves; a text that is not a pair is both."""
    zh, sep, en = text.partition(" / ")
    return (zh, en) if sep else (text, text)


#: Units as pages show them, in Chinese and in English (issue #16: units in Chinese on
#: Chinese pages and on every figure). Keyed by the English symbol the glossary and the
#: documents use.
UNITS: dict[str, tuple[str, str]] = {
    "tce": ("吨标准煤", "tce"),
    "10k tce": ("万吨标准煤", "10k tce"),
    "t": ("吨", "t"),
    "tCO2": ("吨二氧化碳", "tCO2"),
    "tCO2e": ("吨二氧化碳当量", "tCO2e"),
    "10k tCO2": ("万吨二氧化碳", "10k tCO2"),
    "10k yuan": ("万元", "10k yuan"),
    "yuan": ("元", "yuan"),
    "tce/10k yuan": ("吨标准煤/万元", "tce/10k yuan"),
    "tCO2/10k yuan": ("吨二氧化碳/万元", "tCO2/10k yuan"),
    "10k yuan/mu": ("万元/亩", "10k yuan/mu"),
    "10k yuan/tce": ("万元/吨标准煤", "10k yuan/tce"),
    "kWh": ("千瓦时", "kWh"),
    "enterprises": ("家", "enterprises"),
    "mu": ("亩", "mu"),
    # GEP (issue #17): values in 亿元 and the physical units of its services
    "100M yuan": ("亿元", "100M yuan"),
    "tC": ("吨碳", "tC"),
    "m3": ("立方米", "m³"),
    "1e4 kWh": ("万千瓦时", "10k kWh"),
    "1e4 m3": ("万立方米", "10k m³"),
    "1e8 m3": ("亿立方米", "100M m³"),
    "1e4 t": ("万吨", "10k t"),
    "m2": ("平方米", "m²"),
    "hm2": ("公顷", "ha"),
    "visit": ("人次", "visits"),
    "yuan/m3": ("元/立方米", "yuan/m³"),
    "yuan/t": ("元/吨", "yuan/t"),
    "yuan/tC": ("元/吨碳", "yuan/tC"),
    "yuan/tCO2": ("元/吨二氧化碳", "yuan/tCO2"),
    "yuan/tce": ("元/吨标准煤", "yuan/tce"),
    "yuan/kWh": ("元/千瓦时", "yuan/kWh"),
}


def unit(symbol: str, lang: str | None = None) -> str:
    """A unit in the current (or given) language; a symbol not in :data:`UNITS` as it is."""
    pair = UNITS.get(symbol)
    if pair is None:
        return symbol
    return pair[0] if (lang or _current) == "zh" else pair[1]
