"""The allocation and compliance documents on a demo city (docs/registries.md, "Allocation",
"Compliance"), their shape (what the registry pages and the demo build on), their
invariants, and ``qingshan registry allocate|compliance``."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from qingshan.app import database
from qingshan.city import City
from qingshan.city.demo import create_demo_city
from qingshan.cli import main
from qingshan.documents.registry_allocation import allocation_document
from qingshan.documents.registry_compliance import compliance_document
from qingshan.registry import Acting, Order, approve, request, rights_for
from qingshan.registry.accounts import find
from qingshan.registry.allocation import Line, allocate, allocation_for

FGW1 = Acting("fgw1", "459900-fgw", "/459900", ("administrator",))
FGW2 = Acting("fgw2", "459900-fgw", "/459900", ("reviewer",))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    d = tmp_path_factory.mktemp("alloc") / "city"
    create_demo_city(d, enterprises=40, years=[2022, 2023, 2024, 2025], seed=11)
    r = CliRunner().invoke(main, ["db", "upgrade", str(d)])
    assert r.exit_code == 0, r.output
    yield d


def test_the_allocation_document(folder: Path) -> None:
    """Every enterprise with ≥ 5 000 tce (等价值) in 2024 gets a line, none other; each amount
    is its formula rounded down; a benchmark line's amount is the sum of its outputs × levels
    ÷ 1000 as its own steps state them; the totals add up."""
    with City.open(folder) as city:
        doc = allocation_document(city, 2025)
        yearly = city.accounts().yearly
    assert set(doc) >= {"year", "right", "rules", "formulas", "lines", "totals", "columns", "notes", "profile"}
    assert doc["right"]["code"] == "YN" and doc["rules"]["name"] == "demo"
    assert [f["id"] for f in doc["formulas"]] == ["henan_586", "shizuishan_2025", "benchmark", "grandfathering"]
    assert all(p["source"] for f in doc["formulas"] for p in f["parameters"])
    big = set(yearly.loc[(yearly["year"] == 2024) & (yearly["energy_tce_equal"] >= 5000), "entity_id"].astype(str))
    assert {x["holder"] for x in doc["lines"]} == big and big
    for x in doc["lines"]:
        assert x["amount"] == math.floor(x["exact"]) and x["amount"] > 0 and x["holder_name"]
        if x["method"] == "benchmark":
            steps = {s["name"]: s["value"] for s in x["steps"]}
            outs = [k.split(":", 1)[1] for k in steps if k.startswith("output:")]
            assert outs
            assert sum(steps[f"amount:{n}"] for n in outs) == pytest.approx(x["exact"])
            for n in outs:
                level = next(v for k, v in steps.items() if k.startswith("level:"))
                assert steps[f"amount:{n}"] == pytest.approx(steps[f"output:{n}"] * level / 1000)
    assert doc["totals"]["all"] == sum(x["amount"] for x in doc["lines"])
    assert {c["key"] for c in doc["columns"]} <= set(doc["lines"][0])


def test_compliance_after_allocation_and_a_short_surrender(folder: Path) -> None:
    """The first two lines of vintage 2025 are issued; the first holder surrenders 1 000 tce for
    2025 and nothing more: on 2026-07-01 (after the 06-30 deadline) it is 未完成履约 with a
    shortfall of its obligation (its 2025 energy, 等价值, rounded up) less 1 000; the second,
    having surrendered nothing, likewise; YN has no penalty in the rights file, so none is
    listed and the document says why."""
    url = database.app_url(folder)
    with City.open(folder) as city:
        doc = allocation_document(city, 2025)
        yearly = city.accounts().yearly
        rules = allocation_for(city.profile, 2025)
        book = rights_for(city.profile, 2025)
        lines = [Line(x["holder"], "YN", 2025, x["method"], Decimal(str(int(x["amount"]))), Decimal(str(x["exact"])),
                      (), rules.source) for x in doc["lines"][:2]]
        with database.session(url) as s:
            done = allocate(s, FGW1, book, lines, approver=FGW2)
        first = lines[0].holder
        holder = Acting("e", first, f"/459900/{first}", ("reporter",))
        with database.session(url) as s:
            acct = find(s, book, "YN", "holding", first)
            assert acct is not None
            r = request(s, holder, book, Order("surrender", "YN", amount="1000", from_account=acct.id, period="2025"))
            approve(s, FGW2, book, r.id)
        with database.session(url, read_only=True) as s:
            got = compliance_document(city, s, 2025, ["YN"], today=dt.date(2026, 7, 1))
    assert [r.state for r in done] == ["completed", "completed"]
    assert set(got) >= {"period", "rights", "rows", "counts", "columns", "statuses", "notes", "today"}
    rows = {x["holder"]: x for x in got["rows"]}
    assert set(rows) == {line.holder for line in lines}
    energy = float(yearly.loc[(yearly["entity_id"] == first) & (yearly["year"] == 2025), "energy_tce_equal"].iloc[0])
    x = rows[first]
    assert x["obligation"] == math.ceil(energy) and x["surrendered"] == 1000 and x["covered"] == 1000
    assert x["shortfall"] == math.ceil(energy) - 1000 and x["status"] == "not_done" and x["status_zh"] == "未完成履约"
    assert x["deadline"] == "2026-06-30" and x["fine_yuan_low"] is None and x["surrender_requests"] == [r.id]
    assert got["counts"]["YN"]["not_done"] == 2 and got["notes"]
    assert {c["key"] for c in got["columns"]} <= set(x)


def test_the_cli(folder: Path) -> None:
    run = CliRunner().invoke
    r = run(main, ["registry", "allocate", str(folder), "--year", "2025", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["lines"]
    r = run(main, ["--lang", "en", "registry", "allocate", str(folder), "--year", "2025"])
    assert r.exit_code == 0 and "historical method" in r.output
    r = run(main, ["registry", "compliance", str(folder), "--period", "2025", "--right", "YN", "--today",
                   "2026-07-01", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert {x["right"] for x in json.loads(r.output)["rows"]} <= {"YN"}
    r = run(main, ["--lang", "en", "registry", "compliance", str(folder), "--period", "2025", "--today", "2026-01-01"])
    assert r.exit_code == 0, r.output
    assert "Compliance of 2025" in r.output
