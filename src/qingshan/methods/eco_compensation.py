"""Ecological compensation amounts (生态补偿) by named rules, yuan.

Each rule's parameters live in ``qingshan/ecology/compensation/<rule-id>.toml`` (source,
clause, parameters) and come in here as arguments. Every result is a set of transfers that
sums to zero over the parties, the paying side negative.

(a1) GEP-based purchase of ecological products (生态产品政府采购), 云和县 (丽水, Zhejiang),
    as reported by 浙江日报 2021-10-12 (NDRC 长江经济带 site,
    http://cjjjd.ndrc.gov.cn/gongzuodongtai/yanjiangyaowen/zhejiang/202110/t20211012_1299709.htm):
    in April 2020 云和 issued Zhejiang's first interim measures for government purchase of
    ecological products; the county buys four products (水源涵养, 气候调节, 水土保持, 洪水调蓄)
    from two pilot townships (崇头镇, 雾溪乡) at **0.2 % of the 2018 GEP accounting result**,
    paying **70 %** in the first year and the remaining **30 %** in the next year according to
    the eco-environmental quality; the money is restricted to ecological restoration and
    welfare support.

        purchase = rate × GEP_base
        first-year payment = purchase × first_share
        second-year payment = purchase × (1 − first_share) × quality_share

    quality_share ∈ [0, 1] is the outcome of the quality assessment, whose rule was not read.

(a2) Ecosystem-service-value transfer between regions (区域生态补偿, spilled-value principle):
    黄晶晶, 李玲玲, 徐琳瑜 2021, 《基于外溢生态系统服务价值的区域生态补偿机制研究》, 生态学报
    41(17): 6994-7001, doi:10.5846/stxb201906031173, abstract: the compensation basis is the
    value that spills out of a region after its own use is deducted; regions with a surplus
    receive, regions with a deficit pay; the horizontal transfers are pooled at the higher
    (provincial or national) level, and the small remaining imbalance is levelled by a
    vertical transfer of the higher-level government.

        spill_i = V_i − U_i          (V supplied value, e.g. GEP; U value used locally)
        transfer_i = spill_i         (receive if > 0, pay if < 0)
        higher level = −Σ spill_i    (levels the pool)

    The paper's nine schemes that scale transfers by economic development were not read and
    are not built. No official rule allocating funds by GEP was found (see the doc).

(b) Cross-section water-quality compensation (断面水质生态补偿), 菏泽市水环境质量生态补偿暂行办法
    (in force 2014-07-01), as reported by 北极星节能环保网 2014-06-23
    (http://www.active-carbons.com/actzx/150297.htm):

        amount = Σ_p (target_p − C_p) × rate_p
        COD target 30 mg/L, rate 2 万元 per mg/L; NH3-N target 1.5 mg/L, rate 30 万元 per mg/L
        (quarterly mean concentrations at the county's outflow section; settled yearly)

    A positive amount is paid from the city's compensation fund to the county, a negative one
    by the county into the fund. The report's worked example (COD 20, NH3-N 1 → printed 45 万元)
    contradicts its own coefficients (they give 35 万元); the rule file records this and marks
    the rule unverified until the official text is read.

(b2) Upstream–downstream agreement (上下游横向生态补偿, 对赌): 《黄河流域(豫鲁段)横向生态保护补偿
    协议》 (Henan upstream, Shandong downstream; section 刘庄国控断面; 2021–2022), as reported by
    Xinhua 2021-05-09 (http://jchdbf.com/2/2021/0510/78778.html):

        basic: annual mean class III → no payment; each class better than III → downstream
               pays upstream 6000 万元; each class worse → upstream pays downstream 6000 万元
        change: each 1 percentage point y/y fall of the key-pollutant index (COD, NH3-N, TP)
               → downstream pays upstream 100 万元; each point rise → upstream pays
               downstream 100 万元; this part capped at 4000 万元

    How the key-pollutant index is formed was not read: its y/y change (percentage points)
    is an input. "Each 1 point" is read as whole points (truncated toward zero); the rule
    file records this interpretation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "PollutantTerm",
    "class_step_compensation",
    "gep_purchase_payments",
    "index_change_compensation",
    "linear_section_compensation",
    "spillover_transfers",
    "two_party_transfers",
]

HIGHER_LEVEL = "higher_level"


def spillover_transfers(supplied: Mapping[str, float], used: Mapping[str, float]) -> dict[str, float]:
    """Transfers by spilled ecosystem-service value, yuan (rule (a)).

    ``supplied`` and ``used`` map each region to the value it supplies (e.g. its GEP) and the
    value it uses, in the same currency and price year. Returns each region's transfer
    (positive = receives) and the levelling transfer of ``"higher_level"``; the result sums
    to zero.
    """
    if set(supplied) != set(used):
        raise ValueError(f"supplied and used must name the same regions: {sorted(set(supplied) ^ set(used))}")
    if HIGHER_LEVEL in supplied:
        raise ValueError(f"'{HIGHER_LEVEL}' is reserved for the levelling party")
    out = {r: supplied[r] - used[r] for r in supplied}
    out[HIGHER_LEVEL] = -math.fsum(out.values())
    return out


@dataclass(frozen=True)
class PollutantTerm:
    """One pollutant of a linear section rule: target (mg/L) and rate (yuan per mg/L)."""

    target_mg_l: float
    rate_yuan_per_mg_l: float


def linear_section_compensation(concentrations: Mapping[str, float], terms: Mapping[str, PollutantTerm]) -> float:
    """Amount Σ_p (target_p − C_p) × rate_p, yuan (rule (b), 菏泽 2014).

    ``concentrations`` holds the assessed mean concentration (mg/L) of every pollutant the
    rule names; positive = the county receives, negative = the county pays.
    """
    missing = sorted(set(terms) - set(concentrations))
    if missing:
        raise ValueError(f"concentrations missing for {missing}")
    for p in terms:
        if not concentrations[p] >= 0:
            raise ValueError(f"concentration of {p} must be >= 0, got {concentrations[p]}")
    return math.fsum((t.target_mg_l - concentrations[p]) * t.rate_yuan_per_mg_l for p, t in terms.items())


def two_party_transfers(amount: float, receiver: str, payer: str) -> dict[str, float]:
    """The transfers of an amount between two parties: ``receiver`` gets ``amount``, ``payer``
    ``−amount`` (zero-sum; a negative amount flows the other way)."""
    if receiver == payer:
        raise ValueError("receiver and payer must differ")
    return {receiver: amount, payer: -amount}


def gep_purchase_payments(
    gep_base: float, rate: float, first_share: float, quality_share: float
) -> tuple[float, float]:
    """First- and second-year payments of a GEP-based purchase, yuan (rule (a1), 云和 2020).

    ``gep_base`` the GEP accounting result the rate applies to (yuan), ``rate`` 0.002,
    ``first_share`` 0.7, ``quality_share`` the assessed share (0–1) of the remainder earned
    by the eco-environmental quality.
    """
    if not gep_base >= 0:
        raise ValueError(f"gep_base must be >= 0, got {gep_base}")
    for name, v in (("rate", rate), ("first_share", first_share), ("quality_share", quality_share)):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name} must lie in [0, 1], got {v}")
    purchase = rate * gep_base
    return purchase * first_share, purchase * (1.0 - first_share) * quality_share


# surface-water classes of GB 3838-2002: I..V = 1..5, 劣V = 6
WORSE_THAN_V = 6


def class_step_compensation(water_class: int, reference_class: int, amount_per_class: float) -> float:
    """Basic compensation by water-class steps, yuan (rule (b2)): (reference − class) × amount.

    Positive: downstream pays upstream (water better than the reference class); negative:
    upstream pays downstream. Classes 1–5 for I–V, 6 for 劣V.
    """
    for name, c in (("water_class", water_class), ("reference_class", reference_class)):
        if not 1 <= c <= WORSE_THAN_V:
            raise ValueError(f"{name} must be 1..6 (I..V, 劣V), got {c}")
    return (reference_class - water_class) * amount_per_class


def index_change_compensation(
    change_points: float, amount_per_point: float, cap: float, *, whole_points: bool
) -> float:
    """Compensation for the y/y change of a pollutant index, yuan (rule (b2)).

    ``change_points`` the y/y change in percentage points (negative = improvement). Returns
    −points × amount, limited to ±cap: positive = downstream pays upstream.
    """
    if not cap >= 0:
        raise ValueError(f"cap must be >= 0, got {cap}")
    points = float(math.trunc(change_points)) if whole_points else change_points
    return max(-cap, min(cap, -points * amount_per_point))
