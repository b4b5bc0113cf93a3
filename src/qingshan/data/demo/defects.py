"""Defects the demo city injects on request (``generate_demo_city(defects=True)``), one of
each kind in :data:`DEFECT_KINDS`, so that validation and the reader can be exercised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qingshan.data.demo._arrays import BoolArray, IntArray
from qingshan.data.demo.economics import Econ
from qingshan.data.demo.energy import Energy
from qingshan.data.demo.firms import Firms
from qingshan.data.uscc import USCC_CHARSET

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


@dataclass(frozen=True)
class TableDefects:
    """The defects the frame builders apply: the enterprise left without a district and
    the (enterprise, year) whose value added exceeds its output."""

    no_district: int | None = None
    va: tuple[int, int] | None = None


def inject_defects(
    rng: np.random.Generator,
    f: Firms,
    eco: Econ,
    en: Energy,
    yrs: IntArray,
    reported: Sequence[pd.DataFrame],
) -> TableDefects:
    """Inject one defect of each kind, each on its own enterprise (when there are enough).

    The energy rows and the enterprise ids change in place, and so do the entity ids in the
    ``reported`` frames (production, process, pollutants); the entities and economics
    defects are returned for :mod:`qingshan.data.demo.frames`.
    """
    with_rows = np.unique(en.ent[f.above[en.ent]])
    pool = with_rows if with_rows.size else np.unique(en.ent)
    targets = rng.choice(pool, size=9, replace=pool.size < 9)
    _inject_energy_defects(rng, en, targets[:6], yrs)
    no_district = int(targets[6])
    e = int(targets[7])
    active_years = np.flatnonzero(eco.output[e] > 0)
    va = (e, int(active_years[rng.integers(0, active_years.size)]))
    bad = int(targets[8])
    code = str(f.ids[bad])
    wrong = [c for c in USCC_CHARSET if c != code[17]]
    taken = set(f.ids)
    for c in wrong[int(rng.integers(0, len(wrong))) :] + wrong:
        if code[:17] + c not in taken:
            f.ids[bad] = code[:17] + c
            break
    old, new = code, str(f.ids[bad])
    for frame in reported:
        if len(frame):
            frame.loc[frame["entity_id"] == old, "entity_id"] = new
    return TableDefects(no_district=no_district, va=va)


def _inject_energy_defects(
    rng: np.random.Generator, en: Energy, targets: IntArray, yrs: IntArray
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
