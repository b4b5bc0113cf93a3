"""两高 classes (issue #15, item 3): every GB/T 4754-2017 prefix of every class against an
independent transcription with the document's wording, the conditions the code alone cannot
decide (coal among the fuels, a confirmation), the Shandong directory a profile selects, and
cases: gas-fired power, an alloy (324) project, glass products (305), a Shandong tyre plant.

Sources read (official texts, PDFs in the public repository yeahqiona/Dual-carbon-policies,
'Source data/'): 环环评〔2021〕45号 §二(三) and §三(十); 鲁政办字〔2022〕9号 §一.1. GB/T 4754-2017
class titles as repeated in an independent copy of its code list (R)."""

# ruff: noqa: E501  (the documents' sentences are quoted whole, one per row)
from __future__ import annotations

from pathlib import Path

import pytest

from qingshan.errors import ValidationError
from qingshan.profiles import load_profile
from qingshan.screening import read_project
from qingshan.screening import rules as r
from qingshan.screening.figures import Figures

NATIONAL = r.load_screening_rules({"two_high": "two_high"})
SHANDONG = r.load_screening_rules({"two_high": "two_high-shandong-2022"})

# 环环评〔2021〕45号 §三(十): “两高”项目暂按煤电、石化、化工、钢铁、有色金属冶炼、建材等六个行业类别统计.
# Class → (its word in the document, GB/T 4754-2017 prefixes with their titles, fuel condition).
NATIONAL_TYPED = [
    ("coal_power", "煤电", {"4411": "火力发电", "4412": "热电联产"}, "coal"),
    ("petrochemical", "石化", {"251": "精炼石油产品制造"}, None),
    ("chemical", "化工", {"26": "化学原料和化学制品制造业", "2521": "炼焦", "2522": "煤制合成气生产",
                        "2523": "煤制液体燃料生产"}, None),
    ("steel", "钢铁", {"31": "黑色金属冶炼和压延加工业"}, None),
    ("nonferrous_smelting", "有色金属冶炼", {"321": "常用有色金属冶炼", "322": "贵金属冶炼",
                                       "323": "稀有稀土金属冶炼"}, None),
    ("building_materials", "建材", {"3011": "水泥制造", "3041": "平板玻璃制造", "3071": "建筑陶瓷制品制造",
                                  "3072": "卫生陶瓷制品制造"}, None),
]

# 鲁政办字〔2022〕9号 §一.1: “两高”行业主要包括炼化、焦化、煤制液体燃料、基础化学原料、化肥、轮胎、水泥、石灰、
# 沥青防水材料、平板玻璃、陶瓷、钢铁、铁合金、有色、铸造、煤电等 16 个行业.
SHANDONG_SENTENCE = "炼化、焦化、煤制液体燃料、基础化学原料、化肥、轮胎、水泥、石灰、沥青防水材料、平板玻璃、陶瓷、钢铁、铁合金、有色、铸造、煤电"
SHANDONG_TYPED = [  # (industry as printed, prefixes with GB/T 4754-2017 titles, fuel, needs a confirmation)
    ("炼化", {"251": "精炼石油产品制造"}, None, False),
    ("焦化", {"2521": "炼焦"}, None, False),
    ("煤制液体燃料", {"2523": "煤制液体燃料生产"}, None, False),
    ("基础化学原料", {"261": "基础化学原料制造"}, None, False),
    ("化肥", {"262": "肥料制造"}, None, False),
    ("轮胎", {"2911": "轮胎制造"}, None, False),
    ("水泥", {"3011": "水泥制造"}, None, False),
    ("石灰", {"3012": "石灰和石膏制造"}, None, True),  # the class also holds gypsum
    ("沥青防水材料", {"3033": "防水建筑材料制造"}, None, True),  # and other waterproofing
    ("平板玻璃", {"3041": "平板玻璃制造"}, None, False),
    ("陶瓷", {"307": "陶瓷制品制造"}, None, False),
    ("钢铁", {"311": "炼铁", "312": "炼钢", "313": "钢压延加工"}, None, False),
    ("铁合金", {"314": "铁合金冶炼"}, None, False),
    ("有色", {"32": "有色金属冶炼和压延加工业"}, None, False),
    ("铸造", {"3391": "黑色金属铸造", "3392": "有色金属铸造"}, None, False),
    ("煤电", {"4411": "火力发电", "4412": "热电联产"}, "coal", False),
]

# 环环评〔2021〕45号 §二(三): 新建、扩建石化、化工、焦化、有色金属冶炼、平板玻璃项目应布设在依法合规设立并经规划环评的产业园区.
SITING_TYPED = {
    "two_high_in_compliant_park": ["251", "26", "2521", "2522", "2523", "321", "322", "323", "3041"],
    # the demo city's own rule (its chemical park): 石化 and 化工 with coking and coal chemistry
    "chemical_in_chemical_park": ["251", "26", "2521", "2522", "2523"],
}


def test_national_classes_as_transcribed() -> None:
    t = r.load_two_high("two_high")
    assert t["local"] == []
    got = [(c["id"], c["zh"], c["prefixes"], c.get("fuel")) for c in t["national"]["classes"]]
    assert got == [(i, zh, list(p), f) for i, zh, p, f in NATIONAL_TYPED]
    # the six words of §三(十), in the document's order
    assert "、".join(zh for _, zh, _, _ in NATIONAL_TYPED) == "煤电、石化、化工、钢铁、有色金属冶炼、建材"
    assert "环环评〔2021〕45号" in t["national"]["source"] and "[C]" in t["national"]["source"]


def test_shandong_classes_as_transcribed() -> None:
    t = r.load_two_high("two_high-shandong-2022")
    assert t["national"] == r.load_two_high("two_high")["national"]  # extends the national file
    assert "、".join(x[0] for x in SHANDONG_TYPED) == SHANDONG_SENTENCE and len(SHANDONG_TYPED) == 16
    got = [(c["zh"], c["prefixes"], c.get("fuel"), "confirm" in c) for c in t["local"]]
    assert got == [(zh, list(p), f, conf) for zh, p, f, conf in SHANDONG_TYPED]
    for c in t["local"]:
        assert c["source"].startswith("鲁政办字〔2022〕9号 §一.1 " + c["zh"] + " [C]"), c["id"]


def test_siting_prefixes_as_transcribed() -> None:
    assert {x["id"]: x["prefixes"] for x in r.load_siting("siting")} == SITING_TYPED


def test_profiles_select_the_shandong_directory() -> None:
    for name in ("shandong", "dezhou"):  # Dezhou inherits the province's selection
        p = load_profile(name)
        assert p.value("screening.two_high", 2023) == "two_high-shandong-2022"
        assert p.value("screening.two_high", 2021) == "two_high"  # the directory is of 2022-01-28
    assert load_profile("national").value("screening.two_high", 2023) == "two_high"


def _project(tmp: Path, code: str, energy: str) -> object:
    f = tmp / f"p{code}.yaml"
    f.write_text(f"name: x\nbuilder: y\nindustry_code: \"{code}\"\ncommissioning_year: 2027\n"
                 f"district_id: \"459902\"\napplication_date: 2024-03-01\nenergy:\n{energy}", "utf-8")
    return read_project(f)


def _fig(tce: float = 20_000.0) -> Figures:
    return Figures(energy_tce=tce, energy_tce_equal=tce, feedstock_tce=0.0, coal_t=0.0, electricity_kwh=0.0,
                   co2_t=0.0, co2_combustion_t=0.0, co2_process_t=0.0, co2_electricity_t=0.0, co2_heat_t=0.0,
                   factor_notes=())


GAS = "  - {carrier: 天然气, quantity: 5000, unit: 万立方米}\n"
COAL = "  - {carrier: 原煤, quantity: 800000, unit: t}\n"
POWER = "  - {carrier: 电力, quantity: 100, unit: 万千瓦时}\n"


@pytest.mark.parametrize(("code", "energy", "national", "shandong"), [
    ("4411", GAS, ("no", None), ("no", None)),          # a gas-fired plant is not 煤电 (nationally or in Shandong)
    ("4412", GAS, ("no", None), ("no", None)),          # nor a gas-fired CHP plant
    ("4411", COAL + GAS, ("yes", "coal_power"), ("yes", "coal_power")),  # coal among its fuels
    ("4412", COAL, ("yes", "coal_power"), ("yes", "coal_power")),
    ("3240", POWER, ("no", None), ("yes", "sd_nonferrous")),  # alloy making: not smelting; Shandong's 有色 is all of 32
    ("3216", POWER, ("yes", "nonferrous_smelting"), ("yes", "nonferrous_smelting")),  # 铝冶炼
    ("3054", POWER, ("no", None), ("no", None)),        # 日用玻璃制品 (305 glass products) is not 建材
    ("3041", GAS, ("yes", "building_materials"), ("yes", "building_materials")),  # 平板玻璃
    ("3074", GAS, ("no", None), ("yes", "sd_ceramics")),  # 日用陶瓷: not national 建材; Shandong's 陶瓷
    ("2911", POWER, ("no", None), ("yes", "sd_tyres")),   # a tyre plant: 两高 in Shandong only
    ("3012", COAL, ("no", None), ("depends", "sd_lime")),  # lime or gypsum: the reviewer confirms
    ("3391", POWER, ("no", None), ("yes", "sd_foundry")),
    ("2524", COAL, ("no", None), ("no", None)),          # briquettes: coal processing, not chemistry
    ("2521", COAL, ("yes", "chemical"), ("yes", "chemical")),
    ("3313", POWER, ("no", None), ("no", None)),         # not a 两高 code anywhere
])
def test_two_high_cases(tmp_path: Path, code: str, energy: str, national: tuple[str, str | None],
                        shandong: tuple[str, str | None]) -> None:
    p = _project(tmp_path, code, energy)
    for rules, want in ((NATIONAL, national), (SHANDONG, shandong)):
        status, reason = r.two_high(p, _fig(), rules)  # type: ignore[arg-type]
        assert (status, reason.numbers["class"]) == want
        assert reason.rule == "R-TWO-HIGH" and reason.outcome == r.INFO


def test_gas_fired_power_says_why(tmp_path: Path) -> None:
    _, reason = r.two_high(_project(tmp_path, "4411", GAS), _fig(), NATIONAL)  # type: ignore[arg-type]
    assert reason.numbers["not_applied"] == ["coal_power"] and reason.numbers["fuels"] == ["gas"]
    assert "煤电" in reason.zh and "coal" in reason.en


def test_no_scope_selected_is_not_checked(tmp_path: Path) -> None:
    status, reason = r.two_high(_project(tmp_path, "3011", COAL), _fig(),  # type: ignore[arg-type]
                                r.load_screening_rules({"two_high": None}))
    assert status == "not_selected" and reason.outcome == r.INFO


def test_min_energy_condition(tmp_path: Path) -> None:
    f = tmp_path / "local.toml"
    f.write_text('extends = "two_high"\n[[local]]\nid = "x"\nzh = "石灰"\nprefixes = ["3012"]\n'
                 'min_energy_tce = 10000\nsource = "test"\n', "utf-8")
    rules = r.ScreeningRules(names={"two_high": "local"}, review_levels=None, two_high=r.load_two_high(f),
                             efficiency_editions=None, efficiency_table=[], negative_list=None, siting=None)
    p = _project(tmp_path, "3012", COAL)
    assert r.two_high(p, _fig(10_000.0), rules)[0] == "yes"  # at the threshold counts  # type: ignore[arg-type]
    assert r.two_high(p, _fig(9_999.0), rules)[0] == "no"  # type: ignore[arg-type]


@pytest.mark.parametrize(("body", "where"), [
    ('extends = "two_high"\n[[local]]\nid = "x"\nzh = "y"\nprefixes = ["3012"]\nfuel = "wood"\nsource = "s"\n',
     "local[0].fuel"),
    ('extends = "two_high"\n[[local]]\nid = "x"\nzh = "y"\nprefixes = ["3012"]\nconfirm = "z"\nsource = "s"\n',
     "local[0].confirm_en"),
    ('extends = "two_high"\n[national]\nid = "a"\n', "national"),
    ('extends = "two_high"\n[[local]]\nid = "steel"\nzh = "y"\nprefixes = ["31"]\nsource = "s"\n', "classes.id"),
])
def test_loader_refuses(tmp_path: Path, body: str, where: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(body, "utf-8")
    with pytest.raises(ValidationError) as e:
        r.load_two_high(f)
    assert any(p.code == "R010" and p.column == where for p in e.value.problems), e.value.problems
