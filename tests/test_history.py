"""Package history (issue #13, item 4): every accepted package is a numbered version with
its time, source file name and content hash; ``qingshan history`` lists them, shows the
rows added, removed and changed per table between two versions, and restores one as a new
version. The latest version is the city's package."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qingshan.city import City, history
from qingshan.city.config import write_city_config
from qingshan.cli import main
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package, write_xlsx_package
from qingshan.errors import BusyError, ConfigError
from tests.web_city import accepted, client_of, web_city


@pytest.fixture()
def tables() -> dict[str, pd.DataFrame]:
    return dict(generate_demo_city(enterprises=20, years=range(2022, 2024), seed=5))


def _city(d: Path, tables: dict[str, pd.DataFrame]) -> Path:
    write_csv_package(tables, d / "package")
    write_city_config(d, "demo")
    return d


def _edited(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """The package with two energy rows removed, one energy quantity and one enterprise's
    name changed."""
    t = {k: v.copy() for k, v in tables.items()}
    en = t["energy"]
    ent = t["entities"]
    firm = ent.index[ent["entity_type"] == "enterprise"][0]
    ent.loc[firm, "name"] = str(ent.loc[firm, "name"]) + "（新）"
    rows = en.index[en["entity_id"] == ent.loc[firm, "entity_id"]]
    en.loc[rows[5], "quantity"] = en.loc[rows[5], "quantity"] * 1.5
    t["energy"] = en.drop(index=[rows[0], rows[1]])
    return write_xlsx_package(t, path)


def _record(d: Path, source: Path, name: str) -> history.Version:
    with history.writing(d):
        return history.record(d, source, source_name=name, who="web upload", current=City.open(d).package_path)


def test_the_first_accept_records_the_package_it_replaces_as_version_1(tmp_path: Path,
                                                                       tables: dict[str, pd.DataFrame]) -> None:
    d = _city(tmp_path / "c", tables)
    assert history.versions(d) == [] and City.open(d).package_path == d / "package"
    v = _record(d, _edited(tables, tmp_path / "e.xlsx"), "edited.xlsx")
    one, two = history.versions(d)
    assert (one.number, two.number, v.number) == (1, 2, 2)
    assert one.meta["who"] == "before history" and one.meta["source_name"] == "package"
    assert one.package == d / "history" / "0001" / "package" and one.package.is_dir()
    assert one.sha256 == history.content_digest(d / "package")  # the same content, copied
    assert two.meta["source_name"] == "edited.xlsx" and two.meta["who"] == "web upload"
    assert two.meta["user"] is None and two.meta["time"].endswith("Z") and len(two.sha256) == 64
    assert two.sha256 == history.content_digest(tmp_path / "e.xlsx")
    assert City.open(d).package_path == two.package  # the latest version is the package in use
    assert (d / "package").exists()  # nothing is removed or overwritten


def test_an_upload_accepted_before_the_history_becomes_version_1(tmp_path: Path,
                                                                 tables: dict[str, pd.DataFrame]) -> None:
    d = tmp_path / "c"
    write_xlsx_package(tables, d / "package.xlsx")
    write_city_config(d, "demo")
    assert City.open(d).package_path == d / "package.xlsx"
    _record(d, _edited(tables, tmp_path / "e.xlsx"), "e.xlsx")
    one = history.version(d, 1)
    assert one.package.name == "package.xlsx" and one.sha256 == history.content_digest(d / "package.xlsx")


def test_history_list_diff_and_restore(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> None:
    d = _city(tmp_path / "c", tables)
    _record(d, _edited(tables, tmp_path / "e.xlsx"), "edited.xlsx")
    run = CliRunner()

    listed = run.invoke(main, ["--lang", "en", "history", "list", str(d)])
    assert listed.exit_code == 0, listed.output
    assert "edited.xlsx" in listed.output and "before history" in listed.output and "2 ✓" in listed.output
    as_json = json.loads(run.invoke(main, ["history", "list", str(d), "--format", "json"]).output)
    assert [v["version"] for v in as_json] == [2, 1]

    out = run.invoke(main, ["history", "diff", "1", "2", str(d), "--format", "json"])
    assert out.exit_code == 0, out.output
    diff = json.loads(out.output)["tables"]
    assert {k: (t["added"], t["removed"], t["changed"]) for k, t in diff.items() if t["added"] or t["removed"]
            or t["changed"]} == {"energy": (0, 2, 1), "entities": (0, 0, 1)}
    assert diff["energy"]["key"] == ["entity_id", "period", "carrier", "use"]
    assert diff["energy"]["columns_changed"] == {"quantity": 1} and diff["entities"]["columns_changed"] == {"name": 1}
    assert len(diff["energy"]["examples"]["removed"]) == 2
    back = json.loads(run.invoke(main, ["history", "diff", "2", "1", str(d), "--format", "json"]).output)["tables"]
    assert (back["energy"]["added"], back["energy"]["removed"]) == (2, 0)
    text = run.invoke(main, ["--lang", "en", "history", "diff", "1", "2", str(d)])
    assert text.exit_code == 0 and "energy" in text.output and "quantity" in text.output
    same = run.invoke(main, ["--lang", "en", "history", "diff", "1", "1", str(d)])
    assert "the same data" in same.output

    from qingshan.app import audit, database
    from qingshan.app.models import AuditEvent

    database.upgrade(database.app_url(d))  # a city with an application database: the restore is audited
    restored = run.invoke(main, ["--lang", "en", "history", "restore", "1", str(d)])
    assert restored.exit_code == 0 and "restored as version 3" in " ".join(restored.output.split())
    with database.session(database.app_url(d)) as s:
        events = [(e.action, e.entity, e.after) for e in s.query(AuditEvent).order_by(AuditEvent.id)]
        assert audit.verify(s) == []
    assert events == [("package.restore", "history/0003", {"version": 3})]
    three = history.version(d, 3)
    assert three.meta["restored_from"] == 1 and three.meta["who"] == "cli restore"
    assert three.sha256 == history.version(d, 1).sha256 and three.meta["source_name"] == "package"
    assert City.open(d).package_path == three.package
    again = run.invoke(main, ["--lang", "en", "history", "restore", "3", str(d)])
    assert again.exit_code == 0 and "already" in again.output and len(history.versions(d)) == 3
    missing = run.invoke(main, ["--lang", "en", "history", "restore", "9", str(d)])
    assert missing.exit_code == 2 and "no version 9" in " ".join(missing.output.split())
    empty = run.invoke(main, ["--lang", "en", "history", "list", str(_city(tmp_path / "new", tables))])
    assert empty.exit_code == 0 and "no history yet" in " ".join(empty.output.split())


def test_only_complete_versions_count(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """A version becomes visible by one rename: what an interrupted writer leaves (a
    temporary folder, a folder without meta.json) is not a version, and is cleaned."""
    d = _city(tmp_path / "c", tables)
    _record(d, _edited(tables, tmp_path / "e.xlsx"), "e.xlsx")
    root = history.folder(d)
    (root / ".tmp-abc").mkdir()
    shutil.copytree(root / "0002", root / "0003")
    (root / "0003" / history.META).unlink()
    assert [v.number for v in history.versions(d)] == [1, 2]
    assert City.open(d).package_path == root / "0002" / "package.xlsx"
    assert history.clean(d) == 1 and not (root / ".tmp-abc").exists()


def test_one_writer_at_a_time(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """The city's write lock: a restore while an accept holds it is refused at once, and an
    accept while a restore (another process) holds it gets 409."""
    d = _city(tmp_path / "c", tables)
    _record(d, _edited(tables, tmp_path / "e.xlsx"), "e.xlsx")
    web = web_city(d)
    c = client_of(web)
    good = c.post("/api/import", files={"file": ("e.xlsx", (tmp_path / "e.xlsx").read_bytes())}).json()
    with history.writing(d):
        with pytest.raises(BusyError):
            history.restore(d, 1)
        r = c.post("/api/import/accept", data={"token": good["token"]})
        assert r.status_code == 409 and "try again" in r.json()["detail"]
    assert accepted(c, good["token"])["state"] == "done"
    assert [v.number for v in history.versions(d)] == [1, 2, 3]


def test_a_data_directory_with_a_history_opens_from_it(tmp_path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """``serve`` reads the latest version (nothing else needed), and never writes a demo:
    a directory without any package says what is missing; ``qingshan demo`` refuses to write
    over accepted packages."""
    d = _city(tmp_path / "c", tables)
    _record(d, _edited(tables, tmp_path / "e.xlsx"), "e.xlsx")
    shutil.rmtree(d / "package")
    (d / "city.toml").unlink()
    with City.open(d, profile="demo") as c:
        assert c.package_path == d / "history" / "0002" / "package.xlsx" and len(c.package.entities) > 0
    from qingshan.city.demo import create_demo_city

    with pytest.raises(ConfigError, match="history"):
        create_demo_city(d, enterprises=5, years=[2023], seed=1)
    assert not (d / "package").exists()
    empty = tmp_path / "empty"
    write_city_config(empty, "demo")
    (empty / "history").mkdir()
    r = CliRunner().invoke(main, ["--lang", "en", "serve", str(empty)])
    said = " ".join(r.output.split())
    assert r.exit_code == 2 and "has no package" in said and "history" in said
    assert not (empty / "package").exists()
