"""The demo city's activity tables: production (yearly products), process (monthly raw
materials of process emissions) and pollutants (yearly emissions of 规上 enterprises)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qingshan.data.demo._arrays import MONTHS, FloatArray, IntArray, lognormal
from qingshan.data.demo.calibration import Calibration, draw_units, options
from qingshan.data.demo.economics import Econ
from qingshan.data.demo.energy import Energy
from qingshan.data.demo.firms import Firms
from qingshan.schema.tables import tables


def production_table(
    cal: Calibration, rng: np.random.Generator, f: Firms, eco: Econ, en: Energy, yrs: IntArray
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
            q = q * lognormal(rng, float(raw["enterprise"]["production_sigma"]), q.shape)
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


def process_table(
    cal: Calibration,
    rng: np.random.Generator,
    f: Firms,
    en: Energy,
    qty_by: dict[tuple[int, str], FloatArray],
) -> pd.DataFrame:
    opts = options(cal.raw["reporting"]["process_units"])
    oxide_sd = float(cal.raw["enterprise"]["oxide_fraction_sigma"])
    # Anode rows (added later) draw from a child generator of this stage, so that the
    # rows of the other materials stayed as they were.
    anode_rng = rng.spawn(1)[0]
    parts: list[pd.DataFrame] = []
    for c, ind in enumerate(cal.industries):
        pr = ind.process
        if pr is None or (c, pr.product) not in qty_by:
            continue
        ents = np.flatnonzero((f.cls == c) & f.above)
        r = anode_rng if pr.sulfur is not None or pr.ash is not None else rng
        if isinstance(pr.per_unit, tuple):
            per_unit = r.uniform(pr.per_unit[0], pr.per_unit[1], ents.size)[:, None].round(4)
        else:
            per_unit = np.full((ents.size, 1), pr.per_unit)
        annual = qty_by[(c, pr.product)][ents] * per_unit
        monthly = annual[:, :, None] * en.weights[ents]
        e_i, y_i, m_i = np.nonzero(monthly > 0)
        vals = monthly[e_i, y_i, m_i]
        rep = draw_units(r, ents.size, opts, "t").take(e_i)
        frame = pd.DataFrame(
            {
                "entity_id": f.ids[ents[e_i]],
                "period": np.asarray(en.periods, dtype=object)[y_i * MONTHS + m_i],
                "material": pr.material,
                "quantity": rep.value(vals),
                "unit": rep.unit,
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
        for name, rngs in (("sulfur_fraction", pr.sulfur), ("ash_fraction", pr.ash)):
            # the anode's measured sulphur and ash: one value per enterprise (its anode supply)
            frame[name] = np.nan if rngs is None else r.uniform(rngs[0], rngs[1], ents.size).round(4)[e_i]
        for name in tables()["process"].column_names:  # the columns no demo material uses (cement formula
            if name not in frame:                      # (2), non-carbonate oxides, reductants): empty
                frame[name] = np.nan
        parts.append(frame)
    cols = list(tables()["process"].column_names)
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    return out[cols]


def pollutants_table(
    cal: Calibration, rng: np.random.Generator, f: Firms, eco: Econ, en: Energy, yrs: IntArray
) -> pd.DataFrame:
    pc = cal.raw["pollutants"]
    inds = cal.industries
    air = {
        k: np.array([i.air.get(k, 1.0) for i in inds])[f.cls][:, None]
        for k in ("so2", "nox", "particulates")
    }
    cod_f = cal.per_class("cod")[f.cls][:, None]
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
    opts = options(cal.raw["reporting"]["pollutant_units"])
    reporter = draw_units(rng, f.n, opts, "t")
    parts: list[pd.DataFrame] = []
    for name in tables()["pollutants"].column("pollutant").choices:
        reports = (big if name in ("so2", "nox", "particulates") else wet) & f.above[:, None]
        v = values[name] * lognormal(rng, sig, shape)
        e_i, y_i = np.nonzero(reports & (v > 0))
        vals = v[e_i, y_i]
        rep = reporter.take(e_i)
        parts.append(
            pd.DataFrame(
                {
                    "entity_id": f.ids[e_i],
                    "year": yrs[y_i],
                    "pollutant": name,
                    "quantity_t": rep.value(vals),
                    "unit": rep.unit,
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out = out[out["quantity_t"] > 0]
    return out.sort_values(["entity_id", "year", "pollutant"], kind="stable", ignore_index=True)[
        list(tables()["pollutants"].column_names)
    ]
