"""The screening reasons in the page's language (issue #16, item 5): the rules
(:mod:`qingshan.screening.rules`) write a few of their words as codes or in Chinese only —
a 两高 class by its id, a product's 能效 indicator by its Chinese name, the GWP set and a
project's own factors by their codes, the 亩均 scheme by its id. Each reason is reworded
here from the numbers it carries (:attr:`qingshan.screening.rules.Reason.numbers`), so
that the screening page, its JSON twin and the printed verdict name them: the 两高 class
by its name in the class file (``screening/rules/two_high*.toml``), the product by the
English name below, the GWP set by its IPCC report, a gas source or material by its name,
and the scheme by its title (:func:`qingshan.documents.evaluation.scheme_title`).

Nothing is computed and no number changes: only the words around them.
"""

from __future__ import annotations

import csv
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from qingshan.documents.evaluation import scheme_title

#: 两高 in English, with the term beside it (the pages' gloss)
TWO_HIGH_EN = "high-energy, high-emission (两高) project"
#: 亩均 in English, as the schemes' titles say it
MUJUN_EN = "mu-efficiency (亩均)"
#: the GWP sets of the factor sets' ``gwp`` file by the IPCC report their values come from
#: (the file's notes: sar, "IPCC Second Assessment Report (1995) 100-year values")
GWP_SETS: dict[str, tuple[str, str]] = {
    "sar": ("IPCC 第二次评估报告（SAR）值", "values of the IPCC Second Assessment Report (SAR)"),
    "ar5": ("IPCC 第五次评估报告（AR5）值", "values of the IPCC Fifth Assessment Report (AR5)"),
}
#: a project's own factors (its gases and materials rows) by what they measure: (中文, English, 单位, unit)
OWN_FACTOR_KEYS: dict[str, tuple[str, str, str, str]] = {
    "n2o_kg_per_t": ("N2O", "N2O", "千克/吨", "kg/t"), "cf4_kg_per_t": ("CF4", "CF4", "千克/吨", "kg/t"),
    "c2f6_kg_per_t": ("C2F6", "C2F6", "千克/吨", "kg/t"), "carbon_fraction": ("含碳量", "carbon fraction", "", ""),
}
#: indicators of the 能效标杆/基准 table (``screening/rules/efficiency_benchmarks.csv``) in English
INDICATORS_EN = {
    "energy_per_t": "energy per unit of product", "energy_per_energy_factor": "energy per energy factor",
    "energy_per_weight_box": "energy per unit of product", "energy_per_m2": "energy per unit of product",
    "ac_power_per_t": "AC power per t of aluminium liquid",
}
#: the products of the 能效标杆/基准 table in English (the table names them in Chinese only, as
#: 发改产业〔2021〕1609号 and 发改产业〔2022〕200号 do); tests/test_web_screening.py checks that
#: every product of the table is here
PRODUCTS_EN = {
    "refining": "oil refining",
    "ethylene_naphtha": "ethylene (naphtha and other hydrocarbons)",
    "paraxylene": "paraxylene",
    "coal_to_methanol_lignite": "coal-to-methanol (lignite)",
    "coal_to_methanol_bituminous": "coal-to-methanol (bituminous coal)",
    "coal_to_methanol_anthracite": "coal-to-methanol (anthracite)",
    "coal_to_olefins_mto": "coal-to-olefins (MTO route)",
    "coal_to_ethylene_glycol": "coal-to-ethylene glycol",
    "ammonia_premium_anthracite": "synthetic ammonia (premium lump anthracite)",
    "ammonia_nonpremium_anthracite": "synthetic ammonia (other lump anthracite, briquettes)",
    "ammonia_pulverized_coal": "synthetic ammonia (pulverised coal, anthracite or bituminous)",
    "ammonia_natural_gas": "synthetic ammonia (natural gas)",
    "calcium_carbide": "calcium carbide",
    "caustic_soda_membrane_liquid_30": "caustic soda, ion-membrane liquid (≥ 30 %)",
    "caustic_soda_membrane_liquid_45": "caustic soda, ion-membrane liquid (≥ 45 %)",
    "caustic_soda_membrane_solid_98": "caustic soda, ion-membrane solid (≥ 98 %)",
    "soda_ash_ammonia_soda_light": "soda ash, ammonia-soda process (light)",
    "soda_ash_joint_light": "soda ash, combined process (light)",
    "soda_ash_ammonia_soda_dense": "soda ash, ammonia-soda process (dense)",
    "soda_ash_joint_dense": "soda ash, combined process (dense)",
    "map_traditional_granular": "monoammonium phosphate, traditional process (granular)",
    "map_traditional_powder": "monoammonium phosphate, traditional process (powder)",
    "map_slurry_granular": "monoammonium phosphate, slurry process (granular)",
    "map_slurry_powder": "monoammonium phosphate, slurry process (powder)",
    "dap_traditional_granular": "diammonium phosphate, traditional process (granular)",
    "dap_slurry_granular": "diammonium phosphate, slurry process (granular)",
    "yellow_phosphorus": "yellow phosphorus",
    "cement_clinker": "cement clinker (comparable clinker energy)",
    "flat_glass_over_800tpd": "flat glass (capacity over 800 t a day)",
    "flat_glass_500_800tpd": "flat glass (capacity 500–800 t a day)",
    "ceramic_tile_absorption_le_0_5": "ceramic tiles (water absorption ≤ 0.5 %)",
    "ceramic_tile_absorption_0_5_to_10": "ceramic tiles (water absorption over 0.5 %, ≤ 10 %)",
    "ceramic_tile_absorption_over_10": "ceramic tiles (water absorption over 10 %)",
    "sanitary_ceramics": "sanitary ceramics",
    "blast_furnace_ironmaking": "iron and steel, blast furnace process",
    "bof_steelmaking": "iron and steel, converter process",
    "eaf_30_to_50t": "iron and steel, electric arc furnace (nominal capacity over 30 t, under 50 t)",
    "eaf_50t_and_over": "iron and steel, electric arc furnace (nominal capacity ≥ 50 t)",
    "coke_top_charged": "coking, top-charged coke ovens",
    "coke_stamp_charged": "coking, stamp-charged coke ovens",
    "ferrosilicon": "ferroalloys, ferrosilicon",
    "silicomanganese": "ferroalloys, silicomanganese",
    "high_carbon_ferrochrome": "ferroalloys, high-carbon ferrochrome",
    "copper_smelting": "copper smelting (concentrate to cathode copper)",
    "electrolytic_aluminium": "electrolytic aluminium",
    "lead_smelting_crude_lead": "lead smelting, crude lead process",
    "zinc_hydrometallurgy_ingot": "zinc smelting, hydrometallurgical zinc ingots (concentrate to ingot, leach "
                                  "residue treated by fire)",
}


@cache
def efficiency_rows() -> dict[str, dict[str, str]]:
    """The 能效标杆/基准 table's rows by product (its Chinese name and indicator)."""
    text = resources.files("qingshan.screening").joinpath("rules/efficiency_benchmarks.csv").read_text("utf-8")
    return {r["product"]: r for r in csv.DictReader(text.splitlines())}


@cache
def two_high_classes() -> dict[str, tuple[str, str]]:
    """Every 两高 class of the shipped class files by id: (中文, English)."""
    out: dict[str, tuple[str, str]] = {}
    for f in resources.files("qingshan.screening").joinpath("rules").iterdir():
        if f.name.startswith("two_high") and f.name.endswith(".toml"):
            doc = tomllib.loads(f.read_text("utf-8"))
            for c in [*doc.get("national", {}).get("classes", []), *doc.get("local", [])]:
                out[str(c["id"])] = (str(c["zh"]), str(c.get("en") or c["zh"]))
    return out


@cache
def choice_names() -> dict[str, tuple[str, str]]:
    """A data table's choice (a gas source, a material) by its id: its longest Chinese alias
    (电解铝阳极效应) and its id in words (aluminium anode effect)."""
    from qingshan.schema.tables import tables

    out: dict[str, tuple[str, str]] = {}
    for table in tables().values():
        for column in table.columns:
            for alias, code in column.choice_aliases.items():
                if any("\u4e00" <= ch <= "\u9fff" for ch in alias) and len(alias) > len(out.get(code, ("",))[0]):
                    out[code] = (alias, code.replace("_", " "))
    return out


def product_en(product: str) -> str | None:
    """A product of the 能效 table with its indicator, in English (``None``: not named here)."""
    row, name = efficiency_rows().get(product), PRODUCTS_EN.get(product)
    if row is None or name is None:
        return None
    return f"{name}: {INDICATORS_EN.get(row['indicator'], row['indicator'].replace('_', ' '))}"


def _value(key: str, value: float, lang: int) -> str:
    """One own factor with its name and unit in a language (0: 中文, 1: English)."""
    names = OWN_FACTOR_KEYS[key]
    return f"{names[lang]} {value:g}" + (f" {names[2 + lang]}" if names[2 + lang] else "")


def _own_factors(zh: str, en: str, own: list[dict[str, Any]]) -> tuple[str, str]:
    """The project's own factors by name ("电解铝阳极效应 CF4 0.025 kg/t") where the rule
    wrote their codes ("aluminium_anode_effect cf4_kg_per_t 0.025")."""
    for x in own:
        keys = [k for k in OWN_FACTOR_KEYS if k in x]
        coded = f"{x['item']} " + ", ".join(f"{k} {x[k]:g}" for k in keys)
        item_zh, item_en = choice_names().get(str(x["item"]), (str(x["item"]), str(x["item"]).replace("_", " ")))
        zh = zh.replace(coded, f"{item_zh} " + "、".join(_value(k, x[k], 0) for k in keys))
        en = en.replace(coded, f"{item_en}: " + ", ".join(_value(k, x[k], 1) for k in keys))
    return zh, en


def worded(reason: dict[str, Any]) -> dict[str, Any]:
    """A reason (``rule``, ``zh``, ``en``, ``numbers``) with its codes named in each language."""
    zh, en, nums = str(reason["zh"]), str(reason["en"]), reason.get("numbers") or {}
    rule = reason.get("rule")
    if rule == "R-TWO-HIGH":
        for cid in [nums.get("class"), *(nums.get("not_applied") or [])]:
            if cid in two_high_classes():
                name = two_high_classes()[cid][1]
                en = en.replace(f" ({cid})", f": {name}").replace(f"{cid}: ", f"{name}: ")
    if rule == "R-EFFICIENCY" and nums.get("product") in efficiency_rows():
        product = product_en(str(nums["product"]))
        if product is not None:
            en = en.replace(efficiency_rows()[str(nums["product"])]["zh"], product)
    if rule == "R-CARBON":
        gwp = str(nums.get("gwp_set") or "")
        if gwp in GWP_SETS:
            zh = zh.replace(f"GWP {gwp}", f"GWP 为 {GWP_SETS[gwp][0]}")
            en = en.replace(f"GWP {gwp}", f"GWP {GWP_SETS[gwp][1]}")
        zh, en = _own_factors(zh, en, list(nums.get("own_factors") or []))
    if rule == "R-MUJUN" and nums.get("scheme"):
        title = scheme_title(str(nums["scheme"]))
        zh = zh.replace(f"按 {nums['scheme']} 测算", f"按{title['zh']}测算")
        en = en.replace(f"under {nums['scheme']}", f"under the {title['en']}")
    en = en.replace("两高 project", TWO_HIGH_EN).replace("亩均 class", f"{MUJUN_EN} class")
    return {**reason, "zh": zh, "en": en}
