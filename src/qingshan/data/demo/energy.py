"""The demo city's monthly energy rows: one stream per enterprise, carrier and use, split
into months and reported in the units the enterprise uses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qingshan.data.demo._arrays import (
    MONTHS,
    BoolArray,
    FloatArray,
    IntArray,
    choice,
    lognormal,
    round_to,
    sum_by,
)
from qingshan.data.demo.calibration import Calibration
from qingshan.data.demo.economics import Econ
from qingshan.data.demo.firms import Firms
from qingshan.schema.carriers import carriers
from qingshan.schema.tables import tables
from qingshan.schema.units import conversion_factor


@dataclass
class Energy:
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


def simulate_energy(
    cal: Calibration, rng: np.random.Generator, f: Firms, eco: Econ, yrs: IntArray
) -> Energy:
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
    target = cal.per_class("intensity")[f.cls][:, None] * decline[None, :]
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
    w = prof[:, None, :] * lognormal(
        rng, float(raw["enterprise"]["monthly_noise_sigma"]), (n, ny, MONTHS)
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
    pv_ok = cal.per_class("pv_allowed")[f.cls] & (elec_share[f.cls] > 0)
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
    total_tce = sum_by(ents_y[counted], annual[counted], n * ny).reshape(n, ny)
    solid_tce = sum_by(ents_y[solid], annual[solid], n * ny).reshape(n, ny)
    gas_tce = sum_by(ents_y[gas], annual[gas], n * ny).reshape(n, ny)

    # --- monthly split: enterprise profile × carrier noise; PV follows the sun
    es_n = es_ent.size
    noise = np.exp(
        float(raw["enterprise"]["carrier_noise_sigma"])
        * rng.standard_normal((es_n, ny, MONTHS), dtype=np.float32)
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
        pick = choice(rng, idx.size, [o.p for o in opts])
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
    row_es = flat // (ny * MONTHS)
    period = flat % (ny * MONTHS)
    quantity = round_to(q.ravel()[flat], es_dec[row_es])
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
    return Energy(
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
