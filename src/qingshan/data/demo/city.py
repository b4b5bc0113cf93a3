"""The whole demo city in one call (:func:`generate_demo_city`): each stage draws from its
own generator of one seed, in order — enterprises, economics, energy, production, process,
pollutants, the optional defects — and the output tables are assembled last.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qingshan.data.demo.activities import pollutants_table, process_table, production_table
from qingshan.data.demo.calibration import typed_calibration
from qingshan.data.demo.carrying import demo_carrying_tables
from qingshan.data.demo.defects import TableDefects, inject_defects
from qingshan.data.demo.economics import simulate_economics
from qingshan.data.demo.energy import simulate_energy
from qingshan.data.demo.firms import draw_firms
from qingshan.data.demo.frames import economics_frame, energy_frame, entities_frame
from qingshan.data.demo.gases import gases_table
from qingshan.data.demo.geography import boundaries_frame
from qingshan.data.demo.materials import materials_table
from qingshan.data.demo.monitoring import monitoring_tables
from qingshan.data.demo.permits import demo_permit_tables


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
    cal = typed_calibration()
    ss = np.random.SeedSequence(seed)
    r_firm, r_eco, r_en, r_prod, r_proc, r_pol, r_tab, r_def = (
        np.random.default_rng(s) for s in ss.spawn(8)
    )

    f = draw_firms(cal, r_firm, enterprises, yrs)
    eco = simulate_economics(cal, r_eco, f, yrs)
    en = simulate_energy(cal, r_en, f, eco, yrs)
    production, qty_by = production_table(cal, r_prod, f, eco, en, yrs)
    process = process_table(cal, r_proc, f, en, qty_by)
    # the gases rows draw from a child spawned after the others, which stay as they were
    gases = gases_table(cal, np.random.default_rng(ss.spawn(1)[0]), f, en, qty_by)
    pollutants = pollutants_table(cal, r_pol, f, eco, en, yrs)
    # permits, execution reports and quotas: their own stream of the seed (data/demo/permits.py),
    # drawn before any defect is injected
    district_ids = np.array([d["entity_id"] for d in cal.districts], dtype=object)[f.district]
    districts = dict(zip(map(str, f.ids), map(str, district_ids), strict=True))
    permit_tables = demo_permit_tables(pollutants, districts, seed=seed)

    marks = TableDefects()
    if defects:
        marks = inject_defects(r_def, f, eco, en, yrs, (production, process, pollutants))

    return {
        "entities": entities_frame(cal, r_tab, f, eco, yrs, marks.no_district),
        "energy": energy_frame(f, en),
        "economics": economics_frame(cal, r_tab, f, eco, yrs, marks.va),
        "production": production,
        "process": process,
        "materials": materials_table(cal, f, en, qty_by),  # steel and ammonia carbon balances
        "gases": gases,
        "pollutants": pollutants,
        "boundaries": boundaries_frame(cal.raw),
        **monitoring_tables(seed, yrs),  # air stations and days, water sections and samples (own seed)
        **permit_tables,
        **demo_carrying_tables(yrs),  # carrying-capacity inputs and illustrative national rates (no randomness)
    }
