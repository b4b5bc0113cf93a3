"""Every accepted unit spelling (data/spec/units.csv) and the units defined in
qingshan.schema.units, against factors typed here from their definitions (issue #15,
item 4: key every shipped number twice).

Definitions used: the SI prefixes (GB 3100-1993: k 10³, M 10⁶, G 10⁹, T 10¹²); 万 = 10⁴ and
亿 = 10⁸; 度 = 千瓦时; 百万千焦 = 10⁶ kJ = 1 GJ (form 205-1's heat unit); 1 kgce = 10⁻³ tce and
1 gce = 10⁻⁶ tce (GB/T 2589: 吨标准煤, 千克标准煤); 1 公顷 = 15 亩 (国务院《关于在我国统一实行
法定计量单位的命令》, 1984, and its 全面推行意见: 1 亩 = 10 000/15 m²); 1 km² = 100 hm²; gas
volumes at the guidelines' standard state count as m³ (Nm³ = m³, docs/architecture.md, Units).
"""

from __future__ import annotations

import pytest

from qingshan.schema.units import conversion_factor, normalise_unit_label, unit_aliases, unit_registry

#: alias → (canonical unit of its dimension, how many canonical units one alias unit is)
TYPED: dict[str, tuple[str, float]] = {
    # mass, canonical t
    "t": ("t", 1.0), "吨": ("t", 1.0), "kg": ("t", 1e-3), "千克": ("t", 1e-3), "公斤": ("t", 1e-3),
    "万t": ("t", 1e4), "万吨": ("t", 1e4),
    # volume, canonical m3
    "m3": ("m3", 1.0), "m³": ("m3", 1.0), "立方米": ("m3", 1.0), "Nm3": ("m3", 1.0), "Nm³": ("m3", 1.0),
    "标准立方米": ("m3", 1.0), "万m3": ("m3", 1e4), "万m³": ("m3", 1e4), "万立方米": ("m3", 1e4),
    "万Nm3": ("m3", 1e4), "万Nm³": ("m3", 1e4), "亿立方米": ("m3", 1e8),
    # electricity, canonical kWh
    "kWh": ("kWh", 1.0), "千瓦时": ("kWh", 1.0), "度": ("kWh", 1.0), "万kWh": ("kWh", 1e4),
    "万千瓦时": ("kWh", 1e4), "MWh": ("kWh", 1e3), "兆瓦时": ("kWh", 1e3), "GWh": ("kWh", 1e6),
    "亿千瓦时": ("kWh", 1e8),
    # heat, canonical GJ
    "GJ": ("GJ", 1.0), "吉焦": ("GJ", 1.0), "百万千焦": ("GJ", 1.0), "MJ": ("GJ", 1e-3), "兆焦": ("GJ", 1e-3),
    "TJ": ("GJ", 1e3),
    # standard coal, canonical tce
    "tce": ("tce", 1.0), "吨标准煤": ("tce", 1.0), "kgce": ("tce", 1e-3), "千克标准煤": ("tce", 1e-3),
    "万tce": ("tce", 1e4), "万吨标准煤": ("tce", 1e4),
    # money, canonical 万元
    "元": ("万元", 1e-4), "千元": ("万元", 0.1), "万元": ("万元", 1.0), "亿元": ("万元", 1e4),
    # land, canonical 亩: 1 hm² = 15 亩, 1 m² = 15/10 000 亩, 1 km² = 100 hm² = 1 500 亩
    "亩": ("亩", 1.0), "mu": ("亩", 1.0), "m2": ("亩", 0.0015), "m²": ("亩", 0.0015), "平方米": ("亩", 0.0015),
    "公顷": ("亩", 15.0), "ha": ("亩", 15.0), "hm2": ("亩", 15.0), "hm²": ("亩", 15.0),
    "km2": ("亩", 1500.0), "km²": ("亩", 1500.0), "平方公里": ("亩", 1500.0),
}  # fmt: skip


def test_every_shipped_alias_is_typed_here() -> None:
    assert sorted(unit_aliases()) == sorted(TYPED)


@pytest.mark.parametrize("alias", sorted(TYPED))
def test_shipped_conversion_is_the_definition(alias: str) -> None:
    canonical, factor = TYPED[alias]
    assert conversion_factor(alias, canonical) == pytest.approx(factor, rel=1e-12)


def test_aliases_that_read_alike_have_one_expression() -> None:
    """'m³' is read as 'm3' (NFKC, :func:`normalise_unit_label`), so the two rows are one
    unit and only the later row is used: a different expression on the other would be
    ignored without a word."""
    by_label: dict[str, set[str]] = {}
    for alias, expression in unit_aliases().items():
        by_label.setdefault(normalise_unit_label(alias), set()).add(expression)
    assert {label: e for label, e in by_label.items() if len(e) > 1} == {}


def test_defined_units() -> None:
    ureg = unit_registry()
    assert ureg("kgce").to("tce").magnitude == pytest.approx(1e-3, rel=1e-12)
    assert ureg("gram_ce").to("tce").magnitude == pytest.approx(1e-6, rel=1e-12)
    assert ureg("hectare").to("mu").magnitude == pytest.approx(15.0, rel=1e-12)
    assert ureg("mu").to("meter ** 2").magnitude == pytest.approx(10_000 / 15, rel=1e-12)
