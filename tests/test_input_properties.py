"""What a valid package may look like on the way in never changes what it says (issue #13):
the same demo city written in any accepted encoding (UTF-8, UTF-8 with BOM, GB18030), with
any accepted field separator (comma, tab, semicolon), with Chinese header aliases from the
spec, with full-width digits or thousands commas in its numbers, as CSV or as a workbook,
validates without a problem and gives identical quantities per carrier, and identical
accounts. And a damaged file (bytes changed, or cut short) is a problem, never a crash."""

from __future__ import annotations

import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingshan import accounts
from qingshan.data.package import Package
from qingshan.data.validate import check_package
from qingshan.factors import load_factor_set
from qingshan.schema.tables import TABLE_ORDER, tables
from qingshan.store import connect
from tests.hostile import base_tables
from tests.hostile.corpus import write_csv, write_xlsx

_FULL_WIDTH = str.maketrans("0123456789.-,", "０１２３４５６７８９．－，")
ENERGY_ROWS = len(base_tables()["energy"])


def _energy_by_carrier(pkg: Package) -> pd.Series:
    return pkg.energy.groupby("carrier")["quantity"].sum().sort_index()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Package:
    pkg, problems = check_package(write_csv(base_tables(), tmp_path_factory.mktemp("ref") / "package"))
    assert problems == []
    return pkg


@st.composite
def variants(draw: st.DrawFn) -> dict[str, Any]:
    headers = {name: [draw(st.integers(0, len(c.aliases))) for c in spec.columns]
               for name, spec in tables().items()}
    rows = st.sets(st.integers(0, ENERGY_ROWS - 1), max_size=40)
    return {
        "form": draw(st.sampled_from(["csv", "csv", "xlsx"])),
        "encoding": draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])),
        "sep": draw(st.sampled_from([",", "\t", ";"])),
        "headers": headers,
        "full_width": draw(rows),
        "grouped": draw(rows),
    }


def _variant(v: dict[str, Any], root: Path) -> Path:
    t = base_tables()
    e = t["energy"]
    for i in v["grouped"]:
        e.at[i, "quantity"] = format(float(e.at[i, "quantity"]), ",")
    for i in v["full_width"]:
        e.at[i, "quantity"] = str(e.at[i, "quantity"]).translate(_FULL_WIDTH)
    for name in TABLE_ORDER:
        spec = tables()[name]
        labels = {c.name: (c.name, *c.aliases)[k] for c, k in zip(spec.columns, v["headers"][name], strict=True)}
        t[name] = t[name].rename(columns=labels)
    if v["form"] == "xlsx":
        return write_xlsx(t, root / "package.xlsx")
    folder = root / "package"
    folder.mkdir(parents=True)
    for name, frame in t.items():
        frame.to_csv(folder / f"{name}.csv", index=False, sep=v["sep"], encoding=v["encoding"])
    return folder


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(v=variants())
def test_accepted_forms_give_identical_quantities(reference: Package, v: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as d:
        pkg, problems = check_package(_variant(v, Path(d)))
    assert problems == []
    pd.testing.assert_series_equal(_energy_by_carrier(pkg), _energy_by_carrier(reference))
    for name in TABLE_ORDER:
        assert len(pkg[name]) == len(reference[name]), name
    cols = ["output_value_10k_yuan", "value_added_10k_yuan", "employees"]
    pd.testing.assert_frame_equal(pkg.economics[cols].reset_index(drop=True),
                                  reference.economics[cols].reset_index(drop=True))


def _city_totals(pkg: Package) -> pd.DataFrame:
    fs = load_factor_set()
    store = connect(None)
    try:
        accounts.load(store, pkg, fs)
        city = accounts.compute(store, fs).rollups["city"]
    finally:
        store.close()
    return city.select_dtypes("number").reset_index(drop=True)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(v=variants())
def test_accepted_forms_give_identical_accounts(reference: Package, v: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as d:
        pkg, problems = check_package(_variant(v, Path(d)))
    assert problems == []
    pd.testing.assert_frame_equal(_city_totals(pkg), _city_totals(reference))


@cache
def _workbook_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as d:
        return write_xlsx(base_tables(), Path(d) / "package.xlsx").read_bytes()


@cache
def _energy_csv_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as d:
        return (write_csv(base_tables(), Path(d) / "p") / "energy.csv").read_bytes()


def _damage(data: bytes, flips: list[tuple[int, int]], cut: float | None) -> bytes:
    b = bytearray(data)
    for at, byte in flips:
        b[at % len(b)] = byte
    return bytes(b[: int(len(b) * cut)] if cut is not None else b)


_FLIPS = st.lists(st.tuples(st.integers(0, 1 << 30), st.integers(0, 255)), min_size=1, max_size=20)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flips=_FLIPS, cut=st.none() | st.floats(0, 1))
def test_a_damaged_workbook_is_a_problem_never_a_crash(flips: list[tuple[int, int]], cut: float | None) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "package.xlsx"
        path.write_bytes(_damage(_workbook_bytes(), flips, cut))
        _, problems = check_package(path)  # never raises for what is in the file
    assert all(re.fullmatch(r"P[01][0-9][0-9]", p.code) and p.expected_en for p in problems)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flips=st.lists(st.tuples(st.integers(0, 1 << 30), st.sampled_from([0, 9, 10, 13, 34, 44, 59, 0xFF, 0xE4])),
                      min_size=1, max_size=30), cut=st.none() | st.floats(0, 1))
def test_a_damaged_csv_file_is_a_problem_never_a_crash(flips: list[tuple[int, int]], cut: float | None) -> None:
    with tempfile.TemporaryDirectory() as d:
        folder = write_csv(base_tables(), Path(d) / "p")
        (folder / "energy.csv").write_bytes(_damage(_energy_csv_bytes(), flips, cut))
        _, problems = check_package(folder)
    assert all(re.fullmatch(r"P[01][0-9][0-9]", p.code) and p.expected_en for p in problems)
