"""The demo's carbon-balance rows (``materials`` table, docs/demo-city.md): per industry class
the ``balance`` entries of ``demo_calibration.toml`` (material, flow, quantity per unit of a
product, the purity where the formula needs one, and the enterprise's measured carbon content
where the guideline prints no default, e.g. the pig iron an ironworks makes), spread over the
months like the energy. Every quantity is a demo assumption, labelled as such in the
calibration; no random number is drawn, so the other tables stay as they were."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qingshan.data.demo._arrays import FloatArray
from qingshan.data.demo.calibration import Calibration
from qingshan.data.demo.energy import Energy
from qingshan.data.demo.firms import Firms
from qingshan.schema.tables import tables

MONTHS = 12


def materials_table(cal: Calibration, f: Firms, en: Energy, qty_by: dict[tuple[int, str], FloatArray]
                    ) -> pd.DataFrame:
    cols = list(tables()["materials"].column_names)
    parts: list[pd.DataFrame] = []
    for c, raw in enumerate(cal.raw["industry"]):
        for b in raw.get("balance", []):
            if (c, b["product"]) not in qty_by:
                continue
            ents = np.flatnonzero((f.cls == c) & f.above)
            monthly = qty_by[(c, b["product"])][ents][:, :, None] * float(b["per_unit"]) * en.weights[ents]
            e_i, y_i, m_i = np.nonzero(monthly > 0)
            parts.append(pd.DataFrame({
                "entity_id": f.ids[ents[e_i]],
                "period": np.asarray(en.periods, dtype=object)[y_i * MONTHS + m_i],
                "material": b["material"], "flow": b["flow"],
                "quantity": monthly[e_i, y_i, m_i].round(4), "unit": b.get("unit", "t"),
                "carbon_fraction": float(b["carbon_fraction"]) if "carbon_fraction" in b else np.nan,
                "purity": float(b["purity"]) if "purity" in b else np.nan,
            }))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    return pd.concat(parts, ignore_index=True)[cols]
