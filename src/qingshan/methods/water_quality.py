"""Surface-water quality (地表水环境质量): GB 3838-2002 classes, the national assessment
method of 2011 and the city water-quality index (docs/environment.md, "Water quality").

The limits come in as a table (``environment/standards/gb3838-2002.csv``): one row per
item, direction and water body, with the limits of classes Ⅰ…Ⅴ (``class_1`` … ``class_5``).
``direction`` is ``max`` (the column head "≤": a value at the limit belongs to the class)
or ``min`` (dissolved oxygen, the column head "≥"); pH, 6~9 in every class, is two rows
(``min`` 6 and ``max`` 9). ``water_body`` is ``all``, ``river`` or ``lake`` (lakes and
reservoirs, 湖、库): total phosphorus has a river row and a lake row, total nitrogen a lake
row only (GB 3838-2002 Table 1, item 9 "总氮(湖、库)"). Water temperature has no class
limits and is never classified.

Classes are integers 1…5 for Ⅰ…Ⅴ and 6 for worse than Ⅴ (劣Ⅴ). An item's class is the
best class whose limit the value meets; a sample's class is the worst class over the
evaluated items (single-factor evaluation, 单因子评价: GB 3838-2002 §5.1; 环办〔2011〕22号
《地表水环境质量评价办法(试行)》 二: "根据评价时段内该断面参评的指标中类别最高的一项来确定").
Values and limits are compared at the one precision of :mod:`.precision`, so a mean that
equals a limit in exact arithmetic is at the limit.

Estuary sections (入海河口), two rules (:data:`ESTUARY_RULES`, chosen by the profile key
``environment.estuary_rule``; :func:`section_standard`):

- ``"gb3838"`` (the default): every estuary section is classed by the GB 3838-2002 river
  rows (:func:`limits_for`). GB 3838-2002's foreword manages 地表水河口水域 connected to
  coastal waters by this standard's class limits for their water function, and the MEE
  bulletins class 入海河流断面 Ⅰ–劣Ⅴ under GB 3838 [R].
- ``"gb3097"``: an estuary section whose row says it is sea-ward (``estuary_side`` =
  ``sea``) is classed by GB 3097-1997《海水水质标准》 Table 1 instead, single-factor
  (:func:`sea_item_classes`): classes 1…4 for 第一类…第四类 and 5 for worse than class 4
  (劣四类). The river-ward part of an estuary stays under GB 3838 (黎明民、蓝文陆 2022,
  广西科学: estuaries are not a unit of their own; the river-ward part is assessed by
  GB 3838-2002, the sea-ward part by GB 3097-1997 [R]). Only the items confirmed in two
  independent copies of Table 1 [C] are held and assessed: DO, COD, 无机氮, 活性磷酸盐,
  石油类 (``environment/standards/gb3097-1997.csv``); BOD5, 非离子氨 and pH were found in
  one copy only and are left out. A sea class is not a river class: callers keep the two
  apart (never a sea class in the Ⅰ–Ⅲ shares).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from qingshan.errors import ConfigError
from qingshan.methods.precision import comparable

#: Class labels, index = class − 1 (6 = 劣Ⅴ, worse than Ⅴ).
CLASS_LABELS = ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ")
WORSE_THAN_V = 6
LIMIT_COLUMNS = ("class_1", "class_2", "class_3", "class_4", "class_5")
WATER_BODIES = ("river", "lake", "estuary")
#: Estuary rule sets: "gb3838" = GB 3838-2002 foreword (河口水域 by this standard's class
#: limits, i.e. as a river section; the default); "gb3097" = sea-ward estuary sections by
#: GB 3097-1997 Table 1, the others as river sections (module doc).
ESTUARY_RULES = ("gb3838", "gb3097")
#: The sides of an estuary section (``water_sections.estuary_side``).
ESTUARY_SIDES = ("river", "sea")
#: The standard a section is assessed by (:func:`section_standard`).
STANDARDS = ("gb3838", "gb3097")
#: GB 3097-1997 class labels, index = class − 1 (5 = 劣四类, worse than class 4).
SEA_CLASS_LABELS = ("一类", "二类", "三类", "四类", "劣四类")
SEA_CLASS_LABELS_EN = ("class 1", "class 2", "class 3", "class 4", "worse than class 4")
WORSE_THAN_FOUR = 5
SEA_LIMIT_COLUMNS = ("class_1", "class_2", "class_3", "class_4")
#: The tag of the GB 3097 rows that are assessed: confirmed in two independent copies.
SEA_CONFIRMED = "C"
#: The neutral pH of the CWQI pH term (城市地表水环境质量排名技术规定(试行), 2017; see
#: :func:`cwqi_items`).
PH_NEUTRAL = 7.0


def assessed_items(limits: pd.DataFrame) -> list[str]:
    """The items of the 2011 assessment method (``assessed_2011`` = yes): Table 1 without
    water temperature, total nitrogen and fecal coliform, 21 items (环办〔2011〕22号 一(一)1)."""
    rows = limits[limits["assessed_2011"].astype(str).str.lower() == "yes"]
    return list(dict.fromkeys(rows["item"].astype(str)))


def check_estuary_rule(estuary_rule: str) -> None:
    """A :class:`ConfigError` unless ``estuary_rule`` is one of :data:`ESTUARY_RULES`."""
    if estuary_rule not in ESTUARY_RULES:
        raise ConfigError(f"未知的入海河口评价规则「{estuary_rule}」，应为 {ESTUARY_RULES} / "
                          f"unknown estuary rule '{estuary_rule}', expected one of {ESTUARY_RULES}")


def limits_for(limits: pd.DataFrame, water_body: str, estuary_rule: str = "gb3838") -> pd.DataFrame:
    """The rows of the GB 3838-2002 table that apply to a river, a lake (or reservoir) or
    an estuary section assessed by GB 3838 under ``estuary_rule`` (the river rows: under
    ``"gb3097"`` too, for the estuary sections that are not sea-ward, see
    :func:`section_standard`); rows without class limits (water temperature) are left out."""
    if water_body == "estuary":
        check_estuary_rule(estuary_rule)
        water_body = "river"
    if water_body not in ("river", "lake"):
        raise ConfigError(f"未知的水体类型「{water_body}」，应为 {WATER_BODIES} / "
                          f"unknown water body '{water_body}', expected one of {WATER_BODIES}")
    rows = limits[limits["water_body"].isin(["all", water_body]) & limits["direction"].isin(["max", "min"])]
    return rows.reset_index(drop=True)


def _row_class(values: np.ndarray, bounds: np.ndarray, direction: str) -> np.ndarray:
    """Class 1…len(bounds)+1 of each value against one limit row (NaN where the value is
    missing). ``max``: in a class when ≤ its limit; ``min``: when ≥ it; ``min_exclusive``:
    when > it (GB 3097-1997 DO)."""
    v = comparable(values.astype("float64"))
    b = comparable(bounds.astype("float64"))
    with np.errstate(invalid="ignore"):
        if direction == "max":
            worse = b[None, :] < v[:, None]
        elif direction == "min":
            worse = b[None, :] > v[:, None]
        elif direction == "min_exclusive":
            worse = b[None, :] >= v[:, None]
        else:
            raise ConfigError(f"未知的限值方向「{direction}」/ unknown limit direction '{direction}'")
    cls = 1.0 + worse.sum(axis=1)
    return np.where(np.isnan(v), np.nan, cls)


def _classes_one_body(concentrations: pd.DataFrame, rows: pd.DataFrame,
                      columns: Sequence[str] = LIMIT_COLUMNS) -> pd.DataFrame:
    out = pd.DataFrame(index=concentrations.index)
    for item in concentrations.columns:
        mine = rows[rows["item"] == item]
        if mine.empty:
            continue
        values = pd.to_numeric(concentrations[item], errors="coerce").to_numpy(dtype="float64")
        per_row = [_row_class(values, r[list(columns)].to_numpy(dtype="float64"), str(r["direction"]))
                   for _, r in mine.iterrows()]
        out[item] = np.fmax.reduce(per_row) if len(per_row) > 1 else per_row[0]
    return out


def item_classes(concentrations: pd.DataFrame, limits: pd.DataFrame, water_body: str | pd.Series,
                 estuary_rule: str = "gb3838") -> pd.DataFrame:
    """GB 3838-2002 class of each item of each sample (Table 1; §5.1).

    ``concentrations`` has one row per sample and one column per item code of the limits
    table (mg/L; pH dimensionless; fecal coliform per L); missing values stay missing.
    ``water_body`` is ``river``, ``lake`` or ``estuary`` for every row, or a Series of them
    aligned with the rows. Returns nullable integers 1…6 (6 = 劣Ⅴ) for the items that
    have limits for that water body (total nitrogen only for lakes); other columns are
    dropped. A value equal to a class's limit is in that class ("≤" / "≥").
    """
    if isinstance(water_body, str):
        out = _classes_one_body(concentrations, limits_for(limits, water_body, estuary_rule))
    else:
        wb = pd.Series(water_body, index=concentrations.index)
        parts = [_classes_one_body(concentrations[wb == body], limits_for(limits, str(body), estuary_rule))
                 for body in pd.unique(wb)]
        out = pd.concat(parts).reindex(concentrations.index) if parts else pd.DataFrame(index=concentrations.index)
        out = out[[c for c in concentrations.columns if c in out.columns]]
    return out.astype("Int64")


def sample_class(classes: pd.DataFrame, items: Sequence[str] | None = None) -> pd.Series:
    """The class of each sample: the worst class over ``items`` (every classified item if
    ``None``); missing where no item is classified (single-factor evaluation)."""
    cols = list(classes.columns) if items is None else [c for c in items if c in classes.columns]
    if not cols:
        return pd.Series(pd.NA, index=classes.index, dtype="Int64")
    return classes[cols].max(axis=1, skipna=True).astype("Int64")


def deciding_items(classes: pd.DataFrame, items: Sequence[str] | None = None) -> pd.Series:
    """The deciding items (定类指标) of each sample: every evaluated item whose class is
    the sample's class, in column order (ties all listed); empty where none is classified."""
    cols = list(classes.columns) if items is None else [c for c in items if c in classes.columns]
    worst = sample_class(classes, cols)
    sub = classes[cols]
    hit = sub.eq(worst, axis=0).fillna(False).to_numpy(dtype=bool)
    names = np.asarray(cols, dtype=object)
    return pd.Series([tuple(names[h]) for h in hit], index=classes.index, dtype=object)


def exceedance_multiples(concentrations: pd.DataFrame, limits: pd.DataFrame, water_body: str,
                         against_class: int, estuary_rule: str = "gb3838") -> pd.DataFrame:
    """Exceedance multiple (超标倍数) (C − S)/S of each item above the limit S of class
    ``against_class`` (1…5); missing where the value is within the limit.

    GB 3838-2002 §5.1 asks for the exceeded items and their multiples against the class of
    the water's function (the target class); the 2011 assessment method states the
    multiple against class Ⅲ (as summarised in the team's reference notes; its text was not
    read, docs/environment.md). Items with a lower limit (dissolved oxygen, pH) and water
    temperature get none (环办〔2011〕22号: 水温、pH值和溶解氧不计算超标倍数).
    """
    if against_class not in range(1, 6):
        raise ConfigError(f"超标倍数的对照类别应为 1–5，得到 {against_class} / "
                          f"the class of an exceedance multiple must be 1–5, got {against_class}")
    rows = limits_for(limits, water_body, estuary_rule)
    lower = set(rows.loc[rows["direction"] == "min", "item"])
    out = pd.DataFrame(index=concentrations.index)
    for item in concentrations.columns:
        mine = rows[(rows["item"] == item) & (rows["direction"] == "max")]
        if mine.empty or item in lower:
            continue
        s = float(mine.iloc[0][LIMIT_COLUMNS[against_class - 1]])
        c = pd.to_numeric(concentrations[item], errors="coerce").to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            over = comparable(c) > comparable(s)
        out[item] = np.where(over, (c - s) / s, np.nan)
    return out


def period_means(samples: pd.DataFrame, keys: Sequence[str], items: Sequence[str]) -> pd.DataFrame:
    """Arithmetic mean of each item per ``keys`` (for example section and year), missing
    values skipped: the concentration a section-period is classed on (环办〔2011〕22号 一(二):
    several results in a period are assessed by their arithmetic mean)."""
    cols = [c for c in items if c in samples.columns]
    data = samples[list(keys) + cols].copy()
    for c in cols:
        data[c] = pd.to_numeric(data[c], errors="coerce")
    return data.groupby(list(keys), sort=True)[cols].mean()


def meets_target(section_class: pd.Series, target_class: pd.Series) -> pd.Series:
    """Whether each section meets its target class (水质目标): its class is the target or
    better; missing where the class is missing."""
    cls = section_class.astype("Int64")
    return (cls <= target_class.astype("Int64")).astype("boolean")


def class_shares(section_class: pd.Series) -> pd.Series:
    """Share (%) of sections in each class, in Ⅰ–Ⅲ (``i_iii``), Ⅳ–Ⅴ (``iv_v``) and worse
    than Ⅴ (``worse_v``), over the sections with a class; ``n`` is that count."""
    cls = section_class.dropna().astype(int)
    n = len(cls)
    counts = {f"class_{k}": int((cls == k).sum()) for k in range(1, 7)}
    pct = (lambda x: 100.0 * x / n) if n else (lambda x: float("nan"))
    out = {k: pct(v) for k, v in counts.items()}
    out["i_iii"] = pct(int((cls <= 3).sum()))
    out["iv_v"] = pct(int(((cls >= 4) & (cls <= 5)).sum()))
    out["worse_v"] = pct(int((cls == WORSE_THAN_V).sum()))
    out["n"] = float(n)
    return pd.Series(out)


def section_grade(section_class: pd.Series, grades: pd.DataFrame) -> pd.Series:
    """Qualitative grade of each section (断面水质定性评价: Ⅰ–Ⅱ 优, Ⅲ 良好, Ⅳ 轻度污染, Ⅴ 中度污染,
    劣Ⅴ 重度污染) from the ``section`` rows of the grades table."""
    rows = grades[grades["kind"] == "section"]
    out = pd.Series(pd.NA, index=section_class.index, dtype=object)
    cls = section_class.astype("Int64")
    for _, r in rows.iterrows():
        m = ((cls >= int(r["class_from"])) & (cls <= int(r["class_to"]))).fillna(False).to_numpy(dtype=bool)
        out[m] = r["grade_zh"]
    return out


def _within(x: np.ndarray, lo: float, below: float) -> np.ndarray:
    """Whether lo ≤ x < below, a missing bound being no bound."""
    ok = np.ones(x.shape, dtype=bool)
    if not np.isnan(lo):
        ok &= x >= comparable(lo)
    if not np.isnan(below):
        ok &= x < comparable(below)
    return ok


def basin_grade(i_iii_pct: np.ndarray | float, worse_v_pct: np.ndarray | float, grades: pd.DataFrame) -> np.ndarray:
    """Qualitative grade of a river or basin by its section shares (断面水质类别比例法,
    环办〔2011〕22号): the ``basin`` row whose bounds hold both shares (lower bounds
    inclusive, upper bounds exclusive): Ⅰ–Ⅲ ≥ 90 % 优; 75 % ≤ Ⅰ–Ⅲ < 90 % 良好; Ⅰ–Ⅲ < 75 % with
    劣Ⅴ < 20 % 轻度污染, 20–40 % 中度污染, ≥ 40 % 重度污染. The method applies it to five
    sections or more; fewer are assessed on the mean concentrations (:func:`period_means`
    over the sections, then :func:`sample_class`)."""
    a = comparable(np.atleast_1d(np.asarray(i_iii_pct, dtype="float64")))
    b = comparable(np.atleast_1d(np.asarray(worse_v_pct, dtype="float64")))
    out = np.full(a.shape, None, dtype=object)
    todo = ~(np.isnan(a) | np.isnan(b))
    for _, r in grades[grades["kind"] == "basin"].iterrows():
        bounds = [float(r[k]) for k in ("i_iii_min_pct", "i_iii_below_pct", "worse_v_min_pct", "worse_v_below_pct")]
        m = todo & _within(a, bounds[0], bounds[1]) & _within(b, bounds[2], bounds[3])
        out[m] = r["grade_zh"]
        todo &= ~m
    return out


def cwqi_items(means: pd.DataFrame, limits: pd.DataFrame, water_body: str, items: Sequence[str],
               estuary_rule: str = "gb3838") -> pd.DataFrame:
    """Item water-quality indices CWQI(i) of the city ranking (城市地表水环境质量排名技术规定(试行),
    环办监测〔2017〕51号), from period mean concentrations:

    - CWQI(i) = C(i) / S(i), S(i) the class-Ⅲ limit (lakes: the lake limit of total
      phosphorus);
    - dissolved oxygen: CWQI(DO) = S(DO) / C(DO);
    - pH: (7.0 − pH)/(7.0 − pH_sd) if pH ≤ 7.0, else (pH − 7.0)/(pH_su − 7.0), pH_sd = 6 and
      pH_su = 9 the lower and upper limits of Table 1.

    ``items`` are the items ranked (the 21 of the 2011 method). Sources: the item ratio, the
    inverse for DO and the 21 items as stated by the Anhui EEB ranking note; the pH form as
    implemented in public code (the official text was not read; docs/environment.md).
    """
    rows = limits_for(limits, water_body, estuary_rule)
    out = pd.DataFrame(index=means.index)
    for item in items:
        if item not in means.columns:
            continue
        c = pd.to_numeric(means[item], errors="coerce").to_numpy(dtype="float64")
        mine = rows[rows["item"] == item]
        if mine.empty:
            continue
        if item == "ph":
            lo = float(mine.loc[mine["direction"] == "min", "class_3"].iloc[0])
            hi = float(mine.loc[mine["direction"] == "max", "class_3"].iloc[0])
            out[item] = np.where(c <= PH_NEUTRAL, (PH_NEUTRAL - c) / (PH_NEUTRAL - lo),
                                 (c - PH_NEUTRAL) / (hi - PH_NEUTRAL))
            out.loc[np.isnan(c), item] = np.nan
        elif (mine["direction"] == "min").all():
            out[item] = float(mine.iloc[0]["class_3"]) / c
        else:
            out[item] = c / float(mine.iloc[0]["class_3"])
    return out


def cwqi(means: pd.DataFrame, limits: pd.DataFrame, water_body: str, items: Sequence[str],
         estuary_rule: str = "gb3838") -> pd.Series:
    """Section water-quality index: Σ CWQI(i) over the ranked items present (missing where
    none is); see :func:`cwqi_items`."""
    return cwqi_items(means, limits, water_body, items, estuary_rule).sum(axis=1, min_count=1)


# --- GB 3097-1997 (seawater) for sea-ward estuary sections -------------------------------


def section_standard(water_body: pd.Series, estuary_side: pd.Series | None, estuary_rule: str) -> pd.Series:
    """The standard each section is assessed by (:data:`STANDARDS`): ``"gb3097"`` for an
    ``estuary`` section whose ``estuary_side`` is ``sea`` under the rule ``"gb3097"``,
    ``"gb3838"`` for every other section (rivers, lakes, reservoirs; estuary sections on
    the river side or without a side; every estuary section under ``"gb3838"``).

    ``estuary_side`` (aligned with ``water_body``; ``None`` when the table has no such
    column) holds ``river``, ``sea`` or nothing; another value is a :class:`ConfigError`."""
    check_estuary_rule(estuary_rule)
    if estuary_side is None:
        side = pd.Series("", index=water_body.index, dtype=object)
    else:
        side = estuary_side.astype(object).where(estuary_side.notna(), "").astype(str)
    bad = sorted(set(side) - {"", *ESTUARY_SIDES})
    if bad:
        raise ConfigError(f"未知的河口断面侧别 {bad}，应为 {ESTUARY_SIDES} / "
                          f"unknown estuary side {bad}, expected one of {ESTUARY_SIDES}")
    sea = (estuary_rule == "gb3097") & (water_body.astype(str) == "estuary") & (side == "sea")
    return pd.Series(np.where(sea.to_numpy(dtype=bool), "gb3097", "gb3838"), index=water_body.index, dtype=object)


def sea_rows(sea_limits: pd.DataFrame) -> pd.DataFrame:
    """The rows of the GB 3097-1997 table that are assessed: tag ``C`` (confirmed in two
    independent copies of Table 1), each with its limit direction (``max`` = column head
    "≤", ``min_exclusive`` = column head ">", dissolved oxygen; another is a
    :class:`ConfigError`)."""
    rows = sea_limits[sea_limits["tag"].astype(str) == SEA_CONFIRMED]
    bad = sorted(set(rows["direction"].astype(str)) - {"max", "min_exclusive"})
    if bad:
        raise ConfigError(f"GB 3097-1997 限值表的方向 {bad} 未知，应为 max 或 min_exclusive / "
                          f"unknown directions {bad} in the GB 3097-1997 table, expected max or min_exclusive")
    return rows.reset_index(drop=True)


def sea_assessed_items(sea_limits: pd.DataFrame) -> list[str]:
    """The items a sea-ward section is classed on (:func:`sea_rows`): DO, seawater COD,
    无机氮, 活性磷酸盐 and 石油类 in the shipped table."""
    return list(dict.fromkeys(sea_rows(sea_limits)["item"].astype(str)))


def sea_item_classes(concentrations: pd.DataFrame, sea_limits: pd.DataFrame) -> pd.DataFrame:
    """GB 3097-1997 class of each item of each sample (Table 1): nullable integers 1…5
    (1…4 = 第一类…第四类, 5 = 劣四类), for the items of :func:`sea_rows`; other columns are
    dropped.

    An upper-limit item is in the best class whose limit it does not exceed ("≤": a value
    at the limit is in that class; where two classes share a limit, e.g. 活性磷酸盐 0.030
    for 二类 and 三类, the value is in the better one). Dissolved oxygen is in the best class
    whose limit it *exceeds* (">": DO 6 is 二类, 6.01 一类; DO 3 or less is 劣四类).
    A value that cannot be a concentration (negative, infinite, not a number) gets no class
    (validation reports such values, P012).
    """
    conc = pd.DataFrame(index=concentrations.index)
    for item in concentrations.columns:
        v = pd.to_numeric(concentrations[item], errors="coerce").astype("float64")
        conc[item] = v.where(np.isfinite(v) & (v >= 0))
    out = _classes_one_body(conc, sea_rows(sea_limits), SEA_LIMIT_COLUMNS)
    return out[[c for c in concentrations.columns if c in out.columns]].astype("Int64")


def sea_class_label(cls: Any, lang: str = "zh") -> str | None:
    """``三类`` (``class 3``) for 3, ``劣四类`` (``worse than class 4``) for 5; None when
    missing."""
    if cls is None or cls is pd.NA or (isinstance(cls, float) and np.isnan(cls)):
        return None
    labels = SEA_CLASS_LABELS if lang == "zh" else SEA_CLASS_LABELS_EN
    return labels[int(cls) - 1]


def sea_class_shares(section_class: pd.Series) -> pd.Series:
    """Share (%) of sea-ward sections in each GB 3097 class (``class_1`` … ``class_4``,
    ``class_5`` = 劣四类) over the sections with a class; ``n`` is that count. Kept apart
    from :func:`class_shares`: a sea class is not a river class."""
    cls = section_class.dropna().astype(int)
    n = len(cls)
    pct = (lambda x: 100.0 * x / n) if n else (lambda x: float("nan"))
    out = {f"class_{k}": pct(int((cls == k).sum())) for k in range(1, WORSE_THAN_FOUR + 1)}
    out["n"] = float(n)
    return pd.Series(out)
