"""用能权 allocation (分配) and paid use (有偿使用): formula sets as rules, each cited
(docs/registries.md, "Allocation").

A rule file ``rules/allocation-<name>.toml`` (or a file given by path), selected by the
profile key ``registry.allocation`` for a data year, names

- **what a new project must buy** (``[purchase]``): the quota formula and who must buy —
  ``henan_586``, 河南省用能权有偿使用和交易确权管理暂行办法 (豫发改环资〔2022〕586号) Art. 4:
  ``quota = A × B × C ÷ P`` with A the project's new comprehensive energy excluding coal, B
  the adjustment coefficient (0.3 ≤ B ≤ 1, 0.3 at first), C the project's energy per value
  added and P the provincial average industrial energy per value added, for new 两高
  projects, their energy reckoned at the sector's 标杆 level (Art. 5); or ``pinghu_2014``,
  平湖市用能权有偿使用和交易操作办法 (2014) Art. 7: a new project of ≥ 100 tce a year (等价值)
  buys its whole new consumption;
- **its price** (``[price]``): ``shizuishan_2025``, 石嘴山市用能权交易资金管理办法（试行）
  (2025): ``price = base × A × B ÷ R`` (base ¥150/tce, 0.2 ≤ A ≤ 0.4, B the project's energy
  per value added 等价值, R the region's figure 4.48 tce/¥10k); or ``pinghu_2014``, Pinghu
  Art. 6 and 8: ``fee = base × sector coefficient`` (base ¥80/tce) for a project above the
  city's 0.73 tce/¥10k;
- **free allocation to existing enterprises** (``[free]``): 豫政办〔2019〕25号 — the benchmark
  method (output × the product's level of the 能效标杆/基准 table) or the historical method
  (grandfathering: the mean of the base years' energy), for enterprises above a threshold.

The formulas themselves (:func:`henan_quota`, :func:`shizuishan_price`, :func:`pinghu_fee`,
:func:`benchmark_amount`, :func:`grandfathered_amount`) are plain :class:`~decimal.Decimal`
arithmetic. :func:`purchase` gives what a project must buy and its price with every step;
:func:`free_lines` the free allocation of a vintage; :func:`allocate` issues lines through
the kernel (:func:`qingshan.registry.kernel.request`, ``issue``).

Problem codes of the rule file: ``D001`` unknown name or unreadable file, ``D002`` syntax,
``D010`` a wrong key or value (every problem collected), as for the rights file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from qingshan.i18n import unit
from qingshan.profiles.profile import Profile
from qingshan.registry import accounts
from qingshan.registry.access import Acting
from qingshan.registry.kernel import approve, request
from qingshan.registry.models import RightRequest
from qingshan.registry.orders import Order
from qingshan.registry.rights import RightBook, RightType
from qingshan.rulefile import Checker, read_rule_file

#: The profile key that selects the rule file.
PROFILE_KEY = "registry.allocation"
#: Quota formulas of a new project's purchase.
QUOTA_FORMULAS = ("henan_586", "pinghu_2014")
#: Price formulas of a new project's purchase.
PRICE_FORMULAS = ("shizuishan_2025", "pinghu_2014")
#: 综合能耗 conventions: 等价值 (electricity at the year's supply coal consumption) and 当量值.
ENERGY_BASES = {"equal": ("等价值", "equivalent value"), "calorific": ("当量值", "calorific value")}
#: Levels of the 能效 table a benchmark allocation may use: 标杆 or 基准.
LEVELS = {"benchmark": ("标杆水平", "benchmark level"), "baseline": ("基准水平", "baseline level")}
#: Published ranges the rule file's parameters must keep to: 豫发改环资〔2022〕586号 Art. 4
#: (0.3 ≤ B ≤ 1); 石嘴山 2025 (0.2 ≤ A ≤ 0.4).
B_RANGE = (Decimal("0.3"), Decimal("1"))
A_RANGE = (Decimal("0.2"), Decimal("0.4"))
#: The parameter ``provincial`` may say ``accounts``: the city's own figure stands in.
FROM_ACCOUNTS = "accounts"

TOP_KEYS = ("name", "zh", "en", "right", "source", "borrowed", "energy_basis", "energy_basis_source", "purchase",
            "price", "free")


@dataclass(frozen=True)
class Param:
    """A number of a rule with its source."""

    value: Decimal
    source: str


@dataclass(frozen=True)
class Step:
    """One figure of a computation: its symbol or key, its name, value, unit and source."""

    name: str
    zh: str
    en: str
    value: Decimal | None
    unit: str
    source: str

    def text(self) -> str:
        """The step as evidence of a ledger row: ``A = 12000 tce (source)``."""
        shown = "—" if self.value is None else format(self.value.normalize(), "f")
        return f"{self.name} {self.zh} / {self.en} = {shown} {self.unit} ({self.source})".replace("  ", " ")


@dataclass(frozen=True)
class Band:
    """A's value for projects whose energy per value added is at most ``upto`` (``None``:
    above every other band)."""

    upto: Decimal | None
    a: Decimal


@dataclass(frozen=True)
class SectorCoefficient:
    """Pinghu's sector coefficient for GB/T 4754 codes starting with one of ``prefixes``."""

    prefixes: tuple[str, ...]
    coefficient: Decimal
    source: str


@dataclass(frozen=True)
class PurchaseRule:
    formula: str
    source: str
    two_high_only: bool = False
    two_high_source: str = ""
    at_benchmark: bool = False
    at_benchmark_source: str = ""
    b: Param | None = None
    provincial: Param | None = None  # None with provincial_source: the city's accounts stand in
    provincial_source: str = ""
    min_energy_tce: Param | None = None


@dataclass(frozen=True)
class PriceRule:
    formula: str
    source: str
    base_yuan_per_tce: Param
    a: Param | None = None
    a_bands: tuple[Band, ...] = ()
    a_bands_source: str = ""
    regional: Param | None = None
    threshold: Param | None = None
    coefficients: tuple[SectorCoefficient, ...] = ()


@dataclass(frozen=True)
class FreeRule:
    source: str
    min_energy_tce: Param
    rounding_source: str
    level: str
    level_source: str
    benchmark_source: str
    products: Mapping[str, tuple[str, str]]  # package product name → (efficiency product, source)
    years: int
    grandfathering_source: str


@dataclass(frozen=True)
class AllocationRules:
    """The allocation formula sets in force for a jurisdiction and data year."""

    name: str
    label: str
    digest: str
    zh: str
    en: str
    right: str
    source: str
    borrowed: str
    energy_basis: str
    energy_basis_source: str
    purchase: PurchaseRule | None
    price: PriceRule | None
    free: FreeRule | None

    @property
    def rules_id(self) -> str:
        return f"{self.name}@{self.digest[:12]}"


# --- the formulas ------------------------------------------------------------------------


def henan_quota(a_tce: Decimal, b: Decimal, c_tce_per_10k_yuan: Decimal, p_tce_per_10k_yuan: Decimal) -> Decimal:
    """能耗指标交易量 = A × B × C ÷ P (豫发改环资〔2022〕586号 Art. 4), tce."""
    return a_tce * b * c_tce_per_10k_yuan / p_tce_per_10k_yuan


def shizuishan_price(base_yuan_per_tce: Decimal, a: Decimal, b_tce_per_10k_yuan: Decimal,
                     regional_tce_per_10k_yuan: Decimal) -> Decimal:
    """交易价格 = 基准价格 × A × B ÷ 全区单位工业增加值能耗下降目标 (石嘴山 2025), yuan per tce."""
    return base_yuan_per_tce * a * b_tce_per_10k_yuan / regional_tce_per_10k_yuan


def pinghu_fee(base_yuan_per_tce: Decimal, coefficient: Decimal) -> Decimal:
    """有偿使用费 = 基准价 × 行业单位工业增加值能耗目标系数 (平湖 2014 Art. 8), yuan per tce."""
    return base_yuan_per_tce * coefficient


def benchmark_amount(output_t: Decimal, level_kgce_per_t: Decimal) -> Decimal:
    """Output × the product's level: t × kgce/t ÷ 1000 = tce."""
    return output_t * level_kgce_per_t / 1000


def grandfathered_amount(history_tce: Sequence[Decimal]) -> Decimal:
    """The mean of the base years' energy, tce."""
    return sum(history_tce, Decimal(0)) / len(history_tce)


def whole_units(amount: Decimal, right: RightType, *, up: bool) -> Decimal:
    """``amount`` as a whole number of the right's serial units, rounded up or down."""
    n = (amount / right.serial_unit).to_integral_value(ROUND_CEILING if up else ROUND_FLOOR)
    return right.amount(int(n)) if n > 0 else Decimal(0)


# --- reading the rule file -------------------------------------------------------------


def load_allocation(source: str | Path) -> AllocationRules:
    """The rule file ``source`` (a built-in name such as ``"allocation-demo"``, or a path);
    every problem collected (``D010``)."""
    rf = read_rule_file(source, package="qingshan.registry", folder="rules", code="D0")
    ck = Checker(rf.label, "D010")
    raw = rf.raw
    ck.only(raw, TOP_KEYS)
    basis = ck.one_of(raw, "energy_basis", tuple(ENERGY_BASES))
    purchase = _purchase(ck, ck.table(raw, "purchase", required=False))
    price = _price(ck, ck.table(raw, "price", required=False))
    free = _free(ck, ck.table(raw, "free", required=False))
    right = ck.text(raw, "right")
    rules = AllocationRules(name=ck.text(raw, "name"), label=rf.label, digest=rf.digest, zh=ck.text(raw, "zh"),
                            en=ck.text(raw, "en"), right=right, source=ck.text(raw, "source"),
                            borrowed=ck.text(raw, "borrowed", required=False), energy_basis=basis,
                            energy_basis_source=ck.text(raw, "energy_basis_source"), purchase=purchase, price=price,
                            free=free)
    ck.raise_if_any()
    return rules


def allocation_for(profile: Profile, year: int) -> AllocationRules:
    """The rule file ``profile`` selects for data ``year`` (key ``registry.allocation``);
    :class:`ConfigError` when it selects none."""
    return load_allocation(profile.required(PROFILE_KEY, year, "用能权分配规则", "allocation rules"))


def _dec(ck: Checker, d: Mapping[str, Any], key: str, where: str, *, required: bool = True,
         lo: Decimal | None = None, hi: Decimal | None = None, positive: bool = True) -> Decimal | None:
    """A decimal written as text (``"0.3"``), within [lo, hi]."""
    v = d.get(key) if isinstance(d, Mapping) else None
    path = f"{where}.{key}" if where else key
    if v is None:
        if required:
            ck.problem(path, None, "必填的十进制数（文字，如 \"0.3\"）", 'a required decimal number, as text ("0.3")')
        return None
    x: Decimal | None = None
    if isinstance(v, str):
        try:
            x = Decimal(v.strip())
        except InvalidOperation:
            x = None
    if x is None or not x.is_finite() or (positive and x <= 0) or (lo is not None and x < lo) \
            or (hi is not None and x > hi):
        rng_zh = f"，在 {lo} 与 {hi} 之间（文件所引文件规定的范围）" if lo is not None and hi is not None else ""
        rng_en = f", from {lo} to {hi} (the range the cited document sets)" if lo is not None and hi is not None else ""
        ck.problem(path, v, f"正的十进制数，写为文字（如 \"0.3\"）{rng_zh}",
                   f'a positive decimal number written as text ("0.3"){rng_en}')
        return None
    return x


def _param(ck: Checker, d: Mapping[str, Any], key: str, where: str, *, required: bool = True,
           lo: Decimal | None = None, hi: Decimal | None = None) -> Param | None:
    """``[where.key]`` with ``value`` (decimal text) and ``source``."""
    t = ck.table(d, key, where, required=required)
    if not t:
        return None
    at = f"{where}.{key}"
    ck.only(t, ("value", "source"), at)
    v = _dec(ck, t, "value", at, lo=lo, hi=hi)
    src = ck.text(t, "source", at)
    return Param(v, src) if v is not None else None


def _purchase(ck: Checker, t: Mapping[str, Any]) -> PurchaseRule | None:
    if not t:
        return None
    w = "purchase"
    ck.only(t, ("formula", "source", "two_high_only", "two_high_source", "at_benchmark", "at_benchmark_source", "b",
                "provincial", "min_energy_tce"), w)
    formula = ck.one_of(t, "formula", QUOTA_FORMULAS, w)
    src = ck.text(t, "source", w)
    if formula == "henan_586":
        two_high = ck.flag(t, "two_high_only", w)
        at_bench = ck.flag(t, "at_benchmark", w)
        b = _param(ck, t, "b", w, lo=B_RANGE[0], hi=B_RANGE[1])
        prov_t = ck.table(t, "provincial", w)
        ck.only(prov_t, ("value", "source"), f"{w}.provincial")
        prov_src = ck.text(prov_t, "source", f"{w}.provincial")
        provincial = None
        if prov_t.get("value") != FROM_ACCOUNTS:
            pv = _dec(ck, prov_t, "value", f"{w}.provincial")
            provincial = Param(pv, prov_src) if pv is not None else None
        return PurchaseRule(formula, src, two_high, ck.text(t, "two_high_source", w, required=two_high), at_bench,
                            ck.text(t, "at_benchmark_source", w, required=at_bench), b, provincial, prov_src)
    if formula == "pinghu_2014":
        return PurchaseRule(formula, src, min_energy_tce=_param(ck, t, "min_energy_tce", w))
    return None


def _price(ck: Checker, t: Mapping[str, Any]) -> PriceRule | None:
    if not t:
        return None
    w = "price"
    ck.only(t, ("formula", "source", "base_yuan_per_tce", "a", "a_bands", "a_bands_source", "regional", "threshold",
                "coefficients"), w)
    formula = ck.one_of(t, "formula", PRICE_FORMULAS, w)
    src = ck.text(t, "source", w)
    base = _param(ck, t, "base_yuan_per_tce", w)
    if formula == "shizuishan_2025":
        a = _param(ck, t, "a", w, required=False, lo=A_RANGE[0], hi=A_RANGE[1])
        bands: list[Band] = []
        for i, b in enumerate(ck.tables(t, "a_bands", w, required=False)):
            at = f"{w}.a_bands[{i}]"
            ck.only(b, ("upto", "a"), at)
            upto = _dec(ck, b, "upto", at, required=False)
            av = _dec(ck, b, "a", at, lo=A_RANGE[0], hi=A_RANGE[1])
            if av is not None:
                bands.append(Band(upto, av))
        uptos = [b.upto for b in bands]
        if bands and (uptos[-1] is not None or any(u is None for u in uptos[:-1])
                      or any(x is not None and y is not None and x >= y for x, y in pairwise(uptos))):
            ck.problem(f"{w}.a_bands", None, "按 upto 递增的档位，最后一档不写 upto",
                       "bands in increasing `upto`, the last without `upto`")
        if ("a" in t) == ("a_bands" in t):
            ck.problem(f"{w}.a", None, "a 与 a_bands 二者给出其一", "one of a and a_bands")
        regional = _param(ck, t, "regional", w)
        if base is None:
            return None
        return PriceRule(formula, src, base, a, tuple(bands), ck.text(t, "a_bands_source", w, required=bool(bands)),
                         regional)
    if formula == "pinghu_2014":
        threshold = _param(ck, t, "threshold", w)
        coefs = []
        for i, c in enumerate(ck.tables(t, "coefficients", w, required=False)):
            at = f"{w}.coefficients[{i}]"
            ck.only(c, ("prefixes", "coefficient", "source"), at)
            prefixes = ck.strings(c, "prefixes", at)
            for p in prefixes:
                ck.form(f"{at}.prefixes", p, r"\d{2,4}", "GB/T 4754-2017 行业代码的前 2–4 位",
                        "the first 2–4 digits of a GB/T 4754-2017 code")
            cv = _dec(ck, c, "coefficient", at)
            if cv is not None:
                coefs.append(SectorCoefficient(prefixes, cv, ck.text(c, "source", at)))
        if base is None:
            return None
        return PriceRule(formula, src, base, threshold=threshold, coefficients=tuple(coefs))
    return None


def _free(ck: Checker, t: Mapping[str, Any]) -> FreeRule | None:
    if not t:
        return None
    w = "free"
    ck.only(t, ("source", "min_energy_tce", "min_energy_source", "rounding_source", "benchmark", "grandfathering"), w)
    minimum = _dec(ck, t, "min_energy_tce", w, positive=False)
    bench = ck.table(t, "benchmark", w)
    ck.only(bench, ("level", "level_source", "source", "products"), f"{w}.benchmark")
    level = ck.one_of(bench, "level", tuple(LEVELS), f"{w}.benchmark")
    products: dict[str, tuple[str, str]] = {}
    for i, p in enumerate(ck.tables(bench, "products", f"{w}.benchmark", required=False)):
        at = f"{w}.benchmark.products[{i}]"
        ck.only(p, ("name", "product", "source"), at)
        name, code, src = ck.text(p, "name", at), ck.text(p, "product", at), ck.text(p, "source", at)
        if name in products:
            ck.problem(f"{at}.name", name, "不重复的产品名称", "a unique product name")
        products[name] = (code, src)
    grand = ck.table(t, "grandfathering", w)
    ck.only(grand, ("years", "source"), f"{w}.grandfathering")
    years = ck.integer(grand, "years", f"{w}.grandfathering", lo=1, hi=10)
    return FreeRule(source=ck.text(t, "source", w),
                    min_energy_tce=Param(minimum or Decimal(0), ck.text(t, "min_energy_source", w)),
                    rounding_source=ck.text(t, "rounding_source", w), level=level,
                    level_source=ck.text(bench, "level_source", f"{w}.benchmark"),
                    benchmark_source=ck.text(bench, "source", f"{w}.benchmark"), products=products,
                    years=years or 1, grandfathering_source=ck.text(grand, "source", f"{w}.grandfathering"))


# --- a new project's purchase -------------------------------------------------------------


@dataclass(frozen=True)
class ProductLevel:
    """One product of a project against its row of the 能效 table: its share of the project's
    energy, its unit figure and the row's level, in the row's unit."""

    product: str
    share: Decimal
    value: Decimal
    level: Decimal
    unit: str
    source: str


@dataclass(frozen=True)
class Purchase:
    """What a new project must buy: ``required`` is ``True``, ``False`` or ``None`` (not
    determined); ``quota_tce`` rounded up to whole serial units (``quota_exact`` before);
    ``price_yuan_per_tce`` and ``cost_yuan`` where the price formula determines them; every
    figure in ``steps``; ``zh``/``en`` the finding in words; ``notes`` what could not be
    applied."""

    required: bool | None
    quota_formula: str
    price_formula: str | None
    quota_tce: Decimal | None
    quota_exact: Decimal | None
    price_yuan_per_tce: Decimal | None
    cost_yuan: Decimal | None
    steps: tuple[Step, ...]
    zh: str
    en: str
    sources: tuple[str, ...]
    notes: tuple[tuple[str, str], ...] = ()


def _fmt(x: Decimal, places: int = 2) -> str:
    q = x.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP) if x.is_finite() else x  # 四舍五入
    return f"{q:,}"


def benchmark_ratio(levels: Sequence[ProductLevel]) -> tuple[Decimal, list[tuple[str, str]]]:
    """Energy reckoned at the 标杆 level over the project's own energy (豫发改环资〔2022〕586号
    Art. 5): 1 + Σ share × (level ÷ value − 1), over the products with a positive level and
    value; a product without a row keeps its own energy (ratio 1)."""
    notes: list[tuple[str, str]] = []
    ratio = Decimal(1)
    for p in levels:
        if p.value <= 0 or p.level <= 0:
            notes.append((f"{p.product} 的单位产品指标或标杆值不为正，未按标杆折算",
                          f"{p.product}: a unit figure or level that is not positive is not reckoned at the level"))
            continue
        ratio += p.share * (p.level / p.value - 1)
    return ratio, notes


def purchase(rules: AllocationRules, right: RightType, *, energy_tce: Decimal, energy_tce_equal: Decimal,
             coal_tce: Decimal, value_added_10k_yuan: Decimal | None, two_high: str | None, industry_code: str,
             levels: Sequence[ProductLevel] = (), provincial: Param | None = None) -> Purchase | None:
    """What a new project must buy under ``rules`` (``None`` when the rules have no
    ``[purchase]``). ``energy_tce`` is the project's new comprehensive energy in the rules'
    convention (``rules.energy_basis``), ``energy_tce_equal`` in 等价值 (Pinghu's threshold,
    Shizuishan's B), ``coal_tce`` its coal; ``two_high`` the screening's 两高 status (``yes``,
    ``no``, ``depends``); ``levels`` its products against the 能效 table; ``provincial`` the
    denominator when the rules take it from the city's accounts."""
    rule = rules.purchase
    if rule is None:
        return None
    basis_zh, basis_en = ENERGY_BASES[rules.energy_basis]
    steps: list[Step] = []
    notes: list[tuple[str, str]] = []
    sources = [rule.source]
    va = value_added_10k_yuan if value_added_10k_yuan is not None and value_added_10k_yuan > 0 else None
    required: bool | None
    exact: Decimal | None = None
    if rule.formula == "henan_586":
        required = True
        if rule.two_high_only:
            sources.append(rule.two_high_source)
            required = {"yes": True, "depends": True, "no": False}.get(two_high or "")
            if two_high == "depends":
                notes.append(("是否属于两高项目须经审查确认，暂按两高项目测算",
                              "whether the project is 两高 awaits a reviewer: reckoned as one until then"))
        e_own = energy_tce
        ratio = Decimal(1)
        if rule.at_benchmark:
            sources.append(rule.at_benchmark_source)
            ratio, more = benchmark_ratio(levels)
            notes += more
            if not levels:
                notes.append(("项目产品在能效标杆表中无对应行，按项目自身能耗测算",
                              "no product of the project has a row of the efficiency table: its own energy is used"))
        e_bench = e_own * ratio
        a = (e_own - coal_tce) * ratio
        steps += [Step("E", f"项目新增综合能耗（{basis_zh}）", f"new comprehensive energy ({basis_en})", e_own, "tce",
                       rules.energy_basis_source),
                  Step("coal", "其中煤炭", "of which coal", coal_tce, "tce", rule.source),
                  Step("k", "按行业标杆水平折算系数", "factor to the sector's benchmark level", ratio, "",
                       rule.at_benchmark_source or rule.source),
                  Step("A", "新增综合能源消费量（不含煤炭），按标杆折算",
                       "new energy excluding coal, at the benchmark level", a, "tce", rule.source)]
        b = rule.b.value if rule.b is not None else None
        steps.append(Step("B", "调整系数", "adjustment coefficient", b, "", rule.b.source if rule.b else ""))
        c = e_bench / va if va is not None else None
        steps.append(Step("C", "项目单位增加值能耗（按标杆折算）",
                          "the project's energy per value added (at the benchmark)", c, "tce/10k yuan", rule.source))
        p = provincial if rule.provincial is None else rule.provincial
        steps.append(Step("P", "全省平均工业增加值能耗", "provincial average industrial energy per value added",
                          p.value if p is not None else None, "tce/10k yuan",
                          p.source if p is not None else rule.provincial_source))
        if va is None:
            notes.append(("项目未给出增加值，无法计算 C", "the project gives no value added: C cannot be computed"))
        if p is None:
            notes.append(("缺少全省平均工业增加值能耗", "no provincial energy per value added"))
        if c is not None and p is not None and b is not None and p.value > 0:
            exact = henan_quota(max(a, Decimal(0)), b, c, p.value)
    elif rule.formula == "pinghu_2014":
        assert rule.min_energy_tce is not None
        required = energy_tce_equal >= rule.min_energy_tce.value
        steps += [Step("E", "项目新增综合能耗（等价值）", "new comprehensive energy (equivalent value)",
                       energy_tce_equal, "tce", rule.source),
                  Step("min", "须有偿申购的年综合能耗", "annual energy from which a project must buy",
                       rule.min_energy_tce.value, "tce", rule.min_energy_tce.source)]
        exact = energy_tce_equal
    else:  # pragma: no cover - the loader admits only the formulas above
        raise ValueError(rule.formula)
    quota = whole_units(exact, right, up=True) if exact is not None and required is not False else None
    if exact is not None:
        steps.append(Step("quota", "须购买的用能权（向上取整到编号单位）", "quota to buy (rounded up to serial units)",
                          quota if quota is not None else Decimal(0), right.unit, rule.source))
    # no price for a project the rules do not oblige to buy
    price = None if required is False else _price_of(rules, steps, notes, sources, energy_tce_equal, va,
                                                     industry_code)
    cost: Decimal | None = None
    if price is not None and quota is not None:
        cost = quota * price
        steps.append(Step("cost", "有偿使用费用", "cost", cost, "yuan", "quota × price"))
    zh, en = _words(required, quota, price, cost, notes, right)
    return Purchase(required=required, quota_formula=rule.formula, price_formula=rules.price.formula if rules.price
                    else None, quota_tce=quota if required is not False else Decimal(0),
                    quota_exact=exact, price_yuan_per_tce=price, cost_yuan=cost if required is not False else None,
                    steps=tuple(steps), zh=zh, en=en, sources=tuple(dict.fromkeys(s for s in sources if s)),
                    notes=tuple(notes))


def _price_of(rules: AllocationRules, steps: list[Step], notes: list[tuple[str, str]], sources: list[str],
              energy_tce_equal: Decimal, va: Decimal | None, industry_code: str) -> Decimal | None:
    pr = rules.price
    if pr is None:
        return None
    sources.append(pr.source)
    intensity = energy_tce_equal / va if va is not None else None
    steps.append(Step("base", "基准价格", "base price", pr.base_yuan_per_tce.value, "yuan/tce",
                      pr.base_yuan_per_tce.source))
    if pr.formula == "shizuishan_2025":
        assert pr.regional is not None
        steps.append(Step("B_price", "项目单位工业增加值能耗（等价值）", "the project's energy per value added "
                          "(equivalent value)", intensity, "tce/10k yuan", pr.source))
        a: Decimal | None = pr.a.value if pr.a is not None else None
        a_src = pr.a.source if pr.a is not None else pr.a_bands_source
        if pr.a_bands and intensity is not None:
            a = next(b.a for b in pr.a_bands if b.upto is None or intensity <= b.upto)
        steps += [Step("A_price", "价格调整系数", "price adjustment coefficient", a, "", a_src),
                  Step("R", "全区单位工业增加值能耗下降目标", "the region's industrial energy per value added",
                       pr.regional.value, "tce/10k yuan", pr.regional.source)]
        if intensity is None or a is None:
            notes.append(("项目未给出增加值，无法计算价格", "the project gives no value added: no price"))
            return None
        price = shizuishan_price(pr.base_yuan_per_tce.value, a, intensity, pr.regional.value)
    else:
        assert pr.threshold is not None
        steps.append(Step("intensity", "项目单位工业增加值能耗（等价值）", "the project's energy per value added "
                          "(equivalent value)", intensity, "tce/10k yuan", pr.source))
        steps.append(Step("threshold", "按行业系数收费的单耗门槛", "energy per value added above which the sector "
                          "coefficient applies", pr.threshold.value, "tce/10k yuan", pr.threshold.source))
        coef = next((c for c in pr.coefficients if any(industry_code.startswith(p) for p in c.prefixes)), None)
        if intensity is None or intensity <= pr.threshold.value:
            notes.append(("单耗不高于门槛时的收费规定未读到，价格未定",
                          "the fee at or below the threshold was not read: no price"))
            return None
        if coef is None:
            notes.append((f"规则文件没有行业 {industry_code} 的系数，价格未定",
                          f"the rule file has no coefficient for sector {industry_code}: no price"))
            return None
        steps.append(Step("coefficient", "行业单位工业增加值能耗目标系数", "sector coefficient", coef.coefficient, "",
                          coef.source))
        price = pinghu_fee(pr.base_yuan_per_tce.value, coef.coefficient)
    steps.append(Step("price", "用能权价格", "price", price, "yuan/tce", pr.source))
    return price


def _words(required: bool | None, quota: Decimal | None, price: Decimal | None, cost: Decimal | None,
           notes: list[tuple[str, str]], right: RightType) -> tuple[str, str]:
    if required is False:
        return "按规则无须购买用能权", "the rules do not require the project to buy energy-use rights"
    if quota is None:
        why_zh = "；".join(n[0] for n in notes) or "规则未确定"
        why_en = "; ".join(n[1] for n in notes) or "not determined by the rules"
        return f"须购买的用能权未能确定：{why_zh}", f"the energy-use rights to buy are not determined: {why_en}"
    zh = f"须购买用能权 {_fmt(quota, 0)} {unit(right.unit, 'zh')}"
    en = f"must buy {_fmt(quota, 0)} {right.unit} of energy-use rights"
    if price is not None and cost is not None:
        zh += f"，价格 {_fmt(price)} 元/{unit(right.unit, 'zh')}，合计 {_fmt(cost)} 元"
        en += f" at {_fmt(price)} yuan/tce, {_fmt(cost)} yuan in all"
    else:
        zh += "，价格未定"
        en += "; no price determined"
    if required is None:
        zh = "须经确认：" + zh
        en = "to be confirmed: " + en
    return zh, en


# --- free allocation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """A product's level of the 能效 table: kgce/t, with its edition and source."""

    product: str
    value: Decimal
    unit: str
    edition: int
    source: str


@dataclass(frozen=True)
class Line:
    """One issuance of a vintage to a holder: ``amount`` in whole serial units (``exact``
    before rounding), the method and every figure that led to it."""

    holder: str
    right: str
    vintage: int
    method: str
    amount: Decimal
    exact: Decimal
    steps: tuple[Step, ...]
    source: str
    holder_name: str = ""
    notes: tuple[tuple[str, str], ...] = field(default=())

    def evidence(self) -> tuple[str, ...]:
        return tuple(s.text() for s in self.steps)


def free_lines(rules: AllocationRules, right: RightType, vintage: int, *,
               energy: Mapping[str, Mapping[int, Decimal]],
               production: Mapping[str, Mapping[int, Mapping[str, Decimal]]], levels: Mapping[str, Level],
               names: Mapping[str, str] | None = None) -> list[Line]:
    """The free allocation of ``vintage``: per holder with energy (``rules.energy_basis``,
    by year) at or above the threshold in the year before the vintage, the benchmark method
    when every product it made that year maps to a level in kgce/t, else the historical
    method over the ``years`` before the vintage (those accounted). Rounded down to whole
    serial units; a line of nothing is left out."""
    free = rules.free
    if free is None:
        return []
    base_year = vintage - 1
    out: list[Line] = []
    basis_zh, basis_en = ENERGY_BASES[rules.energy_basis]
    for holder in sorted(energy):
        by_year = energy[holder]
        last = by_year.get(base_year)
        if last is None or last < free.min_energy_tce.value:
            continue
        made = production.get(holder, {}).get(base_year, {})
        mapped = {n: free.products.get(n) for n in made}
        steps: list[Step] = [Step(f"E{base_year}", f"{base_year} 年综合能耗（{basis_zh}）",
                                  f"comprehensive energy {base_year} ({basis_en})", last, "tce",
                                  rules.energy_basis_source),
                             Step("min", "纳入分配的能耗门槛", "threshold of the allocation", free.min_energy_tce.value,
                                  "tce", free.min_energy_tce.source)]
        usable = made and all(m is not None and m[0] in levels and levels[m[0]].unit == "kgce/t"
                              and levels[m[0]].value > 0 for m in mapped.values())
        if usable:
            method, src = "benchmark", free.benchmark_source
            exact = Decimal(0)
            for n, q in sorted(made.items()):
                code = mapped[n]
                assert code is not None
                lv = levels[code[0]]
                amount = benchmark_amount(q, lv.value)
                exact += amount
                steps += [Step(f"output:{n}", f"{base_year} 年产量：{n}", f"output {base_year}: {n}", q, "t", code[1]),
                          Step(f"level:{code[0]}", f"{LEVELS[free.level][0]}（{lv.edition} 年版）",
                               f"{LEVELS[free.level][1]} ({lv.edition} edition)", lv.value, lv.unit,
                               f"{free.level_source}; {lv.source}"),
                          Step(f"amount:{n}", "产量 × 水平 ÷ 1000", "output × level ÷ 1000", amount, "tce", src)]
        else:
            method, src = "grandfathering", free.grandfathering_source
            years = [y for y in range(vintage - free.years, vintage) if y in by_year]
            history = [by_year[y] for y in years]
            exact = grandfathered_amount(history)
            steps += [Step(f"E{y}", f"{y} 年综合能耗（{basis_zh}）", f"comprehensive energy {y} ({basis_en})",
                           by_year[y], "tce", rules.energy_basis_source) for y in years]
            steps.append(Step("mean", f"{len(years)} 年平均", f"mean of {len(years)} years", exact, "tce", src))
        amount = whole_units(exact, right, up=False)
        steps.append(Step("amount", "分配量（向下取整到编号单位）", "allocation (rounded down to serial units)", amount,
                          right.unit, free.rounding_source))
        if amount > 0:
            out.append(Line(holder, right.code, vintage, method, amount, exact, tuple(steps), src,
                            (names or {}).get(holder, "")))
    return out


def deduct(lines: Sequence[Line], shortfalls: Mapping[str, Decimal], source: str, right: RightType) -> list[Line]:
    """The lines less each holder's shortfall of the last period (a penalty that deducts
    the shortfall from the next allocation, e.g. 碳排放权交易管理办法（试行）, platform.md a.2);
    never below nothing."""
    out = []
    for line in lines:
        cut = shortfalls.get(line.holder)
        if not cut:
            out.append(line)
            continue
        left = whole_units(max(line.amount - cut, Decimal(0)), right, up=False)
        steps = (*line.steps, Step("deduction", "核减上期未清缴量", "less last period's shortfall", cut, right.unit,
                                   source),
                 Step("amount", "核减后分配量", "allocation after the deduction", left, right.unit, source))
        out.append(replace(line, amount=left, steps=steps))
    return [x for x in out if x.amount > 0]


def allocate(s: Session, who: Acting, book: RightBook, lines: Sequence[Line], *,
             approver: Acting | None = None) -> list[RightRequest]:
    """Issue each line through the kernel: opens the holder's account if it has none (the
    authority's act), requests an ``issue`` with the line's method and its steps as
    evidence, and approves it with ``approver`` if given (four eyes: another official)."""
    out = []
    for line in lines:
        right = book.right(line.right)
        acct = accounts.find(s, book, right.code, "holding", line.holder)
        if acct is None:
            acct = accounts.open_account(s, who, book, right.code, line.holder)
        req = request(s, who, book, Order("issue", right.code, amount=line.amount, to_account=acct.id,
                                          vintage=line.vintage, method=line.method, evidence=line.evidence()))
        if approver is not None and req.state == "pending":
            req = approve(s, approver, book, req.id)
        out.append(req)
    return out


def as_float(x: Decimal | None) -> float | None:
    """A decimal for a JSON document (``None`` stays ``None``)."""
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None
