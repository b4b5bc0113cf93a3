"""The evaluation of one year (:func:`evaluate`): the scores and classes of
:mod:`~qingshan.evaluation.scoring`, earlier years as far as the data allow (for
consecutive-year measures and the migration matrix), 碳效码 columns, policy measures and
park figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from qingshan.errors import ValidationError
from qingshan.evaluation.carbon_code import carbon_columns
from qingshan.evaluation.config import CarbonConfig, Measures
from qingshan.evaluation.migration import migration_matrix
from qingshan.evaluation.parks import park_evaluation
from qingshan.evaluation.policy import measure_list
from qingshan.evaluation.scheme import Scheme
from qingshan.evaluation.scoring import STATUS_EVALUATED, YearScores, score_year


@dataclass
class Evaluation:
    """Results of one evaluation year.

    ``firms``: one row per enterprise-year (status, segment, group, score, rank, class,
    next-class threshold, carbon L/K/grade, measures total); ``items``: one row per
    evaluated enterprise and indicator (value, benchmark, score, value needed for the
    next class); ``measures``: one row per enterprise and applicable measure; ``parks``;
    ``migration``: classes of the previous year (rows) against this year (columns).
    """

    scheme: Scheme
    year: int
    firms: pd.DataFrame
    items: pd.DataFrame
    measures: pd.DataFrame
    parks: pd.DataFrame
    migration: pd.DataFrame
    carbon: CarbonConfig | None  # None: the profile selects no 碳效码 configuration
    measure_set: Measures | None  # None: no differentiated measures apply
    notes: list[dict[str, Any]] = field(default_factory=list)


def evaluate(inputs: pd.DataFrame, scheme: Scheme, year: int, *, carbon: CarbonConfig | None = None,
             measures: Measures | None = None, adjustments: pd.DataFrame | None = None,
             earliest: int | None = None) -> Evaluation:
    """Evaluate ``year``; earlier years are evaluated too, as far as the data allow and not
    before ``earliest`` (the first year the jurisdiction's scheme and measures applied), for
    consecutive-year measures and the migration matrix. ``carbon`` and ``measures`` are
    what the jurisdiction selects: without ``carbon`` no 碳效码 grade is given, without
    ``measures`` no measure applies (the caller, :class:`qingshan.city.City`, takes both
    from the profile)."""
    current = score_year(inputs, scheme, year, adjustments)
    depth = max([1, *(len(m.yuan_per_kwh) for m in (measures.measures if measures else ()))])
    history: dict[int, YearScores] = {year: current}
    notes: list[dict[str, Any]] = []
    first = year - depth if earliest is None else max(year - depth, earliest)
    if earliest is not None and year - 1 < earliest:
        notes.append({"year": year, "zh": f"本方案和政策自 {earliest} 年起适用，不计此前年份的类别",
                      "en": f"the scheme and measures apply from {earliest}; classes of earlier years are not counted"})
    for y in range(year - 1, first - 1, -1):
        if not (inputs["year"] == y).any():
            break
        try:
            history[y] = score_year(inputs, scheme, y, adjustments)
        except ValidationError:
            notes.append({"year": y, "zh": f"{y} 年无法按本方案评价（缺少上年度数据），连续年数从 {y + 1} 年起算",
                          "en": f"{y} cannot be evaluated under this scheme (no previous-year data); "
                                f"consecutive years are counted from {y + 1}"})
            break
    frame = inputs[inputs["year"] == year].reset_index(drop=True)
    firms = current.firms.copy()
    for c, v in carbon_columns(frame, carbon).items():
        firms[c] = v.reset_index(drop=True)
    classes = pd.concat([h.firms[["entity_id", "year", "class"]] for h in history.values()], ignore_index=True)
    mlist = measure_list(firms, frame, classes, measures, year)
    amount = mlist.groupby("entity_id")["amount_yuan"].sum(min_count=1) if len(mlist) else pd.Series(dtype=float)
    firms["measures_yuan"] = firms["entity_id"].map(amount).astype("float64")
    prev = history.get(year - 1)
    return Evaluation(scheme=scheme, year=year, firms=firms, items=current.items, measures=mlist,
                      parks=park_evaluation(frame, firms),
                      migration=migration_matrix(prev.firms if prev is not None else None, firms),
                      carbon=carbon, measure_set=measures, notes=notes)


def evaluated(firms: pd.DataFrame) -> pd.DataFrame:
    return firms[firms["status"] == STATUS_EVALUATED]
