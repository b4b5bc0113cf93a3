"""Accepted enterprise reports are the city's data (issue #14, item 5): an accepted report
replaces its enterprise's rows of its table and period, exactly as if the bureau had put
the same rows in the package; a submitted or returned one changes nothing; a supplemental
version replaces the version before it once accepted; every row that came from a report
names its version."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from qingshan.app import database, organisations, reports
from qingshan.app.audit import Actor
from qingshan.app.models import Organisation
from qingshan.city import City
from qingshan.city.demo import create_demo_city
from qingshan.data.reported import Reported, digest
from qingshan.data.validate import check_package
from qingshan.errors import blocking

MONTH = "2024-03"
ROWS = [{"carrier": "electricity", "quantity": "1200", "unit": "万千瓦时", "use": "fuel"},
        {"能源品种": "natural_gas", "quantity": "35", "unit": "万立方米", "use": "fuel"}]


@pytest.fixture(scope="module")
def city_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    d = tmp_path_factory.mktemp("reported") / "city"
    create_demo_city(d, enterprises=20, years=[2024], seed=5)
    url = database.app_url(d)
    database.upgrade(url)
    with City.open(d) as city, database.session(url) as s:
        organisations.sync(s, city.units(), Actor("test"))
    return d, url


def _acting(url: str, user: str, code: str, roles: tuple[str, ...]) -> reports.Acting:
    with database.session(url) as s:
        path = s.execute(select(Organisation.path).where(Organisation.code == code)).scalar_one()
    return reports.Acting(user, code, path, roles)


def _firm_and_park(d: Path) -> tuple[str, str]:
    with City.open(d) as city:
        ent = city.package.entities
        firm = ent[(ent["entity_type"] == "enterprise") & ent["park_id"].notna()].iloc[0]
        return str(firm["entity_id"]), str(firm["park_id"])


def _month(city: City, firm: str) -> pd.Series:
    m = city.accounts().monthly
    row = m[(m["entity_id"] == firm) & (m["year"] == 2024) & (m["month"] == 3)]
    assert len(row) == 1
    return row.iloc[0]


def _city_total(city: City) -> float:
    return float(city.accounts().rollups["city"].query("year == 2024")["energy_tce"].sum())


def _same_rows_in_the_package(d: Path, tmp: Path, firm: str, rows: list[dict[str, str]]) -> Path:
    """The reference: a copy of the package whose energy.csv has the firm's month replaced
    by ``rows`` by hand, as a bureau would upload it."""
    copy = tmp / "by-hand"
    shutil.copytree(d / "package", copy)
    path = copy / "energy.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        kept = [r for r in reader if not (r["entity_id"] == firm and r["period"] == MONTH)]
    alias = {"能源品种": "carrier"}
    added = [{**dict.fromkeys(fields, ""), "entity_id": firm, "period": MONTH,
              **{alias.get(k, k): v for k, v in r.items()}} for r in rows]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(kept + added)
    return copy


def test_an_accepted_report_is_the_same_as_its_rows_in_the_package(city_dir: tuple[Path, str],
                                                                   tmp_path: Path) -> None:
    d, url = city_dir
    firm, park = _firm_and_park(d)
    with City.open(d) as city:
        before_month, before_total, before_key = _month(city, firm), _city_total(city), city.package_key
        profile = city.profile.id
    reporter = _acting(url, "firm", firm, ("reporter",))
    reviewer = _acting(url, "park", park, ("reviewer",))
    with database.session(url) as s:
        v1 = reports.submit(s, reporter, "energy", MONTH, ROWS)
    with City.open(d) as city:  # submitted, not accepted: the city's data are unchanged
        assert _month(city, firm)["energy_tce"] == before_month["energy_tce"]
        assert city.reports == () and city.package_key == before_key
    with database.session(url) as s:
        reports.review(s, reviewer, v1.id, "accept")
    with City.open(d) as city:
        after_month, after_total = _month(city, firm), _city_total(city)
        assert before_key
        assert [r.id for r in city.reports] == [v1.id] and city.package_key != before_key
        assert city.header()["reports"]["accepted"] == 1
        en = city.package.energy
        mine = en[(en["entity_id"] == firm) & (en["period"] == MONTH)]
        # every row of the month came from the report, and names its version
        assert sorted(mine["carrier"].astype(str)) == ["electricity", "natural_gas"]
        assert set(mine["_file"].astype(str)) == {f"report-{v1.id}-v1[{firm} energy {MONTH}]"}
        assert list(mine["_row"]) == [2, 3]
    with City.open(_same_rows_in_the_package(d, tmp_path, firm, ROWS), profile=profile) as ref:
        expected = _month(ref, firm)
        ref_total = _city_total(ref)
    for column in ("energy_tce", "energy_tce_equal", "co2_t", "electricity_kwh"):
        assert after_month[column] == pytest.approx(expected[column], rel=1e-12), column
    assert after_total == pytest.approx(ref_total, rel=1e-12)
    # parts add up: the city's total moved by exactly the firm's month
    assert after_total - before_total == pytest.approx(after_month["energy_tce"] - before_month["energy_tce"],
                                                       rel=1e-9)
    # a supplemental version counts only once it is accepted, and then replaces v1
    corrected = [ROWS[0], {**ROWS[1], "quantity": "40"}]
    with database.session(url) as s:
        v2 = reports.submit(s, reporter, "energy", MONTH, corrected, reason="燃气表读数更正")
    with City.open(d) as city:
        assert _month(city, firm)["energy_tce"] == after_month["energy_tce"]
    with database.session(url) as s:
        reports.review(s, reviewer, v2.id, "accept")
    with City.open(d) as city:
        assert [(r.id, r.version) for r in city.reports] == [(v2.id, 2)]
        supplemented = _month(city, firm)
    with City.open(_same_rows_in_the_package(d, tmp_path / "v2", firm, corrected), profile=profile) as ref:
        assert supplemented["energy_tce"] == pytest.approx(_month(ref, firm)["energy_tce"], rel=1e-12)
    assert supplemented["energy_tce"] > after_month["energy_tce"]  # 5 万立方米 more gas


def test_a_report_of_an_enterprise_the_package_lacks_is_not_used_and_said_so(city_dir: tuple[Path, str]) -> None:
    d, _ = city_dir
    gone = Reported(99, 1, "energy", "91459900000000000X", MONTH, tuple(ROWS))
    with City.open(d) as city:
        fs = city.factor_set
    plain, _ = check_package(d / "package", fs)
    pkg, problems = check_package(d / "package", fs, [gone])
    q = [p for p in problems if p.code == "Q004"]
    assert len(q) == 1 and q[0].severity == "warning" and q[0].value == "91459900000000000X"
    assert not blocking(q)  # ignored and said so, like an extra sheet: the city still loads
    assert len(pkg.energy) == len(plain.energy)


def test_the_order_of_reports_never_matters(city_dir: tuple[Path, str]) -> None:
    d, _ = city_dir
    with City.open(d) as city:
        fs = city.factor_set
        ent = city.package.entities
    firms = list(ent.loc[ent["entity_type"] == "enterprise", "entity_id"])[:3]
    many = [Reported(i, 1, "energy", f, MONTH, tuple(ROWS)) for i, f in enumerate(firms, start=1)]
    many.append(Reported(9, 2, "economics", firms[0], "2024", ({"value_added_10k_yuan": "12345"},)))
    a, pa = check_package(d / "package", fs, many)
    b, pb = check_package(d / "package", fs, list(reversed(many)))
    assert digest(many) == digest(reversed(many))
    assert not blocking(pa) and not blocking(pb)
    key = ["entity_id", "period", "carrier", "use"]
    pd.testing.assert_frame_equal(
        a.energy.astype({"_file": str}).sort_values(key, key=lambda c: c.astype(str)).reset_index(drop=True),
        b.energy.astype({"_file": str}).sort_values(key, key=lambda c: c.astype(str)).reset_index(drop=True),
        check_categorical=False)
    eco = a.economics.set_index(["entity_id", "year"])
    assert eco.loc[(firms[0], 2024), "value_added_10k_yuan"] == 12345.0
    assert int((a.economics["entity_id"] == firms[0]).sum()) == 1  # replaced, not added


def test_a_report_period_that_is_not_the_reports_is_an_error(city_dir: tuple[Path, str]) -> None:
    d, _ = city_dir
    firm, _ = _firm_and_park(d)
    with City.open(d) as city:
        problems = city.check_report("energy", firm, MONTH, [{**ROWS[0], "period": "2024-04"}], "form")
    assert [(p.code, p.row, p.column, p.value) for p in problems] == [("Q003", 2, "period", "2024-04")]
