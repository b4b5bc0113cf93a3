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

Modules: :mod:`~qingshan.data.demo.calibration` (the calibration as typed records),
:mod:`~qingshan.data.demo.firms` (enterprises), :mod:`~qingshan.data.demo.economics`,
:mod:`~qingshan.data.demo.energy` (monthly energy rows),
:mod:`~qingshan.data.demo.activities` (production, process, pollutants),
:mod:`~qingshan.data.demo.defects` and :mod:`~qingshan.data.demo.frames` (the output
DataFrames).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qingshan.data.demo.activities import pollutants_table, process_table, production_table
from qingshan.data.demo.calibration import load_calibration, typed_calibration
from qingshan.data.demo.defects import DEFECT_KINDS, TableDefects, inject_defects
from qingshan.data.demo.economics import simulate_economics
from qingshan.data.demo.energy import simulate_energy
from qingshan.data.demo.firms import draw_firms
from qingshan.data.demo.frames import economics_frame, energy_frame, entities_frame
from qingshan.data.demo.geography import boundaries_frame

__all__ = ["DEFECT_KINDS", "generate_demo_city", "load_calibration"]


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
    pollutants = pollutants_table(cal, r_pol, f, eco, en, yrs)

    marks = TableDefects()
    if defects:
        marks = inject_defects(r_def, f, eco, en, yrs, (production, process, pollutants))

    return {
        "entities": entities_frame(cal, r_tab, f, eco, yrs, marks.no_district),
        "energy": energy_frame(f, en),
        "economics": economics_frame(cal, r_tab, f, eco, yrs, marks.va),
        "production": production,
        "process": process,
        "pollutants": pollutants,
        "boundaries": boundaries_frame(cal.raw),
    }
