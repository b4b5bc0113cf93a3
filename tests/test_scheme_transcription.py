"""Every number of the 亩均 presets (evaluation/schemes/*.toml) against an independent
transcription (issue #15, item 4): weights, benchmark divisors and factors, class bands, the
min-max band, exempt divisions, years in production and minimum land, each typed here from
the wording the preset cites (quoted beside it) or, for a STAND-IN, from the stand-in rule the
preset names. The documents are web announcements that were not read in full; the quoted
wording is the preset's own record of them (its `source` keys), so a changed number in the
file no longer matches the words it claims to follow.

Huangyan's divisors and weights: 附件2《工业企业综合评价得分计算说明》 一、1:
  规上 = 亩均税收÷24.097×30 + 亩均增加值÷136.16×20 + 单位能耗增加值÷2.694×20 + 单位排放增加值÷4929.81×10
         + 全员劳动生产率÷18.14×10 + R&D经费占主营业务收入比重÷0.0302×10
  规下 = 亩均税收÷11.5932×50 + 单位用电税收÷0.2352×50
Huai'an (政策解读 2024): 权重 亩均税收45%、亩均销售收入35%、绿色发展20%；基准值 上年度平均值2倍；
  A 前20%，B 20%(不含)-60%(含)，C 60%(不含)-95%(含)，D 后5%；T类 投产不到2年；规下 占地3亩及以上.
Jingde (政策解读 问1–问3): 单项得分 = 权重 × 〔20 + 80 × (本值 − 最小值)/(最大值 − 最小值)〕/100 (band
  0.2–1.0); 规下 占地5亩(含)以上; weights not published: equal (100/6 and 100/3, STAND-IN);
  classes STAND-IN 铜陵 2021 20/45/30/5 %.
Dezhou (德州 2024): 原则上A类不超过20%，D类不低于5%; 规下 3亩; weights STAND-IN equal 20 × 5;
  benchmark STAND-IN 淮安 上年度平均值2倍; B/C STAND-IN 济宁高新区 2023 (20/40/35/5 → 0.2/0.6/0.95).
Exempt divisions: GB/T 4754-2017 44 电力、热力生产和供应业, 45 燃气生产和供应业, 46 水的生产和供应业.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

UTILITIES = ["44", "45", "46"]
PRIOR2 = ("prior_mean", 2.0)  # 上年度平均值 × 2

# scheme: (exempt, [(segment id, min_land_mu, minmax_band, [(indicator, weight, benchmark, k or value)], bands)])
TYPED: dict[str, tuple[dict[str, Any], list[tuple[Any, ...]]]] = {
    "huangyan-2022": ({}, [
        ("above", None, None, [("tax_per_mu", 30, "fixed", 24.097), ("va_per_mu", 20, "fixed", 136.16),
                               ("va_per_energy_equal", 20, "fixed", 2.694), ("va_per_pollutant", 10, "fixed", 4929.81),
                               ("va_per_employee", 10, "fixed", 18.14), ("rd_share", 10, "fixed", 0.0302)],
         [0.20, 0.80, 0.95, 1.0]),  # STAND-IN 温岭: A 20 %, B to 80 %(含), C to 95 %(含), D 后5%
        ("below", None, None, [("tax_per_mu", 50, "fixed", 11.5932), ("tax_per_electricity", 50, "fixed", 0.2352)],
         [0.05, 0.75, 0.95, 1.0]),  # STAND-IN 温岭 规下: A 5 %, B to 75 %, C to 95 %, D 后5%
    ]),
    "huaian-2024": ({"industry_divisions": UTILITIES, "min_years_in_production": 2}, [
        ("above", None, None, [("tax_per_mu", 45, *PRIOR2), ("revenue_per_mu", 35, *PRIOR2),
                               ("tax_per_energy", 20, *PRIOR2)], [0.20, 0.60, 0.95, 1.0]),
        ("below_3mu", 3, None, [("tax_per_mu", 45, *PRIOR2), ("revenue_per_mu", 35, *PRIOR2),
                                ("tax_per_energy", 20, *PRIOR2)], [0.20, 0.60, 0.95, 1.0]),
    ]),
    "jingde-2022": ({"industry_divisions": UTILITIES}, [
        ("above", None, [0.2, 1.0], [(x, 100 / 6, "minmax", None) for x in (
            "tax_per_mu", "revenue_per_mu", "va_per_employee", "revenue_per_pollutant", "rd_share",
            "revenue_per_energy")], [0.20, 0.65, 0.95, 1.0]),
        ("below_5mu", 5, [0.2, 1.0], [(x, 100 / 3, "minmax", None) for x in (
            "tax_per_mu", "revenue_per_energy", "revenue_per_pollutant")], [0.20, 0.65, 0.95, 1.0]),
    ]),
    "dezhou-2024": ({"industry_divisions": UTILITIES}, [
        ("above", None, None, [(x, 20, *PRIOR2) for x in (
            "tax_per_mu", "revenue_per_energy", "revenue_per_pollutant", "rd_share", "va_per_employee")],
         [0.20, 0.60, 0.95, 1.0]),
        ("below_3mu", 3, None, [("tax_per_mu", 100, *PRIOR2)], [0.20, 0.60, 0.95, 1.0]),
    ]),
}


def _raw(name: str) -> dict[str, Any]:
    text = resources.files("qingshan.evaluation").joinpath("schemes", f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_every_preset_is_transcribed() -> None:
    shipped = {p.name.removesuffix(".toml") for p in resources.files("qingshan.evaluation").joinpath(
        "schemes").iterdir() if p.name.endswith(".toml")}
    assert shipped == set(TYPED)


@pytest.mark.parametrize("name", sorted(TYPED))
def test_preset_against_its_transcription(name: str) -> None:
    raw = _raw(name)
    exempt, segments = TYPED[name]
    got_exempt = {k: v for k, v in raw.get("exempt", {}).items() if k != "source"}
    assert got_exempt == exempt
    assert [s["id"] for s in raw["segments"]] == [s[0] for s in segments]
    for s, (sid, land, band, items, bands) in zip(raw["segments"], segments, strict=True):
        assert s.get("min_land_mu") == land, sid
        assert s.get("minmax_band") == band, sid
        got = [(i["indicator"], i["weight"], i["benchmark"], i.get("k", i.get("value"))) for i in s["items"]]
        assert [g[:1] + g[2:3] for g in got] == [t[:1] + t[2:3] for t in items], sid
        for g, t in zip(got, items, strict=True):
            assert g[1] == pytest.approx(t[1], rel=1e-12) and g[3] == t[3], (sid, g, t)
        assert sum(g[1] for g in got) == pytest.approx(100.0, rel=1e-12)  # weights are percentages of 100
        assert [b[0] for b in s["classes"]["bands"]] == ["A", "B", "C", "D"]
        assert [b[1] for b in s["classes"]["bands"]] == bands, sid
