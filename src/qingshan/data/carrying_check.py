"""Validation of the carrying-capacity tables (``carrying_inputs``,
``carrying_national_rates``; docs/environment.md, "Carrying-capacity early warning"): codes
P170–P173, collected all at once (docs/data-package.md lists them).

- P170 ``district_id`` of a carrying-capacity row that is not a district of the entities table
- P171 a denominator that is zero: a control target (``water_control_10k_m3``,
  ``groundwater_control_10k_m3``), ``land_area_km2`` or ``gdp_100m_yuan`` (a ratio needs
  it above 0; negatives are P012)
- P172 a part larger than its whole: ``degraded_area_km2`` or ``construction_land_km2``
  above ``land_area_km2``
- P173 a national rate whose ``end_year`` is not after its ``start_year``

Cell checks come from the spec (numbers P011, bounds P012 such as negative areas or a
cover above 100 %, codes P015, required cells P010); duplicate keys are P035 (validate.py).
References are not checked when the entities table could not be read.
"""

from __future__ import annotations

import pandas as pd

from qingshan.errors import Problem

#: columns that divide something, and must not be zero
DENOMINATORS = ("water_control_10k_m3", "groundwater_control_10k_m3", "land_area_km2", "gdp_100m_yuan")
#: parts of the land area
PARTS_OF_LAND = ("degraded_area_km2", "construction_land_km2")


def _p(code: str, r: pd.Series, column: str, value: object, zh: str, en: str) -> Problem:
    v = None if value is None or value is pd.NA or value != value else value
    return Problem(code, str(r["_file"]), int(r["_row"]), column, None if v is None else f"{v:g}"
                   if isinstance(v, float) else str(v), zh, en, "error")


def _number(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(float("nan"), index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def check_carrying_tables(inputs: pd.DataFrame, rates: pd.DataFrame, entities: pd.DataFrame | None) -> list[Problem]:
    """Every problem of the two carrying-capacity tables beyond the spec's cell checks.
    ``entities`` is None when the entities table could not be read."""
    problems: list[Problem] = []
    if entities is not None and not inputs.empty:
        districts = set(entities.loc[entities["entity_type"] == "district", "entity_id"].dropna())
        bad = inputs[inputs["district_id"].notna() & ~inputs["district_id"].isin(districts)]
        problems += [_p("P170", r, "district_id", r["district_id"],
                        "应为 entities 表中某区县（district）主体的 entity_id",
                        "expected the entity_id of a district in the entities table") for _, r in bad.iterrows()]
    if not inputs.empty:
        for col in DENOMINATORS:
            v = _number(inputs, col)
            for _, r in inputs[v == 0].iterrows():
                problems.append(_p("P171", r, col, 0.0,
                                   "应大于 0：此值作分母（控制指标、国土面积或 GDP 为 0 无法计算比值）",
                                   "must be above 0: it divides (a control target, land area or GDP of 0 gives no "
                                   "ratio)"))
        land = _number(inputs, "land_area_km2")
        for col in PARTS_OF_LAND:
            part = _number(inputs, col)
            for i in inputs.index[(part > land) & land.notna()]:
                r = inputs.loc[i]
                problems.append(_p("P172", r, col, float(part[i]), f"不应大于国土面积 land_area_km2（{land[i]:g}）",
                                   f"must not exceed the land area land_area_km2 ({land[i]:g})"))
    if not rates.empty:
        start, end = _number(rates, "start_year"), _number(rates, "end_year")
        for i in rates.index[start.notna() & end.notna() & (end <= start)]:
            r = rates.loc[i]
            problems.append(_p("P173", r, "end_year", int(end[i]), f"应晚于起始年份 start_year（{int(start[i])}）",
                               f"must be after start_year ({int(start[i])})"))
    return problems
