"""``city.toml``: what a data directory says about its city.

::

    profile = "demo"            # a shipped profile id, or a file of this directory ending .toml
    package = "package"         # optional: the package folder or workbook in this directory

Without ``city.toml`` a data directory runs under the national default profile and its
package is ``package.xlsx`` or ``package/`` (docs/profiles.md, "A city's data directory").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qingshan.rulefile import Checker, read_rule_file

FILE = "city.toml"
CODE = "J0"


@dataclass(frozen=True)
class CityConfig:
    profile: str | Path | None
    package: Path | None


def _inside(data_dir: Path, name: str, c: Checker, key: str) -> Path | None:
    """``name`` as a file of ``data_dir``: a plain name, never a path out of it."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or ":" in name:
        c.problem(key, name, "数据目录中的文件名（不含路径）", "a file name in the data directory (no path)",
                  code=f"{CODE}30")
        return None
    return data_dir / name


def read_city_config(data_dir: Path) -> CityConfig:
    """Read ``data_dir/city.toml``; every problem is collected (codes J030)."""
    f = data_dir / FILE
    if not f.exists():
        return CityConfig(profile=None, package=None)
    rf = read_rule_file(f, package="qingshan.profiles", folder="data", code=CODE)
    c = Checker(rf.label, f"{CODE}30")
    c.only(rf.raw, ("profile", "package"))
    profile: str | Path | None = c.text(rf.raw, "profile", required=False) or None
    if isinstance(profile, str) and profile.endswith(".toml"):
        profile = _inside(data_dir, profile, c, "profile")
    pkg = c.text(rf.raw, "package", required=False)
    package = _inside(data_dir, pkg, c, "package") if pkg else None
    c.raise_if_any()
    return CityConfig(profile=profile, package=package)


def write_city_config(data_dir: Path, profile: str) -> Path:
    """Write a ``city.toml`` naming ``profile`` (used by ``qingshan demo``)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    f = data_dir / FILE
    f.write_text(f'# The city of this data directory (docs/profiles.md)\nprofile = "{profile}"\n', "utf-8")
    return f
