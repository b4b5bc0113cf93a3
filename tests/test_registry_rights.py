"""Right types from the rule file the profile selects (docs/registries.md, "Right types"):
the demo city's file, its citations, exact quantities in serial units, a bad file's every
problem, the profile key, the role actions, and every code documented."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from qingshan.app.permissions import allowed
from qingshan.errors import ConfigError, ValidationError
from qingshan.profiles.check import check_profile
from qingshan.profiles.profile import load_profile
from qingshan.registry import RegistryError, load_rights, rights_for
from qingshan.registry.refusals import CODES
from qingshan.registry.rights import KINDS

ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_file_holds_five_right_types() -> None:
    book = load_rights("rights-demo", "459900")
    assert list(book.rights) == ["YN", "YS", "PW-COD", "PW-NH3N", "PW-SO2", "PW-NOX", "TP", "TS"]
    units = {c: (r.unit, r.serial_unit) for c, r in book.rights.items()}
    assert units["YN"] == ("tce", Decimal(1)) and units["YS"] == ("m3", Decimal(1))
    assert units["PW-COD"] == ("t", Decimal("0.001")) and units["TP"] == ("tCO2", Decimal(1))
    assert units["TS"] == ("tCO2e", Decimal(1))
    # Lishui: at most 5 years (platform.md a.4); nothing read for the others
    assert {c for c, r in book.rights.items() if r.validity_years == 5} == {"PW-COD", "PW-NH3N", "PW-SO2", "PW-NOX"}
    assert {c for c, r in book.rights.items() if r.validity_years is None} == {"YN", "YS", "TP", "TS"}
    tp = book.right("TP")
    assert tp.offset_cap == Decimal("0.05") and tp.offset_rights == ("TS",)  # CCER ≤ 5 % (platform.md a.2)
    assert tp.penalty is not None and tp.penalty.fine_yuan == (Decimal(20000), Decimal(30000))
    assert tp.penalty.deduct_next_allocation
    yn = book.right("YN")
    assert yn.trade_forms == ("fixed_price", "negotiated", "auction")  # 豫政办〔2019〕25号
    assert yn.authorities == ("fgw",) and book.right("PW-SO2").authorities == ("sthjj",)
    # between them the demo's rights have every transaction kind
    assert set().union(*(r.kinds for r in book.rights.values())) == set(KINDS)
    assert book.rules_id.startswith("demo@") and len(book.rules_id) == len("demo@") + 12


def test_every_rule_of_the_demo_file_is_cited() -> None:
    book = load_rights("rights-demo", "459900")
    assert "borrows" in book.borrowed
    for r in book.rights.values():
        assert r.source and r.serial_unit_source and r.kinds_source and r.authorities_source, r.code
        assert r.trade_forms_source if r.trade_forms else True
        assert r.allocation_source if r.allocation else True
        assert r.validity_source if r.validity_years else True
        assert all(a.source for a in r.approvals.values())
        # a choice nobody published is marked as the demo city's own
        assert "own choice" in r.serial_unit_source
    assert "platform.md a.4" in book.right("PW-COD").validity_source


def test_quantities_are_whole_serial_units_never_floats() -> None:
    book = load_rights("rights-demo", "459900")
    pw, yn = book.right("PW-COD"), book.right("YN")
    assert pw.to_units("1.234") == 1234 and pw.to_units(Decimal("0.001")) == 1 and pw.to_units(2) == 2000
    assert pw.amount(1234) == Decimal("1.234") and yn.amount(0) == 0
    assert yn.to_units("1200") == 1200 and yn.to_units(Decimal("1.000")) == 1
    for bad in ("1.2345", 1.5, "-1", "0", "abc", "NaN", "Infinity", True):
        with pytest.raises(RegistryError) as e:
            pw.to_units(bad)  # type: ignore[arg-type]
        assert e.value.code == "D103"
    with pytest.raises(RegistryError) as e:
        yn.to_units("0.5")
    assert "whole number of serial units" in e.value.en and "整数个编号单位" in e.value.zh


BAD = '''
name = "bad"
zh = "坏"
en = "bad"
source = "test"
colour = "red"

[approval.transfer]
request = ["holder"]
approve = "authority"
source = "test"

[approval.issue]
request = ["holder"]
approve = "maybe"
source = "test"

[[right]]
code = "yn"
zh = "用能权"
en = "energy-use right"
unit = "tce"
serial_unit = 0.001
serial_unit_source = "x"
source = "x"
kinds = ["issue", "transfer", "lease", "teleport"]
kinds_source = "x"
authorities = ["mayor"]
authorities_source = "x"

[[right]]
code = "TP"
zh = "配额"
en = "allowance"
unit = "tCO2"
serial_unit = "1"
serial_unit_source = "x"
source = "x"
kinds = ["transfer"]
kinds_source = "x"
trade_forms = ["negotiated"]
trade_forms_source = "x"
authorities = ["sthjj"]
authorities_source = "x"
offset_cap = "1.5"
offset_rights = ["TS"]
offset_source = "x"

[[right]]
code = "TP"
zh = "配额"
en = "allowance"
unit = "tCO2"
serial_unit = "1"
serial_unit_source = "x"
source = "x"
kinds = ["retire"]
kinds_source = "x"
authorities = ["sthjj"]
authorities_source = "x"
'''


def test_a_bad_rule_file_reports_every_problem(tmp_path: Path) -> None:
    f = tmp_path / "rights-bad.toml"
    f.write_text(BAD, "utf-8")
    with pytest.raises(ValidationError) as e:
        load_rights(f, "459900")
    got = {(p.code, p.column) for p in e.value.problems}
    assert {p.code for p in e.value.problems} == {"D010"}
    assert ("D010", "colour") in got  # an unknown key is never ignored
    assert ("D010", "approval.issue.request") in got  # only the authority requests an issuance
    assert ("D010", "approval.issue.approve") in got
    assert ("D010", "right[0].code") in got  # two capital letters
    assert ("D010", "right[0].serial_unit") in got  # a TOML float is not exact
    assert ("D010", "right[0].kinds") in got  # teleport; and lease without lease_return
    assert ("D010", "right[0].authorities") in got  # mayor
    assert ("D010", "right[0].trade_forms") in got  # transferable without trade forms
    assert ("D010", "right[0].allocation") in got  # issued without allocation methods
    assert ("D010", "right[0].approval.lease") in got  # nobody says who approves a lease
    assert ("D010", "right[1].offset_cap") in got  # above 1
    assert ("D010", "right[2].approval.retire") in got
    assert ("D010", "right.code") in got  # TP twice
    assert len(e.value.problems) >= 13


def test_unknown_and_unreadable_rule_files(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as e:
        load_rights("rights-nowhere", "459900")
    assert e.value.problems[0].code == "D001"
    f = tmp_path / "rights-x.toml"
    f.write_text('name = "x\n', "utf-8")
    with pytest.raises(ValidationError) as e:
        load_rights(f, "459900")
    assert e.value.problems[0].code == "D002" and e.value.problems[0].row == 1
    with pytest.raises(ConfigError):
        load_rights("rights-demo", "4599")  # a jurisdiction is a six-digit code


def test_the_profile_selects_the_rule_file_by_year() -> None:
    demo = load_profile("demo")
    assert check_profile(demo) == []
    book = rights_for(demo, 2025)
    assert (book.name, book.jurisdiction) == ("demo", "459900")
    sel = demo.selection("registry.rights", 2025)
    assert sel is not None and sel.borrowed and "platform.md" in sel.source
    with pytest.raises(ConfigError, match=r"registry\.rights"):
        rights_for(demo, 2019)  # before the selection's `from`
    with pytest.raises(ConfigError):
        rights_for(load_profile("national"), 2025)


def test_registry_actions_belong_to_roles() -> None:
    assert allowed(["reporter"], "registry_request") and not allowed(["reporter"], "registry_approve")
    assert allowed(["reviewer"], "registry_approve") and not allowed(["reviewer"], "registry_admin")
    assert allowed(["administrator"], "registry_admin") and not allowed(["administrator"], "registry_request")
    assert not any(allowed(["viewer", "analyst"], a) for a in ("registry_request", "registry_approve",
                                                               "registry_admin"))


def test_every_code_is_documented() -> None:
    text = "".join(f.read_text("utf-8") for f in (ROOT / "src" / "qingshan" / "registry").rglob("*.py"))
    # the problem codes of the registry's rule files: rights (D0xx), green finance (D5xx), the demo's markets (D6xx)
    rule_files = {"D001", "D002", "D010", "D501", "D502", "D510", "D601", "D602", "D610"}
    used = set(re.findall(r'"(D\d{3})"', text)) | rule_files
    doc = (ROOT / "docs" / "registries.md").read_text("utf-8")
    documented = set(re.findall(r"\| (D\d{3}) \|", doc))
    assert used - {"D0"} <= documented
    assert set(CODES) <= documented
    assert set(CODES) >= used - rule_files  # every refusal and break has its meaning
