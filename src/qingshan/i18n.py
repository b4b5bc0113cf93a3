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
