"""Value (价值量) of GEP: quantity × price with checked units, prices indexed to the accounting
year, totals by class, service, district and ecosystem, the change between two years split into
a quantity effect and a price effect, and the double-count guard.

GEP = Σ provisioning + Σ regulating + Σ cultural − Σ imported, where "imported" is the value of
ecological products that come from outside the region, which GB/T 46869-2025 deducts (its
definition as announced; full text not obtained). Supporting services are not accounted, to avoid
double counting (白玛卓嘎 et al. 2017, 生态学报 37(19) §2.2).

The accounting table (a pandas DataFrame, one row per indicator) has the columns

``district, ecosystem, class, service, indicator, quantity, quantity_unit, price, price_unit,
output_value_yuan``

where ``class`` is one of :data:`CLASSES`. A row is valued as quantity × price when both are
given; a row valued directly from statistics (net output value of agriculture, forestry, animal
husbandry and fishery, as Ganzi §2.3 does) gives ``output_value_yuan`` and no price (a
quantity may be given for information; such a row's change between years is not split).
Units are written ``[scale ]base``: ``"m3"``, ``"1e8 m3"`` (亿 m³), ``"1e4 t"`` (万 t); prices
``"yuan/m3"``, ``"yuan/tC"`` (per tonne of carbon), ``"yuan/tCO2"``, ``"yuan/kWh"``,
``"yuan/hm2"``, ``"yuan/visit"``. A quantity's base unit must equal the price's denominator:
t C and t CO2 are different bases, so a carbon price on the wrong basis is refused, never
converted silently.

Problem codes V001–V008 (docs/gep/services-prices.md).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from qingshan.errors import Problem, ValidationError

CLASSES = ("provisioning", "regulating", "cultural", "imported")
#: Sign of each class in GEP: imported ecological products are deducted (GB/T 46869-2025).
CLASS_SIGN: Mapping[str, int] = {"provisioning": 1, "regulating": 1, "cultural": 1, "imported": -1}

#: Pairs of services that value the same water twice if both are counted for one district and
#: year: the freshwater supplied (provisioning) is part of the water an ecosystem retains, and a
#: flood-storage volume can overlap the retained water. Rule (project decision, documented in
#: docs/gep/services-prices.md): both members of a pair may appear only if the pair is accepted
#: explicitly; otherwise :func:`double_count_problems` reports warning V008, which blocks a run
#: unless warnings are accepted.
DOUBLE_COUNT_PAIRS: tuple[tuple[str, str], ...] = (
    ("water_conservation", "water_supply"),
    ("water_conservation", "flood_regulation"),
)

KEYS = ("district", "ecosystem", "class", "service", "indicator")
TABLE = "GEP accounting table"


def parse_unit(text: str) -> tuple[float, str]:
    """``"1e8 m3"`` → (1e8, "m3"); ``"t"`` → (1.0, "t"). The scale must be positive."""
    parts = str(text).strip().split()
    if len(parts) == 1:
        return 1.0, parts[0]
    if len(parts) == 2:
        scale = float(parts[0])
        if scale > 0 and math.isfinite(scale):
            return scale, parts[1]
    raise ValueError(f"unit {text!r} is not '[scale ]base', e.g. 'm3' or '1e8 m3'")


def parse_price_unit(text: str) -> tuple[float, float, str]:
    """``"yuan/m3"`` → (1, 1, "m3"); ``"1e4 yuan/1e4 t"`` → (1e4, 1e4, "t"):
    (money scale in yuan, quantity scale, quantity base)."""
    money, sep, per = str(text).partition("/")
    if not sep:
        raise ValueError(f"price unit {text!r} is not 'yuan/<unit>'")
    m_scale, m_base = parse_unit(money)
    if m_base != "yuan":
        raise ValueError(f"price unit {text!r} is not in yuan")
    q_scale, q_base = parse_unit(per)
    return m_scale, q_scale, q_base


def value_of(quantity: float, quantity_unit: str, price: float, price_unit: str) -> float:
    """quantity × price in yuan, after checking the quantity's base unit against the price's."""
    q_scale, q_base = parse_unit(quantity_unit)
    m_scale, per_scale, per_base = parse_price_unit(price_unit)
    if q_base != per_base:
        raise ValueError(f"quantity in {quantity_unit!r} cannot be priced in {price_unit!r}")
    return quantity * q_scale / per_scale * price * m_scale


def index_price(price: float, price_year: int, accounting_year: int, index: Mapping[int, float]) -> float:
    """A price moved to the accounting year with a fixed-base index: P · I[t] / I[t₀].

    ``index`` is a fixed-base series by year (CPI, or the construction-installation price index
    for reservoir costs), e.g. 缪建群 et al. 2017 (生态学报 37(19):6422) scale LY/T 1721-2008
    prices by CPI₂₀₁₄/CPI₂₀₀₇; 陈召亚 et al. 2016 index the reservoir cost by the construction
    price index. The series is an input; the one Qingshan ships is the national CPI chain of
    ``qingshan.ecology.price_index`` (docs/gep/price-index.md).
    """
    missing = [y for y in (price_year, accounting_year) if y not in index]
    if missing:
        raise ValidationError([Problem("V006", "price index", None, "year", str(y),
                                       "价格指数缺少该年份", "the price index has no value for this year")
                               for y in missing])
    base = index[price_year]
    if not base > 0:
        raise ValidationError([Problem("V006", "price index", None, str(price_year), str(base),
                                       "价格指数须为正数", "a price index must be positive")])
    return price * index[accounting_year] / base


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def value_table(table: pd.DataFrame, source: str = TABLE) -> pd.DataFrame:
    """Value every row; return the table with ``value_yuan`` and ``signed_value_yuan`` added.

    Every problem is collected and raised together (ValidationError): V001 unknown class, V002 a
    row with neither quantity × price nor an output value, V003 a negative quantity, price or
    value, V004 a unit that cannot be read or a quantity unit that does not match the price unit.
    """
    problems: list[Problem] = []
    values: list[float] = []
    for i, row in enumerate(table.to_dict("records")):
        r = i + 2  # header is row 1
        v = math.nan
        if row.get("class") not in CLASSES:
            problems.append(Problem("V001", source, r, "class", str(row.get("class")),
                                    f"类别须为 {', '.join(CLASSES)} 之一",
                                    f"class must be one of {', '.join(CLASSES)}"))
        q, p, ov = _num(row.get("quantity")), _num(row.get("price")), _num(row.get("output_value_yuan"))
        for col, x in (("quantity", q), ("price", p), ("output_value_yuan", ov)):
            if x is not None and x < 0:
                problems.append(Problem("V003", source, r, col, str(x), "不得为负数", "must not be negative"))
        if q is not None and p is not None:
            try:
                v = value_of(q, str(row.get("quantity_unit")), p, str(row.get("price_unit")))
            except ValueError as e:
                problems.append(Problem("V004", source, r, "price_unit",
                                        f"{row.get('quantity_unit')} × {row.get('price_unit')}",
                                        f"单位不一致或无法识别：{e}", f"units do not match or cannot be read: {e}"))
        elif ov is not None and p is None:
            v = ov  # valued from statistics; a quantity, if given, is kept for information
        else:
            problems.append(Problem("V002", source, r, "quantity", None,
                                    "须给出功能量与单价，或给出产值（元）而不给单价",
                                    "give quantity and price, or output_value_yuan without a price"))
        values.append(v)
    if problems:
        raise ValidationError(problems)
    out = table.copy()
    out["value_yuan"] = values
    out["signed_value_yuan"] = out["value_yuan"] * out["class"].map(CLASS_SIGN)
    return out


def gep(valued: pd.DataFrame) -> float:
    """GEP, yuan: provisioning + regulating + cultural − imported (a table from :func:`value_table`)."""
    return float(valued["signed_value_yuan"].sum())


def gep_by(valued: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    """GEP by any of the key columns (``class``, ``service``, ``district``, ``ecosystem``): the
    signed values summed within each group. Additive: the groups sum to :func:`gep`."""
    return valued.groupby(list(by), sort=True)["signed_value_yuan"].sum()


def class_shares(valued: pd.DataFrame) -> pd.Series:
    """Share of each accounted class in GEP (imported products excluded from the shares' base)."""
    kept = valued[valued["class"] != "imported"]
    by_class = kept.groupby("class")["value_yuan"].sum()
    return by_class / by_class.sum()


def double_count_problems(valued: pd.DataFrame, accepted: Collection[tuple[str, str]] = (),
                          source: str = TABLE) -> list[Problem]:
    """Warnings V008 for each district that values both services of a pair in
    :data:`DOUBLE_COUNT_PAIRS` (value > 0), unless the pair is in ``accepted``."""
    probs: list[Problem] = []
    positive = valued[valued["value_yuan"] > 0]
    for district, grp in positive.groupby("district", sort=True):
        services = set(grp["service"])
        for a, b in DOUBLE_COUNT_PAIRS:
            if a in services and b in services and (a, b) not in accepted:
                probs.append(Problem("V008", source, None, "service", f"{district}: {a} + {b}",
                                     "同一区域同时核算了可能重复计算的两项服务，须明确接受或删去其一",
                                     "both services of a possible double count are valued for one district; "
                                     "accept the pair explicitly or drop one", severity="warning"))
    return probs


def bennet_split(q0: np.ndarray, p0: np.ndarray, q1: np.ndarray, p1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bennet (1920) split of Δ(q·p): quantity effect (q₁ − q₀)·(p₀ + p₁)/2 and price effect
    (p₁ − p₀)·(q₀ + q₁)/2, which add to q₁p₁ − q₀p₀ exactly in real arithmetic.

    Bennet T.L. (1920) The theory of measurement of changes in cost of living. J. Royal
    Statistical Society 83(3):455–462; Diewert W.E. (2005) Index number theory using differences
    rather than ratios. American Journal of Economics and Sociology 64(1):311–360 (the Bennet
    indicator is the average of the Laspeyres and Paasche indicators and the two-factor Shapley
    value, so it treats both years symmetrically).
    """
    q0, p0, q1, p1 = (np.asarray(x, dtype="float64") for x in (q0, p0, q1, p1))
    return (q1 - q0) * (p0 + p1) / 2.0, (p1 - p0) * (q0 + q1) / 2.0


def _priced(valued: pd.DataFrame) -> pd.DataFrame:
    """Quantity in the price's unit (so q·p is yuan) and price in yuan per that unit.

    A row valued from output value that also gives its quantity (tonnes of grain, visits)
    is priced at its unit value, output value ÷ quantity (单位产值, the implicit price), so its
    change too splits into quantity and price effects; only a row without a quantity (or
    with quantity 0) stays unpriced."""
    q = np.full(len(valued), np.nan)
    p = np.full(len(valued), np.nan)
    base = [""] * len(valued)
    for i, row in enumerate(valued.to_dict("records")):
        qq, pp, vv = _num(row.get("quantity")), _num(row.get("price")), _num(row.get("value_yuan"))
        if qq is not None and pp is not None:
            q_scale, q_base = parse_unit(str(row["quantity_unit"]))
            m_scale, per_scale, _ = parse_price_unit(str(row["price_unit"]))
            q[i], p[i], base[i] = qq * q_scale, pp * m_scale / per_scale, q_base
        elif qq is not None and qq > 0 and vv is not None:
            q_scale, q_base = parse_unit(str(row["quantity_unit"]))
            q[i], p[i], base[i] = qq * q_scale, vv / (qq * q_scale), q_base
    out = valued[list(KEYS)].copy()
    out["q"], out["p"], out["base"] = q, p, base
    out["v"] = valued["signed_value_yuan"].to_numpy()
    out["sign"] = valued["class"].map(CLASS_SIGN).to_numpy()
    return out


def value_change(base: pd.DataFrame, target: pd.DataFrame) -> pd.DataFrame:
    """Change of each row's signed value between two valued tables, split into effects.

    Rows are matched on (district, ecosystem, class, service, indicator). For rows priced in both
    years (or in one year only, the other having no such row) the change is split by
    :func:`bennet_split`; a row absent in a year has quantity 0 there and takes the other year's
    price, so its whole change is a quantity effect. Rows valued from output value are priced
    at their unit value (output value ÷ quantity) when they give a quantity; without one they
    cannot be split, and their change goes to ``unsplit``. Columns: ``value_base``,
    ``value_target``, ``change``, ``quantity_effect``, ``price_effect``, ``unsplit``;
    quantity_effect + price_effect + unsplit = change in each row (to floating-point rounding).
    A row whose quantity base unit differs between the years is refused (V005), and so is a row key
    listed twice in one table (V007).
    """
    a, b = _priced(base), _priced(target)
    problems = [Problem("V007", TABLE, None, "indicator", " / ".join(str(x) for x in key),
                        f"{zh}表中同一行键出现多次", f"the same row key appears more than once in the {en} table")
                for zh, en, t in (("基期", "base", a), ("报告期", "target", b))
                for key in t.loc[t.duplicated(list(KEYS), keep="first"), list(KEYS)].itertuples(index=False)]
    if problems:
        raise ValidationError(problems)
    m = a.merge(b, on=list(KEYS), how="outer", suffixes=("0", "1"))
    problems = [Problem("V005", TABLE, None, "quantity_unit", f"{r['service']}/{r['indicator']}: "
                        f"{r['base0']} → {r['base1']}", "两年的功能量单位须一致",
                        "the quantity unit must be the same in both years")
                for r in m.to_dict("records")
                if isinstance(r["base0"], str) and isinstance(r["base1"], str) and r["base0"] and r["base1"]
                and r["base0"] != r["base1"]]
    if problems:
        raise ValidationError(problems)
    sign = m["sign0"].fillna(m["sign1"]).to_numpy()
    v0, v1 = m["v0"].fillna(0.0).to_numpy(), m["v1"].fillna(0.0).to_numpy()
    priced = ((m["q0"].notna() | m["v0"].isna()) & (m["q1"].notna() | m["v1"].isna())).to_numpy()
    q0, q1 = m["q0"].fillna(0.0).to_numpy(), m["q1"].fillna(0.0).to_numpy()
    p0 = m["p0"].fillna(m["p1"]).fillna(0.0).to_numpy()
    p1 = m["p1"].fillna(m["p0"]).fillna(0.0).to_numpy()
    qe, pe = bennet_split(q0, p0, q1, p1)
    out = m[list(KEYS)].copy()
    out["value_base"], out["value_target"] = v0, v1
    out["change"] = v1 - v0
    out["quantity_effect"] = np.where(priced, sign * qe, 0.0)
    out["price_effect"] = np.where(priced, sign * pe, 0.0)
    out["unsplit"] = np.where(priced, 0.0, v1 - v0)
    return out.reset_index(drop=True)


def rows(records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """An accounting table from records, with every column of the table present."""
    cols = [*KEYS, "quantity", "quantity_unit", "price", "price_unit", "output_value_yuan"]
    return pd.DataFrame([{c: r.get(c) for c in cols} for r in records], columns=cols)
