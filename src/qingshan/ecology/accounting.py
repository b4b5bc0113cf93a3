"""The GEP accounting engine (生态系统生产总值核算): one accounting year of an ecological
package (:mod:`qingshan.ecology.package`), valued with a price set indexed to the year.

What a run does (docs/gep/engine.md):

1. **Raster models, local kernels, by window** (numpy over rasterio windows, or the same
   kernels on dask arrays, optionally on a ``dask.distributed`` client): carbon storage by
   pools (InVEST carbon, :mod:`qingshan.methods.carbon_storage`), carbon sequestration as the
   storage change from the previous LULC year divided by the years between them, and InVEST's
   annual water yield (:mod:`qingshan.methods.water_yield`). Every per-pixel field is summed
   by district × ecosystem type (:mod:`qingshan.methods.zonal`).
2. **Soil retention** (:mod:`qingshan.methods.soil_retention`): flow routing is not local, so
   the chain runs on the whole grid at once (no watershed raster is defined in the package
   yet, so not watershed by watershed).
3. **Table services** from the package's statistics: provisioning products (output value,
   or quantity × price for water supply and hydropower), recreation (tourism revenue); flood
   regulation and purification only when their inputs are given as arguments.
4. **Value** with :mod:`qingshan.methods.gep_value`: every price is the package's own
   (``prices`` table) if it has the item, else the price set's, moved to the accounting year
   with the price index (P · I[t]/I[t₀]); GEP by class, service, district and ecosystem.
5. Services whose inputs or prices are missing are listed as **not accounted**, with why —
   never silently zero. The double-count guard's warnings (V008) are reported.

:func:`compare` splits the change between two accounts into quantity and price effects
(Bennet, :func:`qingshan.methods.gep_value.value_change`).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import rasterio
from numpy.typing import NDArray
from rasterio.windows import Window

from qingshan.ecology.package import EcoPackage
from qingshan.ecology.price_index import load_price_index
from qingshan.ecology.prices import GepPrice, PriceSet, load_price_set
from qingshan.ecology.spec import eco_spec
from qingshan.ecology.windows import as_dask, iter_blocks
from qingshan.errors import ConfigError, Problem, ValidationError
from qingshan.methods import gep_services as svc
from qingshan.methods import gep_value as gv
from qingshan.methods.carbon_storage import CarbonPools, storage_density
from qingshan.methods.constants import CO2_PER_C
from qingshan.methods.reclassify import Grid, data_mask, reclassify
from qingshan.methods.water_yield import WaterYieldTable, annual_water_yield
from qingshan.methods.zonal import zonal_sums

#: Services (service key → class, 中文, English). Provisioning services are the package's
#: product groups.
SERVICES: dict[str, tuple[str, str, str]] = {
    "agriculture": ("provisioning", "农业产品", "agricultural products"),
    "forestry": ("provisioning", "林业产品", "forestry products"),
    "husbandry": ("provisioning", "畜牧业产品", "animal husbandry products"),
    "fishery": ("provisioning", "渔业产品", "fishery products"),
    "water_supply": ("provisioning", "水资源", "water supply"),
    "hydropower": ("provisioning", "水电", "hydropower"),
    "water_conservation": ("regulating", "水源涵养", "water conservation"),
    "soil_retention": ("regulating", "土壤保持", "soil retention"),
    "carbon_sequestration": ("regulating", "固碳", "carbon sequestration"),
    "oxygen_release": ("regulating", "释氧", "oxygen release"),
    "flood_regulation": ("regulating", "洪水调蓄", "flood regulation"),
    "air_purification": ("regulating", "空气净化", "air purification"),
    "water_purification": ("regulating", "水质净化", "water purification"),
    "climate_regulation": ("regulating", "气候调节", "climate regulation"),
    "pest_control": ("regulating", "病虫害控制", "pest control"),
    "sand_fixation": ("regulating", "防风固沙", "wind-erosion prevention (sand fixation)"),
    "recreation": ("cultural", "休闲游憩", "recreation"),
    "imported": ("imported", "区域外生态产品（扣除）", "ecological products from outside the region (deducted)"),
}
#: The package's provisioning product groups (services of class provisioning).
PROVISIONING_GROUPS = tuple(k for k, v in SERVICES.items() if v[0] == "provisioning")
#: Ecosystem of rows not attributed to an ecosystem type: statistics, and carbon
#: sequestration, which is the net storage change of a district over all its ecosystems.
UNALLOCATED = "unallocated"
#: Indicator of carbon sequestration rows: the same name every period (so rows match between
#: years); the period is in the row's ``source``.
CARBON_INDICATOR = "storage_change"
#: Zone code = district raster code × this + ecosystem index (1-based).
_ZONE_STRIDE = 32
#: Price items the engine looks up (the vocabulary of the shipped price sets).
PRICE_ITEMS = {
    "water_conservation": "reservoir_storage_cost",
    "flood_regulation": "reservoir_storage_cost",
    "sediment": "reservoir_dredging_cost",
    "nitrogen": "nitrogen_treatment_cost",
    "phosphorus": "phosphorus_treatment_cost",
    "carbon": "carbon_price",
    "water_supply": "water_price",
    "hydropower": "electricity_price",
}
#: Pollutant → price item (purification), [Ganzi] §2.4.5–2.4.6 as in the shipped sets.
POLLUTANT_PRICE = {"SO2": "so2_treatment_cost", "NOx": "nox_treatment_cost",
                   "industrial_dust": "industrial_dust_treatment_cost",
                   "COD": "cod_treatment_cost", "NH3-N": "nh3n_treatment_cost"}
#: Per-pixel rasters written for maps (name → unit).
RASTERS = {"c_storage": "t C/ha", "c_sequestration": "t C/(ha·a)", "wyield": "mm/a", "avoided_erosion": "t/(ha·a)"}
Engine = Literal["numpy", "dask"]


@dataclass(frozen=True)
class SoilOptions:
    """InVEST SDR's routing parameters: ``threshold_flow_accumulation`` (cells) and ``l_max``
    (LS cap); both are user inputs in InVEST (its sample data use 1000 and 122)."""

    threshold_flow_accumulation: float
    l_max: float
    flow_dir: Literal["mfd", "d8"] = "mfd"


@dataclass(frozen=True)
class Pricing:
    """A price set and the fixed-base index (year → index) that moves its prices to the
    accounting year; ``index_name`` names the series (``cpi``)."""

    prices: PriceSet
    index: Mapping[int, float]
    index_name: str
    name: str = ""

    @classmethod
    def shipped(cls, name: str, index_name: str = "cpi") -> Pricing:
        """A shipped price set (``ganzi_2010``…) with a shipped index series (``cpi``)."""
        return cls(load_price_set(name), load_price_index(index_name), index_name, name)

    @property
    def label(self) -> str:
        return self.name or self.prices.name


@dataclass(frozen=True)
class UsedPrice:
    """A price as used: ``value`` indexed to the accounting year, the ``base_value`` of
    ``price_year``, the index ratio and where the price came from."""

    item: str
    value: float
    unit: str
    base_value: float
    price_year: int
    index_ratio: float
    source: str
    origin: str


@dataclass
class GepAccount:
    """One year's account. ``table`` is the valued accounting table (one row per district,
    ecosystem, class, service and indicator; :func:`qingshan.methods.gep_value.value_table`
    columns plus price provenance); ``physical`` the physical totals by district × ecosystem;
    ``not_accounted`` the services left out and why; ``problems`` the double-count warnings."""

    year: int
    table: pd.DataFrame
    physical: pd.DataFrame
    not_accounted: list[dict[str, Any]]
    problems: list[Problem]
    rasters: dict[str, Path]
    provenance: dict[str, Any]
    districts: dict[str, str] = field(default_factory=dict)

    @property
    def gep(self) -> float:
        return gv.gep(self.table) if len(self.table) else 0.0

    def totals(self, by: str) -> pd.Series:
        """GEP (yuan) by ``class``, ``service``, ``district`` or ``ecosystem``."""
        if not len(self.table):
            return pd.Series(dtype="float64")
        return gv.gep_by(self.table, [by])


@dataclass
class GepComparison:
    """The change between two accounts, row by row and by service, split into quantity and
    price effects (plus ``unsplit`` for rows valued from output value only and
    ``scope_change`` for services accounted in only one of the two years)."""

    base: GepAccount
    target: GepAccount
    rows: pd.DataFrame

    def by(self, key: str) -> pd.DataFrame:
        cols = ["value_base", "value_target", "change", "quantity_effect", "price_effect", "unsplit",
                "scope_change"]
        return self.rows.groupby(key, sort=True)[cols].sum()


#: Kinds of a ``not_accounted`` entry: a service (or a district's part of it) left out; a
#: district's net carbon storage loss, valued as zero sequestration and recorded here instead;
#: district area a raster service does not cover (NaN pixels).
NOTE_KINDS = ("not_accounted", "carbon_loss", "coverage")


def _why(service: str, zh: str, en: str, district: str | None = None, kind: str = "not_accounted",
         **extra: Any) -> dict[str, Any]:
    """A ``not_accounted`` entry; ``district`` is None when it concerns the whole area."""
    cls, szh, sen = SERVICES[service]
    return {"service": service, "class": cls, "zh": szh, "en": sen, "why_zh": zh, "why_en": en,
            "district": district, "kind": kind, **extra}


# --------------------------------------------------------------------------- prices


def _package_price(package: EcoPackage, item: str, year: int) -> pd.Series | None:
    t = package.tables.get("prices")
    if t is None or "item" not in t:
        return None
    rows = t[t["item"] == item]
    if rows.empty:
        return None
    years = [int(y) for y in rows["price_year"]]
    same = [i for i, y in enumerate(years) if y == year]
    before = [i for i, y in enumerate(years) if y < year]
    if same:
        i = same[0]
    elif before:
        i = max(before, key=lambda j: years[j])
    else:
        i = min(range(len(years)), key=lambda j: years[j])
    pick: pd.Series = rows.iloc[i]
    return pick


def find_price(item: str, year: int, pricing: Pricing, package: EcoPackage) -> UsedPrice | str:
    """The price of ``item`` for ``year``: the package's own (same year, else the latest
    earlier, else the earliest) or the price set's, indexed to ``year``. A string says why
    there is none."""
    row = _package_price(package, item, year)
    if row is not None:
        base, unit, py, source = float(row["value"]), str(row["unit"]), int(row["price_year"]), str(row["source"])
        origin = f"package {row['_file']} row {row['_row']}"
    else:
        try:
            p: GepPrice = pricing.prices.get(item)
        except KeyError:
            return f"no price '{item}' in the package's prices or the price set {pricing.label}"
        base, unit, py, source, origin = p.value, p.unit, p.price_year, p.source, f"price set {pricing.label}"
    if py == year:
        ratio = 1.0
    else:
        try:
            ratio = gv.index_price(1.0, py, year, pricing.index)
        except ValidationError:
            return f"price '{item}' of {py} cannot be moved to {year}: the {pricing.index_name} index lacks a year"
    return UsedPrice(item, base * ratio, unit, base, py, ratio, source, origin)


def _parameter(item: str, pricing: Pricing) -> GepPrice | None:
    try:
        p = pricing.prices.get(item)
    except KeyError:
        return None
    return p if p.kind == "parameter" else None


# --------------------------------------------------------------------------- zones and kernels


@dataclass(frozen=True)
class _Context:
    """What the kernels need of the package: class table, pools, water-yield table."""

    codes: NDArray[np.int64]
    eco_index: NDArray[np.float64]
    ecosystems: tuple[str, ...]
    district_codes: tuple[int, ...]
    by_district: bool
    pools: CarbonPools | None
    water: WaterYieldTable | None
    z: float | None
    pixel_ha: float


def _context(package: EcoPackage, missing: list[dict[str, Any]]) -> _Context:
    spec = eco_spec()
    ecos = tuple(e.code for e in spec.ecosystems)
    cls = package.tables["classes"]
    codes: NDArray[np.int64] = np.asarray(cls["lucode"].astype(int), dtype=np.int64)
    eco_index = np.array([ecos.index(e) + 1 for e in cls["ecosystem"]], dtype=np.float64)
    dt = package.tables.get("districts")
    by_district = dt is not None and "districts" in package.rasters
    district_codes = tuple(int(c) for c in dt["raster_code"]) if by_district and dt is not None else (0,)
    bio = package.tables.get("biophysical")
    pools = water = None

    def has(cols: tuple[str, ...], rows: pd.DataFrame) -> bool:
        return all(c in rows and rows[c].notna().all() for c in cols)

    if bio is not None and has(("c_above", "c_below", "c_soil", "c_dead"), bio):
        pools = CarbonPools.from_columns(bio["lucode"].astype(int).to_numpy(), bio["c_above"], bio["c_below"],
                                         bio["c_soil"], bio["c_dead"], table="biophysical")
    else:
        missing.append(_why("carbon_sequestration", "生物物理参数表缺少碳库密度（c_above、c_below、c_soil、c_dead）",
                            "the biophysical table lacks carbon pool densities (c_above, c_below, c_soil, c_dead)"))
    wy_rasters = ("precipitation", "et0", "soil_depth", "pawc")
    if bio is not None and has(("lulc_veg", "kc"), bio) and all(r in package.rasters for r in wy_rasters) \
            and "seasonality_z" in package.parameters:
        water = WaterYieldTable.from_columns(bio["lucode"].astype(int).to_numpy(), bio["lulc_veg"].astype(float),
                                             bio["root_depth"].astype(float).fillna(1.0), bio["kc"].astype(float))
    else:
        missing.append(_why("water_conservation",
                            "数据包缺少产水量模型的输入（降水、参考蒸散、土层厚度、有效含水量栅格，"
                            "lulc_veg、kc，季节性常数 Z）",
                            "the package lacks the water-yield inputs (precipitation, ET0, soil depth, PAWC rasters; "
                            "lulc_veg, kc; seasonality constant Z)"))
    return _Context(codes, eco_index, ecos, district_codes, by_district, pools, water,
                    package.parameters.get("seasonality_z"), package.pixel_area_ha)


def _zone_ids(ctx: _Context) -> NDArray[np.int64]:
    return np.array([d * _ZONE_STRIDE + e for d in ctx.district_codes for e in range(1, len(ctx.ecosystems) + 1)],
                    dtype=np.int64)


def _zones(lulc: Grid, lulc_nodata: float | None, districts: Grid | None, district_nodata: float | None,
           ctx: _Context, raster: str) -> Grid:
    """Zone code per pixel (district code × 32 + ecosystem index), −1 where no zone."""
    eco = reclassify(lulc, ctx.codes, ctx.eco_index, nodata=lulc_nodata, raster=raster, table="classes")
    ok = ~np.isnan(eco)
    d: Grid = 0.0
    if districts is not None:
        ok = ok & data_mask(districts, district_nodata)
        d = districts * 1.0
    return np.where(ok, d * _ZONE_STRIDE + np.where(ok, eco, 0.0), -1.0)


def _fields(a: Mapping[str, Grid], package: EcoPackage, year: int, prev: int | None, ctx: _Context) -> dict[str, Grid]:
    """Per-pixel fields of the local kernels (numpy or dask arrays alike)."""
    key = package.lulc_key(year)
    nd = package.nodata.get(key)
    out: dict[str, Grid] = {"zone": _zones(a[key], nd, a.get("districts"), package.nodata.get("districts"), ctx, key)}
    out["area"] = np.where(out["zone"] >= 0, 1.0, np.nan)
    if ctx.pools is not None:
        c = storage_density(a[key], ctx.pools, nodata=nd, raster=key)
        out["c_storage"] = c
        if prev is not None:
            pk = package.lulc_key(prev)
            c0 = storage_density(a[pk], ctx.pools, nodata=package.nodata.get(pk), raster=pk)
            out["c_sequestration"] = (c - c0) / float(year - prev)
    if ctx.water is not None and ctx.z is not None:
        wy = annual_water_yield(a[key], a["precipitation"], a["et0"], a["soil_depth"], a["pawc"], ctx.water, ctx.z,
                                lulc_nodata=nd, raster=key)
        out["wyield"] = wy.wyield_mm
    return out


#: Fields whose valid-pixel counts are kept (``<field>_n``): the area a service covers.
_COUNTED = ("wyield",)


#: field → (multiplier applied per pixel before summing, physical name, unit)
def _summed(ctx: _Context) -> dict[str, tuple[float, str, str]]:
    return {"area": (ctx.pixel_ha, "area", "ha"),
            "c_storage": (ctx.pixel_ha, "carbon_storage", "tC"),
            "c_sequestration": (ctx.pixel_ha, "carbon_storage_change", "tC/a"),
            "wyield": (ctx.pixel_ha * 10.0, "water_yield", "m3/a")}  # mm × ha → 10 m³


def _keys(package: EcoPackage, year: int, prev: int | None, ctx: _Context) -> list[str]:
    keys = [package.lulc_key(year)]
    if prev is not None and ctx.pools is not None:
        keys.append(package.lulc_key(prev))
    if ctx.by_district:
        keys.append("districts")
    if ctx.water is not None:
        keys += ["precipitation", "et0", "soil_depth", "pawc"]
    return keys


def _numpy_block(block: Any, package: EcoPackage) -> dict[str, Grid]:
    """A block's arrays with class rasters' nodata restored (the kernels test the value)."""
    out: dict[str, Grid] = {}
    for k, arr in block.arrays.items():
        nd = package.nodata.get(k)
        if k in block.masks and nd is not None:
            arr = np.where(block.masks[k], int(nd), arr)
        out[k] = arr
    return out


class _TiffTarget:
    """A float32 GeoTIFF written window by window (for ``dask.array.store``); opens the file
    for each write, so it pickles to distributed workers."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __setitem__(self, key: tuple[slice, slice], value: NDArray[Any]) -> None:
        rows, cols = key
        win = Window(cols.start, rows.start, cols.stop - cols.start, rows.stop - rows.start)
        with rasterio.open(self.path, "r+") as ds:
            ds.write(np.asarray(value, dtype=np.float32), 1, window=win)


def _create_tiff(path: Path, package: EcoPackage) -> Path:
    h, w = package.shape
    profile = {"driver": "GTiff", "height": h, "width": w, "count": 1, "dtype": "float32", "crs": package.crs,
               "transform": package.transform, "nodata": float("nan"), "tiled": True, "blockxsize": 256,
               "blockysize": 256}
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", **profile):
        pass
    return path


def _physical_numpy(package: EcoPackage, year: int, prev: int | None, ctx: _Context, block_size: int,
                    out_paths: Mapping[str, Path]) -> dict[str, NDArray[np.float64]]:
    ids = _zone_ids(ctx)
    summed = _summed(ctx)
    totals: dict[str, NDArray[np.float64]] = {}
    with ExitStack() as stack:
        outs = {k: stack.enter_context(rasterio.open(p, "r+")) for k, p in out_paths.items()}
        for block in iter_blocks(package, _keys(package, year, prev, ctx), block_size=block_size):
            f = _fields(_numpy_block(block, package), package, year, prev, ctx)
            for name, (mult, _, _) in summed.items():
                if name in f:
                    zs = zonal_sums(f[name] * mult, f["zone"], ids)
                    totals[name] = totals.get(name, 0.0) + np.asarray(zs.total, dtype=np.float64)
                    if name in _COUNTED:
                        totals[f"{name}_n"] = totals.get(f"{name}_n", 0.0) + np.asarray(zs.count, np.float64)
            for k, ds in outs.items():
                if k in f:
                    ds.write(np.asarray(f[k], dtype=np.float32), 1, window=block.window)
    return totals


def _physical_dask(package: EcoPackage, year: int, prev: int | None, ctx: _Context, chunks: int,
                   out_paths: Mapping[str, Path], client: Any) -> dict[str, NDArray[np.float64]]:
    import dask
    import dask.array as da

    arrays = {k: as_dask(package, k, chunks) for k in _keys(package, year, prev, ctx)}
    f = _fields(arrays, package, year, prev, ctx)
    ids = _zone_ids(ctx)
    summed = [n for n in _summed(ctx) if n in f]
    sums = {n: zonal_sums(f[n] * _summed(ctx)[n][0], f["zone"], ids) for n in summed}
    names = summed + [f"{n}_n" for n in summed if n in _COUNTED]
    lazy = [sums[n].total for n in summed] + [sums[n].count for n in summed if n in _COUNTED]
    sources = [f[k].astype(np.float32) for k in out_paths if k in f]
    targets = [_TiffTarget(p) for k, p in out_paths.items() if k in f]
    if client is not None:
        from distributed import Lock

        lock: Any = Lock(f"qingshan-gep-{package.token}-{year}")  # type: ignore[no-untyped-call]
    else:
        lock = True
    tasks: list[Any] = list(lazy)
    if sources:
        tasks.append(da.store(sources, targets, lock=lock, compute=False))  # type: ignore[arg-type]
    results = (client.gather(client.compute(tasks)) if client is not None
               else dask.compute(*tasks))  # type: ignore[attr-defined,no-untyped-call]
    return {n: np.asarray(r, dtype=np.float64) for n, r in zip(names, results[: len(names)], strict=True)}


def _whole(package: EcoPackage, keys: list[str]) -> dict[str, Grid]:
    h, w = package.shape
    block = next(iter_blocks(package, keys, block_size=max(h, w)))
    return _numpy_block(block, package)


def _soil(package: EcoPackage, year: int, ctx: _Context, opts: SoilOptions, out_path: Path | None
          ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Soil retention A_s (t/a) by zone: InVEST SDR's RKLS − USLE on the whole grid; and the
    count of pixels with a value (stream cells and nodata inputs are NaN)."""
    from qingshan.methods.soil_retention import soil_retention

    key = package.lulc_key(year)
    keys = [key, "dem", "erosivity", "erodibility"] + (["districts"] if ctx.by_district else [])
    a = _whole(package, keys)
    bio = package.tables["biophysical"]
    codes = bio["lucode"].astype(int).to_numpy()
    cp_table = (bio["usle_c"].astype(float) * bio["usle_p"].astype(float)).to_numpy()
    nd = package.nodata.get(key)
    cp = reclassify(a[key], codes, cp_table, nodata=nd, raster=key)
    cell = abs(package.transform.a)
    res = soil_retention(a["dem"], a["erosivity"], a["erodibility"], cp, cell, opts.threshold_flow_accumulation,
                         opts.l_max, opts.flow_dir)
    if out_path is not None:
        with rasterio.open(out_path, "r+") as ds:
            ds.write(res.avoided_erosion.astype(np.float32), 1)
    zone = _zones(a[key], nd, a.get("districts"), package.nodata.get("districts"), ctx, key)
    zs = zonal_sums(res.avoided_erosion * ctx.pixel_ha, zone, _zone_ids(ctx))
    return np.asarray(zs.total, dtype=np.float64), np.asarray(zs.count, dtype=np.float64)


# --------------------------------------------------------------------------- the account


def _soil_options(package: EcoPackage, soil: SoilOptions | None) -> SoilOptions | None:
    if soil is not None:
        return soil
    p = package.parameters
    if "threshold_flow_accumulation" in p and "l_max" in p:
        return SoilOptions(p["threshold_flow_accumulation"], p["l_max"])
    return None


def _district_names(package: EcoPackage, ctx: _Context) -> tuple[dict[int, str], dict[str, str]]:
    dt = package.tables.get("districts")
    if not ctx.by_district or dt is None:
        return {0: "all"}, {"all": "全域 / whole area"}
    code_to_id = {int(r["raster_code"]): str(r["district_id"]) for _, r in dt.iterrows()}
    names = {str(r["district_id"]): str(r["name"]) for _, r in dt.iterrows()}
    return code_to_id, names


def _zone_frame(totals: Mapping[str, NDArray[np.float64]], ctx: _Context, code_to_id: Mapping[int, str]
                ) -> pd.DataFrame:
    ids = _zone_ids(ctx)
    frame = pd.DataFrame({"district": [code_to_id[int(i) // _ZONE_STRIDE] for i in ids],
                          "ecosystem": [ctx.ecosystems[int(i) % _ZONE_STRIDE - 1] for i in ids]})
    for k, v in totals.items():
        frame[k] = v
    return frame


def _row(district: str, ecosystem: str, service: str, indicator: str, quantity: float | None, unit: str,
         price: UsedPrice | None, source: str, output_value: float | None = None) -> dict[str, Any]:
    return {"district": district, "ecosystem": ecosystem, "class": SERVICES[service][0], "service": service,
            "indicator": indicator, "quantity": quantity, "quantity_unit": unit,
            "price": None if price is None else price.value, "price_unit": None if price is None else price.unit,
            "output_value_yuan": output_value,
            "base_price": None if price is None else price.base_value,
            "price_year": None if price is None else price.price_year,
            "price_index_ratio": None if price is None else price.index_ratio,
            "price_source": None if price is None else f"{price.origin}: {price.source}",
            "source": source}


#: Raster services whose covered area is checked: (count column, why a pixel has no value).
_COVERAGE = {
    "water_conservation": ("wyield_n", "产水量为空值（降水、参考蒸散、土层厚度或有效含水量为无数据）",
                           "no water yield (nodata precipitation, ET0, soil depth or PAWC)"),
    "soil_retention": ("avoided_n",
                       "土壤保持量为空值（河道栅格，与 InVEST 相同；或 DEM、降雨侵蚀力、土壤可蚀性为无数据）",
                       "no avoided erosion (stream cells, as in InVEST; or nodata DEM, erosivity, erodibility)"),
}


def _coverage(zone: pd.DataFrame, pixel_ha: float, missing: list[dict[str, Any]]
              ) -> dict[str, dict[str, dict[str, float]]]:
    """Land area and the area each raster service covers, by district (ha); a district with
    area not covered gets a ``coverage`` note in ``missing``: those pixels are in no total."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for service, (col, zh, en) in _COVERAGE.items():
        if col not in zone:
            continue
        by = zone.groupby("district", sort=True)[["area", col]].sum()
        out[service] = {}
        for d, r in by.iterrows():
            land, covered = float(r["area"]), float(r[col]) * pixel_ha
            out[service][str(d)] = {"area_ha": land, "covered_ha": covered}
            gap = land - covered
            if gap > 0.5 * pixel_ha:
                missing.append(_why(service, f"{d}：{gap:,.1f} 公顷（占 {gap / land:.1%}）未计入 — {zh}",
                                    f"{d}: {gap:,.1f} ha ({gap / land:.1%}) not covered — {en}",
                                    district=str(d), kind="coverage", area_ha=land, covered_ha=covered))
    return out


def _regulating_rows(zone: pd.DataFrame, year: int, prev: int | None, pricing: Pricing, package: EcoPackage,
                     missing: list[dict[str, Any]], soil_done: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    src_wy = "InVEST annual water yield (Budyko, Fu–Zhang), methods/water_yield"
    if "wyield" in zone:
        p = find_price(PRICE_ITEMS["water_conservation"], year, pricing, package)
        if isinstance(p, str):
            missing.append(_why("water_conservation", f"无价格：{p}", f"no price: {p}"))
        else:
            for r in zone.to_dict("records"):
                q = float(r["wyield"])
                if q > 0:
                    rows.append(_row(str(r["district"]), str(r["ecosystem"]), "water_conservation",
                                     "water_yield_volume", q, "m3", p, src_wy))
    if "c_sequestration" in zone:
        p = find_price(PRICE_ITEMS["carbon"], year, pricing, package)
        if isinstance(p, str):
            missing.append(_why("carbon_sequestration", f"无价格：{p}", f"no price: {p}"))
        else:
            basis = gv.parse_price_unit(p.unit)[2]
            factor = CO2_PER_C if basis == "tCO2" else 1.0
            span = f"{prev}→{year} / {year - (prev or 0)} a"
            net = zone.groupby("district", sort=True)["c_sequestration"].sum()
            for d, tc in net.items():
                q = float(tc)
                if q > 0:
                    rows.append(_row(str(d), UNALLOCATED, "carbon_sequestration", CARBON_INDICATOR, q * factor,
                                     basis, p, f"InVEST carbon storage change {span}, net over the district's "
                                     "ecosystems (gains and losses)"))
                elif q < 0:
                    loss = -q * factor
                    value = gv.value_of(loss, basis, p.value, p.unit)
                    missing.append(_why(
                        "carbon_sequestration",
                        f"{d}：碳储量净减少 {-q:,.1f} t C/a（{-q * CO2_PER_C:,.1f} t CO2/a，{span}），"
                        f"按同一碳价约 {value:,.0f} 元/a；按零固碳计，不从 GEP 中扣除",
                        f"{d}: net carbon storage loss of {-q:,.1f} t C/a ({-q * CO2_PER_C:,.1f} t CO2/a, {span}), "
                        f"about {value:,.0f} yuan/a at the same carbon price; valued as zero sequestration, "
                        "not deducted from GEP",
                        district=str(d), kind="carbon_loss", loss_tc_per_a=-q, loss_tco2_per_a=-q * CO2_PER_C,
                        value_yuan=value))
    elif prev is None and "c_storage" in zone:
        missing.append(_why("carbon_sequestration",
                            f"{year} 年是数据包的第一个土地利用年份，没有前一年份可比较碳储量变化",
                            f"{year} is the package's first LULC year: no earlier year to take the storage "
                            "change from"))
    if "avoided" in zone and soil_done:
        lam = _parameter("sediment_deposition_coefficient", pricing)
        rho = _parameter("soil_bulk_density", pricing)
        parts: list[tuple[str, str, str, Any]] = []
        if lam is not None and rho is not None:
            parts.append(("sediment", "m3", PRICE_ITEMS["sediment"],
                          lambda a: svc.sediment_avoided(a, lam.value, rho.value)))
        for nut, item in (("nitrogen", "soil_nitrogen_content"), ("phosphorus", "soil_phosphorus_content")):
            c = _parameter(item, pricing)
            if c is not None:
                parts.append((nut, "t", PRICE_ITEMS[nut], lambda a, c=c: svc.nutrient_retained(a, c.value)))
        if not parts:
            missing.append(_why("soil_retention", f"价格集 {pricing.label} 没有泥沙淤积系数、土壤容重或土壤氮磷含量",
                                f"the price set {pricing.label} has no sediment deposition coefficient, "
                                "soil bulk density or soil N/P content"))
        for name, unit, item, fn in parts:
            p = find_price(item, year, pricing, package)
            if isinstance(p, str):
                missing.append(_why("soil_retention", f"{name} 无价格：{p}", f"{name}: no price: {p}"))
                continue
            for r in zone.to_dict("records"):
                a_s = float(r["avoided"])
                if a_s > 0:
                    rows.append(_row(str(r["district"]), str(r["ecosystem"]), "soil_retention", name, float(fn(a_s)),
                                     unit, p,
                                     "InVEST SDR RKLS − USLE (methods/soil_retention); 白玛卓嘎 et al. 2017 §2.4.2"))
    return rows


def _statistics_rows(package: EcoPackage, year: int, pricing: Pricing, missing: list[dict[str, Any]]
                     ) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    prov = package.tables.get("provisioning")
    if prov is None:
        for s in PROVISIONING_GROUPS:
            missing.append(_why(s, "数据包没有物质产品统计表（provisioning）",
                                "the package has no provisioning statistics table"))
    else:
        this = prov[prov["year"].astype(int) == year]
        if this.empty:
            for s in PROVISIONING_GROUPS:
                missing.append(_why(s, f"物质产品统计表没有 {year} 年的数据",
                                    f"the provisioning table has no rows for {year}"))
        for r in this.to_dict("records"):
            group, unit = str(r["product_group"]), gv.normalise_unit(str(r["unit"]))
            src = f"{r['_file']} row {r['_row']}: {r['source']}"
            ov = r.get("output_value")
            if ov is not None and not (isinstance(ov, float) and math.isnan(ov)):
                rows.append(_row(str(r["district_id"]), UNALLOCATED, group, str(r["product"]), float(r["quantity"]),
                                 unit, None, src, float(ov) * 1e4))
                continue
            item = PRICE_ITEMS.get(group)
            p = find_price(item, year, pricing, package) if item else f"no output value and no price item for {group}"
            if isinstance(p, str):
                missing.append(_why(group, f"{r['district_id']} {r['product']}：没有产值，也没有价格（{p}）",
                                    f"{r['district_id']} {r['product']}: no output value and no price ({p})",
                                    district=str(r["district_id"])))
                continue
            rows.append(_row(str(r["district_id"]), UNALLOCATED, group, str(r["product"]), float(r["quantity"]), unit,
                             p, src))
    tour = package.tables.get("tourism")
    this_t = None if tour is None else tour[tour["year"].astype(int) == year]
    if this_t is None or this_t.empty:
        missing.append(_why("recreation", f"数据包没有 {year} 年的旅游统计",
                            f"the package has no tourism rows for {year}"))
    else:
        for r in this_t.to_dict("records"):
            rows.append(_row(str(r["district_id"]), UNALLOCATED, "recreation", "tourism_revenue",
                             float(r["visits"]) * 1e4, "visit", None,
                             f"{r['_file']} row {r['_row']}: {r['source']} (revenue = travel expense of the "
                             "travel-cost method, 江波 et al. 2017 eq. 8; time cost and consumer surplus not included)",
                             float(r["revenue"]) * 1e4))
    return rows


def _optional_rows(year: int, pricing: Pricing, package: EcoPackage, missing: list[dict[str, Any]],
                   reservoirs_m3: Mapping[str, float] | None, emissions_t: Mapping[str, Mapping[str, float]] | None
                   ) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if reservoirs_m3:
        p = find_price(PRICE_ITEMS["flood_regulation"], year, pricing, package)
        if isinstance(p, str):
            missing.append(_why("flood_regulation", f"无价格：{p}", f"no price: {p}"))
        else:
            for d, cap in sorted(reservoirs_m3.items()):
                rows.append(_row(d, "water", "flood_regulation", "reservoir_flood_storage",
                                 float(svc.reservoir_flood_storage(cap)), "m3", p,
                                 "0.35 × total reservoir capacity, 白玛卓嘎 et al. 2017 §2.4.4"))
    else:
        missing.append(_why("flood_regulation", "未给出水库总库容或湖泊面积",
                            "no reservoir capacities or lake areas given"))
    dropped = dict((emissions_t or {}).get(NO_DISTRICT, {}))
    for pol, mass in sorted(dropped.items()):
        service = "air_purification" if pol in svc.AIR_POLLUTANTS else "water_purification"
        missing.append(_why(service, f"{pol} {mass:,.3f} t 的排放单位没有区县代码，未计入",
                            f"{pol}: {mass:,.3f} t emitted by enterprises without a district, not accounted",
                            kind="coverage", pollutant=pol, mass_t=mass))
    located = {d: v for d, v in (emissions_t or {}).items() if d != NO_DISTRICT}
    if located:
        for d, by_pollutant in sorted(located.items()):
            for pol, mass in sorted(by_pollutant.items()):
                service = "air_purification" if pol in svc.AIR_POLLUTANTS else "water_purification"
                item = POLLUTANT_PRICE.get(pol)
                p = find_price(item, year, pricing, package) if item else f"no treatment cost for {pol}"
                if isinstance(p, str):
                    missing.append(_why(service, f"{d} {pol}：无价格（{p}）", f"{d} {pol}: no price ({p})",
                                        district=d))
                    continue
                rows.append(_row(d, UNALLOCATED, service, pol, float(mass), "t", p,
                                 "emissions taken as purified, 白玛卓嘎 et al. 2017 §2.4.5–2.4.6"))
    else:
        for s in ("air_purification", "water_purification"):
            missing.append(_why(s, "数据包与参数中没有污染物排放量",
                                "no pollutant emissions in the package or arguments"))
    for s, zh, en in (
            ("oxygen_release", "数据包没有净初级生产力（干物质）栅格；释氧不由碳储量变化推算",
             "the package has no NPP (dry matter) raster; O2 is not derived from the carbon-storage change"),
            ("climate_regulation", "缺少蒸散耗热、空调天数与能效比等参数（无可引用的缺省值）",
             "transpiration heat, air-conditioning days and energy-efficiency ratio are not given "
             "(no citable defaults)"),
            ("pest_control", "数据包不区分天然林、天然草地",
             "the package does not tell natural forest and grassland apart"),
            ("sand_fixation", "RWEQ 常数未能核实（docs/gep/services-prices.md）",
             "the RWEQ constants could not be verified (docs/gep/services-prices.md)"),
            ("imported", "GB/T 46869-2025 区域外生态产品的计量方法未取得", "the GB/T 46869-2025 method for imported "
             "products was not obtained")):
        missing.append(_why(s, zh, en))
    return rows


#: Pollutant codes of the enterprise package (data/spec/tables.toml ``pollutants``) → the
#: names of :mod:`qingshan.methods.gep_services`; ``particulates`` has no price in the shipped
#: sets (they price industrial dust, a narrower quantity) and is left out.
ENTERPRISE_POLLUTANTS = {"so2": "SO2", "nox": "NOx", "cod": "COD", "nh3_n": "NH3-N"}


#: Key of :func:`emissions_by_district`'s result for emissions of enterprises without a
#: district (not valued: purification is accounted by district).
NO_DISTRICT = ""


def emissions_by_district(pollutants: pd.DataFrame, entities: pd.DataFrame, year: int
                          ) -> dict[str, dict[str, float]]:
    """Reported emissions (t) of the enterprise package's ``pollutants`` table for ``year``,
    summed by the enterprises' ``district_id`` and pollutant (names of
    :data:`ENTERPRISE_POLLUTANTS`); particulates are left out. Emissions of enterprises without
    a district (or not in ``entities``) are summed under :data:`NO_DISTRICT`; ``account_gep``
    does not value them and lists the tonnage as not accounted."""
    pol = pollutants[pd.to_numeric(pollutants["year"], errors="coerce") == year]
    pol = pol[pol["pollutant"].isin(list(ENTERPRISE_POLLUTANTS))]
    district = dict(zip(entities["entity_id"].astype(str), entities["district_id"], strict=True))
    out: dict[str, dict[str, float]] = {}
    for r in pol.to_dict("records"):
        d = district.get(str(r["entity_id"]))
        key = NO_DISTRICT if d is None or (isinstance(d, float) and math.isnan(d)) or not str(d).strip() else str(d)
        by = out.setdefault(key, {})
        name = ENTERPRISE_POLLUTANTS[str(r["pollutant"])]
        by[name] = by.get(name, 0.0) + float(r["quantity_t"])
    return out


def account_gep(package: EcoPackage, year: int, *, pricing: Pricing, soil: SoilOptions | None = None,
                results_dir: Path | None = None, engine: Engine = "numpy", block_size: int = 512,
                chunks: int = 2048, client: Any = None,
                accept_double_count: Collection[tuple[str, str]] = (),
                reservoirs_m3: Mapping[str, float] | None = None,
                emissions_t: Mapping[str, Mapping[str, float]] | None = None) -> GepAccount:
    """Account GEP for ``year`` (one of ``package.years``).

    Parameters
    ----------
    package : EcoPackage
        A validated ecological package.
    year : int
        The accounting year; its LULC raster is used, and the previous package year's for the
        carbon storage change.
    pricing : Pricing
        The price set (profile key ``ecology.gep_prices``) and the index series.
    soil : SoilOptions, optional
        Routing parameters; else the package's ``threshold_flow_accumulation`` and ``l_max``
        parameters; without them soil retention is not accounted.
    results_dir : Path, optional
        Where the per-pixel GeoTIFFs (``c_storage_<year>.tif`` …) are written.
    engine : "numpy" or "dask"
        Local kernels over rasterio windows of ``block_size``, or on dask arrays of ``chunks``
        (on ``client``, a ``dask.distributed.Client``, when given).
    accept_double_count : collection of (service, service)
        Pairs of :data:`qingshan.methods.gep_value.DOUBLE_COUNT_PAIRS` accepted explicitly, besides
        those the package's manifest accepts with a reason (``accepted_double_counts``).
    reservoirs_m3, emissions_t : mappings by district id, optional
        Total reservoir capacity (m³) for flood regulation; pollutant emissions (t) by
        pollutant for purification.
    """
    if year not in package.years:
        raise ConfigError(f"{year} 不是生态数据包的核算年份 {list(package.years)} / "
                          f"{year} is not an accounting year of the package {list(package.years)}")
    missing: list[dict[str, Any]] = []
    ctx = _context(package, missing)
    earlier = [y for y in package.years if y < year]
    prev = max(earlier) if earlier else None
    code_to_id, names = _district_names(package, ctx)
    out_paths: dict[str, Path] = {}
    if results_dir is not None:
        wanted = [k for k in ("c_storage", "c_sequestration", "wyield") if
                  (k != "wyield" or ctx.water is not None) and (k == "wyield" or ctx.pools is not None)
                  and (k != "c_sequestration" or prev is not None)]
        out_paths = {k: _create_tiff(results_dir / f"{k}_{year}.tif", package) for k in wanted}
    if engine == "numpy":
        totals = _physical_numpy(package, year, prev, ctx, block_size, out_paths)
    elif engine == "dask":
        totals = _physical_dask(package, year, prev, ctx, chunks, out_paths, client)
    else:
        raise ConfigError(f"engine must be 'numpy' or 'dask', got {engine!r}")
    opts = _soil_options(package, soil)
    soil_ok = False
    sdr_rasters = ("dem", "erosivity", "erodibility")
    bio = package.tables.get("biophysical")
    if opts is None:
        missing.append(_why("soil_retention", "未给出汇流阈值 threshold_flow_accumulation 与 l_max",
                            "threshold_flow_accumulation and l_max are not given"))
    elif not all(r in package.rasters for r in sdr_rasters) or bio is None \
            or not all(c in bio and bio[c].notna().all() for c in ("usle_c", "usle_p")):
        missing.append(_why("soil_retention", "数据包缺少 DEM、降雨侵蚀力、土壤可蚀性栅格或 usle_c、usle_p",
                            "the package lacks the DEM, erosivity or erodibility raster, or usle_c/usle_p"))
    else:
        path = _create_tiff(results_dir / f"avoided_erosion_{year}.tif", package) if results_dir else None
        if path is not None:
            out_paths["avoided_erosion"] = path
        totals["avoided"], totals["avoided_n"] = _soil(package, year, ctx, opts, path)
        soil_ok = True
    zone = _zone_frame(totals, ctx, code_to_id)
    coverage = _coverage(zone, ctx.pixel_ha, missing)
    zone = zone.drop(columns=[c for c in zone.columns if str(c).endswith("_n")])
    rows = _regulating_rows(zone, year, prev, pricing, package, missing, soil_ok)
    rows += _statistics_rows(package, year, pricing, missing)
    rows += _optional_rows(year, pricing, package, missing, reservoirs_m3, emissions_t)
    table = gv.value_table(gv_rows(rows)) if rows else gv_rows([])
    if rows:
        table["district_name"] = table["district"].map(names).fillna(table["district"])
    accepted = {*accept_double_count, *((a, b) for a, b, _ in package.accepted_double_counts)}
    problems = gv.double_count_problems(table, accepted) if rows else []
    physical = zone.rename(columns={"area": "area_ha", "c_storage": "carbon_storage_tC",
                                    "c_sequestration": "carbon_storage_change_tC_per_a",
                                    "wyield": "water_yield_m3", "avoided": "soil_retention_t"})
    physical = physical[physical["area_ha"] > 0].reset_index(drop=True)
    provenance = {"price_set": pricing.label, "price_index": pricing.index_name,
                  "package": str(package.directory), "package_digest": package.token, "engine": engine,
                  "previous_lulc_year": prev, "coverage": coverage,
                  "soil": None if opts is None else {"threshold_flow_accumulation": opts.threshold_flow_accumulation,
                                                     "l_max": opts.l_max, "flow_dir": opts.flow_dir},
                  "water_conservation_method": "InVEST annual water yield volume (P − AET, storm runoff included)"}
    return GepAccount(year, table, physical, _dedupe(missing), problems, out_paths, provenance, names)


def gv_rows(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The accounting table's columns (:func:`qingshan.methods.gep_value.rows`) plus the
    engine's provenance columns."""
    extra = ["base_price", "price_year", "price_index_ratio", "price_source", "source"]
    base = gv.rows(rows)
    for c in extra:
        base[c] = [r.get(c) for r in rows]
    return base


def _dedupe(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for m in items:
        k = (m["service"], m["why_en"])
        if k not in seen:
            seen.add(k)
            out.append(m)
    return out


def out_of_scope(account: GepAccount) -> set[str]:
    """Services the account leaves out for the whole area (a ``not_accounted`` entry without a
    district, and no row in the table): carbon sequestration in the first LULC year, a service
    without inputs or price."""
    have = set(account.table["service"]) if len(account.table) else set()
    return {str(m["service"]) for m in account.not_accounted
            if m.get("district") is None and m.get("kind", "not_accounted") == "not_accounted"} - have


def compare(a: GepAccount, b: GepAccount) -> GepComparison:
    """The change from account ``a`` to ``b``, row by row, split into quantity and price
    effects (Bennet; rows valued from output value go to ``unsplit``); the change of a service
    accounted in only one of the two years goes to ``scope_change`` (:func:`out_of_scope`)."""
    scope = (out_of_scope(a) | out_of_scope(b)) - (out_of_scope(a) & out_of_scope(b))
    return GepComparison(a, b, gv.value_change(a.table, b.table, scope))
