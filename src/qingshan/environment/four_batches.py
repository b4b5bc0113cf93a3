"""The 四个一批 rule files under ``rules/`` (``four_batches-<name>.toml``), read and checked
for :func:`qingshan.methods.permits.four_batches` (docs/environment.md, "Permits and totals").

Problem codes: ``E401`` unknown name or unreadable file, ``E402`` syntax, ``E410`` a wrong
key or value (named by its dotted path). Every problem is collected before raising.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qingshan.methods.permits import BATCHES
from qingshan.rulefile import Checker, read_rule_file

RULE_KEYS = ("batch", "min_ratio", "min_years_over", "over_permit", "in_over_quota_district", "min_quota_share",
             "zh", "en")


def four_batch_rules(source: str | Path) -> tuple[str, list[dict[str, Any]]]:
    """``(source text, rules)`` of a built-in rule file (``"four_batches-demo"``) or a path."""
    rf = read_rule_file(source, package="qingshan.environment", folder="rules", code="E4")
    ck = Checker(rf.label, "E410")
    ck.only(rf.raw, ("name", "source", "rule"))
    ck.text(rf.raw, "name")
    src = ck.text(rf.raw, "source")
    rules = []
    for i, r in enumerate(ck.tables(rf.raw, "rule")):
        where = f"rule[{i}]"
        ck.only(r, RULE_KEYS, where)
        rule: dict[str, Any] = {"batch": ck.one_of(r, "batch", BATCHES, where),
                                "zh": ck.text(r, "zh", where), "en": ck.text(r, "en", where)}
        for key, hi in (("min_ratio", None), ("min_quota_share", 1.0)):
            x = ck.number(r, key, where, required=False, lo=0.0, hi=hi)
            if x is not None:
                rule[key] = x
        n = ck.number(r, "min_years_over", where, required=False, lo=0.0)
        if n is not None:
            rule["min_years_over"] = int(n)
        rule["over_permit"] = ck.flag(r, "over_permit", where)
        rule["in_over_quota_district"] = ck.flag(r, "in_over_quota_district", where)
        rules.append(rule)
    ck.raise_if_any()
    return src, rules
