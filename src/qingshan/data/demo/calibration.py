"""The demo city's calibration: ``spec/demo_calibration.toml`` loaded into typed records.

Every number of the demo city comes from that file, which records a source for it or says
that it is an assumption (docs/demo-city.md). This module also draws the unit an
enterprise reports a quantity in, among the calibrated reporting options.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from qingshan.data.demo._arrays import FloatArray, IntArray, ObjArray, choice, round_to
from qingshan.schema.units import conversion_factor


def load_calibration() -> dict[str, Any]:
    """The parsed ``spec/demo_calibration.toml`` (numbers with their sources); a fresh copy."""
    return copy.deepcopy(_raw_calibration())


@cache
def _raw_calibration() -> dict[str, Any]:
    text = (
        resources.files("qingshan.data").joinpath("spec/demo_calibration.toml").read_text("utf-8")
    )
    return tomllib.loads(text)


@dataclass(frozen=True)
class Option:
    """A unit an enterprise may report in, its probability and the decimals it keeps."""

    unit: str
    p: float
    decimals: int


@dataclass(frozen=True)
class Product:
    name: str
    unit: str
    kgce_per_unit: float | None
    price_10k_yuan: float | None
    per_unit_of: str | None
    ratio: float
    energy_share: float | None


@dataclass(frozen=True)
class Process:
    material: str
    per_unit: float | tuple[float, float]  # a number, or a range drawn once per enterprise
    product: str
    cao: tuple[float, float] | None
    mgo: tuple[float, float] | None
    calcination: float | None
    sulfur: tuple[float, float] | None = None  # anode sulphur, drawn once per enterprise
    ash: tuple[float, float] | None = None  # anode ash, drawn once per enterprise


@dataclass(frozen=True)
class Industry:
    code: str
    name_zh: str
    group: str
    words: tuple[str, ...]
    weight: float
    median_output: float
    sigma: float
    va_ratio: float
    intensity: float
    season: str
    growth: float
    productivity: float
    tax_rate: float
    rd_ratio: float
    va_per_mu: float
    pv_allowed: bool
    parks: dict[str, float]
    districts: dict[str, float] | None
    slots: tuple[tuple[str, str, float], ...]
    export: tuple[str, float, float] | None
    products: tuple[Product, ...]
    process: Process | None
    air: dict[str, float]
    cod: float


@dataclass(frozen=True)
class Calibration:
    raw: dict[str, Any]
    base_year: int
    industries: tuple[Industry, ...]
    coef: dict[str, float]
    units: dict[str, tuple[Option, ...]]
    carrier_group: dict[str, str]
    seasons: dict[str, FloatArray]
    districts: tuple[dict[str, Any], ...]
    parks: tuple[dict[str, Any], ...]

    def per_class(self, attr: str, dtype: Any = None) -> npt.NDArray[Any]:
        """Attribute ``attr`` of each industry class, as an array indexed by class."""
        return np.array([getattr(i, attr) for i in self.industries], dtype=dtype)


def options(rows: list[dict[str, Any]]) -> tuple[Option, ...]:
    return tuple(Option(str(r["unit"]), float(r["p"]), int(r["decimals"])) for r in rows)


def _product(p: dict[str, Any]) -> Product:
    return Product(
        name=p["name"],
        unit=p["unit"],
        kgce_per_unit=p.get("kgce_per_unit"),
        price_10k_yuan=p.get("price_10k_yuan"),
        per_unit_of=p.get("per_unit_of"),
        ratio=float(p.get("ratio", 1.0)),
        energy_share=p.get("energy_share"),
    )


def _range(v: Any) -> tuple[float, float]:
    lo, hi = v
    return float(lo), float(hi)


def _process(p: dict[str, Any]) -> Process:
    per = p["per_unit"]
    return Process(
        material=p["material"],
        per_unit=_range(per) if isinstance(per, list) else float(per),
        product=p["product"],
        cao=_range(p["cao_fraction"]) if "cao_fraction" in p else None,
        mgo=_range(p["mgo_fraction"]) if "mgo_fraction" in p else None,
        calcination=p.get("calcination_fraction"),
        sulfur=_range(p["sulfur_fraction"]) if "sulfur_fraction" in p else None,
        ash=_range(p["ash_fraction"]) if "ash_fraction" in p else None,
    )


def _industry(d: dict[str, Any], eco: dict[str, Any]) -> Industry:
    """One ``[[industry]]`` table; missing economics fall back to ``[economics]``."""
    exp = d.get("export")
    return Industry(
        code=d["code"],
        name_zh=d["name_zh"],
        group=d["group"],
        words=tuple(d["words"]),
        weight=float(d["weight"]),
        median_output=float(d["median_output"]),
        sigma=float(d["sigma"]),
        va_ratio=float(d["va_ratio"]),
        intensity=float(d["intensity"]),
        season=d["season"],
        growth=float(d.get("growth", eco["growth"])),
        productivity=float(d.get("productivity", eco["productivity"])),
        tax_rate=float(d.get("tax_rate", eco["tax_rate"])),
        rd_ratio=float(d.get("rd_ratio", eco["rd_ratio"])),
        va_per_mu=float(d.get("va_per_mu", eco["va_per_mu"])),
        pv_allowed=bool(d.get("pv_allowed", eco["pv_allowed"])),
        parks={str(k): float(v) for k, v in d.get("parks", {}).items()},
        districts={str(k): float(v) for k, v in d["districts"].items()}
        if "districts" in d
        else None,
        slots=tuple((s["carrier"], s["use"], float(s["share"])) for s in d["slots"]),
        export=(exp["carrier"], float(exp["share"]), float(exp["probability"])) if exp else None,
        products=tuple(_product(p) for p in d.get("products", ())),
        process=_process(d["process"]) if "process" in d else None,
        air={str(k): float(v) for k, v in d.get("air", {}).items()},
        cod=float(d.get("cod_t_per_10k_output", 0.0)),
    )


@cache
def typed_calibration() -> Calibration:
    """The calibration as typed records (cached; do not mutate)."""
    raw = _raw_calibration()
    units = {k: options(v) for k, v in raw["units"].items() if k != "carrier_group"}
    seasons = {k: np.asarray(v, dtype=np.float64) for k, v in raw["seasons"].items()}
    return Calibration(
        raw=raw,
        base_year=int(raw["meta"]["base_year"]),
        industries=tuple(_industry(d, raw["economics"]) for d in raw["industry"]),
        coef={k: float(v) for k, v in raw["coefficients"]["tce_per_unit"].items()},
        units=units,
        carrier_group=dict(raw["units"]["carrier_group"]),
        seasons=seasons,
        districts=tuple(raw["district"]),
        parks=tuple(raw["park"]),
    )


@dataclass(frozen=True)
class Reported:
    """The unit each row is reported in, the decimals kept and the factor to the canonical
    unit (canonical units per reporting unit)."""

    unit: ObjArray
    decimals: IntArray
    factor: FloatArray

    def take(self, rows: IntArray) -> Reported:
        return Reported(self.unit[rows], self.decimals[rows], self.factor[rows])

    def value(self, canonical: FloatArray) -> FloatArray:
        """``canonical`` quantities expressed, and rounded, in the reported units."""
        return round_to(canonical / self.factor, self.decimals)


def draw_units(
    rng: np.random.Generator, n: int, opts: tuple[Option, ...], canonical: str
) -> Reported:
    """The reporting unit of ``n`` reporters, drawn with the options' probabilities."""
    pick = choice(rng, n, [o.p for o in opts])
    return Reported(
        unit=np.array([o.unit for o in opts], dtype=object)[pick],
        decimals=np.array([o.decimals for o in opts])[pick],
        factor=np.array([conversion_factor(o.unit, canonical) for o in opts])[pick],
    )
