"""The LMDI document (docs/targets.md, "Decomposition"): the change of energy and of CO2
between two years split into additive effects by industry or district."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qingshan.documents.values import records
from qingshan.errors import ConfigError
from qingshan.i18n import tr
from qingshan.targets.lmdi import decompose_carbon, decompose_energy

if TYPE_CHECKING:
    from qingshan.city import City

METHOD = "LMDI-I (Ang 2005), zero values by Ang & Liu (2007) limits"
BY = ("industry", "district")


def build(city: City, y0: int, y1: int, by: str = "industry") -> dict[str, Any]:
    """Decompose the change from ``y0`` to ``y1`` by ``by`` (industry or district)."""
    if by not in BY:
        raise ConfigError(tr(f"分解维度应为 {'、'.join(BY)} 之一", f"decompose by one of {', '.join(BY)}"))
    if y0 not in city.years or y1 not in city.years:
        raise ConfigError(tr(f"数据包中须有 {y0} 年和 {y1} 年的数据", f"the package needs data for {y0} and {y1}"))
    result = city.accounts()
    ed, es = decompose_energy(result, y0, y1, by)
    with city.borrowed_store() as store:
        cd, cs = decompose_carbon(result, store, y0, y1, by)
    return {**city.header(y1), "from": y0, "to": y1, "by": by, "method": METHOD,
            "energy": {"summary": es, "cells": records(ed)}, "co2": {"summary": cs, "cells": records(cd)}}
