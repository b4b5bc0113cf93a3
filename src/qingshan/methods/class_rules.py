"""Class rules of 亩均 evaluation: ranking within groups, percentile bands with their
rounding and remainder, score lines, and the score an enterprise needs to reach the next
class up.

Percentile bands. In a group of n firms ranked by total score (then by the scheme's
tie-break indicators, higher first; both compared at the stated precision of
:mod:`.precision`), tied firms share a competition rank: the block of firms tied at ranks
r₁…r₂ has first rank r₁ and last rank r₂. A firm is classed at rank r = r₂ under
``ties = "worse"`` (a tie straddling a boundary falls to the lower band), r₁ under
``"better"``, or (r₁ + r₂) / 2 under ``"middle"``.

The bands are cumulative shares from the top (A upto₁ < B upto₂ < … < last 1.0). Each
scheme states how a share becomes a number of firms (:func:`band_cuts`):

- the bottom band holds d = rnd((1 − upto of the band above) × n) firms counted from the
  bottom ("D 后5%": ⌊0.05 n⌋; "D 不低于5%": ⌈0.05 n⌉), and is counted first;
- each band above may hold, together with the bands above it, c = rnd(upto × n) firms
  counted from the top, never reaching into the bottom band's d ranks;
- the ranks neither count reaches (a rounding remainder between the last c and n − d) go
  to the scheme's ``remainder`` class: the band above the bottom one (the default), or the
  bottom band itself.

rnd is ``floor``, ``ceil`` or ``round`` (half up, 四舍五入) of share × n compared at the
stated precision, per band. The class is the first band whose cumulative count reaches r.
With floor everywhere and the remainder in C, bands A 0.20 / B 0.60 / C 0.95 / D 1.0 are
淮安's "A 前20%，B 20%(不含)–60%(含)，C 60%(不含)–95%(含)，D 后5%": a firm at rank r is A
iff r / n ≤ 20 %, and D iff its place from the bottom, (n − r + 1) / n, is within 5 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from qingshan.methods.precision import comparable, count

ROUNDINGS = ("floor", "ceil", "round")


def band_cuts(n: int, bands: Sequence[tuple[str, float]], rounding: Sequence[str] | None = None,
              remainder: str | None = None) -> tuple[int, ...]:
    """Per band, how many firms of a group of n sit in it or above it (the last is n).

    ``rounding`` gives each band's rounding (default ``floor``): of its cumulative count
    from the top, and for the bottom band of its own count from the bottom.
    ``remainder`` is the class of the ranks neither count reaches: the band above the
    bottom one (default) or the bottom band.
    """
    return _cuts(int(n), tuple((str(c), float(u)) for c, u in bands),
                 tuple(rounding) if rounding else ("floor",) * len(bands), remainder)


@lru_cache(maxsize=4096)
def _cuts(n: int, bands: tuple[tuple[str, float], ...], rounding: tuple[str, ...],
          remainder: str | None) -> tuple[int, ...]:
    k = len(bands)
    if k == 1:
        return (n,)
    bottom = min(n, max(0, count(1.0 - bands[-2][1], n, rounding[-1])))
    top: list[int] = []
    prev = 0
    for j in range(k - 1):
        c = min(max(count(bands[j][1], n, rounding[j]), prev), n - bottom)
        top.append(c)
        prev = c
    if remainder is None or remainder == bands[-2][0]:
        top[-1] = n - bottom
    return (*top, n)


def group_codes(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """An integer code per row for its ranking group (all zeros without columns)."""
    if not columns:
        return np.zeros(len(frame), dtype=np.int64)
    keys = frame[list(columns)].astype("string").fillna("<NA>")
    return keys.groupby(list(columns), sort=True).ngroup().to_numpy(dtype=np.int64)


def competition_ranks(score: pd.Series, tie_break: pd.DataFrame, groups: np.ndarray
                      ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(first rank, last rank, group size) per row, rank 1 the best.

    Rows are ordered by score, then by each tie-break column, higher first, all compared at
    the stated precision (:func:`~qingshan.methods.precision.comparable`), so totals that
    differ only by the order in which an engine added them are tied; a missing tie-break
    value counts as the worst.
    """
    keys = pd.DataFrame({"s": comparable(score.astype("float64"))}, index=score.index)
    for i, c in enumerate(tie_break.columns):
        keys[f"t{i}"] = comparable(tie_break[c].astype("float64")).fillna(-np.inf)
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


def cuts_per_row(n: pd.Series | np.ndarray, bands: Sequence[tuple[str, float]],
                 rounding: Sequence[str] | None = None, remainder: str | None = None) -> np.ndarray:
    """:func:`band_cuts` for each row's group size: an array of shape (rows, bands)."""
    nn = np.asarray(n, dtype=np.int64)
    out = np.zeros((len(nn), len(bands)), dtype=np.int64)
    for size in np.unique(nn):
        out[nn == size] = band_cuts(int(size), bands, rounding, remainder)
    return out


def percentile_classes(first: pd.Series, last: pd.Series, n: pd.Series, bands: Sequence[tuple[str, float]],
                       ties: str, rounding: Sequence[str] | None = None, remainder: str | None = None
                       ) -> pd.Series:
    """The class of each row under cumulative-share bands with their rounding and
    remainder (see module doc)."""
    r = position_rank(first, last, ties).to_numpy()
    cuts = cuts_per_row(n, bands, rounding, remainder)
    out = np.full(len(r), bands[-1][0], dtype=object)
    done = np.zeros(len(r), dtype=bool)
    for j, (cls, _) in enumerate(bands):
        hit = ~done & (r <= cuts[:, j])
        out[hit] = cls
        done |= hit
    return pd.Series(out, index=first.index, dtype="string")


def score_classes(score: pd.Series, bands: Sequence[tuple[str, float]]) -> pd.Series:
    """The first band whose minimum score the row reaches, both compared at the stated
    precision; below every line, the last band."""
    out = np.full(len(score), bands[-1][0], dtype=object)
    done = np.zeros(len(score), dtype=bool)
    s = comparable(score.to_numpy(dtype="float64"))
    for cls, line in bands:
        hit = ~done & (s >= comparable(float(line)))
        out[hit] = cls
        done |= hit
    return pd.Series(out, index=score.index, dtype="string")


def quota_ranks(n: pd.Series | np.ndarray, share: float, rounding: str) -> np.ndarray:
    """Per row, ``rounding`` of share × (its group size), at the stated precision."""
    nn = np.asarray(n, dtype=np.int64)
    out = np.zeros(len(nn), dtype=np.int64)
    for size in np.unique(nn):
        out[nn == size] = count(share, int(size), rounding)
    return out


def capped(cls: pd.Series, rank: pd.Series, n: pd.Series, bands: Sequence[tuple[str, float]],
           top_max_share: float | None, bottom_min_share: float | None) -> pd.Series:
    """Quotas on score-line classes (德州 2024: "A 类不超过20%，D 类不低于5%"): a firm of the
    top class ranked beyond ⌊share × n⌋ drops to the second class; the firms in the bottom
    ⌈share × n⌉ ranks take the bottom class. ``rank`` is the tie rule's rank."""
    out = cls.copy()
    r, nn = rank.to_numpy(dtype="float64"), n.to_numpy(dtype="float64")
    if top_max_share is not None:
        over = (out == bands[0][0]).to_numpy() & (r > quota_ranks(n, top_max_share, "floor"))
        out[over] = bands[1][0]
    if bottom_min_share is not None:
        low = r > nn - quota_ranks(n, bottom_min_share, "ceil")
        out[low] = bands[-1][0]
    return out


def _ranked(s: np.ndarray, sc: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The members' raw scores and comparable scores, best first (ordered at the stated
    precision)."""
    order = members[np.argsort(-sc[members], kind="stable")]
    return s[order], sc[order]


def _kth_best(raw: np.ndarray, cmp: np.ndarray, own: float, j: int) -> float:
    """The j-th best score among the other members, from the group's ranked scores:
    if the firm itself is among the first j (compared at the stated precision), skip it."""
    if own >= cmp[j - 1]:
        return float(raw[j]) if j < len(raw) else float("nan")
    return float(raw[j - 1])


def kth_best_other(score: pd.Series, groups: np.ndarray, k: pd.Series) -> pd.Series:
    """Per row, the k-th best score among the other rows of its group (NaN if k < 1 or the
    group has fewer than k other rows)."""
    s = score.to_numpy(dtype="float64")
    sc = comparable(s)
    kk = k.to_numpy(dtype="float64")
    out = np.full(len(s), np.nan)
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        raw, cmp = _ranked(s, sc, members)
        for m in members:
            j = int(kk[m])
            if j >= 1:
                out[m] = _kth_best(raw, cmp, sc[m], j)
    return pd.Series(out, index=score.index)


def next_class_threshold(score: pd.Series, cls: pd.Series, groups: np.ndarray, rule: str,
                         bands: Sequence[tuple[str, float]], ties: str, rounding: Sequence[str] | None = None,
                         remainder: str | None = None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(target class, threshold score, strict) per row, all other firms held as they are.

    The target is the next class up, or a better one where that band is empty in a small
    group (n = 2 under 淮安's bands: A, B and C hold no rank of their own but the remainder's).

    Percentile rule: to enter band j a firm must rank within the first K = cut_j firms
    (:func:`band_cuts`); with the other firms' scores fixed it needs more than
    (``ties = "worse"``) or at least (``"better"``) the K-th best score among the others
    (compared at the stated precision). Score rule: the band's line.
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
    sc = comparable(s)
    out = np.full(len(s), np.nan)
    for g in np.unique(groups[up]) if up.any() else []:
        members = np.flatnonzero(groups == g)
        raw, cmp = _ranked(s, sc, members)
        cuts = band_cuts(len(members), bands, rounding, remainder)
        for p in np.unique(pos[members][up[members]]):
            sel = members[pos[members] == p]
            k = cuts[p - 1]
            if k == 0:
                continue
            # the k-th best score among the other firms: skip the firm itself if it is among the first k
            for m in sel:
                out[m] = _kth_best(raw, cmp, sc[m], k)
            # rank k may fall in a band above the next one when that band is empty in a small group
            reached = next(b[0] for b, c in zip(bands, cuts, strict=True) if c >= k)
            target.iloc[sel] = reached
    thr[:] = out
    target[thr.isna()] = pd.NA
    return target, thr, pd.Series(ties != "better", index=score.index)
