"""The demo city's ``gases`` table (non-CO2 greenhouse gases): monthly rows of the industry
classes whose calibration has a ``gases`` entry (spec/demo_calibration.toml), sized from the
class's product as the process rows are. The demo's aluminium smelters report their output
with measured CF4 and C2F6 factors drawn once per enterprise: demo assumptions, labelled as
such in the calibration, never the guideline's defaults (none is shipped)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qingshan.data.demo._arrays import MONTHS, FloatArray
from qingshan.data.demo.calibration import Calibration
from qingshan.data.demo.energy import Energy
from qingshan.data.demo.firms import Firms
from qingshan.schema.tables import tables

#: The measured columns a ``gases`` entry may draw (a [low, high] range, once per enterprise).
DRAWN = ("cf4_kg_per_t", "c2f6_kg_per_t", "n2o_kg_per_t", "abatement_use")


def gases_table(cal: Calibration, rng: np.random.Generator, f: Firms, en: Energy,
                qty_by: dict[tuple[int, str], FloatArray]) -> pd.DataFrame:
    """One row per 规上 enterprise of each class with a ``gases`` entry and month of
    activity: the product's monthly output in t and the entry's fixed and drawn columns."""
    cols = list(tables()["gases"].column_names)
    parts: list[pd.DataFrame] = []
    for c, ind in enumerate(cal.raw["industry"]):
        g = ind.get("gases")
        if g is None or (c, g["product"]) not in qty_by:
            continue
        ents = np.flatnonzero((f.cls == c) & f.above)
        monthly = qty_by[(c, g["product"])][ents][:, :, None] * en.weights[ents]
        e_i, y_i, m_i = np.nonzero(monthly > 0)
        frame = pd.DataFrame({
            "entity_id": f.ids[ents[e_i]],
            "period": np.asarray(en.periods, dtype=object)[y_i * MONTHS + m_i],
            "source": g["source"],
            "technology": g.get("technology"),
            "quantity": monthly[e_i, y_i, m_i].round(1),
            "unit": "t",
            "abatement": g.get("abatement"),
        })
        for name in DRAWN:
            lo_hi = g.get(name)
            frame[name] = np.nan if lo_hi is None else rng.uniform(lo_hi[0], lo_hi[1], ents.size).round(4)[e_i]
        parts.append(frame[cols])
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)
