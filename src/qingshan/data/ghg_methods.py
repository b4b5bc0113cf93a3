"""The sector-method registry (``spec/ghg_methods.toml``): GB/T 4754-2017 industry-code
prefixes → the GHG accounting method and the guideline it cites
(:class:`qingshan.methods.carbon_balance.MethodRegistry`)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from qingshan.errors import ConfigError
from qingshan.methods.carbon_balance import GENERAL, IndustryRule, Method, MethodRegistry
from qingshan.schema.tables import tables


@cache
def method_registry() -> MethodRegistry:
    """The shipped registry, checked: every method the entities column may name is defined,
    every rule names a defined method, and a balance method names its guideline."""
    raw = tomllib.loads(resources.files("qingshan.data").joinpath("spec/ghg_methods.toml").read_text("utf-8"))
    methods = {mid: Method(method_id=mid, zh=m["zh"], en=m["en"], document=m["document"], clause=m["clause"],
                           guideline=m.get("guideline", ""), balance=bool(m.get("balance", False)),
                           supplied=bool(m.get("supplied", False)))
               for mid, m in raw["methods"].items()}
    rules = tuple(IndustryRule(prefix=str(r["prefix"]), method=r["method"],
                               expect_balance=bool(r.get("expect_balance", False))) for r in raw["industry"])
    allowed = set(tables()["entities"].column("ghg_method").choices)
    problems = [f"method {m!r} of the entities column is not defined" for m in sorted(allowed - set(methods))]
    problems += [f"rule {r.prefix!r} names unknown method {r.method!r}" for r in rules if r.method not in methods]
    problems += [f"balance method {m.method_id!r} names no guideline" for m in methods.values()
                 if m.balance and not m.guideline]
    if GENERAL not in methods:
        problems.append(f"the registry lacks the method {GENERAL!r}")
    if problems:
        raise ConfigError("spec/ghg_methods.toml: " + "; ".join(problems))
    return MethodRegistry(methods=methods, industries=rules)
