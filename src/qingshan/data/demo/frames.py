"""The demo city's output DataFrames: entities, economics and energy, with the canonical
columns of ``spec/tables.toml``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qingshan.data.demo._arrays import FloatArray, IntArray, ObjArray, lognormal
from qingshan.data.demo.calibration import Calibration, draw_units, options
from qingshan.data.demo.economics import Econ
from qingshan.data.demo.energy import Energy
from qingshan.data.demo.firms import Firms
from qingshan.schema.tables import tables


def entities_frame(
    cal: Calibration,
    rng: np.random.Generator,
    f: Firms,
    eco: Econ,
    yrs: IntArray,
    no_district: int | None,
) -> pd.DataFrame:
    raw = cal.raw
    en = raw["enterprise"]
    city = raw["city"]
    dist_ids = np.array([d["entity_id"] for d in cal.districts], dtype=object)
    park_ids = np.array([p["entity_id"] for p in cal.parks], dtype=object)

    # land: value added in the first active year / VA per mu (industry), lognormal spread
    first = np.argmax(eco.va > 0, axis=1)
    va0 = eco.va[np.arange(f.n), first]
    va0 = np.where(va0 > 0, va0, f.base_output * cal.per_class("va_ratio")[f.cls])
    land = va0 / cal.per_class("va_per_mu")[f.cls] * lognormal(rng, float(en["land_sigma"]), f.n)
    land = np.maximum(land, float(en["min_land_mu"]))
    tenant = (~f.above) & (rng.random(f.n) < float(en["tenant_share_below"]))
    opts = options(raw["reporting"]["land_units"])
    rep = draw_units(rng, f.n, opts, "亩")
    land_val = np.where(tenant, np.nan, rep.value(land))
    land_unit = rep.unit.copy()
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
            "industry_code": cal.per_class("code", dtype=object)[f.cls],
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
    if "ghg_method" not in out:  # the method follows the industry code (data/spec/ghg_methods.toml)
        out["ghg_method"] = None
    return out[list(tables()["entities"].column_names)]


def economics_frame(
    cal: Calibration,
    rng: np.random.Generator,
    f: Firms,
    eco: Econ,
    yrs: IntArray,
    va_defect: tuple[int, int] | None,
) -> pd.DataFrame:
    opts = options(cal.raw["reporting"]["money_units"])
    e_i, y_i = np.nonzero(eco.output > 0)
    rep = draw_units(rng, f.n, opts, "万元").take(e_i)
    va = eco.va.copy()
    if va_defect is not None:
        e, y = va_defect
        va[e, y] = eco.output[e, y] * 1.35

    def money(a: FloatArray) -> FloatArray:
        return rep.value(a[e_i, y_i])

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
            "money_unit": rep.unit,
        }
    )
    out["money_unit"] = out["money_unit"].astype("category")
    return out[list(tables()["economics"].column_names)]


def energy_frame(f: Firms, en: Energy) -> pd.DataFrame:
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
