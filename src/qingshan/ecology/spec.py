"""The ecological data package's spec (``spec.toml``) as typed records: raster roles, tables
and their columns, manifest parameters and ecosystem types, with the InVEST names each
accepts. Nothing here reads a package; :mod:`qingshan.ecology.package` does.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

#: The models a package can feed, and what each needs (InVEST 3.20 model names).
MODELS = ("carbon", "water_yield", "sdr")


@dataclass(frozen=True)
class Ecosystem:
    code: str
    zh: str
    en: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class RasterRole:
    """A raster role: ``kind`` is ``class`` (integer codes) or ``value`` (a quantity in
    ``unit`` within the plausibility bounds ``min``..``max``)."""

    name: str
    zh: str
    en: str
    kind: str
    unit: str
    per_year: bool
    models: tuple[str, ...]
    invest: tuple[str, ...]
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    zh: str
    en: str
    required: bool
    aliases: tuple[str, ...]
    models: tuple[str, ...]
    unit: str | None
    min: float | None
    max: float | None
    choices: tuple[str, ...] | None
    choice_aliases: dict[str, str]


@dataclass(frozen=True)
class TableSpec:
    name: str
    zh: str
    en: str
    key: tuple[str, ...]
    invest: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def header_map(self) -> dict[str, str]:
        """Accepted header (casefolded) -> canonical column name."""
        out: dict[str, str] = {}
        for c in self.columns:
            for h in (c.name, *c.aliases):
                out.setdefault(h.strip().casefold(), c.name)
        return out


@dataclass(frozen=True)
class Parameter:
    name: str
    zh: str
    en: str
    unit: str
    models: tuple[str, ...]
    invest: tuple[str, ...]
    exclusive_min: float | None


@dataclass(frozen=True)
class EcoSpec:
    manifest: str
    ecosystem_source: str
    ecosystems: tuple[Ecosystem, ...]
    rasters: dict[str, RasterRole]
    tables: dict[str, TableSpec]
    parameters: dict[str, Parameter]

    def ecosystem_code(self, text: str) -> str | None:
        """The ecosystem code a cell names (code, Chinese or English alias), or None."""
        t = text.strip().casefold()
        for e in self.ecosystems:
            if t in {e.code, e.zh.casefold(), e.en.casefold(), *(a.casefold() for a in e.aliases)}:
                return e.code
        return None


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


def _column(d: dict[str, Any], ecosystems: tuple[Ecosystem, ...]) -> Column:
    choices = d.get("choices")
    if choices == "ecosystem":
        choices = [e.code for e in ecosystems]
    return Column(
        name=d["name"],
        type=d["type"],
        zh=d["zh"],
        en=d["en"],
        required=bool(d.get("required", False)),
        aliases=tuple(d.get("aliases", ())),
        models=tuple(d.get("models", ())),
        unit=d.get("unit"),
        min=_float(d.get("min")),
        max=_float(d.get("max")),
        choices=None if choices is None else tuple(choices),
        choice_aliases=dict(d.get("choice_aliases", {})),
    )


@cache
def eco_spec() -> EcoSpec:
    """The spec of the ecological data package (``qingshan/ecology/spec.toml``)."""
    raw = tomllib.loads(files("qingshan.ecology").joinpath("spec.toml").read_text("utf-8"))
    ecos = tuple(Ecosystem(e["code"], e["zh"], e["en"], tuple(e.get("aliases", ()))) for e in raw["ecosystem"])
    rasters = {
        name: RasterRole(
            name=name,
            zh=r["zh"],
            en=r["en"],
            kind=r["kind"],
            unit=r["unit"],
            per_year=bool(r.get("per_year", False)),
            models=tuple(r["models"]),
            invest=tuple(r["invest"]),
            min=_float(r.get("min")),
            max=_float(r.get("max")),
        )
        for name, r in raw["raster"].items()
    }
    tables = {
        name: TableSpec(
            name=name,
            zh=t["zh"],
            en=t["en"],
            key=tuple(t["key"]),
            invest=tuple(t["invest"]),
            columns=tuple(_column(c, ecos) for c in t["columns"]),
        )
        for name, t in raw["table"].items()
    }
    params = {
        name: Parameter(
            name=name,
            zh=p["zh"],
            en=p["en"],
            unit=p["unit"],
            models=tuple(p["models"]),
            invest=tuple(p["invest"]),
            exclusive_min=_float(p.get("exclusive_min")),
        )
        for name, p in raw["parameter"].items()
    }
    return EcoSpec(
        manifest=raw["package"]["manifest"],
        ecosystem_source=raw["package"]["ecosystem_source"],
        ecosystems=ecos,
        rasters=rasters,
        tables=tables,
        parameters=params,
    )
