"""Class rules of 亩均 evaluation: ranking within groups, percentile bands with a tie rule,
score lines, and the score an enterprise needs to reach the next class up.

Percentile bands. In a group of n firms ranked by total score (then by the scheme's
tie-break indicators, higher first), tied firms share a competition rank: the block of firms
tied at ranks r₁…r₂ has first rank r₁ and last rank r₂. A firm's position is
p = r / n with r = r₂ under ``ties = "worse"`` (a tie straddling a boundary falls to the
lower band, so no upper band holds more than its share: "A ≤ 20 %"), r = r₁ under
``"better"``, or r = (r₁ + r₂) / 2 under ``"middle"``. Its class is the first band whose
cumulative share ``upto`` satisfies r ≤ ⌊upto × n⌋. With bands A 0.2 / B 0.6 / C 0.95 / D 1.0 this is 淮安's "A 前20%，
B 20%(不含)–60%(含)，C 60%(不含)–95%(含)，D 后5%".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

EPS = 1e-9


def band_cut(upto: float, n: int) -> int:
    """⌊upto × n⌋: how many firms of a group of n may sit in this band or above it."""
    return math.floor(upto * n + EPS)


def group_codes(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """An integer code per row for its ranking group (all zeros without columns)."""
    if not columns:
        return np.zeros(len(frame), dtype=np.int64)
    keys = frame[list(columns)].astype("string").fillna("<NA>")
    return keys.groupby(list(columns), sort=True).ngroup().to_numpy(dtype=np.int64)


def competition_ranks(score: pd.Series, tie_break: pd.DataFrame, groups: np.ndarray
                      ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(first rank, last rank, group size) per row, rank 1 the best.

    Rows are ordered by score, then by each tie-break column, higher first; a missing
    tie-break value counts as the worst.
    """
    keys = pd.DataFrame({"s": score.astype("float64")}, index=score.index)
    for i, c in enumerate(tie_break.columns):
        keys[f"t{i}"] = tie_break[c].astype("float64").fillna(-np.inf)
    order = (-keys).groupby(list(keys.columns), sort=True, dropna=False).ngroup()  # ascending = best first
    g = pd.Series(groups, index=score.index)
    first = order.groupby(g).rank(method="min").astype("int64")
    last = order.groupby(g).rank(method="max").astype("int64")
    n = g.map(g.value_counts()).astype("int64")
    return first, last, n


def position_rank(first: pd.Series, last: pd.Series, ties: str) -> pd.Series:
    """The rank a tied block is classed at: its last (``worse``), first (``better``) or
    middle (``middle``, (first + last) / 2) rank."""
    if ties == "worse":
        return last.astype("float64")
    if ties == "better":
        return first.astype("float64")
    return (first + last).astype("float64") / 2


def percentile_classes(first: pd.Series, last: pd.Series, n: pd.Series, bands: Sequence[tuple[str, float]],
                       ties: str) -> pd.Series:
    """The class of each row under cumulative-share bands (see module doc)."""
    r = position_rank(first, last, ties).to_numpy()
    nn = n.to_numpy()
    out = np.full(len(r), bands[-1][0], dtype=object)
    done = np.zeros(len(r), dtype=bool)
    for cls, upto in bands:
        cut = np.floor(upto * nn + EPS)
        hit = ~done & (r <= cut)
        out[hit] = cls
        done |= hit
    return pd.Series(out, index=first.index, dtype="string")


def score_classes(score: pd.Series, bands: Sequence[tuple[str, float]]) -> pd.Series:
    """The first band whose minimum score the row reaches; below every line, the last band."""
    out = np.full(len(score), bands[-1][0], dtype=object)
    done = np.zeros(len(score), dtype=bool)
    s = score.to_numpy(dtype="float64")
    for cls, line in bands:
        hit = ~done & (s >= line - EPS)
        out[hit] = cls
        done |= hit
    return pd.Series(out, index=score.index, dtype="string")


def capped(cls: pd.Series, rank: pd.Series, n: pd.Series, bands: Sequence[tuple[str, float]],
           top_max_share: float | None, bottom_min_share: float | None) -> pd.Series:
    """Quotas on score-line classes (德州 2024: "A 类不超过20%，D 类不低于5%"): a firm of the
    top class ranked beyond ⌊share × n⌋ drops to the second class; the firms in the bottom
    ⌈share × n⌉ ranks take the bottom class. ``rank`` is the tie rule's rank."""
    out = cls.copy()
    r, nn = rank.to_numpy(dtype="float64"), n.to_numpy(dtype="float64")
    if top_max_share is not None:
        over = (out == bands[0][0]).to_numpy() & (r > np.floor(top_max_share * nn + EPS))
        out[over] = bands[1][0]
    if bottom_min_share is not None:
        low = r > nn - np.ceil(bottom_min_share * nn - EPS)
        out[low] = bands[-1][0]
    return out


def kth_best_other(score: pd.Series, groups: np.ndarray, k: pd.Series) -> pd.Series:
    """Per row, the k-th best score among the other rows of its group (NaN if k < 1 or the
    group has fewer than k other rows)."""
    s = score.to_numpy(dtype="float64")
    kk = k.to_numpy(dtype="float64")
    out = np.full(len(s), np.nan)
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        ranked = np.sort(s[members])[::-1]
        n = len(members)
        for m in members:
            j = int(kk[m])
            if j < 1:
                continue
            if s[m] >= ranked[j - 1]:  # the firm itself is among the first j: skip it
                out[m] = ranked[j] if j < n else np.nan
            else:
                out[m] = ranked[j - 1]
    return pd.Series(out, index=score.index)


def next_class_threshold(score: pd.Series, cls: pd.Series, groups: np.ndarray, rule: str,
                         bands: Sequence[tuple[str, float]], ties: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(target class, threshold score, strict) per row, all other firms held as they are.

    The target is the next class up, or a better one where that band is empty in a small
    group (n = 2: bands B and C both end at rank 1).

    Percentile rule: to enter band j a firm must rank within the first ⌊upto_j × n⌋; with
    the other firms' scores fixed it needs more than (``ties = "worse"``) or at least
    (``"better"``) the K-th best score among the others. Score rule: the band's line.
    Missing where the firm is in the top band or the band above is empty for its group.
    """
    letters = [b[0] for b in bands]
    idx = {c: i for i, c in enumerate(letters)}
    target = pd.Series(pd.NA, index=score.index, dtype="string")
    thr = pd.Series(np.nan, index=score.index, dtype="float64")
    pos = cls.map(lambda c: idx.get(str(c), -1) if pd.notna(c) else -1).to_numpy()
    up = pos >= 1
    target[up] = [letters[p - 1] for p in pos[up]]
    if rule == "score":
        thr[up] = np.array([bands[p - 1][1] for p in pos[up]], dtype="float64")
        return target, thr, pd.Series(False, index=score.index)
    s = score.to_numpy(dtype="float64")
    out = np.full(len(s), np.nan)
    for g in np.unique(groups[up]) if up.any() else []:
        members = np.flatnonzero(groups == g)
        ranked = np.sort(s[members])[::-1]
        n = len(members)
        for p in np.unique(pos[members][up[members]]):
            sel = members[pos[members] == p]
            k = band_cut(bands[p - 1][1], n)
            if k == 0:
                continue
            # the k-th best score among the other firms: skip the firm itself if it is among the first k
            alt = ranked[k] if k < n else np.nan
            out[sel] = np.where(s[sel] >= ranked[k - 1], alt, ranked[k - 1])
            # rank k may fall in a band above the next one when that band is empty in a small group
            reached = next(b[0] for b in bands if band_cut(b[1], n) >= k)
            target.iloc[sel] = reached
    thr[:] = out
    target[thr.isna()] = pd.NA
    return target, thr, pd.Series(ties != "better", index=score.index)
