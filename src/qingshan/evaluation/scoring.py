"""One year's 亩均 evaluation under a scheme: scope and class T, indicator values,
benchmarks, item scores, totals, ranks, classes, and the score and indicator values that
would lift each enterprise one class.

Runs on the enterprise-year table of :mod:`qingshan.evaluation.inputs` (one row per
enterprise: tens of thousands of rows at province scale) with pandas; see
docs/architecture.md for why this engine is not an Ibis kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from qingshan.errors import Problem, ValidationError
from qingshan.evaluation.catalogue import indicators
from qingshan.evaluation.scheme import Item, Scheme, Segment
from qingshan.methods import class_rules as cr
from qingshan.methods import mujun_scoring as ms
from qingshan.methods.precision import comparable

STATUS_EVALUATED, STATUS_EXEMPT, STATUS_OUT = "evaluated", "exempt", "out_of_scope"


@dataclass(frozen=True)
class YearScores:
    """``firms``: one row per enterprise of the year; ``items``: one row per evaluated
    enterprise and scored indicator."""

    firms: pd.DataFrame
    items: pd.DataFrame


def membership(frame: pd.DataFrame, scheme: Scheme, year: int) -> tuple[pd.Series, pd.Series]:
    """(segment id or NA, status) per row: the first segment whose scale and land rules the
    firm meets; members that are utilities or new (class T) are ``exempt``."""
    seg = pd.Series(pd.NA, index=frame.index, dtype="string")
    land = frame["land_area_mu"].astype("float64").fillna(0.0)
    for s in scheme.segments:
        ok = seg.isna() & (comparable(land) >= comparable(float(s.min_land_mu)))
        if s.scales:
            ok &= frame["scale"].isin(list(s.scales)).fillna(False).astype(bool)
        seg[ok] = s.id
    status = pd.Series(STATUS_OUT, index=frame.index, dtype="string")
    status[seg.notna()] = STATUS_EVALUATED
    ex = scheme.exempt
    exempt = frame["industry_division"].isin(list(ex.industry_divisions)).fillna(False).astype(bool)
    if ex.min_years_in_production is not None:
        started = frame["start_year"].astype("float64")
        exempt |= (started.notna() & (year - started < ex.min_years_in_production)).astype(bool)
    status[seg.notna() & exempt] = STATUS_EXEMPT
    return seg, status


def exempt_reason(frame: pd.DataFrame, scheme: Scheme, year: int) -> pd.Series:
    """"utility" (exempt industry division) or "new" (in production fewer than N years)."""
    ex = scheme.exempt
    out = pd.Series(pd.NA, index=frame.index, dtype="string")
    if ex.min_years_in_production is not None:
        started = frame["start_year"].astype("float64")
        out[(started.notna() & (year - started < ex.min_years_in_production)).astype(bool)] = "new"
    out[frame["industry_division"].isin(list(ex.industry_divisions)).fillna(False).astype(bool)] = "utility"
    return out


def _rank_keys(frame: pd.DataFrame, seg: Segment) -> pd.DataFrame:
    return frame[list(seg.rank_within)].astype("string").fillna("<NA>")


def group_label(frame: pd.DataFrame, seg: Segment) -> pd.Series:
    if not seg.rank_within:
        return pd.Series(seg.id, index=frame.index, dtype="string")
    keys = _rank_keys(frame, seg)
    label = keys.iloc[:, 0]
    for c in keys.columns[1:]:
        label = label + "/" + keys[c]
    return (seg.id + ":" + label).astype("string")


def prior_means(prior: pd.DataFrame, scheme: Scheme, seg: Segment, year: int) -> dict[str, pd.Series]:
    """Per prior_mean item: the mean of the previous year's values by ranking group (label)."""
    s_id, status = membership(prior, scheme, year - 1)
    p = prior[(s_id == seg.id) & (status == STATUS_EVALUATED)]
    labels = group_label(p, seg)
    out: dict[str, pd.Series] = {}
    for it in seg.items:
        if it.benchmark == "prior_mean":
            ind = indicators()[it.indicator]
            v = ms.indicator_values(p, ind.numerator, ind.denominator, ind.scale, seg.pollutants)
            out[it.indicator] = v.groupby(labels).mean()
    return out


def score_year(inputs: pd.DataFrame, scheme: Scheme, year: int,
               adjustments: pd.DataFrame | None = None) -> YearScores:
    """Evaluate ``year``; raises :class:`ValidationError` if a benchmark needs a previous
    year that the inputs do not hold."""
    frame = inputs[inputs["year"] == year].reset_index(drop=True)
    if frame.empty:
        raise ValidationError([Problem("E001", "economics", None, "year", str(year),
                                       "评价年份应有经济数据", "an evaluation year with economics rows")])
    prior = inputs[inputs["year"] == year - 1]
    seg_id, status = membership(frame, scheme, year)
    firms = frame[["entity_id", "name", "year", "district_id", "park_id", "industry_code", "industry_division",
                   "scale", "land_area_mu"]].copy()
    firms["segment"] = seg_id
    firms["status"] = status
    for c in ("group", "class", "target_class"):
        firms[c] = pd.Series(pd.NA, index=firms.index, dtype="string")
    for c in ("score", "adjustment", "position", "threshold_score", "gap"):
        firms[c] = np.nan
    for c in ("rank", "rank_last", "group_size"):
        firms[c] = pd.Series(pd.NA, index=firms.index, dtype="Int64")
    firms["strict"] = pd.Series(pd.NA, index=firms.index, dtype="boolean")
    firms.loc[status == STATUS_EXEMPT, "class"] = "T"
    firms["exempt_reason"] = exempt_reason(frame, scheme, year).where(status == STATUS_EXEMPT)
    adj = _adjustment_points(frame, scheme, adjustments, year)
    item_frames: list[pd.DataFrame] = []
    problems: list[Problem] = []
    for seg in scheme.segments:
        rows = firms.index[(seg_id == seg.id) & (status == STATUS_EVALUATED)]
        if len(rows) == 0:
            continue
        f = frame.loc[rows]
        labels = group_label(f, seg)
        means = prior_means(prior, scheme, seg, year) if any(i.benchmark == "prior_mean" for i in seg.items) else {}
        items, total = _score_items(f, seg, labels, means, problems)
        if problems:
            continue
        total = total + adj.loc[rows]
        firms.loc[rows, "adjustment"] = adj.loc[rows]
        firms.loc[rows, "score"] = total
        firms.loc[rows, "group"] = labels
        _classify(firms, rows, f, seg, items, total)
        item_frames.append(_needed_values(firms, rows, seg, items))
    if problems:
        raise ValidationError(problems)
    cols = ["entity_id", "segment", "indicator", "weight", "value", "benchmark", "bench_min", "bench_max", "score",
            "missing", "needed_value", "change", "reachable"]
    items_all = pd.concat(item_frames, ignore_index=True) if item_frames else pd.DataFrame(columns=cols)
    return YearScores(firms=firms, items=items_all[cols])


def _adjustment_points(frame: pd.DataFrame, scheme: Scheme, adjustments: pd.DataFrame | None,
                       year: int) -> pd.Series:
    pts = pd.Series(0.0, index=frame.index)
    if adjustments is None or adjustments.empty or not scheme.adjustments:
        return pts
    a = adjustments[adjustments["year"] == year]
    for rule in scheme.adjustments:
        counts = a[a["adjustment"] == rule.id].groupby("entity_id")["count"].sum()
        p = frame["entity_id"].map(counts).fillna(0.0).astype("float64") * rule.points
        if rule.max_points is not None:
            p = p.clip(lower=-rule.max_points, upper=rule.max_points)
        pts += p
    return pts


def _score_items(f: pd.DataFrame, seg: Segment, labels: pd.Series, means: dict[str, pd.Series],
                 problems: list[Problem]) -> tuple[dict[str, pd.DataFrame], pd.Series]:
    total = pd.Series(0.0, index=f.index)
    out: dict[str, pd.DataFrame] = {}
    keys = pd.DataFrame({"g": labels}, index=f.index)
    for it in seg.items:
        ind = indicators()[it.indicator]
        x = ms.indicator_values(f, ind.numerator, ind.denominator, ind.scale, seg.pollutants)
        lo = hi = pd.Series(np.nan, index=f.index)
        if it.benchmark == "fixed":
            b = pd.Series(it.value, index=f.index, dtype="float64")
        elif it.benchmark == "prior_mean":
            m = labels.map(means.get(it.indicator, pd.Series(dtype="float64"))).astype("float64")
            for g in sorted(set(labels[m.isna()])):
                problems.append(Problem(
                    "E002", "economics", None, it.indicator, g,
                    f"{f['year'].iloc[0] - 1} 年（上年度）同组企业的该项指标值，用于计算基准值",
                    f"values of this indicator for the group in {f['year'].iloc[0] - 1}, the previous year, "
                    "for the benchmark"))
            b = it.k * m
        elif it.benchmark == "best":
            b = ms.group_extreme(x, keys, "max" if ind.direction == "higher" else "min")
        else:
            lo, hi = ms.group_extreme(x, keys, "min"), ms.group_extreme(x, keys, "max")
            b = pd.Series(np.nan, index=f.index)
        if seg.method == "minmax":
            raw = ms.minmax_score(x, lo, hi, it.weight, ind.direction, seg.minmax_band)
        else:
            raw = ms.ratio_score(x, b, it.weight, ind.direction)
        score = ms.bounded(raw, it.weight, it.cap, it.floor)
        missing = score.isna()
        score = score.where(~missing, _missing_score(score, keys, it))
        total = total + score
        out[it.indicator] = pd.DataFrame({"value": x, "benchmark": b, "bench_min": lo, "bench_max": hi,
                                          "score": score, "missing": missing})
    return out, total


def _missing_score(score: pd.Series, keys: pd.DataFrame, it: Item) -> pd.Series:
    if it.missing == "average_score":
        return ms.group_mean(score, keys).fillna(0.0)
    if it.missing == "min_score":
        return ms.group_extreme(score, keys, "min").fillna(0.0)
    return pd.Series(0.0, index=score.index)


def _classify(firms: pd.DataFrame, rows: pd.Index, f: pd.DataFrame, seg: Segment,
              items: dict[str, pd.DataFrame], total: pd.Series) -> None:
    rule = seg.classes
    bands = rule.band_pairs()
    groups = cr.group_codes(f, seg.rank_within)
    tb = pd.DataFrame({c: items[c]["value"] for c in rule.tie_break}, index=f.index)
    first, last, n = cr.competition_ranks(total, tb, groups)
    rank = cr.position_rank(first, last, rule.ties)
    if rule.rule == "percentile":
        cls = cr.percentile_classes(first, last, n, bands, rule.ties, rule.rounding, rule.remainder)
    else:
        cls = cr.capped(cr.score_classes(total, bands), rank, n, bands, rule.top_max_share, rule.bottom_min_share)
    firms.loc[rows, "rank"] = first.to_numpy()
    firms.loc[rows, "rank_last"] = last.to_numpy()
    firms.loc[rows, "group_size"] = n.to_numpy()
    firms.loc[rows, "position"] = (rank / n).to_numpy()
    firms.loc[rows, "class"] = cls.to_numpy()
    target, thr, strict = cr.next_class_threshold(total, cls, groups, rule.rule, bands, rule.ties, rule.rounding,
                                                  rule.remainder)
    if rule.rule == "score" and (rule.top_max_share is not None or rule.bottom_min_share is not None):
        # a quota adds a rank condition: the score must also beat the firm at the quota's edge
        k = pd.Series(np.nan, index=total.index)
        if rule.top_max_share is not None:
            top = pd.Series(cr.quota_ranks(n, rule.top_max_share, "floor"), index=total.index, dtype="float64")
            k[target == bands[0][0]] = top
        if rule.bottom_min_share is not None:
            low = pd.Series(n.to_numpy() - cr.quota_ranks(n, rule.bottom_min_share, "ceil"), index=total.index,
                            dtype="float64")
            k[cls == bands[-1][0]] = low
        edge = cr.kth_best_other(total, groups, k.fillna(0))
        quota = k.notna() & (k >= 1)
        thr = thr.where(~quota, np.fmax(thr, edge))
        thr = thr.where(~(k.notna() & (k < 1)))  # no firm may hold that class in this group
        strict = strict | quota
    firms.loc[rows, "target_class"] = target.to_numpy()
    firms.loc[rows, "threshold_score"] = thr.to_numpy()
    firms.loc[rows, "gap"] = (thr - total).to_numpy()
    firms.loc[rows, "strict"] = strict.where(thr.notna()).astype("boolean").to_numpy()


def _needed_values(firms: pd.DataFrame, rows: pd.Index, seg: Segment, items: dict[str, pd.DataFrame]
                   ) -> pd.DataFrame:
    """For each item: the value that alone lifts the firm to its threshold score (benchmarks,
    other items and other firms held fixed); ``reachable`` is false where no value does
    (a cap, the top of a min–max range, or a missing value scored by rule)."""
    gap = firms.loc[rows, "gap"].astype("float64")
    gap.index = rows
    parts = []
    for it in seg.items:
        t = items[it.indicator]
        ind = indicators()[it.indicator]
        target_item = t["score"] + gap
        needed = ms.value_for_score(target_item, it.weight, ind.direction, seg.method, t["benchmark"],
                                    t["bench_min"], t["bench_max"], seg.minmax_band)
        cap_ok = (pd.Series(True, index=t.index) if it.cap is None
                  else comparable(target_item) <= comparable(it.cap * it.weight))
        ok = gap.notna() & ~t["missing"] & needed.notna() & cap_ok
        parts.append(pd.DataFrame({
            "entity_id": firms.loc[rows, "entity_id"].to_numpy(), "segment": seg.id, "indicator": it.indicator,
            "weight": it.weight, "value": t["value"].to_numpy(), "benchmark": t["benchmark"].to_numpy(),
            "bench_min": t["bench_min"].to_numpy(), "bench_max": t["bench_max"].to_numpy(),
            "score": t["score"].to_numpy(), "missing": t["missing"].to_numpy(),
            "needed_value": needed.where(ok).to_numpy(), "change": (needed - t["value"]).where(ok).to_numpy(),
            "reachable": ok.where(gap.notna()).astype("boolean").to_numpy()}))
    return pd.concat(parts, ignore_index=True)
