"""GDP–GEP coordination by district and year (GDP–GEP 协调发展): both series, their growth
rates, GEP/GDP and the coupling-coordination degree D = √(C·T) of
:mod:`qingshan.methods.coupling` (王睿 & 杨国靖, 干旱区地理, ChinaXiv 202101.00006, eqs. 3–5,
7; grades 田深圳 et al. 2021 表1). Each system has one indicator, min–max normalised over
the whole panel (every district and year), so D is comparable across districts and years.
GDP comes from the ecological package's ``gdp`` table (10⁴ yuan, current prices).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from qingshan.methods import coupling

#: the grade of a row whose normalised GDP or GEP is the panel's minimum (0): D = 0 there by
#: construction of the min–max normalisation, not by the district's coordination
ENDPOINT = ("不评级（GDP 或 GEP 为全体最小值，归一化为 0）",
            "not graded (GDP or GEP is the panel's minimum, normalised to 0)")
#: k of C = {4fg/(f+g)²}^k: the source paper's value (王睿 & 杨国靖 §2.1, k ∈ [2, 5]).
K_PAPER = 2.0


def coordination_table(gep_by_district: Mapping[int, Mapping[str, float]], gdp: pd.DataFrame | None,
                       k: float = K_PAPER) -> tuple[pd.DataFrame, str | None]:
    """One row per district and year: ``gdp_yuan``, ``gep_yuan``, ``gep_gdp_ratio``,
    ``gdp_growth``, ``gep_growth``, ``f`` (normalised GDP), ``g`` (normalised GEP), ``c``,
    ``t``, ``d``, ``grade_zh``, ``grade_en``. With no GDP table, or a panel whose GDP or GEP
    has no range, the table is empty and the second value says why."""
    if gdp is None or gdp.empty:
        return pd.DataFrame(), "数据包没有 GDP 表 / the package has no GDP table"
    rows = []
    for year, by_d in sorted(gep_by_district.items()):
        g_year = gdp[gdp["year"].astype(int) == year]
        gd = {str(r["district_id"]): float(r["gdp"]) * 1e4 for _, r in g_year.iterrows()}
        for d, v in sorted(by_d.items()):
            if d in gd:
                rows.append({"year": year, "district": d, "gdp_yuan": gd[d], "gep_yuan": float(v)})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame, "GDP 表与 GEP 的区县、年份不相交 / the GDP table shares no district and year with GEP"
    try:
        f = coupling.min_max_normalise(list(frame["gdp_yuan"]))
        g = coupling.min_max_normalise(list(frame["gep_yuan"]))
    except ValueError as exc:
        return pd.DataFrame(), f"无法归一化 / cannot normalise: {exc}"
    frame["gep_gdp_ratio"] = [coupling.gep_gdp_ratio(a, b) for a, b in zip(frame["gep_yuan"], frame["gdp_yuan"],
                                                                             strict=True)]
    frame["f"], frame["g"] = f, g
    frame["c"] = [coupling.coupling_degree(a, b, k) for a, b in zip(f, g, strict=True)]
    frame["t"] = [coupling.comprehensive_index(a, b) for a, b in zip(f, g, strict=True)]
    frame["d"] = [coupling.coordination_degree(a, b, k) for a, b in zip(f, g, strict=True)]
    # with one indicator a system, the panel's lowest GDP or GEP normalises to exactly 0, and then
    # C = D = 0 by construction whatever the other system: such a row is not graded
    grades = [coupling.coordination_grade(d) if a > 0 and b > 0 else ENDPOINT
              for a, b, d in zip(f, g, frame["d"], strict=True)]
    frame["grade_zh"], frame["grade_en"] = [z for z, _ in grades], [e for _, e in grades]
    frame = frame.sort_values(["district", "year"]).reset_index(drop=True)
    for col, out in (("gdp_yuan", "gdp_growth"), ("gep_yuan", "gep_growth")):
        frame[out] = _growth(frame, col)
    return frame, None


def _growth(frame: pd.DataFrame, col: str) -> Sequence[float | None]:
    """Growth from the district's previous year in the table (per year between them, as a
    compound annual rate when the years are not consecutive)."""
    out: list[float | None] = []
    prev: dict[str, tuple[int, float]] = {}
    for r in frame.to_dict("records"):
        district, year, value = str(r["district"]), int(r["year"]), float(r[col])
        p = prev.get(district)
        if p is None or p[1] <= 0:
            out.append(None)
        else:
            total = coupling.growth_rates([p[1], value])[0]
            out.append((1.0 + total) ** (1.0 / (year - p[0])) - 1.0)
        prev[district] = (year, value)
    return out
