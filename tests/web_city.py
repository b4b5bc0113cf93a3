"""The small demo city the web tests serve, and the workbooks they upload (shared by
tests/test_web.py and tests/browser/)."""

from __future__ import annotations

from pathlib import Path

from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package, write_xlsx_package

DEMO_TARGETS = Path(__file__).parents[1] / "src" / "qingshan" / "targets" / "demo_targets.toml"


def demo_city(folder: Path) -> Path:
    """150 enterprises, 2020-2023, with the demo targets."""
    write_csv_package(generate_demo_city(enterprises=150, years=range(2020, 2024)), folder / "package")
    (folder / "targets.toml").write_text(DEMO_TARGETS.read_text("utf-8"), "utf-8")
    return folder


def upload_workbook(path: Path, *, break_it: bool) -> Path:
    """A package workbook of 40 enterprises (2022-2023); ``break_it`` puts the unknown carrier
    可燃冰 into one energy row."""
    tables = generate_demo_city(enterprises=40, years=range(2022, 2024))
    if break_it:
        e = tables["energy"].copy()
        e["carrier"] = e["carrier"].astype(object)
        e.loc[e.index[3], "carrier"] = "可燃冰"
        tables["energy"] = e
    return write_xlsx_package(tables, path)
