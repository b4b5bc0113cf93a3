"""The choices the standards leave open within a factor set, selected by a jurisdiction
profile (``factors.*`` keys, docs/profiles.md):

- ``grid_series`` / ``grid_region``: which published grid-factor series scope 2 uses
  (national average, regional average, the carbon-market reporting value, …);
- ``natural_gas``: the natural-gas standard-coal coefficient, a row of the set's
  energy-coefficient file or of ``energy_coefficient_alternatives.csv`` (GB/T 2589
  tabulates oil-field and gas-field gas apart);
- ``equal_value``: the electricity 等价值 convention, the part after ``:`` of the factor ids
  of the set's ``electricity_equal_value`` file (``supply_coal``: the year's national
  thermal supply coal rate, as shipped);
- ``gwp_set``: the GWP set that converts N2O, CF4 and C2F6 to CO2e, a ``gwp_set`` of the
  set's ``gwp`` file (``sar`` as 鲁环发〔2022〕4号 表2-9 prints it; ``ar5``).
"""

from __future__ import annotations

from collections.abc import Mapping
from hashlib import sha256
from importlib import resources
from io import StringIO

import pandas as pd

from qingshan.errors import ConfigError

ALTERNATIVES = "energy_coefficient_alternatives.csv"
CHOICE_KEYS = ("grid_series", "grid_region", "natural_gas", "equal_value", "gwp_set")


def _csv(filename: str) -> pd.DataFrame:
    text = resources.files("qingshan.factors").joinpath(f"data/{filename}").read_text("utf-8")
    return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)


def convention(factor_id: str) -> str:
    """The 等价值 convention of an ``electricity_equal_value`` row (``ndrc-2020:supply_coal``
    → ``supply_coal``)."""
    return factor_id.rsplit(":", 1)[-1]


def available_choices(spec: Mapping[str, str]) -> dict[str, list[object]]:
    """What each choice may be for the factor set ``spec`` (an entry of factor_sets.toml):
    ``grid`` (series, region) pairs, ``natural_gas`` factor ids, ``equal_value`` conventions."""
    grid = _csv(spec["grid"])
    gas = pd.concat([_csv(spec["energy_coefficients"]), _csv(ALTERNATIVES)])
    ev = _csv(spec["electricity_equal_value"])
    return {"grid": sorted({(str(s), str(r)) for s, r in zip(grid["series"], grid["region"], strict=True)}),
            "natural_gas": sorted(gas.loc[gas["carrier"] == "natural_gas", "factor_id"]),
            "equal_value": sorted({convention(f) for f in ev["factor_id"]}),
            "gwp_set": sorted(set(_csv(spec["gwp"])["gwp_set"]))}


def apply_choices(name: str, spec: dict[str, str], raw: dict[str, pd.DataFrame],
                  files: dict[str, str], choices: Mapping[str, str | None]) -> dict[str, str]:
    """Apply ``choices`` to the raw tables of factor set ``name`` in place and return the
    set's spec with the grid series and region chosen. An unknown key or a choice the
    set's files do not hold raises :class:`ConfigError`."""
    unknown = set(choices) - set(CHOICE_KEYS)
    if unknown:
        raise ConfigError(f"unknown factor choices {sorted(unknown)}; known: {', '.join(CHOICE_KEYS)}")
    spec = dict(spec)
    for key in ("grid_series", "grid_region", "gwp_set"):
        value = choices.get(key)
        if value:
            spec[key] = value
    gas = choices.get("natural_gas")
    if gas:
        ec = raw["energy_coefficients"]
        if not ((ec["factor_id"] == gas) & (ec["carrier"] == "natural_gas")).any():
            alt = _csv(ALTERNATIVES)
            row = alt[(alt["factor_id"] == gas) & (alt["carrier"] == "natural_gas")]
            if row.empty:
                raise ConfigError(f"factor set {name!r}: no natural-gas coefficient {gas!r}")
            raw["energy_coefficients"] = pd.concat([ec[ec["carrier"] != "natural_gas"], row[ec.columns]],
                                                   ignore_index=True)
            files[ALTERNATIVES] = sha256(
                resources.files("qingshan.factors").joinpath(f"data/{ALTERNATIVES}").read_bytes()).hexdigest()
    ev_choice = choices.get("equal_value")
    if ev_choice:
        ev = raw["electricity_equal_value"]
        keep = ev["factor_id"].map(convention) == ev_choice
        if not keep.any():
            raise ConfigError(f"factor set {name!r}: no electricity equal-value convention {ev_choice!r}")
        raw["electricity_equal_value"] = ev[keep].reset_index(drop=True)
    return spec
