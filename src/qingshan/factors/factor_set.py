"""Factor sets: the cited, versioned factor tables of a set, resolved into canonical units
(:class:`FactorSet`, :func:`load_factor_set`).

Every factor is a row of a CSV file in ``factors/data/`` that names its document,
edition, clause or table and a confidence tag (C confirmed, R repeated). A *factor set*
(``factor_sets.toml``) selects the files and series that apply. Users add or override
rows with a CSV of their own (:func:`load_factor_set` ``override``). Every account
records the set, its version, the files' SHA-256 and the factor rows it used.

Units are converted once, here, into the canonical units of the data package
(t, m³, kWh, GJ): ``tce_per_unit``, ``ncv_gj_per_unit``, ``co2_t_per_unit``.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from io import StringIO
from pathlib import Path
from typing import Any

import pandas as pd

from qingshan.errors import ConfigError, FactorError, Problem, raise_if_blocking
from qingshan.factors.choices import apply_choices, available_choices
from qingshan.factors.conversions import to_canonical
from qingshan.methods.constants import CO2_PER_C, GJ_PER_TCE
from qingshan.schema.carriers import carriers

DEFAULT_FACTOR_SET = "cn-national"

#: The tables a factor set is made of, with the key that identifies a row for overrides.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "energy_coefficients": ("carrier",),
    "electricity_equal_value": ("data_year",),
    "fuel_carbon": ("carrier",),
    "grid": ("series", "region", "data_year"),
    "heat": (),  # a set has exactly one purchased-heat factor: an override replaces it
    "process": ("material",),
    # non-CO2 gases (methods/non_co2.py): N2O generation factors, N2O removal rates, GWPs
    "n2o_generation": ("source", "technology"),
    "n2o_abatement": ("source", "abatement"),
    "gwp": ("gwp_set", "gas"),
    # carbon-balance defaults (碳平衡法缺省值) of the steel and chemical guidelines, per guideline
    "material_carbon": ("guideline", "material"),
}
#: The gases every GWP set must hold: those the non-CO2 method converts to CO2e.
GWP_GASES = ("n2o", "cf4", "c2f6")
_CITATION_COLUMNS = ("document", "edition", "clause", "tag", "note")
#: Confidence tags a factor row may carry (shared/reference/README.md): C confirmed from
#: the official text, R repeated consistently in independent copies. U is never shipped.
ACCEPTED_TAGS = ("C", "R")


@dataclass(frozen=True)
class FactorSet:
    """A resolved factor set: tables in canonical units plus their citations."""

    name: str
    version: str
    grid_series: str
    grid_region: str
    files: dict[str, str]
    energy: pd.DataFrame  # carrier, tce_per_unit, factor_id
    fuel_carbon: pd.DataFrame  # carrier, ncv_gj_per_unit, cc_tc_per_gj, oxidation, co2_t_per_unit, factor_id
    equal_value: pd.DataFrame  # data_year, tce_per_kwh, factor_id
    grid: pd.DataFrame  # data_year, tco2_per_kwh, factor_id (selected series and region)
    heat_tco2_per_gj: float
    heat_factor_id: str
    process: pd.DataFrame  # material, method, tco2_per_t, factor_id
    citations: dict[str, dict[str, str]] = field(repr=False)
    overridden: tuple[str, ...] = ()
    #: the open choices a profile made within the set (:mod:`qingshan.factors.choices`)
    choices: dict[str, str] = field(default_factory=dict)
    #: source, technology, kg_n2o_per_t, factor_id (鲁环发〔2022〕4号 表2-5, formula (8))
    n2o_generation: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    #: source, abatement, removal_fraction, factor_id (鲁环发〔2022〕4号 表2-6, 表2-7)
    n2o_abatement: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    #: gas, gwp, factor_id of the selected GWP set (the set's ``gwp_set``)
    gwp: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    gwp_set: str = ""
    #: carbon-balance defaults: guideline, material, flows, tco2_per_unit (t CO2 per t, or per
    #: m³ for a gas), unit (t or m3), purity_required, factor_id (methods/carbon_balance.py)
    material_carbon: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def describe(self) -> dict[str, Any]:
        """Name, version, file digests and overrides: the header of every result."""
        return {"name": self.name, "version": self.version, "grid_series": self.grid_series,
                "grid_region": self.grid_region, "files": self.files,
                "overridden_factor_ids": list(self.overridden), "choices": dict(sorted(self.choices.items())),
                "gwp_set": self.gwp_set}

    def by_year(self, table: str, years: list[int]) -> pd.DataFrame:
        """Factors of a yearly series (``grid`` or ``equal_value``) resolved for ``years``.

        Rule (docs/factors.md, "Years without a published factor"): the factor for the
        data year if published; otherwise the latest published year before it; otherwise
        the earliest published year after it. ``factor_year`` and ``fallback`` record
        what was used.
        """
        src: pd.DataFrame = getattr(self, table)
        if src.empty:
            raise FactorError(f"factor set {self.name!r} has no {table} factors")
        published = sorted(int(y) for y in src["data_year"])
        rows = []
        for y in sorted(set(years)):
            before = [p for p in published if p <= y]
            use = before[-1] if before else published[0]
            rows.append({"year": y, "factor_year": use, "fallback": use != y})
        pick = pd.DataFrame(rows, columns=["year", "factor_year", "fallback"])
        return pick.merge(src.rename(columns={"data_year": "factor_year"}), on="factor_year")


def available_factor_sets() -> dict[str, dict[str, Any]]:
    return _factor_sets()


def factor_choices(name: str) -> dict[str, list[Any]]:
    """The open choices factor set ``name`` offers (:func:`choices.available_choices`)."""
    sets = _factor_sets()
    if name not in sets:
        raise ConfigError(f"unknown factor set {name!r}; available: {', '.join(sorted(sets))}")
    return available_choices(sets[name])


@cache
def _factor_sets() -> dict[str, dict[str, Any]]:
    text = resources.files("qingshan.factors").joinpath("data/factor_sets.toml").read_text("utf-8")
    return tomllib.loads(text)


def _read_builtin(filename: str) -> tuple[pd.DataFrame, str]:
    raw = resources.files("qingshan.factors").joinpath(f"data/{filename}").read_bytes()
    df = pd.read_csv(StringIO(raw.decode("utf-8")), dtype=str, keep_default_na=False)
    return df, hashlib.sha256(raw).hexdigest()


def load_factor_set(name: str = DEFAULT_FACTOR_SET, override: str | Path | None = None, *,
                    choices: Mapping[str, str | None] | None = None) -> FactorSet:
    """Load factor set ``name``, optionally overridden by the rows of a user CSV.

    ``choices`` are the open choices a jurisdiction profile selects within the set
    (:mod:`qingshan.factors.choices`: grid series and region, natural-gas coefficient,
    electricity 等价值 convention).

    The override file has a ``table`` column (one of :data:`TABLE_KEYS`) and that table's
    columns; a row replaces the built-in row with the same key or adds a new one. Every
    override row must carry ``document`` and ``clause``, so that results stay traceable.
    """
    sets = _factor_sets()
    if name not in sets:
        raise ConfigError(f"unknown factor set {name!r}; available: {', '.join(sorted(sets))}")
    spec = sets[name]
    raw: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    for table in TABLE_KEYS:
        df, digest = _read_builtin(spec[table])
        raw[table] = df
        files[spec[table]] = digest
    if choices:
        spec = apply_choices(name, spec, raw, files, choices)
    overridden: list[str] = []
    if override is not None:
        path = Path(override)
        files[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        overridden = _apply_override(raw, path)
    resolved = _resolve(name, spec, raw, files, tuple(overridden))
    return replace(resolved, choices={k: v for k, v in (choices or {}).items() if v})


def _apply_override(raw: dict[str, pd.DataFrame], path: Path) -> list[str]:
    try:
        ov = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ConfigError(f"cannot read factor override file {path}: {exc}") from exc
    problems: list[Problem] = []
    for col in ("table", "factor_id", "document", "clause"):
        if col not in ov.columns:
            problems.append(Problem("F001", path.name, None, col, None,
                                    f"缺少必需列「{col}」", f"required column '{col}' is missing"))
    raise_if_blocking(problems)
    ids: list[str] = []
    for i, row in ov.iterrows():
        rownum = int(str(i)) + 2
        table = row["table"]
        if table not in TABLE_KEYS:
            problems.append(Problem("F002", path.name, rownum, "table", table,
                                    f"应为 {', '.join(TABLE_KEYS)} 之一",
                                    f"expected one of {', '.join(TABLE_KEYS)}"))
            continue
        if not row["document"].strip() or not row["clause"].strip():
            problems.append(Problem("F003", path.name, rownum, "document", row["document"],
                                    "覆盖因子须注明文件名称和条款", "an override must name its document and clause"))
            continue
        base = raw[table]
        missing = [c for c in base.columns if c not in ov.columns]
        if missing:
            problems.append(Problem("F004", path.name, rownum, ",".join(missing), None,
                                    f"表 {table} 的覆盖行缺少列", f"override rows for {table} lack columns"))
            continue
        new = {c: row[c] for c in base.columns}
        if "carrier" in new and new["carrier"] not in carriers():
            problems.append(Problem("F005", path.name, rownum, "carrier", new["carrier"],
                                    "应为能源品种表中的代码（docs/data-package.md）",
                                    "expected a carrier code of the carrier list (docs/data-package.md)"))
            continue
        if "tag" in new and new["tag"] not in ACCEPTED_TAGS:
            problems.append(Problem("F006", path.name, rownum, "tag", new["tag"],
                                    "可信度标记应为 C（已核对原文）或 R（多个独立来源一致）；未核实的数值不得使用",
                                    "tag must be C (checked against the official text) or R (repeated in "
                                    "independent sources); unverified values may not be used"))
            continue
        keys = TABLE_KEYS[table]
        mask = pd.Series(True, index=base.index)
        for k in keys:
            mask &= base[k] == new[k]
        raw[table] = pd.concat([base[~mask], pd.DataFrame([new])], ignore_index=True)
        ids.append(new["factor_id"])
    raise_if_blocking(problems)
    return ids


def _num(s: pd.Series, table: str, col: str) -> pd.Series:
    out = pd.to_numeric(s, errors="coerce")
    if out.isna().any():
        bad = s[out.isna()].iloc[0]
        raise ConfigError(f"factor table {table}: column {col} has a non-number {bad!r}")
    return out.astype("float64")


def _resolve(name: str, spec: dict[str, Any], raw: dict[str, pd.DataFrame], files: dict[str, str],
             overridden: tuple[str, ...]) -> FactorSet:
    citations: dict[str, dict[str, str]] = {}
    for table, df in raw.items():
        for rec in df.to_dict("records"):
            if rec["factor_id"] in citations:
                raise ConfigError(f"factor set {name!r}: factor_id {rec['factor_id']!r} appears twice "
                                  f"(again in {table})")
            citations[rec["factor_id"]] = {c: rec.get(c, "") for c in _CITATION_COLUMNS}

    cat = carriers()
    ec = raw["energy_coefficients"]
    energy = pd.DataFrame({
        "carrier": ec["carrier"],
        "tce_per_unit": [
            to_canonical(float(v), u, "tce", cat[c].canonical_unit if c in cat else None)
            for v, u, c in zip(_num(ec["value"], "energy", "value"), ec["value_unit"], ec["carrier"],
                               strict=True)
        ],
        "factor_id": ec["factor_id"],
    })

    fc = raw["fuel_carbon"]
    fuel = pd.DataFrame({
        "carrier": fc["carrier"],
        "ncv_gj_per_unit": [
            to_canonical(float(v), u, "GJ", cat[c].canonical_unit)
            for v, u, c in zip(_num(fc["ncv"], "fuel_carbon", "ncv"), fc["ncv_unit"], fc["carrier"],
                               strict=True)
        ],
        "cc_tc_per_gj": _num(fc["carbon_content_tc_per_tj"], "fuel_carbon", "cc") / 1000.0,
        "oxidation": _num(fc["oxidation_pct"], "fuel_carbon", "oxidation_pct") / 100.0,
        "factor_id": fc["factor_id"],
    })
    fuel["co2_t_per_unit"] = fuel["ncv_gj_per_unit"] * fuel["cc_tc_per_gj"] * fuel["oxidation"] * CO2_PER_C

    # Carriers with a guideline NCV but no GB/T 2589 row: the coefficient follows the
    # standard's own definition of 折标准煤系数, NCV / 29.3076 GJ per tce (GB/T 2589-2020, 3.9).
    have = set(energy["carrier"])
    derived = fuel[~fuel["carrier"].isin(have) & fuel["carrier"].isin(cat)]
    if not derived.empty:
        extra = pd.DataFrame({
            "carrier": derived["carrier"],
            "tce_per_unit": derived["ncv_gj_per_unit"] / GJ_PER_TCE,
            "factor_id": "derived-ncv:" + derived["carrier"],
        })
        for _, drow in derived.iterrows():
            src = citations[drow["factor_id"]]
            citations[f"derived-ncv:{drow['carrier']}"] = {
                "document": "GB/T 2589-2020 3.9 折标准煤系数 (= NCV / 29.3076 GJ/tce) with NCV from "
                            + src["document"],
                "edition": "GB/T 2589-2020; " + src["edition"],
                "clause": "3.9; " + src["clause"],
                "tag": src["tag"],
                "note": f"no row in GB/T 2589 Annex A; derived from {drow['factor_id']}",
            }
        energy = pd.concat([energy, extra], ignore_index=True)

    ev = raw["electricity_equal_value"]
    equal_value = pd.DataFrame({
        "data_year": _num(ev["data_year"], "electricity_equal_value", "data_year").astype("int64"),
        "tce_per_kwh": [to_canonical(float(v), u, "tce", "kWh")
                        for v, u in zip(_num(ev["value"], "equal_value", "value"), ev["value_unit"],
                                        strict=True)],
        "factor_id": ev["factor_id"],
    })
    if equal_value["data_year"].duplicated().any():
        raise ConfigError(f"factor set {name!r}: electricity equal-value factors repeat a year")

    g = raw["grid"]
    g = g[(g["series"] == spec["grid_series"]) & (g["region"] == spec["grid_region"])]
    if g.empty:
        raise ConfigError(f"factor set {name!r}: no grid factors for series "
                          f"{spec['grid_series']!r} region {spec['grid_region']!r}")
    grid = pd.DataFrame({
        "data_year": _num(g["data_year"], "grid", "data_year").astype("int64"),
        "tco2_per_kwh": [to_canonical(float(v), u, "t", "kWh")
                         for v, u in zip(_num(g["value"], "grid", "value"), g["value_unit"], strict=True)],
        "factor_id": g["factor_id"],
    }).reset_index(drop=True)
    if grid["data_year"].duplicated().any():
        raise ConfigError(f"factor set {name!r}: grid factors repeat a year")

    h = raw["heat"]
    if len(h) != 1:
        raise ConfigError(f"factor set {name!r}: expected exactly one purchased-heat factor")
    heat = to_canonical(float(h["value"].iloc[0]), h["value_unit"].iloc[0], "t", "GJ")

    p = raw["process"]
    process = pd.DataFrame({
        "material": p["material"], "method": p["method"],
        "tco2_per_t": [to_canonical(float(v), u, "t", "t")
                       for v, u in zip(_num(p["value"], "process", "value"), p["value_unit"], strict=True)],
        "factor_id": p["factor_id"],
    })
    return FactorSet(name=name, version=str(spec["version"]), grid_series=spec["grid_series"],
                     grid_region=spec["grid_region"], files=files, energy=energy, fuel_carbon=fuel,
                     equal_value=equal_value, grid=grid, heat_tco2_per_gj=heat,
                     heat_factor_id=str(h["factor_id"].iloc[0]), process=process,
                     citations=citations, overridden=overridden, **_non_co2_tables(name, spec, raw),
                     material_carbon=_material_carbon(raw["material_carbon"]))


def _material_carbon(m: pd.DataFrame) -> pd.DataFrame:
    """The carbon-balance defaults in canonical units: ``tco2_per_unit`` is t CO2 per t (or
    per m³ for a gas, the unit of the row's quantity); a carbon content (``basis`` carbon,
    tC per unit) is multiplied by 44/12."""
    units, values = [], []
    for v, u, basis in zip(_num(m["value"], "material_carbon", "value"), m["value_unit"], m["basis"], strict=True):
        if basis not in ("co2", "carbon"):
            raise ConfigError(f"factor table material_carbon: basis must be co2 or carbon, not {basis!r}")
        for denom in ("t", "m3"):
            try:
                value = to_canonical(float(v), u, "t", denom)
            except (TypeError, ValueError):  # pint: another dimension
                continue
            units.append(denom)
            values.append(value * (CO2_PER_C if basis == "carbon" else 1.0))
            break
        else:
            raise ConfigError(f"factor table material_carbon: unit {u!r} is neither t/t nor t/m³")
    return pd.DataFrame({
        "guideline": m["guideline"], "material": m["material"], "flows": m["flows"],
        "tco2_per_unit": values, "unit": units, "purity_required": m["purity"] == "required",
        "factor_id": m["factor_id"],
    }).reset_index(drop=True)


def _non_co2_tables(name: str, spec: dict[str, Any], raw: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The N2O generation factors and removal rates (percent → fraction) and the GWPs of the
    set's ``gwp_set`` (docs/accounting.md, "Other greenhouse gases")."""
    g = raw["n2o_generation"]
    generation = pd.DataFrame({"source": g["source"], "technology": g["technology"],
                               "kg_n2o_per_t": _num(g["kg_n2o_per_t"], "n2o_generation", "kg_n2o_per_t"),
                               "factor_id": g["factor_id"]})
    a = raw["n2o_abatement"]
    abatement = pd.DataFrame({"source": a["source"], "abatement": a["abatement"],
                              "removal_fraction": _num(a["removal_pct"], "n2o_abatement", "removal_pct") / 100.0,
                              "factor_id": a["factor_id"]})
    gwp_set = str(spec["gwp_set"])
    w = raw["gwp"]
    w = w[w["gwp_set"] == gwp_set]
    missing = sorted(set(GWP_GASES) - set(w["gas"]))
    if missing:
        raise ConfigError(f"factor set {name!r}: GWP set {gwp_set!r} lacks {', '.join(missing)}")
    if w["gas"].duplicated().any():
        raise ConfigError(f"factor set {name!r}: GWP set {gwp_set!r} repeats a gas")
    gwp = pd.DataFrame({"gas": w["gas"], "gwp": _num(w["gwp"], "gwp", "gwp"), "factor_id": w["factor_id"]})
    return {"n2o_generation": generation.reset_index(drop=True), "n2o_abatement": abatement.reset_index(drop=True),
            "gwp": gwp.reset_index(drop=True), "gwp_set": gwp_set}
