"""Typing, unit normalisation and collect-all validation of a data package.

:func:`check_package` reads a package and returns the typed tables with *every* problem
found, each naming file, row, column, value and what was expected. :func:`load_package`
does the same and raises :class:`~qingshan.errors.ValidationError` when any problem
blocks, so bad input never yields partial results.

Problem codes (docs/data-package.md lists them all):

- P00x reading: unreadable file, missing column or table, a file that is not a regular
  readable file (P006), beyond the size limits (P007, P008), an empty required table (P009)
- P01x cell: required, number, bounds, code, period, year, unit; not finite or too large
  after conversion (P017), ambiguous separators or trailing text (P018), formula error (P019)
- P02x entities: district, park, industry code, scale, credit code, the city; the tree
  city → district → park → enterprise (P026–P028)
- P03x energy: enterprise, carrier, unit, period range, duplicate key, unit slip, factors
- P04x economics; P05x production; P06x process; P12x gases (non-CO2 greenhouse gases);
  P103–P117 materials (carbon balance; P101, P102, P110 are scenario-file codes, docs/targets.md);
  P150–P158 monitoring tables (air stations and days, water sections and samples;
  :mod:`qingshan.data.monitoring`); P170–P173 carrying-capacity tables
  (:mod:`qingshan.data.carrying_check`); P190–P195 permit tables (permits, execution reports,
  quotas; :mod:`qingshan.data.permits_check`)

Root causes come first and instead of what they cause: when a table could not be read or
is missing (P001, P005–P009), the checks that need it (references to enterprises, the
city) are not run, so one undecodable file is one problem, not thousands. Every check
works on whole columns; Python loops run only over distinct values, over the problems
found, or over the few boundary rows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from qingshan.data import reported
from qingshan.data.boundaries import check_boundaries
from qingshan.data.carrying_check import check_carrying_tables
from qingshan.data.cells import FORMULA_ERRORS, MAX_MAGNITUDE, nfkc, parse_numbers, parse_period, parse_year
from qingshan.data.ghg_methods import method_registry
from qingshan.data.industry import known_division
from qingshan.data.monitoring import check_monitoring, parse_date, whole_numbers
from qingshan.data.package import Package
from qingshan.data.permits_check import check_permit_tables
from qingshan.data.raw import RawPackage, RawTable
from qingshan.data.readers import read_package
from qingshan.data.reported import Reported
from qingshan.data.uscc import is_valid_uscc
from qingshan.errors import Problem, ValidationError, blocking
from qingshan.factors import FactorSet, load_factor_set
from qingshan.methods import carbon_balance as cb
from qingshan.methods.carbon import ANODE_MATERIAL, CARBON_REDUCTANT, COAL_PRODUCTS
from qingshan.methods.non_co2 import N2O_SOURCES, PFC_SOURCE
from qingshan.schema.carriers import carriers, resolve_carrier
from qingshan.schema.tables import TABLE_ORDER, ColumnSpec, tables
from qingshan.schema.units import CANONICAL_UNITS, conversion_factor, is_known_unit

#: Earliest reporting year accepted. National energy statistics under the current
#: 能源统计报表制度 and GB/T 4754-2017 codes make earlier years meaningless here.
EARLIEST_YEAR = 2000

#: A month whose quantity is this many times the median of its neighbouring months (or
#: that small) is flagged as a likely unit slip. 1 000 is the smallest ratio between the
#: units people confuse on energy forms (kWh/MWh; t/万t and kWh/万kWh are 10 000).
UNIT_SLIP_RATIO = 1000.0

#: Materials whose process CO2 is computed from oxide content (CaO, MgO) rather than from
#: a carbonate's stoichiometric factor (NDRC cement guideline clinker method; lime).
OXIDE_MATERIALS = ("clinker", "lime")
#: Materials computed from the enterprise's measured composition, with no default: the
#: anodes of electrolytic aluminium (NC × (1 − S − A) × 44/12, qingshan.methods.carbon).
ANODE_MATERIALS = (ANODE_MATERIAL,)


#: Tables whose text columns stay categorical once typed: the one that is large (monthly
#: rows of every enterprise). The others are small and keep plain text (``None`` where empty).
CATEGORICAL_TABLES = frozenset({"energy"})

#: Problems of reading, reported before everything else: the cause comes first.
READING_CODES = frozenset({"P000", "P001", "P002", "P003", "P005", "P006", "P007", "P008", "P009"})

_NUMBER_PROBLEMS = {
    "P011": ("应为数字", "expected a number"),
    "P017": ("不是有限的数（inf、nan 或超出数值范围）",
             "not a finite number (inf, nan or beyond the range of numbers)"),
    "P018": ("数字写法有歧义：小数点用「.」，千分位逗号每三位一个（如 1,234.5）；单位等文字请填在单位列，"
             "不要写在数字后面；「1.234,5」「1,2,3,4」「12吨」这样的写法不予猜测",
             "an ambiguous number: write the decimal point as '.', thousands commas every three digits "
             "(1,234.5), and the unit in its own column, not after the number; values like 1.234,5, "
             "1,2,3,4 or 12吨 are not guessed"),
    "P019": ("公式错误值（如 #DIV/0!、#N/A）：工作簿中的公式出错，单元格中没有数值；请修正公式或填入数值",
             "a formula error value (such as #DIV/0! or #N/A): the formula failed in the workbook and the cell "
             "holds no figure; fix the formula or type the value"),
}


def _p(code: str, file: str, row: int | None, column: str | None, value: object,
       zh: str, en: str, severity: str = "error") -> Problem:
    val = None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    return Problem(code, file, row, column, val, zh, en, severity)  # type: ignore[arg-type]


def _rows_problems(frame: pd.DataFrame, mask: pd.Series, code: str, column: str,
                   values: pd.Series, zh: str, en: str, severity: str = "error") -> list[Problem]:
    if not mask.any():
        return []
    sel = frame.loc[mask]
    return [_p(code, f, int(r), column, v, zh, en, severity)
            for f, r, v in zip(sel["_file"], sel["_row"], values[mask], strict=True)]


def _categorical(values: pd.Series) -> pd.Series:
    """A text column as categorical: every check below then runs once per distinct value
    and indexes the result by the codes (a column of 2 million cells has a few hundred)."""
    return values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")


def _per_value(values: pd.Series, fn: Callable[[str], str | None]) -> pd.Series:
    """``fn`` applied once per distinct value of the categorical ``values``; categorical,
    missing where ``values`` is missing or ``fn`` gives None."""
    mapped = pd.Series([fn(str(c)) for c in values.cat.categories], dtype=object)
    codes, cats = pd.factorize(mapped)
    new = np.append(codes, -1)[values.cat.codes.to_numpy()]
    return pd.Series(pd.Categorical.from_codes(new, categories=pd.Index(cats, dtype=object)), index=values.index)


def _float_per_value(values: pd.Series, fn: Callable[[str], float | None]) -> pd.Series:
    """``fn`` applied once per distinct value of the categorical ``values``, as floats."""
    out = np.array([np.nan if (v := fn(str(c))) is None else v for c in values.cat.categories] + [np.nan],
                   dtype="float64")
    return pd.Series(out[values.cat.codes.to_numpy()], index=values.index)


def _flag(values: pd.Series, pred: Callable[[str], bool]) -> pd.Series:
    """``pred`` of each cell of the categorical ``values`` (False where missing)."""
    out = np.array([bool(pred(str(c))) for c in values.cat.categories] + [False], dtype=bool)
    return pd.Series(out[values.cat.codes.to_numpy()], index=values.index)


def _fill_empty(values: pd.Series, empty: pd.Series, default: str) -> pd.Series:
    """The categorical ``values`` with ``default`` in its empty cells."""
    if default not in values.cat.categories:
        values = values.cat.add_categories([default])
    return values.where(~empty, default)


def _formula_errors(frame: pd.DataFrame, values: pd.Series, empty: pd.Series,
                    column: str, problems: list[Problem]) -> pd.Series:
    """P019 for cells holding a formula error value; returns where they are."""
    mask = _flag(values, FORMULA_ERRORS.__contains__) & ~empty
    problems += _rows_problems(frame, mask, "P019", column, values, *_NUMBER_PROBLEMS["P019"])
    return mask


def _type_column(raw: RawTable, frame: pd.DataFrame, col: ColumnSpec,
                 problems: list[Problem]) -> None:
    values: pd.Series = raw.frame[col.name]
    if col.type not in ("float", "int"):
        values = _categorical(values)
    empty = values == ""
    if col.default is not None:
        values = values.where(~empty, col.default) if col.type == "float" else _fill_empty(values, empty, col.default)
        empty = values == ""
    if col.required:
        problems += _rows_problems(frame, empty, "P010", col.name, values,
                                   f"必填：{col.zh}", f"required: {col.en}")
    if col.type in ("float", "int"):
        num, code = parse_numbers(values, empty)
        if code.notna().any():
            for c, (zh, en) in _NUMBER_PROBLEMS.items():
                problems += _rows_problems(frame, code == c, c, col.name, values, zh, en)
        if col.unit_column is None:
            _magnitude(frame, num, num.notna(), col.name, values, None, problems)
        else:
            frame["_text_" + col.name] = values  # the value as typed, for messages after conversion
        if col.min is not None:
            below = num < col.min
            what = "不得为负" if col.min == 0 else f"应不小于 {col.min}"
            problems += _rows_problems(frame, below, "P012", col.name, values,
                                       f"{what}：{col.zh}",
                                       f"must be >= {col.min}: {col.en}")
        if col.max is not None:
            above = num > col.max
            problems += _rows_problems(frame, above, "P012", col.name, values,
                                       f"应不大于 {col.max}：{col.zh}",
                                       f"must be <= {col.max}: {col.en}")
        if col.type == "int":
            frame[col.name] = whole_numbers(frame, num, col.name, values, problems)
            return
        frame[col.name] = num.astype("float64")
        return
    err = _formula_errors(frame, values, empty, col.name, problems)
    usable = values.where(~empty & ~err)  # missing where empty or a formula error
    if col.type == "string":
        if col.choices:
            mapped = _per_value(usable, col.resolve_choice)
            bad = ~empty & ~err & mapped.isna()
            problems += _rows_problems(
                frame, bad, "P015", col.name, values,
                f"应为以下代码之一：{'、'.join(col.choices)}（或其中文名）",
                f"expected one of: {', '.join(col.choices)}")
            frame[col.name] = mapped
        else:
            frame[col.name] = usable if col.verbatim else _per_value(usable, nfkc)
    elif col.type == "period":
        per = _per_value(usable, parse_period)
        bad = ~empty & ~err & per.isna()
        problems += _rows_problems(frame, bad, "P013", col.name, values,
                                   "应为年月 YYYY-MM（月份 01–12；如写日期，须为该月真实存在的日期，"
                                   "且后面不带其他文字）",
                                   "expected a month YYYY-MM (month 01-12; a date must exist in that month, with "
                                   "nothing after it)")
        frame[col.name] = per
        frame["year"] = _float_per_value(per, lambda p: float(p[:4]))
        frame["month"] = _float_per_value(per, lambda p: float(p[5:7]))
    elif col.type == "date":
        day = _per_value(usable, parse_date)
        bad = ~empty & ~err & day.isna()
        problems += _rows_problems(frame, bad, "P150", col.name, values,
                                   "应为日期 YYYY-MM-DD（该月真实存在的日期，后面不带其他文字）",
                                   "expected a day YYYY-MM-DD (a day the month has, with nothing after it)")
        frame[col.name] = day
        frame["year"] = _float_per_value(day, lambda d: float(d[:4]))
    elif col.type == "year":
        num = _float_per_value(usable, parse_year)
        bad = ~empty & ~err & num.isna()
        problems += _rows_problems(frame, bad, "P014", col.name, values,
                                   "应为四位年份 YYYY", "expected a four-digit year YYYY")
        frame[col.name] = num
    else:  # pragma: no cover - the spec is fixed
        raise AssertionError(col.type)


def _magnitude(frame: pd.DataFrame, converted: pd.Series, typed_ok: pd.Series, column: str,
               typed: pd.Series, units: pd.Series | None, problems: list[Problem],
               canonical: pd.Series | str = "") -> None:
    """P017 where a finite number typed is, after conversion to the canonical unit, not
    finite or beyond :data:`MAX_MAGNITUDE`; the value shown is the one typed with its unit,
    and what it became. Such values are set to NaN: the package is refused anyway, and no
    later check should see an infinity."""
    over = typed_ok & ~(converted.abs() <= MAX_MAGNITUDE)
    if not over.any():
        return
    shown = typed[over].astype(str)
    if units is not None:
        to = canonical[over].astype(str) if isinstance(canonical, pd.Series) else canonical
        shown = shown + " " + units[over].astype(str) + " → " + converted[over].map("{:.6g}".format) + " " + to
    problems += _rows_problems(
        frame, over, "P017", column, shown.reindex(frame.index),
        "数值过大：换算为标准单位后超出 ±1e15（或无法表示），不能可靠汇总；请检查数值与单位",
        "too large: beyond ±1e15 (or not representable) once converted to the canonical unit, "
        "so it cannot be summed reliably; check the value and its unit")
    converted[over] = np.nan


def _type_table(raw: RawTable, problems: list[Problem]) -> pd.DataFrame:
    spec = tables()[raw.table]
    frame = pd.DataFrame(index=raw.frame.index)
    frame["_file"] = (pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8), pd.Index([raw.file]))
                      if raw.table in CATEGORICAL_TABLES else raw.file)
    frame["_row"] = raw.rows.astype("int64")
    for col in spec.columns:
        _type_column(raw, frame, col, problems)
    for col in spec.columns:
        if col.unit_column and col.unit_kind:
            _convert_fixed_kind(raw, frame, col, problems)
    if raw.table not in CATEGORICAL_TABLES:
        for c in frame.columns:
            if isinstance(frame[c].dtype, pd.CategoricalDtype):
                frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame


def _convert_fixed_kind(raw: RawTable, frame: pd.DataFrame, col: ColumnSpec,
                        problems: list[Problem]) -> None:
    """Convert a column whose unit kind is fixed (money, area, mass) to its canonical unit."""
    assert col.unit_column is not None and col.unit_kind is not None
    canonical = CANONICAL_UNITS[col.unit_kind]
    units = raw.frame[col.unit_column].where(raw.frame[col.unit_column] != "", canonical)
    factors: dict[str, float | None] = {}
    for u in units.unique():
        try:
            factors[u] = conversion_factor(u, canonical)
        except (KeyError, ValueError):
            factors[u] = None
    fac = units.map(factors)
    bad = fac.isna() & frame[col.name].notna()
    problems += _rows_problems(frame, bad, "P016", col.unit_column, units,
                               f"单位应可换算为{canonical}", f"expected a unit convertible to {canonical}")
    converted = frame[col.name] * fac.astype("float64")
    _magnitude(frame, converted, frame[col.name].notna() & fac.notna(), col.name,
               frame["_text_" + col.name], units, problems, canonical)
    frame[col.name] = converted
    frame[col.unit_column] = canonical


def _concat(parts: list[pd.DataFrame], table: str) -> pd.DataFrame:
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    if parts:
        for c in parts[0].columns:  # categorical columns of several files: one set of categories
            if all(isinstance(f[c].dtype, pd.CategoricalDtype) for f in parts):
                union = union_categoricals([f[c].array for f in parts]).categories
                parts = [f.assign(**{c: f[c].cat.set_categories(union)}) for f in parts]
        return pd.concat(parts, ignore_index=True)
    spec = tables()[table]
    cols = ["_file", "_row", *spec.column_names]
    if any(c.type == "period" for c in spec.columns):
        cols += ["year", "month"]
    if any(c.type == "date" for c in spec.columns):
        cols += ["year"]
    cols += ["_text_" + c.name for c in spec.columns if c.type == "float" and c.unit_column]
    return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})


def _duplicates(frame: pd.DataFrame, key: tuple[str, ...], table: str) -> list[Problem]:
    if frame.empty:
        return []
    if all(isinstance(frame[name].dtype, pd.CategoricalDtype) for name in key):  # one integer per key
        combined = np.zeros(len(frame), dtype=np.int64)
        for name in key:
            combined = combined * (len(frame[name].cat.categories) + 1) + frame[name].cat.codes.to_numpy(np.int64) + 1
        order = np.argsort(combined, kind="stable")  # equal keys together, in row order
        same = combined[order][1:] == combined[order][:-1]
        later, dup_all_at = np.zeros(len(frame), dtype=bool), np.zeros(len(frame), dtype=bool)
        later[order[1:][same]] = True  # a key met before: every occurrence but the first
        dup_all_at[order[1:][same]] = True
        dup_all_at[order[:-1][same]] = True
        dup, dup_all = pd.Series(later, index=frame.index), pd.Series(dup_all_at, index=frame.index)
    else:
        dup, dup_all = frame.duplicated(list(key), keep="first"), frame.duplicated(list(key), keep=False)
    if not dup.any():
        return []
    first = frame[dup_all & ~dup]
    first_row = {tuple(r[k] for k in key): (r["_file"], r["_row"]) for _, r in first.iterrows()}
    out = []
    for _, r in frame[dup].iterrows():
        k = tuple(r[c] for c in key)
        f0, r0 = first_row.get(k, ("?", 0))
        out.append(_p("P035", r["_file"], int(r["_row"]), "+".join(key), "|".join(map(str, k)),
                      f"主键重复（{'+'.join(key)}），与 {f0} 第{r0}行相同",
                      f"duplicate key ({'+'.join(key)}), same as {f0} row {r0}"))
    return out


def _check_entities(ent: pd.DataFrame, problems: list[Problem]) -> None:
    problems += _duplicates(ent, ("entity_id",), "entities")
    types = ent["entity_type"]
    n_city = int((types == "city").sum())
    if n_city != 1:
        problems.append(_p("P025", ent["_file"].iloc[0] if len(ent) else "entities", None,
                           "entity_type", n_city,
                           f"应恰有一个城市（city）主体，实有 {n_city} 个",
                           f"expected exactly one city entity, found {n_city}"))
    districts = set(ent.loc[types == "district", "entity_id"].dropna())
    parks = set(ent.loc[types == "park", "entity_id"].dropna())
    is_ent = types == "enterprise"
    no_d = is_ent & ~ent["district_id"].isin(districts)
    problems += _rows_problems(ent, no_d, "P020", "district_id", ent["district_id"],
                               "企业须属于一个已登记的区县（district_id 应为某 district 主体的 entity_id）",
                               "an enterprise must belong to a listed district "
                               "(district_id must be the entity_id of a district)")
    bad_park = ent["park_id"].notna() & ~ent["park_id"].isin(parks) & (types != "park")
    problems += _rows_problems(ent, bad_park, "P021", "park_id", ent["park_id"],
                               "park_id 应为某园区（park）主体的 entity_id",
                               "park_id must be the entity_id of a park")
    _check_tree(ent, districts, problems)
    ic = ent["industry_code"]
    bad_ic = is_ent & ~ic.fillna("").map(lambda c: len(c) == 4 and c.isdigit() and known_division(c[:2]))
    problems += _rows_problems(ent, bad_ic, "P022", "industry_code", ic,
                               "应为 GB/T 4754-2017 四位行业小类代码（前两位为有效大类）",
                               "expected a 4-digit GB/T 4754-2017 class code (valid 2-digit division)")
    no_scale = is_ent & ent["scale"].isna()
    problems += _rows_problems(ent, no_scale, "P023", "scale", ent["scale"],
                               "企业须填写规模：规上 或 规下", "an enterprise needs its size class: above or below")
    ids = ent["entity_id"].fillna("")
    bad_id = is_ent & (ids != "") & ~ids.map(is_valid_uscc)
    problems += _rows_problems(ent, bad_id, "P024", "entity_id", ids,
                               "应为18位统一社会信用代码且校验码正确（GB 32100-2015）",
                               "expected an 18-character unified social credit code with a valid "
                               "check character (GB 32100-2015)")


def _check_tree(ent: pd.DataFrame, districts: set[str], problems: list[Problem]) -> None:
    """The tree city → district → park → enterprise holds (P026–P028)."""
    types = ent["entity_type"]
    is_park = types == "park"
    d_id, p_id = ent["district_id"], ent["park_id"]
    bad_pd = is_park & d_id.notna() & ~d_id.isin(districts)
    problems += _rows_problems(ent, bad_pd, "P026", "district_id", d_id,
                               "园区所属区县（district_id）应为某区县（district）主体的 entity_id",
                               "a park's district_id must be the entity_id of a listed district")
    parks = ent.loc[is_park & ~bad_pd].drop_duplicates("entity_id")
    park_district = dict(zip(parks["entity_id"], parks["district_id"], strict=True))
    theirs = p_id.map(park_district).astype(object)
    other = (types == "enterprise") & theirs.notna() & d_id.notna() & (theirs != d_id)
    problems += _rows_problems(ent, other, "P027", "park_id", p_id.astype(str) + " ∈ " + theirs.astype(str),
                               "企业所在园区属于另一区县：企业的 district_id 应与其园区的 district_id 相同",
                               "the enterprise's park lies in another district: its district_id must be "
                               "its park's district_id")
    cities = set(ent.loc[types == "city", "entity_id"].dropna())
    own = ent["entity_id"]
    upper_d = ((types == "city") & d_id.notna() & (d_id != own)) | (
        (types == "district") & d_id.notna() & (d_id != own) & ~d_id.isin(cities))
    upper_p = types.isin(["city", "district", "park"]) & p_id.notna() & (p_id != own)
    problems += _rows_problems(ent, upper_d, "P028", "district_id", d_id,
                               "城市与区县不属于其他区县：城市、区县行的 district_id 应为空（区县行可填城市代码）",
                               "the city and districts belong to no district: leave district_id empty on "
                               "their rows (a district may name the city)")
    problems += _rows_problems(ent, upper_p, "P028", "park_id", p_id,
                               "只有企业属于园区：城市、区县、园区行的 park_id 应为空",
                               "only enterprises belong to parks: leave park_id empty on the rows of the "
                               "city, districts and parks")


def _check_energy(en: pd.DataFrame, enterprises: set[str] | None, fs: FactorSet,
                  problems: list[Problem]) -> pd.DataFrame:
    if enterprises is not None:
        problems += _check_refs(en, enterprises, "P030")
    for c in ("_file", "entity_id", "period", "carrier", "unit", "use"):
        en[c] = _categorical(en[c])
    typed_carrier = en["carrier"]
    code = _per_value(typed_carrier, resolve_carrier)
    bad = typed_carrier.notna() & code.isna()
    problems += _rows_problems(en, bad, "P031", "carrier", typed_carrier,
                               "未知的能源品种（见 docs/data-package.md 能源品种表）",
                               "unknown energy carrier (see the carrier list in docs/data-package.md)")
    en["carrier"] = code
    cat = carriers()
    unit = en["unit"]
    # The conversion factor of each (carrier, unit) pair present, looked up once per pair.
    c_codes, u_codes = code.cat.codes.to_numpy(), unit.cat.codes.to_numpy()
    c_values, u_values = list(code.cat.categories), [str(u) for u in unit.cat.categories]
    table = np.full((len(c_values) + 1, len(u_values) + 1), np.nan)  # index -1 (missing) is the last
    width = len(u_values) + 1
    ci = np.where(c_codes < 0, len(c_values), c_codes).astype(np.int64)
    ui = np.where(u_codes < 0, len(u_values), u_codes).astype(np.int64)
    for pair in np.unique(ci * width + ui):  # the (carrier, unit) pairs present
        i, j = divmod(int(pair), width)
        u = u_values[j] if j < len(u_values) else ""
        if i < len(c_values) and u and is_known_unit(u):
            with contextlib.suppress(ValueError):  # a unit of another dimension: P033 below
                table[i, j] = conversion_factor(u, cat[str(c_values[i])].canonical_unit)
    factor = pd.Series(table[ci, ui], index=en.index, dtype="float64")
    unknown_unit = unit.notna() & ~_flag(unit, is_known_unit)
    problems += _rows_problems(en, unknown_unit, "P032", "unit", unit,
                               "未知的计量单位（如 吨、万吨、立方米、万立方米、千瓦时、万千瓦时、百万千焦、GJ）",
                               "unknown unit (e.g. t, 万t, m3, 万m3, kWh, 万kWh, MWh, GJ, 百万千焦)")
    incompatible = unit.notna() & ~unknown_unit & code.notna() & factor.isna()
    expected = _per_value(code, lambda c: cat[c].canonical_unit)
    if incompatible.any():
        shown = unit[incompatible].astype(str) + " ↔ " + code[incompatible].astype(str)
        wanted = "/".join(sorted(set(expected[incompatible].astype(str))))
        problems += _rows_problems(
            en, incompatible, "P033", "unit", shown.reindex(en.index),
            f"计量单位与能源品种不符（应可换算为该品种的 {wanted}）",
            f"unit does not fit the carrier (expected a unit convertible to {wanted})")
    converted = en["quantity"] * factor
    _magnitude(en, converted, en["quantity"].notna() & factor.notna(), "quantity", en["_text_quantity"],
               unit, problems, expected)
    en["quantity"] = converted
    en["unit"] = expected
    del en["_text_quantity"]  # the value as typed was needed for the messages above only

    # Measured NCV is given per t or per 10⁴ Nm³ (GB/T 32151 Table C.1 units).
    is_gas = _flag(code, lambda c: cat[c].dimension == "volume")
    en["measured_ncv"] = en["measured_ncv"].where(~is_gas, en["measured_ncv"] / 1e4)
    # so is measured element carbon: tC/t, or tC/10⁴ Nm³ (鲁环发〔2022〕4号 化工 formula (2))
    en["measured_carbon_per_unit"] = en["measured_carbon_per_unit"].where(
        ~is_gas, en["measured_carbon_per_unit"] / 1e4)

    today = date.today()
    latest = f"{today.year:04d}-{today.month:02d}"
    months = en["year"] * 12 + en["month"]
    out_of_range = en["period"].notna() & ((en["year"] < EARLIEST_YEAR) | (months > today.year * 12 + today.month))
    problems += _rows_problems(en, out_of_range, "P034", "period",
                               en["period"],
                               f"报告期应在 {EARLIEST_YEAR}-01 至 {latest} 之间",
                               f"period must lie between {EARLIEST_YEAR}-01 and {latest}")

    use = en["use"]
    elec_only = (use == "self_generated_renewable") & (code != "electricity")
    problems += _rows_problems(en, elec_only.fillna(False).astype(bool), "P039", "use", use,
                               "自发可再生电力（self_generated_renewable）只适用于电力",
                               "self_generated_renewable applies to electricity only")
    secondary = code.isin(["electricity", "heat"])
    bad_feed = (use == "feedstock") & secondary
    problems += _rows_problems(en, bad_feed.fillna(False).astype(bool), "P039", "use", use,
                               "电力、热力不能作为原料用能", "electricity and heat cannot be feedstock")

    any_measured = (en["measured_ncv"].notna() | en["measured_carbon_content"].notna()
                    | en["measured_oxidation"].notna() | en["measured_carbon_per_unit"].notna())
    is_fossil = _flag(code, lambda c: cat[c].is_fossil)
    bad_measured = any_measured & ~is_fossil & code.notna()
    problems += _rows_problems(en, bad_measured, "P039", "measured_ncv", code,
                               "实测低位发热量、含碳量、氧化率只适用于化石燃料",
                               "measured NCV, carbon content and oxidation apply to fossil fuels only")
    has_coef = code.isin(set(fs.energy["carrier"]))
    measured = en["measured_ncv"].notna()
    no_coef = code.notna() & ~has_coef & ~measured
    problems += _rows_problems(en, no_coef.fillna(False).astype(bool), "P037", "carrier", code,
                               f"因子集 {fs.name} 中没有该品种的折标系数；请填写 measured_ncv 实测低位发热量",
                               f"factor set {fs.name} has no standard-coal coefficient for this carrier; "
                               "give measured_ncv")
    burnt = use.isin(["fuel", "export"])
    has_default = code.isin(set(fs.fuel_carbon["carrier"]))
    has_cc = has_default | (en["measured_ncv"].notna() & en["measured_carbon_content"].notna()) | (
        en["measured_carbon_per_unit"].notna())
    burnt_fossil = is_fossil.astype(bool) & burnt.fillna(False).astype(bool)
    aggregate = burnt_fossil & (code == COAL_PRODUCTS).fillna(False).astype(bool)
    problems += _rows_problems(
        en, aggregate & ~has_cc, "P147", "carrier", typed_carrier,
        "煤制品是型煤与其他煤制品的合计，指南只有二者各自的缺省值（型煤碳氧化率90%，其他煤制品98%），没有合计的缺省值："
        "请分别填报 型煤 与 其他煤制品（205-1 表：在煤制品下加 型煤、其他煤制品 两行），或填写实测的含碳量与碳氧化率",
        "煤制品 (coal products) is 型煤 (briquettes) and 其他煤制品 (other coal products) together; the guideline has "
        "defaults for each (oxidation 90 % and 98 %) and none for the total: report 型煤 and 其他煤制品 apart (form "
        "205-1: add the rows 型煤 and 其他煤制品 under 煤制品), or give the measured carbon content and oxidation")
    no_cc = burnt_fossil & ~has_cc & ~aggregate
    problems += _rows_problems(
        en, no_cc, "P038", "carrier", code,
        f"因子集 {fs.name} 中没有该燃料的缺省碳排放参数（如原煤须注明煤种 无烟煤/烟煤/褐煤）；"
        "或填写 measured_ncv 与 measured_carbon_content",
        f"factor set {fs.name} has no default carbon parameters for this fuel (raw coal must name "
        "its type: anthracite, bituminous or lignite); or give measured_ncv and "
        "measured_carbon_content")
    problems += _check_element_carbon(en, code, is_gas, burnt_fossil, has_cc, has_default)
    problems += _duplicates(en, ("entity_id", "period", "carrier", "use"), "energy")
    return en


#: Upper bounds of measured element carbon (P146), physical rather than from a guideline:
#: a solid or liquid fuel is at most all carbon (1 tC/t); 10⁴ Nm³ of gas is 10⁴/22.414 =
#: 446.2 kmol (0 °C, 101.325 kPa, the guidelines' standard state), 5.359 tC per carbon atom
#: of its molecules, and no gaseous fuel at that state averages more than four (butane):
#: 21.4 tC/10⁴ Nm³, i.e. 2.14 × 10⁻³ tC per m³ once converted.
MAX_CARBON_PER_T = 1.0
MAX_CARBON_PER_M3 = 4 * 12.011 / 22.414 * 1e-3


def _check_element_carbon(en: pd.DataFrame, code: pd.Series, is_gas: pd.Series, burnt_fossil: pd.Series,
                          has_cc: pd.Series, has_default: pd.Series) -> list[Problem]:
    """Measured element carbon (``measured_carbon_per_unit``, P144–P146) and the oxidation
    rate every measured-carbon row needs (P145)."""
    problems: list[Problem] = []
    cpu = en["measured_carbon_per_unit"]
    both = cpu.notna() & en["measured_carbon_content"].notna()
    problems += _rows_problems(
        en, both, "P144", "measured_carbon_per_unit",
        cpu.astype(str) + " / " + en["measured_carbon_content"].astype(str),
        "实测元素碳含量（含碳量计算法）与实测单位热值含碳量（低位发热量计算法）只能填一种",
        "give either the measured element carbon (carbon-content method) or the measured carbon per unit of "
        "heat (calorific-value method), not both")
    gas = is_gas.astype(bool)
    limit = pd.Series(np.where(gas, MAX_CARBON_PER_M3, MAX_CARBON_PER_T), index=en.index)
    shown = cpu.where(~gas, cpu * 1e4)
    bad = cpu.notna() & ((cpu <= 0) | (cpu > limit * (1 + 1e-9)))
    problems += _rows_problems(
        en, bad, "P146", "measured_carbon_per_unit", shown,
        "实测元素碳含量应大于0，且固体、液体不超过 1 tC/t，气体不超过 21.4 tC/万Nm³",
        "measured element carbon must be above 0 and at most 1 tC/t for solids and liquids, 21.4 tC/10⁴ Nm³ "
        "for gases")
    measured_c = cpu.notna() | en["measured_carbon_content"].notna()
    no_of = burnt_fossil & has_cc & measured_c & ~has_default & en["measured_oxidation"].isna()
    problems += _rows_problems(
        en, no_of, "P145", "measured_oxidation", code,
        "该燃料没有缺省碳氧化率（如原煤、煤制品）：用实测含碳量计算时须填写 measured_oxidation（发电设施按"
        "环办气候〔2021〕9号 附件2 6.2.4.1 燃煤不区分煤种取 0.99）",
        "this fuel has no default oxidation rate (e.g. raw coal, coal products): with measured carbon give "
        "measured_oxidation (power facilities: 0.99 for coal of any type, 环办气候〔2021〕9号 annex 2, 6.2.4.1)")
    return problems


def _unit_slips(en: pd.DataFrame) -> list[Problem]:
    """Flag months thousands of times above or below their neighbours (P036, warning).

    Each series (enterprise, carrier, use) in month order; a month's neighbours are up to
    three reported months on each side, and their median must rest on at least three of
    them, so that it stays robust when one neighbour is itself the slip."""
    key = ("entity_id", "carrier", "use")
    keep = en["quantity"].notna() & en["period"].notna()
    for name in key:
        keep &= en[name].notna()
    if not keep.any():
        return []
    s = en.loc[keep]
    codes = [_categorical(s[name]).cat.codes.to_numpy(np.int64) for name in key]
    month = (s["year"] * 12 + s["month"]).to_numpy(np.int64)
    series = (codes[0] * (codes[1].max() + 1) + codes[1]) * (codes[2].max() + 1) + codes[2]
    order = np.argsort(series * (month.max() + 1) + month, kind="stable")  # each series in month order
    series, q = series[order], s["quantity"].to_numpy(np.float64)[order]
    n = len(q)

    def neighbour(step: int) -> tuple[slice, slice]:
        """(rows, their neighbour ``step`` places away) as slices; negative = before."""
        return (slice(-step, None), slice(None, step)) if step < 0 else (slice(None, -step), slice(step, None))

    # A month can be a slip only if it is 1 000 times its smallest neighbour (the median is
    # at least that) or a thousandth of its largest: the median is taken of those few.
    count = np.zeros(n, dtype=np.int8)
    low, high = np.full(n, np.inf), np.full(n, -np.inf)
    for step in (-3, -2, -1, 1, 2, 3):
        rows, nb = neighbour(step)
        same = series[rows] == series[nb]
        count[rows] += same
        low[rows] = np.where(same, np.minimum(low[rows], q[nb]), low[rows])
        high[rows] = np.where(same, np.maximum(high[rows], q[nb]), high[rows])
    cand = np.flatnonzero((count >= 3) & ((q >= UNIT_SLIP_RATIO * low) | ((q > 0) & (q * UNIT_SLIP_RATIO <= high))))
    ranked = np.full((len(cand), 6), np.nan)
    for j, step in enumerate((-3, -2, -1, 1, 2, 3)):
        at_nb = cand + step
        inside = (at_nb >= 0) & (at_nb < n)
        nb_ok = np.zeros(len(cand), dtype=bool)
        nb_ok[inside] = series[at_nb[inside]] == series[cand[inside]]
        ranked[nb_ok, j] = q[at_nb[nb_ok]]
    ranked.sort(axis=1)  # missing last
    c = count[cand].astype(np.int64)
    rows_c = np.arange(len(cand))
    med = (ranked[rows_c, (c - 1) // 2] + ranked[rows_c, c // 2]) / 2
    qc = q[cand]
    hit = (med > 0) & ((qc >= UNIT_SLIP_RATIO * med) | ((qc > 0) & (qc * UNIT_SLIP_RATIO <= med)))
    if not hit.any():
        return []
    flag = cand[hit]
    med = med[hit]
    at = order[flag]
    ratio = np.round(q[flag] / med, 1)
    return [_p("P036", str(f), int(r), "quantity", v,
               f"该月数量为相邻月份中位数的 {x:g} 倍，疑似单位错误（如 万千瓦时 填成 千瓦时）",
               f"this month is {x:g} times the median of its neighbouring months: a likely unit "
               "slip (e.g. kWh typed where 万kWh was meant)", "warning")
            for f, r, v, x in zip(s["_file"].to_numpy()[at], s["_row"].to_numpy()[at], q[flag], ratio, strict=True)]


def _check_refs(frame: pd.DataFrame, enterprises: set[str] | None, code: str) -> list[Problem]:
    """``entity_id`` must be an enterprise; not checked (None) when the entities table could
    not be read: its own problem is the cause."""
    if enterprises is None:
        return []
    bad = frame["entity_id"].notna() & ~frame["entity_id"].isin(enterprises)
    return _rows_problems(frame, bad, code, "entity_id", frame["entity_id"],
                          "应为 entities 表中某企业的 entity_id",
                          "expected the entity_id of an enterprise in the entities table")


def _check_economics(ec: pd.DataFrame, enterprises: set[str] | None, problems: list[Problem]) -> None:
    problems += _check_refs(ec, enterprises, "P040")
    va_gt = ec["value_added_10k_yuan"] > ec["output_value_10k_yuan"]
    problems += _rows_problems(ec, va_gt.fillna(False).astype(bool), "P041", "value_added_10k_yuan",
                               ec["value_added_10k_yuan"],
                               "工业增加值不应大于工业总产值", "value added cannot exceed output value")
    this_year = date.today().year
    bad_year = (ec["year"] < EARLIEST_YEAR) | (ec["year"] > this_year)
    problems += _rows_problems(ec, bad_year.fillna(False).astype(bool), "P034", "year", ec["year"],
                               f"年份应在 {EARLIEST_YEAR} 至 {this_year} 之间",
                               f"year must lie between {EARLIEST_YEAR} and {this_year}")
    problems += _duplicates(ec, ("entity_id", "year"), "economics")


def _check_production(pr: pd.DataFrame, enterprises: set[str] | None, problems: list[Problem]) -> pd.DataFrame:
    problems += _check_refs(pr, enterprises, "P050")
    units = pr["unit"].fillna("")
    conv: dict[str, tuple[float, str]] = {}
    for u in units.unique():
        if is_known_unit(u):
            for to in ("t", "m3"):
                try:
                    conv[u] = (conversion_factor(u, to), to)
                    break
                except ValueError:
                    continue
    factor = units.map({u: f for u, (f, _) in conv.items()}).fillna(1.0).astype("float64")
    unit_to = units.map({u: c for u, (_, c) in conv.items()}).astype(object).fillna(units)
    converted = pr["quantity"] * factor
    _magnitude(pr, converted, pr["quantity"].notna(), "quantity", pr["_text_quantity"], units, problems, unit_to)
    pr["quantity"] = converted
    pr["unit"] = unit_to
    if not pr.empty:
        grp = pr.groupby(["entity_id", "year"], observed=True)
        n = grp["product"].transform("count")
        share_sum = grp["energy_share"].transform("sum", min_count=1)
        over = share_sum > 1.0 + 1e-9
        problems += _rows_problems(pr, over.fillna(False).astype(bool), "P051", "energy_share",
                                   pr["energy_share"],
                                   "同一企业同一年各产品能耗分摊比例之和不得超过 1",
                                   "energy shares of one enterprise-year must not add up to more than 1")
        missing = (n > 1) & pr["energy_share"].isna()
        problems += _rows_problems(pr, missing, "P052", "energy_share", pr["energy_share"],
                                   "企业当年有多个产品，须填写各产品能耗分摊比例，否则不计算单位产品能耗",
                                   "the enterprise has several products this year: give energy_share, "
                                   "otherwise no per-product intensity is computed", "warning")
    problems += _duplicates(pr, ("entity_id", "year", "product"), "production")
    return pr


def _check_process(pc: pd.DataFrame, enterprises: set[str] | None, fs: FactorSet,
                   problems: list[Problem]) -> pd.DataFrame:
    problems += _check_refs(pc, enterprises, "P060")
    aliases = tables()["process"].column("material").choice_aliases
    mat = pc["material"].fillna("").map(lambda m: aliases.get(str(m).strip(), str(m).strip().lower()))
    known = (set(fs.process.loc[fs.process["method"] == "stoichiometric", "material"]) | set(OXIDE_MATERIALS)
             | set(ANODE_MATERIALS) | {CARBON_REDUCTANT})
    bad = (mat != "") & ~mat.isin(known)
    problems += _rows_problems(pc, bad, "P061", "material", pc["material"],
                               f"未知的物料；应为 {'、'.join(sorted(known))} 之一",
                               f"unknown material; expected one of {', '.join(sorted(known))}")
    pc["material"] = mat.astype(object)
    problems += _check_clinker(pc, mat)
    anode = mat.isin(ANODE_MATERIALS)
    for col, zh, en in (("sulfur_fraction", "含硫量", "sulphur"), ("ash_fraction", "灰分含量", "ash")):
        problems += _rows_problems(
            pc, anode & pc[col].isna(), "P063", col, pc[col],
            f"炭阳极（anode）须填写实测的阳极平均{zh}（质量分数 0–1）；指南缺省值未经核实，不予采用",
            f"anode rows need the anode's measured mean {en} content (mass fraction 0-1); the guideline's "
            "default is not verified and is not used")
    in_bounds = pc["sulfur_fraction"].between(0.0, 1.0) & pc["ash_fraction"].between(0.0, 1.0)  # else P012
    over = anode & in_bounds & ((pc["sulfur_fraction"] + pc["ash_fraction"]) > 1.0)
    problems += _rows_problems(pc, over, "P064", "ash_fraction",
                               pc["sulfur_fraction"].astype(str) + " + " + pc["ash_fraction"].astype(str),
                               "炭阳极的含硫量与灰分含量之和不得大于 1",
                               "the anode's sulphur and ash fractions must not add up to more than 1")
    units = pc["unit"].fillna("")
    f = _tonnes_per_unit(units)
    badu = (units != "") & f.isna()
    problems += _rows_problems(pc, badu, "P016", "unit", units, "应为质量单位（吨、万吨）",
                               "expected a mass unit (t, 万t)")
    converted = pc["quantity"] * f.astype("float64")
    _magnitude(pc, converted, pc["quantity"].notna() & f.notna(), "quantity", pc["_text_quantity"], units,
               problems, "t")
    pc["quantity"] = converted
    pc["unit"] = "t"
    pc["mgo_fraction"] = pc["mgo_fraction"].fillna(0.0)
    pc["cao_noncarbonate_fraction"] = pc["cao_noncarbonate_fraction"].fillna(0.0)
    pc["mgo_noncarbonate_fraction"] = pc["mgo_noncarbonate_fraction"].fillna(0.0)
    pc["calcination_fraction"] = pc["calcination_fraction"].fillna(1.0)
    problems += _duplicates(pc, ("entity_id", "period", "material"), "process")
    return pc


def _check_clinker(pc: pd.DataFrame, mat: pd.Series) -> list[Problem]:
    """Clinker, lime and carbon reductants (P062, P140–P143): the oxide method's CaO (and the
    non-carbonate parts no larger than the totals), or for clinker the raw meal's CO2 fraction
    and loss on ignition of the cement guideline's formula (2), never both; the measured carbon
    content of a carbon reductant (no default)."""
    problems: list[Problem] = []
    cd, loi = pc["raw_meal_co2_fraction"], pc["raw_meal_loss_on_ignition"]
    by_raw_meal = (mat == "clinker") & (cd.notna() | loi.notna())
    need_cao = mat.isin(OXIDE_MATERIALS) & ~by_raw_meal & pc["cao_fraction"].isna()
    problems += _rows_problems(pc, need_cao, "P062", "cao_fraction", pc["cao_fraction"],
                               "熟料、石灰须填写 CaO 质量分数（熟料也可按水泥指南公式(2)填写生料 CO2 质量分数"
                               "与烧失量）",
                               "clinker and lime need the mass fraction of CaO (clinker may instead give the raw "
                               "meal's CO2 fraction and loss on ignition, the cement guideline's formula (2))")
    for total, part, zh in (("cao_fraction", "cao_noncarbonate_fraction", "CaO"),
                            ("mgo_fraction", "mgo_noncarbonate_fraction", "MgO")):
        over = mat.isin(OXIDE_MATERIALS) & (pc[part] > pc[total].fillna(0.0) + 1e-12)
        problems += _rows_problems(
            pc, over.fillna(False).astype(bool), "P140", part, pc[part].astype(str) + " > " + pc[total].astype(str),
            f"非碳酸盐来源的 {zh} 不能多于 {zh} 总含量（{total}）",
            f"the {zh} not from carbonates cannot exceed the total {zh} ({total})")
    one_only = by_raw_meal & (cd.isna() | loi.isna())
    problems += _rows_problems(
        pc, one_only, "P141", "raw_meal_co2_fraction", cd.astype(str) + " / " + loi.astype(str),
        "水泥指南公式(2)须同时填写生料 CO2 质量分数（raw_meal_co2_fraction）与生料烧失量（raw_meal_loss_on_ignition）",
        "the cement guideline's formula (2) needs both the raw meal's CO2 fraction (raw_meal_co2_fraction) and "
        "its loss on ignition (raw_meal_loss_on_ignition)")
    both = by_raw_meal & (pc["cao_fraction"].notna() | pc["mgo_fraction"].notna())
    problems += _rows_problems(
        pc, both, "P141", "cao_fraction", pc["cao_fraction"],
        "熟料只能按一种方法计算：公式(1)（CaO、MgO 含量）或公式(2)（生料 CO2 质量分数与烧失量），不能同时填写",
        "a clinker row takes one method: formula (1) (CaO and MgO) or formula (2) (the raw meal's CO2 fraction and "
        "loss on ignition), not both")
    full_loss = by_raw_meal & (loi >= 1.0)
    problems += _rows_problems(pc, full_loss, "P141", "raw_meal_loss_on_ignition", loi,
                               "生料烧失量须小于 1（公式(2)除以 1 − L）",
                               "the raw meal's loss on ignition must be below 1 (formula (2) divides by 1 − L)")
    elsewhere = (mat != "clinker") & (cd.notna() | loi.notna())
    problems += _rows_problems(pc, elsewhere, "P142", "raw_meal_co2_fraction", mat,
                               "生料 CO2 质量分数与烧失量只适用于熟料（clinker）",
                               "the raw meal's CO2 fraction and loss on ignition apply to clinker only")
    no_c = (mat == CARBON_REDUCTANT) & pc["carbon_fraction"].isna()
    problems += _rows_problems(pc, no_c, "P143", "carbon_fraction", pc["carbon_fraction"],
                               "炭粉等还原剂（carbon_reductant）须填写企业实测的含碳量（质量分数 0–1）；无缺省值",
                               "a carbon reductant (carbon_reductant) needs the enterprise's measured carbon content "
                               "(mass fraction 0-1); there is no default")
    return problems


def _gas_code(frame: pd.DataFrame, column: str) -> pd.Series:
    """``column`` of the gases table as codes (Chinese names through the spec's aliases),
    None where empty."""
    aliases = tables()["gases"].column(column).choice_aliases
    raw = frame[column].astype(object).where(frame[column].notna(), None)
    return raw.map(lambda v: None if v is None or not str(v).strip()
                   else aliases.get(str(v).strip(), str(v).strip().lower())).astype(object)


def _check_gases(gs: pd.DataFrame, enterprises: set[str] | None, fs: FactorSet,
                 problems: list[Problem]) -> pd.DataFrame:
    """The gases table (P120–P127): technologies and abatements known for their source, the
    abatement's use rate given with it (no default), and the measured CF4 and C2F6 factors
    of every aluminium row (no default is shipped; docs/accounting.md)."""
    problems += _check_refs(gs, enterprises, "P120")
    src = gs["source"].astype(object)
    tech, abate = _gas_code(gs, "technology"), _gas_code(gs, "abatement")
    is_n2o, is_pfc = src.isin(N2O_SOURCES), src == PFC_SOURCE
    gen, rem = fs.n2o_generation, fs.n2o_abatement
    for source in N2O_SOURCES:
        techs = sorted(gen.loc[gen["source"] == source, "technology"])
        bad = (src == source) & tech.notna() & ~tech.isin(techs)
        problems += _rows_problems(gs, bad, "P121", "technology", gs["technology"],
                                   f"{source} 的生产技术应为 {'、'.join(techs)} 之一",
                                   f"the technology of {source} must be one of {', '.join(techs)}")
        kinds = sorted(rem.loc[rem["source"] == source, "abatement"])
        bad = (src == source) & abate.notna() & ~abate.isin(kinds)
        problems += _rows_problems(gs, bad, "P123", "abatement", gs["abatement"],
                                   f"{source} 的尾气处理技术应为 {'、'.join(kinds)} 之一（无处理设备则不填）",
                                   f"the abatement of {source} must be one of {', '.join(kinds)} (empty if none)")
    no_tech = is_n2o & tech.isna() & gs["n2o_kg_per_t"].isna()
    problems += _rows_problems(gs, no_tech, "P122", "technology", gs["technology"],
                               "硝酸、己二酸须填写生产技术（以取指南的氧化亚氮生成因子），或填写实测的 n2o_kg_per_t",
                               "nitric and adipic acid need their technology (for the guideline's N2O generation "
                               "factor) or a measured n2o_kg_per_t")
    use = gs["abatement_use"]
    problems += _rows_problems(gs, abate.notna() & use.isna(), "P124", "abatement_use", use,
                               "填写了尾气处理技术，须同时填写其使用率（运行时间之比，0–1）；无缺省值",
                               "an abatement needs its use rate (ratio of operating times, 0-1); there is no default")
    problems += _rows_problems(gs, abate.isna() & use.notna(), "P125", "abatement", gs["abatement"],
                               "填写了尾气处理设备使用率，须注明尾气处理技术",
                               "a use rate needs the abatement it belongs to")
    for col, gas in (("cf4_kg_per_t", "CF4"), ("c2f6_kg_per_t", "C2F6")):
        problems += _rows_problems(
            gs, is_pfc & gs[col].isna(), "P126", col, gs[col],
            f"电解铝阳极效应须填写实测的 {gas} 排放因子（kg/t 铝）；指南缺省值未经核实，不予采用",
            f"aluminium anode effects need the measured {gas} emission factor (kg per t of aluminium); the "
            "guideline's default is not verified and is not used")
        problems += _rows_problems(gs, is_n2o & gs[col].notna(), "P127", col, gs[col],
                                   "硝酸、己二酸行不计 CF4、C2F6：此列不适用", "CF4 and C2F6 do not apply to nitric or "
                                   "adipic acid rows")
    for col, values in (("technology", tech), ("abatement", abate)):
        problems += _rows_problems(gs, is_pfc & values.notna(), "P127", col, gs[col],
                                   "电解铝阳极效应行不适用此列（不计 N2O）",
                                   "this column does not apply to aluminium anode effects (no N2O)")
    for col in ("n2o_kg_per_t", "abatement_use"):
        problems += _rows_problems(gs, is_pfc & gs[col].notna(), "P127", col, gs[col],
                                   "电解铝阳极效应行不适用此列（不计 N2O）",
                                   "this column does not apply to aluminium anode effects (no N2O)")
    gs["technology"], gs["abatement"] = tech, abate
    units = gs["unit"].fillna("")
    f = _tonnes_per_unit(units)
    problems += _rows_problems(gs, (units != "") & f.isna(), "P016", "unit", units, "应为质量单位（吨、万吨）",
                               "expected a mass unit (t, 万t)")
    converted = gs["quantity"] * f.astype("float64")
    _magnitude(gs, converted, gs["quantity"].notna() & f.notna(), "quantity", gs["_text_quantity"], units,
               problems, "t")
    gs["quantity"] = converted
    gs["unit"] = "t"
    problems += _duplicates(gs, tuple(tables()["gases"].key), "gases")
    return gs


def _check_materials(mt: pd.DataFrame, ent: pd.DataFrame, enterprises: set[str] | None, energy: pd.DataFrame,
                     process: pd.DataFrame, fs: FactorSet, problems: list[Problem]) -> pd.DataFrame:
    """The ``materials`` table of the carbon balance (P103–P117; methods/carbon_balance.py):
    codes, units (mass, or volume for gases), the method of the enterprise, defaults or the
    measured carbon content, purity, and what would be counted twice."""
    problems += _check_refs(mt, enterprises, "P103")
    aliases = tables()["materials"].column("material").choice_aliases
    cat = carriers()

    def code(m: str) -> str:
        s = str(m).strip()
        return aliases.get(s) or resolve_carrier(s) or s.lower()
    mat = mt["material"].fillna("").map(code).astype(object)
    mt["material"] = mat
    flow = mt["flow"].astype(object)
    methods = cb.assign_methods(ent, method_registry()) if not ent.empty and "industry_code" in ent else None
    if methods is None or mt.empty:
        meth = pd.DataFrame(index=mt.index, columns=["ghg_method", "guideline", "balance", "supplied"])
    else:
        meth = mt[["entity_id"]].merge(methods, on="entity_id", how="left").set_index(mt.index)
    known_ent = meth["ghg_method"].notna()
    no_balance = known_ent & ~meth["balance"].fillna(False).astype(bool)
    problems += _rows_problems(
        mt, no_balance, "P109", "entity_id", mt["entity_id"],
        "该企业的核算方法不采用碳平衡法（见 ghg_methods.toml 或 entities 表 ghg_method 列），含碳物料不予核算",
        "the enterprise's accounting method uses no carbon balance (data/spec/ghg_methods.toml, or the entities "
        "column ghg_method): its materials rows would not be accounted")
    is_gas = mat.map(lambda m: m == cb.CO2_MATERIAL or (m in cat and cat[m].canonical_unit == "m3")).astype(bool)
    units = mt["unit"].fillna("")
    fac: dict[tuple[str, bool], float | None] = {}
    for u, gas in set(zip(units, is_gas, strict=True)):
        try:
            fac[(u, gas)] = conversion_factor(u, "m3" if gas else "t")
        except (KeyError, ValueError):
            fac[(u, gas)] = None
    f = pd.Series([fac[(u, g)] for u, g in zip(units, is_gas, strict=True)], index=mt.index, dtype="float64")
    badu = (units != "") & f.isna()
    problems += _rows_problems(mt, badu, "P105", "unit", units,
                               "应为质量单位（吨、万吨）；煤气和回收外供CO2应为体积单位（万立方米、立方米）",
                               "expected a mass unit (t, 万t); a volume unit (万m³, m³) for gases and recovered CO2")
    converted = mt["quantity"] * f
    _magnitude(mt, converted, mt["quantity"].notna() & f.notna(), "quantity", mt["_text_quantity"], units,
               problems, is_gas.map({True: "m3", False: "t"}))
    mt["quantity"] = converted
    mt["unit"] = is_gas.map({True: "m3", False: "t"}).astype(object)
    cf = mt["carbon_fraction"]
    over = ~is_gas & (cf > 1.0)
    problems += _rows_problems(mt, over.fillna(False).astype(bool), "P108", "carbon_fraction", cf,
                               "固体、液体的含碳量为 tC/t，不得大于 1", "the carbon content of a solid or liquid is "
                               "tC/t and cannot exceed 1")
    mt["carbon_fraction"] = cf.where(~is_gas, cf / 1e4)  # tC/万Nm³ → tC/m³
    supplied = flow == cb.SUPPLIED
    is_co2 = mat == cb.CO2_MATERIAL
    wrong = (supplied != is_co2) & flow.notna() | (supplied & known_ent & ~meth["supplied"].fillna(False).astype(bool))
    problems += _rows_problems(
        mt, wrong, "P111", "flow", flow + " / " + mat,
        "回收外供（supplied）只用于 co2（回收且外供的二氧化碳），且仅化工方法扣除（化工指南公式21）",
        "supplied is only for co2 (recovered CO2 supplied outside), and only the chemical method deducts it "
        "(chemical guideline formula 21)")
    problems += _rows_problems(mt, supplied & cf.notna(), "P117", "carbon_fraction", cf,
                               "回收外供CO2不填含碳量：按体积 × 纯度 × 19.77 t/万Nm³ 计算，请填纯度",
                               "recovered CO2 takes no carbon content: it is volume × purity × 19.77 t/10⁴ Nm³; "
                               "give the purity")
    carrier_in = (flow == cb.INPUT) & mat.isin(list(cat))
    problems += _rows_problems(
        mt, carrier_in, "P112", "material", mt["material"],
        "能源品种作为原料投入请在能源表中以 use = feedstock（原料用能）填报：计入综合能耗，并进入碳平衡，只计一次",
        "an energy carrier used as raw material belongs in the energy table with use = feedstock: it is then "
        "in 综合能耗 and in the carbon balance, counted once")
    guidelines = sorted({m.guideline for m in method_registry().methods.values() if m.guideline})
    factors = cb.material_factor_table(fs.material_carbon, fs.process, fs.fuel_carbon, guidelines)
    key = pd.DataFrame({"guideline": meth["guideline"].fillna(""), "material": mat}, index=mt.index)
    d = key.merge(factors, on=["guideline", "material"], how="left").set_index(mt.index)
    applies = d["factor_id"].notna() & ((d["flows"] == "any") | (d["flows"] == flow)
                                        | ((d["flows"] == "output") & flow.isin([cb.PRODUCT, cb.WASTE])))
    default_used = applies & cf.isna()
    need_cf = known_ent & ~no_balance & cf.isna() & ~applies & ~supplied & ~carrier_in
    problems += _rows_problems(
        mt, need_cf, "P106", "carbon_fraction", mat + " / " + flow,
        "该物料在本企业核算方法的指南中无此方向的缺省含碳量，须填写实测含碳量（tC/t，气体 tC/万Nm³）",
        "the guideline of the enterprise's method has no default carbon content for this material and flow: "
        "give the measured carbon content (tC/t; tC/10⁴ Nm³ for gases)")
    need_pur = ((default_used & d["purity_required"].fillna(False).astype(bool)) | supplied) & mt["purity"].isna()
    problems += _rows_problems(
        mt, need_pur, "P107", "purity", mt["purity"],
        "熔剂、碳酸盐须填写纯度 DX/PUR（钢铁指南公式7、化工指南公式6），"
        "回收外供CO2须填体积纯度（公式21）；指南无缺省值",
        "fluxes and carbonates need their purity DX/PUR (steel guideline formula 7, chemical formula 6), and "
        "recovered CO2 its volume purity (formula 21); the guidelines print no default")
    out_carrier = flow.isin([cb.PRODUCT, cb.WASTE]) & mat.isin(list(cat))
    if out_carrier.any() and not energy.empty:
        ex = energy.loc[energy["use"].astype(str) == "export", ["entity_id", "period", "carrier"]].astype(str)
        pairs = set(zip(ex["entity_id"], ex["period"], ex["carrier"], strict=True))
        twice = out_carrier & pd.Series([(str(e), str(p), str(m)) in pairs for e, p, m in
                                         zip(mt["entity_id"], mt["period"], mat, strict=True)], index=mt.index)
        problems += _rows_problems(
            mt, twice, "P113", "material", mt["material"],
            "同一企业同月该品种已在能源表以 export（外供）扣除，此处再作产品扣除会重复计算；只填一处",
            "the same carrier is already an energy export row of this enterprise and month, which deducts its "
            "carbon; deducting it here again counts it twice: report it once")
    carbonate = set(fs.process.loc[fs.process["method"] == "stoichiometric", "material"])
    if not process.empty:
        pp = set(zip(process["entity_id"].astype(str), process["period"].astype(str),
                     process["material"].astype(str), strict=True))
        both = mat.isin(carbonate) & pd.Series([(str(e), str(p), str(m)) in pp for e, p, m in
                                                zip(mt["entity_id"], mt["period"], mat, strict=True)], index=mt.index)
        problems += _rows_problems(mt, both, "P114", "material", mt["material"],
                                   "该碳酸盐已在工业过程表中填报，此处重复计算；只填一处",
                                   "this carbonate is already a process row of the enterprise and month; "
                                   "report it once")
    problems += _duplicates(mt, ("entity_id", "period", "material", "flow"), "materials")
    if methods is not None and not energy.empty:
        problems += _balance_checks(mt, methods, energy, fs)
    return mt


def _tonnes_per_unit(units: pd.Series) -> pd.Series:
    """Tonnes per unit of each row's mass unit; NaN where the unit is not a mass unit."""
    fac: dict[str, float | None] = {}
    for u in units.unique():
        try:
            fac[u] = conversion_factor(u, "t")
        except (KeyError, ValueError):
            fac[u] = None
    return units.map(fac)


def _balance_checks(mt: pd.DataFrame, methods: pd.DataFrame, energy: pd.DataFrame, fs: FactorSet) -> list[Problem]:
    """P116: a feedstock row in a year with a balance, of a carrier without default NCV and
    carbon content and without measured ones. (An enterprise of a sector that expects a
    balance but reports none in a year is not a problem of the package: the accounts say so
    in a note, :func:`qingshan.accounts.missing_balance_notes`.)"""
    out: list[Problem] = []
    bal = set(methods.loc[methods["balance"], "entity_id"])
    years = {(str(e), int(y)) for e, y in zip(mt["entity_id"], mt["year"], strict=True)
             if str(e) in bal and pd.notna(y)}
    feed = energy[energy["use"].astype(str) == "feedstock"]
    if years and not feed.empty:
        have = set(fs.fuel_carbon["carrier"])
        in_bal = pd.Series([pd.notna(y) and (str(e), int(y)) in years
                            for e, y in zip(feed["entity_id"], feed["year"], strict=True)], index=feed.index)
        measured = feed["measured_ncv"].notna() & feed["measured_carbon_content"].notna()
        bad = in_bal & ~feed["carrier"].astype(str).isin(have) & ~measured
        out += _rows_problems(feed, bad, "P116", "carrier", feed["carrier"],
                              "碳平衡年份中原料用能须有缺省或实测的低位发热量和单位热值含碳量（该品种无缺省值，如原煤须按煤种填报）",
                              "a feedstock row in a year with a carbon balance needs a default or measured NCV and "
                              "carbon content (this carrier has no default; raw coal must be reported by coal type)")
    return out


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns with the values they hold, sorted: the same package read from
    files in any order, or from a workbook, is the same table."""
    for c in frame.columns:
        if isinstance(frame[c].dtype, pd.CategoricalDtype):
            cats, codes = frame[c].cat.categories, frame[c].cat.codes.to_numpy()
            used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(cats)))
            ordered = used[np.argsort([str(cats[int(i)]) for i in used], kind="stable")]
            if len(ordered) == len(cats) and (ordered == np.arange(len(cats))).all():
                continue  # already tidy
            remap = np.full(len(cats) + 1, -1, dtype=np.int64)  # code -1 (missing) stays -1
            remap[ordered] = np.arange(len(ordered))
            frame[c] = pd.Categorical.from_codes(remap[codes], categories=cats[ordered], validate=False)
    return frame


def _with_reports(frame: pd.DataFrame, name: str, reports: list[Reported], ent: pd.DataFrame,
                  problems: list[Problem]) -> pd.DataFrame:
    """``frame`` with its rows of each reported enterprise and period replaced by the
    report's (:mod:`qingshan.data.reported`). A report of an enterprise the package does
    not have is not used, and said so (Q004, a warning that never blocks)."""
    known = set(ent.loc[ent["entity_type"] == "enterprise", "entity_id"].dropna()) if not ent.empty else set()
    used = [r for r in reports if r.entity_id in known]
    problems += [Problem("Q004", r.label, None, "entity_id", r.entity_id, "数据包中的企业",
                         "an enterprise of the package: this report is not used", "warning")
                 for r in reports if r.entity_id not in known]
    if not used:
        return frame
    parts = [frame.loc[~reported.replaced(frame, name, used)]]
    for r in used:
        table, found = reported.report_table(name, r.entity_id, r.period, r.rows, r.label)
        problems += found
        parts.append(_type_table(table, problems))
    return _concat(parts, name)


def check_raw(raw: RawPackage, factor_set: FactorSet | None = None,
              reports: Sequence[Reported] = ()) -> tuple[Package, list[Problem]]:
    """Type, convert and check a package already read; return it with every problem.
    ``reports`` (accepted enterprise reports) replace their enterprise's rows of their table
    and period before the checks, so they are checked with the rest.

    The text of ``raw``'s tables is let go as each is typed (``raw.tables`` is emptied), so
    that a large package is never held twice."""
    fs = factor_set or load_factor_set()
    problems = list(raw.problems)
    typed: dict[str, pd.DataFrame] = {}
    for name in TABLE_ORDER:
        parts = raw.tables.pop(name, [])
        typed[name] = _concat([_type_table(parts.pop(0), problems) for _ in range(len(parts))], name)
        mine = [r for r in reports if r.kind == name]
        if mine:
            typed[name] = _with_reports(typed[name], name, mine, typed["entities"], problems)
    ent = typed["entities"]
    # References to enterprises are checked only against a complete entities table: when it
    # could not be read or has no rows, that problem is reported instead of its effects.
    readable = "entities" not in raw.unread and not ent.empty
    if readable:
        _check_entities(ent, problems)
    enterprises = set(ent.loc[ent["entity_type"] == "enterprise", "entity_id"].dropna()) if readable else None
    energy = _check_energy(typed["energy"], enterprises, fs, problems)
    problems += _unit_slips(energy)
    _check_economics(typed["economics"], enterprises, problems)
    production = _check_production(typed["production"], enterprises, problems)
    process = _check_process(typed["process"], enterprises, fs, problems)
    gases = _check_gases(typed["gases"], enterprises, fs, problems)
    materials = _check_materials(typed["materials"], ent if readable else ent.iloc[0:0], enterprises, energy,
                                 process, fs, problems)
    problems += _check_refs(typed["pollutants"], enterprises, "P070")
    problems += _duplicates(typed["pollutants"], ("entity_id", "year", "pollutant"), "pollutants")
    problems += _duplicates(typed["boundaries"], ("entity_id",), "boundaries")
    boundaries = check_boundaries(typed["boundaries"], ent, problems, references=readable)
    for name in ("air_stations", "air_daily", "water_sections", "water_samples"):
        problems += _duplicates(typed[name], tuple(tables()[name].key), name)
    years = set(energy["year"].dropna().astype(int)) | set(typed["economics"]["year"].dropna().astype(int))
    typed = check_monitoring(typed, set(ent.loc[ent["entity_type"] == "district", "entity_id"].dropna())
                             if readable else None, years, boundaries, problems)
    problems += check_permit_tables(typed["permits"], typed["permit_reports"], typed["pollutant_quotas"],
                                    ent if readable else None)
    for name in ("permits", "permit_reports", "pollutant_quotas"):
        problems += _duplicates(typed[name], tables()[name].key, name)
    problems += check_carrying_tables(typed["carrying_inputs"], typed["carrying_national_rates"],
                                      ent if readable else None)
    for name in ("carrying_inputs", "carrying_national_rates"):
        problems += _duplicates(typed[name], tables()[name].key, name)
    frames = {**typed, "entities": ent, "energy": energy, "production": production, "process": process,
              "gases": gases, "materials": materials, "boundaries": boundaries}
    pkg = Package({name: _tidy(f.drop(columns=[c for c in f.columns if c.startswith("_text_")]))
                   for name, f in frames.items()}, raw.source)
    problems.sort(key=lambda p: (p.code not in READING_CODES, p.file, p.row or 0, p.code))
    return pkg, problems


def check_package(path: str | Path, factor_set: FactorSet | None = None,
                  reports: Sequence[Reported] = ()) -> tuple[Package, list[Problem]]:
    """Read and check a package (with the accepted ``reports``); never raises for problems
    in the data."""
    return check_raw(read_package(path), factor_set, reports)


def load_package(path: str | Path, factor_set: FactorSet | None = None, *,
                 accept_warnings: bool = False) -> Package:
    """Read and check a package; raise ValidationError if any problem blocks."""
    pkg, problems = check_package(path, factor_set)
    if blocking(problems, accept_warnings=accept_warnings):
        raise ValidationError(problems)
    return pkg
