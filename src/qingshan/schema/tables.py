"""The data-package tables: their columns, types, units, aliases and keys, loaded from
``data/spec/tables.toml``.

One declarative spec drives validation, docs/data-package.md, the Excel template and the
error messages (PyPSA-style schema as data). Nothing here reads user files. The schema sits
below the readers (:mod:`qingshan.data`) and the factor sets (:mod:`qingshan.factors`), so
both can use it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from qingshan.schema.units import label_key

TABLE_ORDER: tuple[str, ...] = ("entities", "energy", "economics", "production", "process",
                                "materials", "gases", "pollutants", "boundaries",
                                "air_stations", "air_daily", "water_sections", "water_samples",
                                "permits", "permit_reports", "pollutant_quotas",
                                "carrying_inputs", "carrying_national_rates")


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
    verbatim: bool = False  # free text, kept as typed (no full-width normalisation)

    def resolve_choice(self, raw: str) -> str | None:
        """The canonical code for ``raw`` (a code or a Chinese alias), or None."""
        s = label_key(raw)
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
                verbatim=c.get("verbatim", False),
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
            m.setdefault(label_key(label), c.name)
    return m


def canonical_header(table: TableSpec, label: str) -> str | None:
    return header_map(table).get(label_key(label))
