"""GEP price sets (生态产品价格): cited, dated prices and valuation parameters shipped as CSV
files in ``qingshan/ecology/prices/`` and chosen by name (profile key ``ecology.gep_prices``).

Each row: ``item, kind (price | parameter), value, unit, price_year, region, source, status,
note``. Every value was read in the document its ``source`` names (paper, table or section);
``status`` is ``read`` for a value read in that source. A user's own price file has the same
columns and passes the same checks; every problem is reported at once (V010–V013).

Price-index series (``prices/price_index_*.csv``) are not price sets: they are read by
:mod:`qingshan.ecology.price_index` and passed to :func:`qingshan.methods.gep_value.index_price`.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from qingshan.errors import Problem, ValidationError

COLUMNS = ("item", "kind", "value", "unit", "price_year", "region", "source", "status", "note")
KINDS = ("price", "parameter")
STATUSES = ("read", "derived")


@dataclass(frozen=True)
class GepPrice:
    """One price or valuation parameter with its unit, year and source."""

    item: str
    kind: str
    value: float
    unit: str
    price_year: int
    region: str
    source: str
    status: str
    note: str


@dataclass(frozen=True)
class PriceSet:
    """A named set of prices; ``get(item)`` returns one record, ``value(item)`` its number."""

    name: str
    prices: tuple[GepPrice, ...]

    def get(self, item: str) -> GepPrice:
        for p in self.prices:
            if p.item == item:
                return p
        raise KeyError(f"price set {self.name!r} has no item {item!r}")

    def value(self, item: str) -> float:
        return self.get(item).value

    def items(self) -> tuple[str, ...]:
        return tuple(p.item for p in self.prices)


def _p(code: str, file: str, row: int | None, col: str | None, value: object, zh: str, en: str) -> Problem:
    return Problem(code, file, row, col, None if value is None else str(value), zh, en)


def parse_prices(text: str, name: str) -> PriceSet:
    """A price set from CSV text; every problem is collected and raised together.

    V010 a missing column; V011 a value that is not a finite number; V012 a row without a year
    or source (a price without both is not used); V013 an unknown kind or status, or an item
    listed twice.
    """
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValidationError([_p("V010", name, 1, c, None, "缺少该列", "this column is missing") for c in missing])
    problems: list[Problem] = []
    out: list[GepPrice] = []
    seen: set[str] = set()
    for i, r in enumerate(df.to_dict("records")):
        row = i + 2
        try:
            value = float(r["value"])
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            problems.append(_p("V011", name, row, "value", r["value"], "须为有限数值", "must be a finite number"))
        year = r["price_year"].strip()
        if not year.isdigit():
            problems.append(
                _p(
                    "V012",
                    name,
                    row,
                    "price_year",
                    year or None,
                    "价格须注明年份（四位数字）",
                    "a price needs its year (four digits)",
                )
            )
        if not r["source"].strip():
            problems.append(_p("V012", name, row, "source", None, "价格须注明来源文献", "a price needs its source"))
        if r["kind"] not in KINDS:
            problems.append(
                _p("V013", name, row, "kind", r["kind"], f"须为 {'/'.join(KINDS)}", f"must be one of {'/'.join(KINDS)}")
            )
        if r["status"] not in STATUSES:
            problems.append(
                _p(
                    "V013",
                    name,
                    row,
                    "status",
                    r["status"],
                    f"须为 {'/'.join(STATUSES)}",
                    f"must be one of {'/'.join(STATUSES)}",
                )
            )
        if r["item"] in seen:
            problems.append(_p("V013", name, row, "item", r["item"], "条目重复", "item listed twice"))
        seen.add(r["item"])
        if not problems:
            out.append(
                GepPrice(
                    r["item"], r["kind"], value, r["unit"], int(year), r["region"], r["source"], r["status"], r["note"]
                )
            )
    if problems:
        raise ValidationError(problems)
    return PriceSet(name, tuple(out))


def shipped_price_sets() -> tuple[str, ...]:
    """Names of the price sets that ship with Qingshan."""
    folder = resources.files("qingshan.ecology").joinpath("prices")
    return tuple(
        sorted(
            f.name.removesuffix(".csv")
            for f in folder.iterdir()
            if f.name.endswith(".csv") and not f.name.startswith("price_index_")  # index series: price_index.py
        )
    )


def load_price_set(name: str) -> PriceSet:
    """A shipped price set by name (``ganzi_2010``, ``baiyangdian_2011``)."""
    if name not in shipped_price_sets():
        raise ValidationError(
            [
                _p(
                    "V010",
                    "ecology.gep_prices",
                    None,
                    None,
                    name,
                    f"未知的价格集，可选：{', '.join(shipped_price_sets())}",
                    f"unknown price set; choose one of {', '.join(shipped_price_sets())}",
                )
            ]
        )
    text = resources.files("qingshan.ecology").joinpath("prices", f"{name}.csv").read_text("utf-8")
    return parse_prices(text, f"prices/{name}.csv")

