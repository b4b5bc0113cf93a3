"""The carrier catalogue (能源品种, ``data/spec/carriers.csv``): codes, names and aliases,
dimension and canonical unit, category, and the form 205-1 code. A carrier's key in the
store is its row position in the file (:func:`carrier_keys`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from qingshan.schema.units import label_key

#: Carrier categories (``carriers.csv``) whose burnt rows emit combustion CO2 and that may
#: carry measured NCV, carbon content and oxidation.
FOSSIL_CATEGORIES = ("coal", "coke", "oil", "gas")


@dataclass(frozen=True)
class Carrier:
    """An energy carrier (能源品种) of the data package."""

    carrier: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    dimension: str
    canonical_unit: str
    category: str
    form_205_1_code: str
    form_205_1_unit: str

    @property
    def is_fossil(self) -> bool:
        return self.category in FOSSIL_CATEGORIES


@cache
def carriers() -> dict[str, Carrier]:
    """The carrier catalogue (``spec/carriers.csv``), keyed by carrier code."""
    text = resources.files("qingshan.data").joinpath("spec/carriers.csv").read_text("utf-8")
    out: dict[str, Carrier] = {}
    for r in csv.DictReader(text.splitlines()):
        out[r["carrier"]] = Carrier(
            carrier=r["carrier"], name_zh=r["name_zh"], name_en=r["name_en"],
            aliases=tuple(a for a in r["aliases"].split("|") if a), dimension=r["dimension"],
            canonical_unit=r["canonical_unit"], category=r["category"],
            form_205_1_code=r["form_205_1_code"], form_205_1_unit=r["form_205_1_unit"],
        )
    return out


@cache
def carrier_lookup() -> dict[str, str]:
    """Map every accepted carrier spelling (code, Chinese name, alias) to its code."""
    m: dict[str, str] = {}
    for c in carriers().values():
        for label in (c.carrier, c.name_zh, *c.aliases):
            m.setdefault(label_key(label), c.carrier)
    return m


def resolve_carrier(label: str) -> str | None:
    return carrier_lookup().get(label_key(label))


#: Carriers are bits of the 64-bit lineage masks (:mod:`qingshan.methods.lineage`), signed.
MAX_CARRIERS = 62


def carrier_keys() -> dict[str, int]:
    """Carrier code → key: its row position in ``carriers.csv`` (the store's ``carrier_key``)."""
    keys = {c: i for i, c in enumerate(carriers())}
    if len(keys) > MAX_CARRIERS:  # one bit each in a signed 64-bit mask
        raise AssertionError("the carrier catalogue outgrew the 64-bit lineage mask")
    return keys


def carrier_table() -> pd.DataFrame:
    """The catalogue as a table in key order: ``carrier``, ``carrier_key``, ``category``,
    ``is_fossil`` (what the coefficient tables of :mod:`qingshan.methods.coefficients` read)."""
    cat = carriers()
    keys = carrier_keys()
    return pd.DataFrame({"carrier": list(cat), "carrier_key": [keys[c] for c in cat],
                         "category": [c.category for c in cat.values()],
                         "is_fossil": [c.is_fossil for c in cat.values()]})
