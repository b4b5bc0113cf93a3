"""``city.toml``: what a data directory says about its city.

::

    profile = "demo"            # a shipped profile id, or a file of this directory ending .toml
    package = "package"         # optional: the package folder or workbook in this directory
    ecology = "ecology"         # optional: the ecological package folder (default: ecology/ if present)

    [reporting]                 # optional: when enterprises' reports are due (issue #14)
    energy_due_day = 10         # a month's energy report: by this day of the following month
    yearly_due = "03-31"        # a year's economics, production, pollutants: by this date of the next year
                                # (energy_due_day at most 28, so that every month has it)

The due dates are the city's own administrative decision (no national rule for
self-reporting to a city platform is known to us); without them the reporting status lists
missing reporters but calls none late.

Without ``city.toml`` a data directory runs under the national default profile and its
package is ``package.xlsx`` or ``package/`` (docs/profiles.md, "A city's data directory").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from qingshan.app.deadlines import Due
from qingshan.rulefile import Checker, read_rule_file

FILE = "city.toml"
CODE = "J0"


@dataclass(frozen=True)
class CityConfig:
    profile: str | Path | None
    package: Path | None
    due: Due = field(default_factory=Due)
    ecology: Path | None = None


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
    c.only(rf.raw, ("profile", "package", "reporting", "ecology"))
    profile: str | Path | None = c.text(rf.raw, "profile", required=False) or None
    if isinstance(profile, str) and profile.endswith(".toml"):
        profile = _inside(data_dir, profile, c, "profile")
    pkg = c.text(rf.raw, "package", required=False)
    package = _inside(data_dir, pkg, c, "package") if pkg else None
    eco = c.text(rf.raw, "ecology", required=False)
    ecology = _inside(data_dir, eco, c, "ecology") if eco else None
    reporting = c.table(rf.raw, "reporting", required=False)
    c.only(reporting, ("energy_due_day", "yearly_due"), "reporting")
    day = c.integer(reporting, "energy_due_day", "reporting", required=False, lo=1, hi=28)
    yearly_text = c.text(reporting, "yearly_due", "reporting", required=False)
    yearly = None
    if yearly_text and c.form("reporting.yearly_due", yearly_text, r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])",
                              "月-日（MM-DD）", "month-day (MM-DD)"):
        month, date = int(yearly_text[:2]), int(yearly_text[3:])
        try:
            dt.date(2001, month, date)  # a date of every year (not 29 February)
            yearly = (month, date)
        except ValueError:
            c.problem("reporting.yearly_due", yearly_text, "每年都有的日期（MM-DD，不含 2 月 29 日）",
                      "a date every year has (MM-DD, not 29 February)")
    c.raise_if_any()
    return CityConfig(profile=profile, package=package, due=Due(day, yearly), ecology=ecology)


def write_city_config(data_dir: Path, profile: str) -> Path:
    """Write a ``city.toml`` naming ``profile`` (used by ``qingshan demo``)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    f = data_dir / FILE
    f.write_text(f'# The city of this data directory (docs/profiles.md)\nprofile = "{profile}"\n', "utf-8")
    return f
