"""The Chinese font of the printed reports, from the platform's own installation.

Qingshan ships no font and downloads none. The PDF reports embed (a subset of) WenQuanYi
Zen Hei (文泉驿正黑), which Debian's package ``fonts-wqy-zenhei`` installs at
:data:`DEBIAN_PATH` (``scripts/test.sh`` and the README's set-up install it when it is
missing). Its glyphs are TrueType outlines, which the PDF writer can embed (Noto CJK's are
CFF and cannot be). ``QINGSHAN_REPORT_FONT`` names another TrueType font or collection
(``.ttf``/``.ttc``) to use instead. A missing font is error R001, which names the package.
The Word reports embed no font: they name the font family for East Asian text
(:data:`FAMILY`), which Word or LibreOffice take from the reader's system.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from qingshan.errors import ConfigError

PACKAGE = "fonts-wqy-zenhei"
DEBIAN_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
#: where Debian's packages of TrueType CJK fonts put them, in order of preference
CANDIDATES = (DEBIAN_PATH, Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"))
#: the family named in the Word files (w:eastAsia), with Windows' and macOS's usual ones as fallbacks by the reader
FAMILY = "WenQuanYi Zen Hei"
ENV = "QINGSHAN_REPORT_FONT"


@dataclass(frozen=True)
class Font:
    path: Path
    index: int  # the face in a collection (.ttc); 0 for a .ttf


def cjk_font() -> Font:
    """The font the PDF reports embed, or :class:`ConfigError` R001 naming the package to install."""
    named = os.environ.get(ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"[R001] {ENV} 所指的字体文件不存在：{path} / the font file {ENV} names does not "
                              f"exist: {path}")
        return Font(path, 0)
    for path in CANDIDATES:
        if path.is_file():
            return Font(path, 0)
    raise ConfigError(f"[R001] 找不到中文字体 {DEBIAN_PATH}：请安装 Debian 软件包 {PACKAGE}"
                      f"（apt-get install {PACKAGE}），或以 {ENV} 指定一个 TrueType 字体 / no Chinese font at "
                      f"{DEBIAN_PATH}: install Debian's package {PACKAGE} (apt-get install {PACKAGE}), or name a "
                      f"TrueType font in {ENV}")
