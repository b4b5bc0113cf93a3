"""The demo city 青山市 (Qingshan): a synthetic heavy-industry city as a data package.

:func:`generate_demo_city` returns the six tables of the data package (entities, energy,
economics, production, process, pollutants) with the canonical column names of
``spec/tables.toml``. The city is fictional; its numbers are calibrated so that each
industry's comprehensive energy per value added, its value-added ratio and its product
quantities are of the right order. Every number comes from
``spec/demo_calibration.toml``, which records a source or says that the number is an
assumption. docs/demo-city.md describes the city, the method and the calibration.

Design:

- Deterministic: one :class:`numpy.random.SeedSequence` per call, one child generator per
  stage, so the defects (``defects=True``) draw from their own stream and leave the base
  data unchanged.
- Vectorised: enterprises × years × months arrays; there is no Python loop over energy
  rows (loops run over the ~35 industry classes and a few unit groups only). At 50 000
  enterprises and six years the energy table has about nine million rows.
- Enterprises report in the units they use (万千瓦时 or kWh, 万立方米 or 立方米, 吨 or 万吨,
  百万千焦 or GJ; money in 万元, 元 or 千元; land in 亩, m² or 公顷), so the reader's unit
  normalisation is exercised.
- 规上 enterprises report every carrier of their industry; 规下 enterprises report only
  electricity and natural gas (the data a city gets from the grid and gas utilities).
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from qingshan.data.spec import carriers, tables
from qingshan.data.units import conversion_factor
from qingshan.data.uscc import USCC_CHARSET, USCC_WEIGHTS

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]

#: The defects ``generate_demo_city(defects=True)`` injects, one kind each (a handful of
#: rows at most). docs/demo-city.md describes each one.
DEFECT_KINDS: tuple[str, ...] = (
    "unknown_carrier",  # energy.carrier '兰炭' (semi-coke), not in the carrier list
    "unknown_unit",  # energy.unit '车' (truckloads), not a known unit
    "negative_quantity",  # energy.quantity < 0 (a reversal typed as a negative)
    "duplicate_energy_key",  # a second row with the same entity, period, carrier and use
    "period_out_of_range",  # energy.period 'YYYY-13' and a month three years ahead
    "enterprise_without_district",  # entities.district_id empty for one enterprise
    "value_added_exceeds_output",  # economics VA > output value in one row
    "unit_slip",  # one month ×10 000 (kWh figure typed under 万千瓦时)
    "invalid_uscc",  # one enterprise's entity_id with a wrong check character
)

_UNKNOWN_CARRIER = "兰炭"
_UNKNOWN_UNIT = "车"
_MONTHS = 12


# ---------------------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------------------


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
class _Option:
    unit: str
    p: float
    decimals: int


@dataclass(frozen=True)
class _Product:
    name: str
    unit: str
    kgce_per_unit: float | None
    price_10k_yuan: float | None
    per_unit_of: str | None
    ratio: float
    energy_share: float | None


@dataclass(frozen=True)
class _Process:
    material: str
    per_unit: float
    product: str
    cao: tuple[float, float] | None
    mgo: tuple[float, float] | None
    calcination: float | None


@dataclass(frozen=True)
class _Industry:
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
    products: tuple[_Product, ...]
    process: _Process | None
    air: dict[str, float]
    cod: float


@dataclass(frozen=True)
class _Cal:
    raw: dict[str, Any]
    base_year: int
    industries: tuple[_Industry, ...]
    coef: dict[str, float]
    units: dict[str, tuple[_Option, ...]]
    carrier_group: dict[str, str]
    seasons: dict[str, FloatArray]
    districts: tuple[dict[str, Any], ...]
    parks: tuple[dict[str, Any], ...]


def _options(rows: list[dict[str, Any]]) -> tuple[_Option, ...]:
    return tuple(_Option(str(r["unit"]), float(r["p"]), int(r["decimals"])) for r in rows)


@cache
def _cal() -> _Cal:
    raw = _raw_calibration()
    eco = raw["economics"]
    inds: list[_Industry] = []
    for d in raw["industry"]:
        prods = tuple(
            _Product(
                name=p["name"],
                unit=p["unit"],
                kgce_per_unit=p.get("kgce_per_unit"),
                price_10k_yuan=p.get("price_10k_yuan"),
                per_unit_of=p.get("per_unit_of"),
                ratio=float(p.get("ratio", 1.0)),
                energy_share=p.get("energy_share"),
            )
            for p in d.get("products", ())
        )
        proc = None
        if "process" in d:
            p = d["process"]
            proc = _Process(
                material=p["material"],
                per_unit=float(p["per_unit"]),
                product=p["product"],
                cao=tuple(p["cao_fraction"]) if "cao_fraction" in p else None,
                mgo=tuple(p["mgo_fraction"]) if "mgo_fraction" in p else None,
                calcination=p.get("calcination_fraction"),
            )
        exp = d.get("export")
        inds.append(
            _Industry(
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
                export=(exp["carrier"], float(exp["share"]), float(exp["probability"]))
                if exp
                else None,
                products=prods,
                process=proc,
                air={str(k): float(v) for k, v in d.get("air", {}).items()},
                cod=float(d.get("cod_t_per_10k_output", 0.0)),
            )
        )
    units = {k: _options(v) for k, v in raw["units"].items() if k != "carrier_group"}
    seasons = {k: np.asarray(v, dtype=np.float64) for k, v in raw["seasons"].items()}
    return _Cal(
        raw=raw,
        base_year=int(raw["meta"]["base_year"]),
        industries=tuple(inds),
        coef={k: float(v) for k, v in raw["coefficients"]["tce_per_unit"].items()},
        units=units,
        carrier_group=dict(raw["units"]["carrier_group"]),
        seasons=seasons,
        districts=tuple(raw["district"]),
        parks=tuple(raw["park"]),
    )


# ---------------------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------------------


def _choice(rng: np.random.Generator, n: int, p: Sequence[float]) -> IntArray:
    """``n`` draws of an index with probabilities ``p`` (normalised)."""
    pa = np.asarray(p, dtype=np.float64)
    cum = np.cumsum(pa / pa.sum())
    cum[-1] = 1.0
    return np.searchsorted(cum, rng.random(n), side="right").astype(np.int64)


def _lognormal(rng: np.random.Generator, sigma: float | FloatArray, size: Any) -> FloatArray:
    """Mean-one lognormal noise."""
    s = np.asarray(sigma, dtype=np.float64)
    out: FloatArray = np.exp(s * rng.standard_normal(size) - 0.5 * s * s)
    return out


def _round(x: FloatArray, decimals: IntArray) -> FloatArray:
    scale = np.power(10.0, decimals.astype(np.float64))
    out: FloatArray = np.round(x * scale) / scale
    return out


def _sum_by(keys: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """Sum of ``weights`` per integer key (0 … size-1)."""
    out: FloatArray = np.bincount(keys.ravel(), weights.ravel(), size).astype(np.float64)
    return out


def _uscc_codes(first17: npt.NDArray[np.str_]) -> ObjArray:
    """Append the GB 32100-2015 check character to an array of 17-character strings."""
    lut = np.full(128, -1, dtype=np.int64)
    for i, c in enumerate(USCC_CHARSET):
        lut[ord(c)] = i
    raw = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(-1, 17)
    vals = lut[raw]
    total = vals @ np.asarray(USCC_WEIGHTS, dtype=np.int64)
    check = np.array(list(USCC_CHARSET))[(31 - total % 31) % 31]
    out: ObjArray = np.char.add(first17, check).astype(object)
    return out


def _random_chars(rng: np.random.Generator, alphabet: str, n: int, k: int) -> npt.NDArray[np.str_]:
    letters = np.frombuffer(alphabet.encode("ascii"), dtype="S1")
    picks = letters[rng.integers(0, len(alphabet), size=(n, k))]
    return np.ascontiguousarray(picks).view(f"S{k}").ravel().astype(f"U{k}")


# ---------------------------------------------------------------------------------------
# Enterprises
# ---------------------------------------------------------------------------------------


@dataclass
class _Firms:
    n: int
    cls: IntArray
    above: BoolArray
    district: IntArray  # index into cal.districts
    park: IntArray  # index into cal.parks, -1 outside parks
    lon: FloatArray
    lat: FloatArray
    start_year: IntArray
    start_month: IntArray  # 1-12
    base_output: FloatArray  # 万元 in the base year
    eff: FloatArray  # relative energy intensity (mean one)
    ids: ObjArray
    names: ObjArray
    active: BoolArray = field(default_factory=lambda: np.zeros((0, 0, 0), dtype=bool))  # N×Y×12


def _firms(cal: _Cal, rng: np.random.Generator, n: int, yrs: IntArray) -> _Firms:
    raw = cal.raw
    inds = cal.industries
    k = len(inds)
    # Industry: one of each class first (so every industry is present when n >= k), then
    # draws by weight; shuffled.
    forced = np.arange(min(n, k), dtype=np.int64)
    rest = _choice(rng, n - forced.size, [i.weight for i in inds])
    cls = rng.permutation(np.concatenate([forced, rest]))

    sig = np.array([i.sigma for i in inds])[cls]
    med = np.array([i.median_output for i in inds])[cls]
    base = med * np.exp(sig * rng.standard_normal(n))
    # scale: 规上 = revenue ≥ 2000 万元 (revenue ≈ output; scale_threshold source)
    above = base >= float(raw["enterprise"]["scale_threshold_10k_yuan"])
    eff = _lognormal(rng, float(raw["enterprise"]["efficiency_sigma"]), n)

    # Location: park by industry probabilities, otherwise a district.
    park_ids = [p["entity_id"] for p in cal.parks]
    dist_ids = [d["entity_id"] for d in cal.districts]
    park = np.full(n, -1, dtype=np.int64)
    district = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    dweights_default = [float(d["weight"]) for d in cal.districts]
    dchoice = rng.random(n)
    for c, ind in enumerate(inds):
        idx = np.flatnonzero(cls == c)
        if idx.size == 0:
            continue
        cum = 0.0
        for pid, prob in ind.parks.items():
            sel = idx[(u[idx] >= cum) & (u[idx] < cum + prob)]
            park[sel] = park_ids.index(pid)
            cum += prob
        dw = [ind.districts.get(d, 0.0) for d in dist_ids] if ind.districts else dweights_default
        cdf = np.cumsum(np.asarray(dw) / sum(dw))
        cdf[-1] = 1.0
        district[idx] = np.searchsorted(cdf, dchoice[idx], side="right")
    in_park = park >= 0
    park_district = np.array([dist_ids.index(p["district"]) for p in cal.parks])
    district[in_park] = park_district[park[in_park]]

    # Coordinates around the park or district centre, inside the city's box.
    lon0 = np.where(
        in_park,
        np.array([p["lon"] for p in cal.parks])[park],
        np.array([d["lon"] for d in cal.districts])[district],
    )
    lat0 = np.where(
        in_park,
        np.array([p["lat"] for p in cal.parks])[park],
        np.array([d["lat"] for d in cal.districts])[district],
    )
    spread = np.where(
        in_park,
        np.array([p["radius"] for p in cal.parks])[park],
        float(raw["city"]["district_spread_deg"]),
    )
    bbox = raw["city"]["bbox"]
    lon = np.clip(lon0 + spread * rng.standard_normal(n), bbox[0], bbox[2]).round(5)
    lat = np.clip(lat0 + spread * rng.standard_normal(n), bbox[1], bbox[3]).round(5)

    # Start year: a few enterprises enter during the data years; the rest are older.
    tr = raw["trend"]
    first = int(yrs[0])
    entry_p = float(tr["new_entrant_share_per_year"]) * max(len(yrs) - 1, 0)
    entrant = rng.random(n) < entry_p
    later = yrs[1:] if len(yrs) > 1 else yrs
    start_year = (
        first - 1 - np.floor(rng.exponential(float(tr["mean_age_years"]), n)).astype(np.int64)
    )
    start_year = np.maximum(start_year, int(tr["oldest_start_year"]))
    start_year[entrant] = later[rng.integers(0, len(later), int(entrant.sum()))]
    start_month = np.where(entrant, rng.integers(1, 13, n), 1)

    ids = _enterprise_ids(cal, rng, district, start_year)
    names = _names(cal, rng, cls, district)
    f = _Firms(
        n=n,
        cls=cls,
        above=above,
        district=district,
        park=park,
        lon=lon,
        lat=lat,
        start_year=start_year,
        start_month=start_month,
        base_output=base,
        eff=eff,
        ids=ids,
        names=names,
    )
    yy = yrs[None, :, None]
    mm = np.arange(1, 13)[None, None, :]
    sy = start_year[:, None, None]
    f.active = (yy > sy) | ((yy == sy) & (mm >= start_month[:, None, None]))
    return f


def _enterprise_ids(
    cal: _Cal, rng: np.random.Generator, district: IntArray, start_year: IntArray
) -> ObjArray:
    """GB 32100-2015 codes: '9' 工商, '1' 企业, the registering division, an identifier."""
    n = district.size
    regions = np.array([d["entity_id"] for d in cal.districts])[district]
    en = cal.raw["enterprise"]
    city_level = rng.random(n) < float(en["city_level_registration_share"])
    regions = np.where(city_level, cal.raw["city"]["entity_id"], regions)
    ids: ObjArray = np.empty(n, dtype=object)
    todo = np.arange(n)
    seen: set[str] = set()
    while todo.size:
        m = todo.size
        # Identifiers issued after the 2015 reform start with 'MA'; older ones are the
        # former organisation codes (digits here).
        body = _random_chars(rng, "0123456789", m, 9)
        new = start_year[todo] >= int(en["ma_identifier_from_year"])
        if new.any():
            tail = _random_chars(rng, USCC_CHARSET, int(new.sum()), 7)
            body[new] = np.char.add("MA", tail)
        first17 = np.char.add(np.char.add("91", regions[todo].astype("U6")), body)
        codes = _uscc_codes(first17)
        keep = []
        for i, c in zip(todo, codes, strict=True):
            if c not in seen:
                seen.add(c)
                ids[i] = c
                keep.append(i)
        todo = np.setdiff1d(todo, np.asarray(keep, dtype=np.int64))
    return ids


def _names(cal: _Cal, rng: np.random.Generator, cls: IntArray, district: IntArray) -> ObjArray:
    nm = cal.raw["names"]
    n = cls.size
    places = np.array([d["short"] for d in cal.districts] + list(nm["places"]), dtype=object)
    place = np.where(rng.random(n) < 0.7, places[district], places[rng.integers(0, places.size, n)])
    chars = np.array(list(nm["brand_chars"]), dtype=object)
    suffixes = np.array([s["text"] for s in nm["suffixes"]], dtype=object)
    suffix = suffixes[_choice(rng, n, [float(s["p"]) for s in nm["suffixes"]])]
    word = np.empty(n, dtype=object)
    for c, ind in enumerate(cal.industries):
        idx = np.flatnonzero(cls == c)
        w = np.array(ind.words, dtype=object)
        word[idx] = w[rng.integers(0, w.size, idx.size)]
    names: ObjArray = (
        place + chars[rng.integers(0, chars.size, n)] + chars[rng.integers(0, chars.size, n)]
    )
    names = names + word + suffix
    # Names are unique within a registration authority: number the rare repeats.
    dup = pd.Series(names).groupby(names).cumcount().to_numpy()
    for i in np.flatnonzero(dup > 0):
        names[i] = f"{names[i][: -len(suffix[i])]}{dup[i] + 1}号{suffix[i]}"
    return names


# ---------------------------------------------------------------------------------------
# Economics
# ---------------------------------------------------------------------------------------


@dataclass
class _Econ:
    output: FloatArray  # N×Y, 万元, 0 where inactive
    va: FloatArray
    revenue: FloatArray
    tax: FloatArray
    employees: FloatArray
    rd: FloatArray


def _economics(cal: _Cal, rng: np.random.Generator, f: _Firms, yrs: IntArray) -> _Econ:
    raw = cal.raw
    en = raw["enterprise"]
    tr = raw["trend"]
    inds = cal.industries
    n, ny = f.n, yrs.size
    t = (yrs - cal.base_year).astype(np.float64)[None, :]
    frac = f.active.sum(axis=2) / _MONTHS
    growth = np.array([i.growth for i in inds])[f.cls] + float(
        tr["output_growth_sigma"]
    ) * rng.standard_normal(n)
    shock = _lognormal(rng, float(tr["output_shock_sigma"]), (n, ny))
    output = f.base_output[:, None] * np.exp(growth[:, None] * t) * shock * frac
    ratio = (
        np.array([i.va_ratio for i in inds])[f.cls][:, None]
        * _lognormal(rng, float(en["va_ratio_sigma"]), (n, 1))
        * _lognormal(rng, float(en["va_ratio_year_sigma"]), (n, ny))
    )
    lo_va, hi_va = en["va_ratio_bounds"]
    va = output * np.clip(ratio, float(lo_va), float(hi_va))
    lo, hi = en["revenue_to_output"]
    revenue = output * rng.uniform(float(lo), float(hi), (n, ny))
    tax = (
        va
        * np.array([i.tax_rate for i in inds])[f.cls][:, None]
        * _lognormal(rng, float(en["tax_sigma"]), (n, ny))
    )
    refund = rng.random((n, ny)) < float(en["negative_tax_share"])
    tax = np.where(refund, -float(en["refund_to_tax"]) * tax, tax)
    prod = np.array([i.productivity for i in inds])[f.cls][:, None]
    employees = np.maximum(
        np.round(va / prod * _lognormal(rng, float(en["employees_sigma"]), (n, ny))),
        float(en["min_employees"]),
    )
    rd = (
        revenue
        * np.array([i.rd_ratio for i in inds])[f.cls][:, None]
        * _lognormal(rng, float(en["rd_sigma"]), (n, ny))
    )
    no_rd = (~f.above) & (rng.random(n) < float(en["rd_zero_share_below"]))
    rd[no_rd, :] = 0.0
    return _Econ(output=output, va=va, revenue=revenue, tax=tax, employees=employees, rd=rd)


# ---------------------------------------------------------------------------------------
# Energy
# ---------------------------------------------------------------------------------------


@dataclass
class _Energy:
    """Energy rows as arrays (the DataFrame is built after the defects are injected)."""

    ent: IntArray  # row -> enterprise index
    period: IntArray  # row -> index into periods
    carrier: IntArray  # row -> index into carrier_names
    unit: IntArray  # row -> index into unit_names
    use: IntArray  # row -> index into use_names
    quantity: FloatArray
    ncv: FloatArray
    periods: list[str]
    carrier_names: list[str]
    unit_names: list[str]
    use_names: list[str]
    # per enterprise-year quantities other tables derive from
    total_tce: FloatArray  # N×Y gross energy (fuel + feedstock + on-site renewable), tce
    solid_tce: FloatArray  # N×Y coal, coke and oil burnt as fuel
    gas_tce: FloatArray  # N×Y gaseous fuels burnt
    weights: FloatArray  # N×Y×12 monthly activity weights (sum 1 over active months)


def _energy(cal: _Cal, rng: np.random.Generator, f: _Firms, eco: _Econ, yrs: IntArray) -> _Energy:
    raw = cal.raw
    inds = cal.industries
    n, ny = f.n, yrs.size
    cat = carriers()
    use_names = list(tables()["energy"].column("use").choices)
    t = (yrs - cal.base_year).astype(np.float64)

    # --- annual energy per enterprise: VA × intensity × trend × enterprise efficiency;
    # for 规上 enterprises the efficiency is renormalised per class and year so that the
    # class's VA-weighted intensity equals the calibration target.
    decline = (1.0 - float(raw["trend"]["intensity_decline_per_year"])) ** t
    target = np.array([i.intensity for i in inds])[f.cls][:, None] * decline[None, :]
    weighted = eco.va * f.eff[:, None]
    key = f.cls[:, None] * ny + np.arange(ny)[None, :]
    sel = f.above[:, None] & (eco.va > 0)
    k = len(inds) * ny
    num = np.bincount(key[sel], weights=eco.va[sel], minlength=k)
    den = np.bincount(key[sel], weights=weighted[sel], minlength=k)
    norm = np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0)[key]
    eff = np.where(f.above[:, None], f.eff[:, None] * norm, f.eff[:, None])
    energy = eco.va * target * eff  # N×Y tce

    # --- monthly activity weights per enterprise
    season_idx = {s: j for j, s in enumerate(cal.seasons)}
    season_arr = np.stack(list(cal.seasons.values()))
    prof = season_arr[np.array([season_idx[i.season] for i in inds])[f.cls]]
    w = prof[:, None, :] * _lognormal(
        rng, float(raw["enterprise"]["monthly_noise_sigma"]), (n, ny, _MONTHS)
    )
    w = np.where(f.active, w, 0.0)
    s = w.sum(axis=2, keepdims=True)
    weights: FloatArray = w / np.where(s > 0, s, 1.0)

    # --- slots: (enterprise, carrier, use, share) streams
    carrier_names = sorted(
        {c for i in inds for c, _, _ in i.slots}
        | {i.export[0] for i in inds if i.export}
        | {"electricity"}
    )
    cidx = {c: j for j, c in enumerate(carrier_names)}
    uidx = {u: j for j, u in enumerate(use_names)}
    slot_c: list[int] = []
    slot_u: list[int] = []
    slot_s: list[float] = []
    start = np.zeros(len(inds), dtype=np.int64)
    count = np.zeros(len(inds), dtype=np.int64)
    small_start = np.zeros(len(inds), dtype=np.int64)  # 规下: electricity and gas slots first
    small_count = np.zeros(len(inds), dtype=np.int64)
    elec_pos = np.zeros(len(inds), dtype=np.int64)
    elec_share = np.zeros(len(inds))
    for c, ind in enumerate(inds):
        ordered = sorted(
            ind.slots,
            key=lambda sl: (
                sl[0] not in ("electricity", "natural_gas") or sl[1] != "fuel",
                sl[0] != "electricity",
            ),
        )
        start[c] = len(slot_c)
        count[c] = len(ordered)
        small_start[c] = start[c]
        small_count[c] = sum(
            1 for sl in ordered if sl[0] in ("electricity", "natural_gas") and sl[1] == "fuel"
        )
        for pos, (car, use, share) in enumerate(ordered):
            if car == "electricity" and use == "fuel":
                elec_pos[c] = pos
                elec_share[c] = share
            slot_c.append(cidx[car])
            slot_u.append(uidx[use])
            slot_s.append(share)
    slot_c_a = np.asarray(slot_c, dtype=np.int64)
    slot_u_a = np.asarray(slot_u, dtype=np.int64)
    slot_s_a = np.asarray(slot_s)

    n_slots = np.where(f.above, count[f.cls], small_count[f.cls])
    es_ent = np.repeat(np.arange(n, dtype=np.int64), n_slots)
    offs = np.cumsum(n_slots) - n_slots
    within = np.arange(es_ent.size) - np.repeat(offs, n_slots)
    es_slot = start[f.cls][es_ent] + within
    es_car = slot_c_a[es_slot]
    es_use = slot_u_a[es_slot]
    es_share = slot_s_a[es_slot]
    mult = np.ones((es_ent.size, ny))
    es_solar = np.zeros(es_ent.size, dtype=bool)
    grid_row = offs + elec_pos[f.cls]  # each enterprise's grid-electricity stream

    ex = raw["extras"]
    extra_ent: list[IntArray] = []
    extra_car: list[IntArray] = []
    extra_use: list[IntArray] = []
    extra_share: list[FloatArray] = []
    extra_mult: list[FloatArray] = []
    extra_solar: list[BoolArray] = []

    def add(
        ents: IntArray,
        car: IntArray,
        use: str,
        share: FloatArray,
        m: FloatArray,
        solar: bool = False,
    ) -> None:
        extra_ent.append(ents)
        extra_car.append(car)
        extra_use.append(np.full(ents.size, uidx[use], dtype=np.int64))
        extra_share.append(share)
        extra_mult.append(m)
        extra_solar.append(np.full(ents.size, solar))

    # exports (blast-furnace gas, heat, electricity sold to others)
    u_exp = rng.random(n)
    for c, ind in enumerate(inds):
        if ind.export is None:
            continue
        car, share, prob = ind.export
        ents = np.flatnonzero((f.cls == c) & f.above & (u_exp < prob))
        add(
            ents,
            np.full(ents.size, cidx[car]),
            "export",
            np.full(ents.size, share),
            np.ones((ents.size, ny)),
        )
    # non-industrial electricity (canteens, dormitories)
    lo, hi = ex["non_industrial_fraction"]
    ents = np.flatnonzero(f.above & (rng.random(n) < float(ex["non_industrial_probability"])))
    add(
        ents,
        np.full(ents.size, cidx["electricity"]),
        "non_industrial",
        elec_share[f.cls[ents]] * rng.uniform(float(lo), float(hi), ents.size),
        np.ones((ents.size, ny)),
    )
    # rooftop PV: part of the electricity is generated on site from a start year on
    pv_ok = np.array([i.pv_allowed for i in inds])[f.cls] & (elec_share[f.cls] > 0)
    p_pv = np.where(f.above, float(ex["pv_probability_above"]), float(ex["pv_probability_below"]))
    ents = np.flatnonzero(pv_ok & (rng.random(n) < p_pv))
    lo, hi = ex["pv_fraction"]
    frac = rng.uniform(float(lo), float(hi), ents.size)
    pv_start = np.maximum(
        rng.integers(int(yrs[0]) - 3, int(yrs[-1]) + 1, ents.size), f.start_year[ents]
    )
    on = (yrs[None, :] >= pv_start[:, None]) * frac[:, None]
    mult[grid_row[ents]] = 1.0 - on
    add(
        ents,
        np.full(ents.size, cidx["electricity"]),
        "self_generated_renewable",
        elec_share[f.cls[ents]],
        on,
        solar=True,
    )

    if extra_ent:
        es_ent = np.concatenate([es_ent, *extra_ent])
        es_car = np.concatenate([es_car, *extra_car])
        es_use = np.concatenate([es_use, *extra_use])
        es_share = np.concatenate([es_share, *extra_share])
        mult = np.concatenate([mult, *extra_mult])
        es_solar = np.concatenate([es_solar, *extra_solar])

    annual = energy[es_ent] * es_share[:, None] * mult  # ES×Y tce

    # per enterprise-year aggregates for the other tables
    ents_y = es_ent[:, None] * ny + np.arange(ny)[None, :]
    counted = np.isin(es_use, [uidx["fuel"], uidx["feedstock"], uidx["self_generated_renewable"]])
    burnt = es_use == uidx["fuel"]
    category = np.array([cat[c].category for c in carrier_names])[es_car]
    solid = burnt & np.isin(category, ["coal", "coke", "oil"])
    gas = burnt & (category == "gas")
    total_tce = _sum_by(ents_y[counted], annual[counted], n * ny).reshape(n, ny)
    solid_tce = _sum_by(ents_y[solid], annual[solid], n * ny).reshape(n, ny)
    gas_tce = _sum_by(ents_y[gas], annual[gas], n * ny).reshape(n, ny)

    # --- monthly split: enterprise profile × carrier noise; PV follows the sun
    es_n = es_ent.size
    noise = np.exp(
        float(raw["enterprise"]["carrier_noise_sigma"])
        * rng.standard_normal((es_n, ny, _MONTHS), dtype=np.float32)
    )
    q = weights[es_ent] * noise
    if es_solar.any():
        sun = cal.seasons["solar"][None, None, :] * f.active[es_ent[es_solar]]
        q[es_solar] = sun
    s = q.sum(axis=2, keepdims=True)
    q /= np.where(s > 0, s, 1.0)
    q *= annual[:, :, None]  # tce per month

    # --- physical quantity in the unit the enterprise reports
    unit_names: list[str] = []
    es_unit = np.zeros(es_n, dtype=np.int64)
    es_dec = np.zeros(es_n, dtype=np.int64)
    es_fac = np.ones(es_n)
    groups = np.array([cal.carrier_group[c] for c in carrier_names])[es_car]
    for g, opts in cal.units.items():
        idx = np.flatnonzero(groups == g)
        if idx.size == 0:
            continue
        pick = _choice(rng, idx.size, [o.p for o in opts])
        for j, o in enumerate(opts):
            if o.unit not in unit_names:
                unit_names.append(o.unit)
            sel = idx[pick == j]
            es_unit[sel] = unit_names.index(o.unit)
            es_dec[sel] = o.decimals
            for c in np.unique(es_car[sel]):
                sc = sel[es_car[sel] == c]
                es_fac[sc] = conversion_factor(o.unit, cat[carrier_names[c]].canonical_unit)
    coef = np.array([cal.coef[c] for c in carrier_names])[es_car]
    mask = q > 0
    per_unit = coef * es_fac  # tce per reporting unit
    q /= per_unit[:, None, None]
    flat = np.flatnonzero(mask.ravel())
    del mask
    row_es = flat // (ny * _MONTHS)
    period = flat % (ny * _MONTHS)
    quantity = _round(q.ravel()[flat], es_dec[row_es])
    del q, flat

    # measured NCV on part of the 规上 bituminous-coal streams (large coal users)
    rp = raw["reporting"]
    ncv_es = (
        (es_car == cidx.get("bituminous_coal", -1))
        & f.above[es_ent]
        & (rng.random(es_n) < float(rp["measured_ncv_share"]))
    )
    ncv = np.full(row_es.size, np.nan)
    has = ncv_es[row_es]
    ncv[has] = np.round(
        float(rp["measured_ncv_mean"])
        + float(rp["measured_ncv_sigma"]) * rng.standard_normal(int(has.sum())),
        2,
    )

    periods = [f"{y:04d}-{m:02d}" for y in yrs for m in range(1, 13)]
    return _Energy(
        ent=es_ent[row_es],
        period=period,
        carrier=es_car[row_es],
        unit=es_unit[row_es],
        use=es_use[row_es],
        quantity=quantity,
        ncv=ncv,
        periods=periods,
        carrier_names=carrier_names,
        unit_names=unit_names,
        use_names=use_names,
        total_tce=total_tce,
        solid_tce=solid_tce,
        gas_tce=gas_tce,
        weights=weights,
    )


# ---------------------------------------------------------------------------------------
# Production, process, pollutants
# ---------------------------------------------------------------------------------------


def _production(
    cal: _Cal, rng: np.random.Generator, f: _Firms, eco: _Econ, en: _Energy, yrs: IntArray
) -> tuple[pd.DataFrame, dict[tuple[int, str], FloatArray]]:
    raw = cal.raw
    ny = yrs.size
    t = (yrs - cal.base_year).astype(np.float64)
    ued = (1.0 - float(raw["trend"]["unit_energy_decline_per_year"])) ** t
    thr = float(raw["reporting"]["production_wan_threshold_t"])
    prefers_wan = rng.random(f.n) < float(raw["reporting"]["production_wan_share"])
    qty_by: dict[tuple[int, str], FloatArray] = {}
    parts: list[pd.DataFrame] = []
    for c, ind in enumerate(cal.industries):
        if not ind.products:
            continue
        ents = np.flatnonzero((f.cls == c) & f.above)
        if ents.size == 0:
            continue
        for p in ind.products:
            if p.kgce_per_unit is not None:
                share = p.energy_share if p.energy_share is not None else 1.0
                q = en.total_tce[ents] * share / (p.kgce_per_unit / 1000.0 * ued[None, :])
            elif p.price_10k_yuan is not None:
                q = eco.output[ents] / p.price_10k_yuan
            else:
                assert p.per_unit_of is not None
                q = qty_by[(c, p.per_unit_of)][ents] * p.ratio
            q = q * _lognormal(rng, float(raw["enterprise"]["production_sigma"]), q.shape)
            full = np.zeros((f.n, ny))
            full[ents] = q
            qty_by[(c, p.name)] = full
            e_i, y_i = np.nonzero(q > 0)
            vals = q[e_i, y_i]
            if p.unit == "吨":
                wan = (vals > thr) & prefers_wan[ents[e_i]]
                unit = np.where(wan, "万吨", "吨")
                vals = np.where(wan, np.round(vals / 1e4, 4), np.round(vals, 1))
            else:
                unit = np.full(vals.size, p.unit)
                vals = np.round(vals)
            parts.append(
                pd.DataFrame(
                    {
                        "entity_id": f.ids[ents[e_i]],
                        "year": yrs[y_i],
                        "product": p.name,
                        "quantity": vals,
                        "unit": unit,
                        "energy_share": np.nan if p.energy_share is None else p.energy_share,
                    }
                )
            )
    cols = tables()["production"].column_names
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(cols))
    out = out.sort_values(["entity_id", "year", "product"], kind="stable", ignore_index=True)
    out["energy_share"] = out["energy_share"].astype("float64")
    return out[list(cols)], qty_by


def _process(
    cal: _Cal,
    rng: np.random.Generator,
    f: _Firms,
    en: _Energy,
    qty_by: dict[tuple[int, str], FloatArray],
) -> pd.DataFrame:
    opts = _options(cal.raw["reporting"]["process_units"])
    oxide_sd = float(cal.raw["enterprise"]["oxide_fraction_sigma"])
    parts: list[pd.DataFrame] = []
    for c, ind in enumerate(cal.industries):
        pr = ind.process
        if pr is None or (c, pr.product) not in qty_by:
            continue
        ents = np.flatnonzero((f.cls == c) & f.above)
        annual = qty_by[(c, pr.product)][ents] * pr.per_unit
        monthly = annual[:, :, None] * en.weights[ents]
        e_i, y_i, m_i = np.nonzero(monthly > 0)
        vals = monthly[e_i, y_i, m_i]
        pick = _choice(rng, ents.size, [o.p for o in opts])[e_i]
        unit = np.array([o.unit for o in opts])[pick]
        dec = np.array([o.decimals for o in opts])[pick]
        fac = np.array([conversion_factor(o.unit, "t") for o in opts])[pick]
        frame = pd.DataFrame(
            {
                "entity_id": f.ids[ents[e_i]],
                "period": np.asarray(en.periods, dtype=object)[y_i * _MONTHS + m_i],
                "material": pr.material,
                "quantity": _round(vals / fac, dec),
                "unit": unit,
            }
        )
        for name, rngs in (("cao_fraction", pr.cao), ("mgo_fraction", pr.mgo)):
            if rngs is None:
                frame[name] = np.nan
            else:
                base = rng.uniform(rngs[0], rngs[1], ents.size)[e_i]
                frame[name] = np.clip(
                    base + oxide_sd * rng.standard_normal(vals.size), rngs[0], rngs[1]
                ).round(4)
        frame["calcination_fraction"] = np.nan if pr.calcination is None else pr.calcination
        parts.append(frame)
    cols = list(tables()["process"].column_names)
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    return out[cols]


def _pollutants(
    cal: _Cal, rng: np.random.Generator, f: _Firms, eco: _Econ, en: _Energy, yrs: IntArray
) -> pd.DataFrame:
    pc = cal.raw["pollutants"]
    inds = cal.industries
    air = {
        k: np.array([i.air.get(k, 1.0) for i in inds])[f.cls][:, None]
        for k in ("so2", "nox", "particulates")
    }
    cod_f = np.array([i.cod for i in inds])[f.cls][:, None]
    sig = float(pc["sigma"])
    shape = (f.n, yrs.size)
    values = {
        "so2": en.solid_tce * float(pc["so2_kg_per_tce_solid"]) / 1000 * air["so2"],
        "nox": (
            en.solid_tce * float(pc["nox_kg_per_tce_solid"])
            + en.gas_tce * float(pc["nox_kg_per_tce_gas"])
        )
        / 1000
        * air["nox"],
        "particulates": en.solid_tce
        * float(pc["particulates_kg_per_tce_solid"])
        / 1000
        * air["particulates"],
        "cod": eco.output * cod_f,
    }
    values["nh3_n"] = values["cod"] * float(pc["nh3_n_per_cod"])
    big = (en.solid_tce + en.gas_tce) >= float(pc["min_fossil_tce"])
    wet = cod_f > 0
    opts = _options(cal.raw["reporting"]["pollutant_units"])
    pick = _choice(rng, f.n, [o.p for o in opts])
    parts: list[pd.DataFrame] = []
    for name in tables()["pollutants"].column("pollutant").choices:
        reports = (big if name in ("so2", "nox", "particulates") else wet) & f.above[:, None]
        v = values[name] * _lognormal(rng, sig, shape)
        e_i, y_i = np.nonzero(reports & (v > 0))
        vals = v[e_i, y_i]
        p = pick[e_i]
        fac = np.array([conversion_factor(o.unit, "t") for o in opts])[p]
        dec = np.array([o.decimals for o in opts])[p]
        parts.append(
            pd.DataFrame(
                {
                    "entity_id": f.ids[e_i],
                    "year": yrs[y_i],
                    "pollutant": name,
                    "quantity_t": _round(vals / fac, dec),
                    "unit": np.array([o.unit for o in opts])[p],
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out = out[out["quantity_t"] > 0]
    return out.sort_values(["entity_id", "year", "pollutant"], kind="stable", ignore_index=True)[
        list(tables()["pollutants"].column_names)
    ]


# ---------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------


def _entities_frame(
    cal: _Cal,
    rng: np.random.Generator,
    f: _Firms,
    eco: _Econ,
    yrs: IntArray,
    no_district: int | None,
) -> pd.DataFrame:
    raw = cal.raw
    en = raw["enterprise"]
    inds = cal.industries
    city = raw["city"]
    dist_ids = np.array([d["entity_id"] for d in cal.districts], dtype=object)
    park_ids = np.array([p["entity_id"] for p in cal.parks], dtype=object)

    # land: value added in the first active year / VA per mu (industry), lognormal spread
    first = np.argmax(eco.va > 0, axis=1)
    va0 = eco.va[np.arange(f.n), first]
    va0 = np.where(va0 > 0, va0, f.base_output * np.array([i.va_ratio for i in inds])[f.cls])
    land = (
        va0
        / np.array([i.va_per_mu for i in inds])[f.cls]
        * _lognormal(rng, float(en["land_sigma"]), f.n)
    )
    land = np.maximum(land, float(en["min_land_mu"]))
    tenant = (~f.above) & (rng.random(f.n) < float(en["tenant_share_below"]))
    opts = _options(raw["reporting"]["land_units"])
    pick = _choice(rng, f.n, [o.p for o in opts])
    fac = np.array([conversion_factor(o.unit, "亩") for o in opts])[pick]
    land_val = _round(land / fac, np.array([o.decimals for o in opts])[pick])
    land_val = np.where(tenant, np.nan, land_val)
    land_unit: ObjArray = np.array([o.unit for o in opts], dtype=object)[pick]
    land_unit[tenant] = None

    district_col = dist_ids[f.district].copy()
    if no_district is not None:
        district_col[no_district] = None
    park_col: ObjArray = park_ids[np.maximum(f.park, 0)].copy()
    park_col[f.park < 0] = None
    ent = pd.DataFrame(
        {
            "entity_id": f.ids,
            "entity_type": "enterprise",
            "name": f.names,
            "district_id": district_col,
            "park_id": park_col,
            "industry_code": np.array([i.code for i in inds], dtype=object)[f.cls],
            "scale": np.where(f.above, "above", "below"),
            "land_area_mu": land_val,
            "land_unit": land_unit,
            "lon": f.lon,
            "lat": f.lat,
            "start_year": f.start_year,
        }
    )
    head = [
        {
            "entity_id": city["entity_id"],
            "entity_type": "city",
            "name": city["name"],
            "lon": city["lon"],
            "lat": city["lat"],
        }
    ]
    head += [
        {
            "entity_id": d["entity_id"],
            "entity_type": "district",
            "name": d["name"],
            "lon": d["lon"],
            "lat": d["lat"],
        }
        for d in cal.districts
    ]
    head += [
        {
            "entity_id": p["entity_id"],
            "entity_type": "park",
            "name": p["name"],
            "district_id": p["district"],
            "land_area_mu": float(p["planned_area_mu"]),
            "land_unit": "亩",
            "lon": p["lon"],
            "lat": p["lat"],
            "start_year": p["start_year"],
        }
        for p in cal.parks
    ]
    out = pd.concat([pd.DataFrame(head), ent], ignore_index=True)
    out["start_year"] = out["start_year"].astype("Int64")
    for c in ("land_area_mu", "lon", "lat"):
        out[c] = out[c].astype("float64")
    out["entity_type"] = pd.Categorical(
        out["entity_type"], categories=list(tables()["entities"].column("entity_type").choices)
    )
    out["scale"] = pd.Categorical(out["scale"], categories=["above", "below"])
    return out[list(tables()["entities"].column_names)]


def _economics_frame(
    cal: _Cal,
    rng: np.random.Generator,
    f: _Firms,
    eco: _Econ,
    yrs: IntArray,
    va_defect: tuple[int, int] | None,
) -> pd.DataFrame:
    opts = _options(cal.raw["reporting"]["money_units"])
    e_i, y_i = np.nonzero(eco.output > 0)
    pick = _choice(rng, f.n, [o.p for o in opts])[e_i]
    fac = np.array([conversion_factor(o.unit, "万元") for o in opts])[pick]
    dec = np.array([o.decimals for o in opts])[pick]
    va = eco.va.copy()
    if va_defect is not None:
        e, y = va_defect
        va[e, y] = eco.output[e, y] * 1.35

    def money(a: FloatArray) -> FloatArray:
        return _round(a[e_i, y_i] / fac, dec)

    out = pd.DataFrame(
        {
            "entity_id": f.ids[e_i],
            "year": yrs[y_i],
            "output_value_10k_yuan": money(eco.output),
            "value_added_10k_yuan": money(va),
            "revenue_10k_yuan": money(eco.revenue),
            "tax_10k_yuan": money(eco.tax),
            "employees": eco.employees[e_i, y_i],
            "rd_expense_10k_yuan": money(eco.rd),
            "money_unit": np.array([o.unit for o in opts], dtype=object)[pick],
        }
    )
    out["money_unit"] = out["money_unit"].astype("category")
    return out[list(tables()["economics"].column_names)]


def _energy_frame(f: _Firms, en: _Energy) -> pd.DataFrame:
    def catcol(codes: IntArray, names: Sequence[str]) -> pd.Categorical[str]:
        return pd.Categorical.from_codes(codes.astype(np.int32), categories=pd.Index(list(names)))

    return pd.DataFrame(
        {
            "entity_id": catcol(en.ent, list(f.ids)),
            "period": catcol(en.period, en.periods),
            "carrier": catcol(en.carrier, en.carrier_names),
            "quantity": en.quantity,
            "unit": catcol(en.unit, en.unit_names),
            "use": catcol(en.use, en.use_names),
            "measured_ncv": en.ncv,
        }
    )


def _inject_energy_defects(
    rng: np.random.Generator, en: _Energy, targets: IntArray, yrs: IntArray
) -> None:
    """unknown_carrier, unknown_unit, negative_quantity, duplicate_energy_key,
    period_out_of_range and unit_slip, each on rows of its own enterprise (when there are
    enough enterprises)."""
    n_rows = en.quantity.size
    used: set[int] = set()

    def row_of(ent: int, cond: BoolArray | None = None, middle: bool = False) -> int:
        for mask in (
            (en.ent == ent) & cond if cond is not None else None,
            cond,
            en.ent == ent,
            np.ones(n_rows, dtype=bool),
        ):
            if mask is None:
                continue
            cand = np.setdiff1d(
                np.flatnonzero(mask), np.fromiter(used, dtype=np.int64, count=len(used))
            )
            if middle and cand.size > 4:
                cand = cand[2:-2]
            if cand.size:
                r = int(cand[rng.integers(0, cand.size)])
                used.add(r)
                return r
        raise ValueError("no energy rows to damage")

    solid = np.isin(
        en.carrier,
        [
            en.carrier_names.index(c)
            for c in ("bituminous_coal", "anthracite", "coke")
            if c in en.carrier_names
        ],
    )
    # unknown carrier: a coal row reported as 兰炭
    r = row_of(int(targets[0]), solid)
    en.carrier_names.append(_UNKNOWN_CARRIER)
    en.carrier[r] = len(en.carrier_names) - 1
    # unknown unit: a solid fuel counted in truckloads
    r = row_of(int(targets[1]), solid)
    en.unit_names.append(_UNKNOWN_UNIT)
    en.unit[r] = len(en.unit_names) - 1
    # negative quantity
    r = row_of(int(targets[2]))
    en.quantity[r] = -abs(en.quantity[r]) if en.quantity[r] != 0 else -1.0
    # periods out of range: month 13 of the first year, and a month three years ahead
    r = row_of(int(targets[3]))
    en.periods.append(f"{int(yrs[0]):04d}-13")
    en.period[r] = len(en.periods) - 1
    r = row_of(int(targets[3]))
    en.periods.append(f"{int(yrs[-1]) + 3:04d}-06")
    en.period[r] = len(en.periods) - 1
    # unit slip: one month of electricity in 万千瓦时 typed as kWh (×10 000)
    wan = en.unit_names.index("万千瓦时") if "万千瓦时" in en.unit_names else -1
    elec = (en.carrier == en.carrier_names.index("electricity")) & (en.unit == wan)
    r = row_of(int(targets[4]), elec, middle=True)
    en.quantity[r] = en.quantity[r] * 10_000 if en.quantity[r] > 0 else 10_000.0
    # duplicate key: the same month submitted twice with a corrected figure
    r = row_of(int(targets[5]))
    order = np.insert(np.arange(n_rows), r + 1, r)
    for name in ("ent", "period", "carrier", "unit", "use", "quantity", "ncv"):
        setattr(en, name, getattr(en, name)[order])
    en.quantity[r + 1] = round(float(en.quantity[r]) * 1.03, 4)


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------


def generate_demo_city(
    *,
    seed: int = 2025,
    enterprises: int = 1500,
    years: Sequence[int] = range(2020, 2026),
    defects: bool = False,
) -> dict[str, pd.DataFrame]:
    """Generate the demo city 青山市 as a data package (table name -> DataFrame).

    ``enterprises`` sets the number of enterprises (the city, 5 districts and 6 parks come
    on top); ``years`` the calendar years of monthly energy and yearly economics rows;
    ``seed`` makes the result reproducible. With ``defects=True`` one defect of each kind
    in :data:`DEFECT_KINDS` is injected; everything else is identical to ``defects=False``.
    Tables use the canonical columns of ``spec/tables.toml``; large string columns are
    categoricals.
    """
    if enterprises < 1:
        raise ValueError(f"enterprises must be at least 1, got {enterprises}")
    yrs = np.array(sorted({int(y) for y in years}), dtype=np.int64)
    if yrs.size == 0:
        raise ValueError("years must name at least one year")
    cal = _cal()
    ss = np.random.SeedSequence(seed)
    r_firm, r_eco, r_en, r_prod, r_proc, r_pol, r_tab, r_def = (
        np.random.default_rng(s) for s in ss.spawn(8)
    )

    f = _firms(cal, r_firm, enterprises, yrs)
    eco = _economics(cal, r_eco, f, yrs)
    en = _energy(cal, r_en, f, eco, yrs)
    production, qty_by = _production(cal, r_prod, f, eco, en, yrs)
    process = _process(cal, r_proc, f, en, qty_by)
    pollutants = _pollutants(cal, r_pol, f, eco, en, yrs)

    no_district: int | None = None
    va_defect: tuple[int, int] | None = None
    if defects:
        with_rows = np.unique(en.ent[f.above[en.ent]])
        pool = with_rows if with_rows.size else np.unique(en.ent)
        targets = r_def.choice(pool, size=9, replace=pool.size < 9)
        _inject_energy_defects(r_def, en, targets[:6], yrs)
        no_district = int(targets[6])
        e = int(targets[7])
        active_years = np.flatnonzero(eco.output[e] > 0)
        va_defect = (e, int(active_years[r_def.integers(0, active_years.size)]))
        bad = int(targets[8])
        code = str(f.ids[bad])
        wrong = [c for c in USCC_CHARSET if c != code[17]]
        for c in wrong[int(r_def.integers(0, len(wrong))) :] + wrong:
            if code[:17] + c not in set(f.ids):
                f.ids[bad] = code[:17] + c
                break
        old, new = code, str(f.ids[bad])
        for frame in (production, process, pollutants):
            if len(frame):
                frame.loc[frame["entity_id"] == old, "entity_id"] = new

    out = {
        "entities": _entities_frame(cal, r_tab, f, eco, yrs, no_district),
        "energy": _energy_frame(f, en),
        "economics": _economics_frame(cal, r_tab, f, eco, yrs, va_defect),
        "production": production,
        "process": process,
        "pollutants": pollutants,
    }
    return out
