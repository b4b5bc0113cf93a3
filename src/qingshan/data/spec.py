"""The data-package schema, loaded from ``spec/tables.toml`` and ``spec/carriers.csv``.

One declarative spec drives validation, docs/data-package.md, the Excel template and the
error messages (PyPSA-style schema as data). Nothing here reads user files.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from qingshan.data.units import normalise_unit_label

TABLE_ORDER: tuple[str, ...] = ("entities", "energy", "economics", "production", "process",
                                "pollutants", "boundaries")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    zh: str
    en: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    choice_aliases: dict[str, str] = field(default_factory=dict)
    default: str | None = None
    min: float | None = None
    max: float | None = None
    unit_column: str | None = None
    unit_kind: str | None = None

    def resolve_choice(self, raw: str) -> str | None:
        """The canonical code for ``raw`` (a code or a Chinese alias), or None."""
        s = raw.strip()
        low = s.lower()
        if low in self.choices:
            return low
        return self.choice_aliases.get(s) or self.choice_aliases.get(low)


@dataclass(frozen=True)
class TableSpec:
    name: str
    zh: str
    en: str
    key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    sheet_aliases: tuple[str, ...] = ()

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _header_key(label: str) -> str:
    return normalise_unit_label(label).lower()


@cache
def tables() -> dict[str, TableSpec]:
    """All table specs, keyed by table name, in :data:`TABLE_ORDER`."""
    raw = tomllib.loads(
        resources.files("qingshan.data").joinpath("spec/tables.toml").read_text("utf-8")
    )
    out: dict[str, TableSpec] = {}
    for name in TABLE_ORDER:
        t: dict[str, Any] = raw[name]
        cols = tuple(
            ColumnSpec(
                name=c["name"], type=c["type"], zh=c["zh"], en=c["en"],
                required=c.get("required", False), aliases=tuple(c.get("aliases", ())),
                choices=tuple(c.get("choices", ())), choice_aliases=c.get("choice_aliases", {}),
                default=c.get("default"), min=c.get("min"), max=c.get("max"),
                unit_column=c.get("unit_column"), unit_kind=c.get("unit_kind"),
            )
            for c in t["columns"]
        )
        out[name] = TableSpec(name=name, zh=t["zh"], en=t["en"], key=tuple(t["key"]),
                              columns=cols, sheet_aliases=tuple(t.get("sheet_aliases", ())))
    return out


def header_map(table: TableSpec) -> dict[str, str]:
    """Map every accepted header spelling (normalised) to its canonical column name."""
    m: dict[str, str] = {}
    for c in table.columns:
        for label in (c.name, *c.aliases):
            m.setdefault(_header_key(label), c.name)
    return m


def canonical_header(table: TableSpec, label: str) -> str | None:
    return header_map(table).get(_header_key(label))


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
            m.setdefault(_header_key(label), c.carrier)
    return m


def resolve_carrier(label: str) -> str | None:
    return carrier_lookup().get(_header_key(label))
