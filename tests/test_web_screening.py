"""The screening reasons in the page's language (issue #16, item 5): the codes and Chinese
terms the rules write (a 两高 class id, a product's Chinese name, the GWP set, a project's
own factors, the scheme id) are named in each language by
:mod:`qingshan.documents.screening_words`; the numbers are untouched."""

from __future__ import annotations

import re

from qingshan.documents.screening_words import (
    GWP_SETS,
    efficiency_rows,
    product_en,
    two_high_classes,
    worded,
)

CJK = re.compile(r"[\u3400-\u9fff]")


def test_every_product_and_class_has_an_english_name() -> None:
    """A product added to the 能效 table or a 两高 class without an English name fails here."""
    for product, row in efficiency_rows().items():
        name = product_en(product)
        assert name is not None and not CJK.search(name), (product, row["zh"])
    for cid, (zh, en) in two_high_classes().items():
        assert en != zh and not CJK.search(en), cid
    assert {"sar", "ar5"} <= set(GWP_SETS)


def test_the_reasons_name_their_codes_and_keep_their_numbers() -> None:
    two_high = {"rule": "R-TWO-HIGH", "zh": "属于两高项目（有色金属冶炼）",
                "en": "a 两高 project (nonferrous_smelting)",
                "numbers": {"class": "nonferrous_smelting", "status": "yes"}}
    assert worded(two_high)["en"] == "a high-energy, high-emission (两高) project: non-ferrous metal smelting"
    assert worded(two_high)["zh"] == two_high["zh"] and worded(two_high)["numbers"] == two_high["numbers"]
    row = efficiency_rows()["electrolytic_aluminium"]
    efficiency = {"rule": "R-EFFICIENCY", "zh": f"{row['zh']} 13,500.0 kWh/t，劣于基准水平 13,350.0",
                  "en": f"{row['zh']} 13,500.0 kWh/t is worse than the baseline 13,350.0",
                  "numbers": {"product": "electrolytic_aluminium"}}
    assert worded(efficiency)["en"] == ("electrolytic aluminium: AC power per t of aluminium liquid 13,500.0 kWh/t "
                                        "is worse than the baseline 13,350.0")
    own = {"item": "aluminium_anode_effect", "cf4_kg_per_t": 0.025, "c2f6_kg_per_t": 0.0025}
    carbon = {"rule": "R-CARBON",
              "zh": "（CF4 7.500 t，GWP sar）；项目自有因子（非指南缺省值）："
                    "aluminium_anode_effect cf4_kg_per_t 0.025, c2f6_kg_per_t 0.0025（设计值）",
              "en": "(CF4 7.500 t; GWP sar); the project's own factors (not guideline defaults): "
                    "aluminium_anode_effect cf4_kg_per_t 0.025, c2f6_kg_per_t 0.0025 (design value)",
              "numbers": {"gwp_set": "sar", "own_factors": [own]}}
    w = worded(carbon)
    assert w["zh"] == ("（CF4 7.500 t，GWP 为 IPCC 第二次评估报告（SAR）值）；项目自有因子（非指南缺省值）："
                       "电解铝阳极效应 CF4 0.025 千克/吨、C2F6 0.0025 千克/吨（设计值）")
    assert w["en"] == ("(CF4 7.500 t; GWP values of the IPCC Second Assessment Report (SAR)); the project's own "
                       "factors (not guideline defaults): aluminium anode effect: CF4 0.025 kg/t, C2F6 0.0025 kg/t "
                       "(design value)")
    mujun = {"rule": "R-MUJUN", "zh": "按 huaian-2024 测算，项目的亩均效益预计为 A 类（18 家中第 3 名）",
             "en": "expected 亩均 class A under huaian-2024 (rank 3 of 18)", "numbers": {"scheme": "huaian-2024"}}
    w = worded(mujun)
    assert w["zh"] == "按淮安市工业企业资源集约利用综合评价（2024）测算，项目的亩均效益预计为 A 类（18 家中第 3 名）"
    assert w["en"] == ("expected mu-efficiency (亩均) class A under the Huai'an industrial resource-efficiency "
                       "evaluation (2024) (rank 3 of 18)")
