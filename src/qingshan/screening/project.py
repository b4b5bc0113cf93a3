"""A proposed project, read from YAML or from an Excel workbook (docs/screening.md), and
turned into a one-enterprise data package so that its energy rows pass through the same
carrier, unit and use checks as any package.

Problems of the project file itself have codes X0xx (read and checked by
:mod:`qingshan.rulefile`); problems of its energy and process rows are the package codes
(P0xx), naming the project file and the row of the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qingshan.data.raw import RawPackage, RawTable
from qingshan.data.uscc import uscc_check_char
from qingshan.errors import Problem, ValidationError
from qingshan.rulefile import Checker, read_rule_file
from qingshan.schema.tables import tables

KINDS = ("new", "expansion")
#: The keys of a process row: the package's process columns (docs/data-package.md) but the
#: enterprise and period, which the project gives.
PROCESS_KEYS = ("material", "quantity", "unit", "cao_fraction", "mgo_fraction", "calcination_fraction",
                "sulfur_fraction", "ash_fraction", "cao_noncarbonate_fraction", "mgo_noncarbonate_fraction",
                "raw_meal_co2_fraction", "raw_meal_loss_on_ignition", "carbon_fraction")
#: The keys of a gases row (non-CO2 greenhouse gases: the package's ``gases`` columns but the
#: enterprise and period) and of a materials row (the carbon balance's ``materials`` columns),
#: each with ``basis``: where the row's own factors come from (:data:`FACTOR_BASES`).
GAS_KEYS = ("source", "technology", "quantity", "unit", "abatement", "abatement_use", "n2o_kg_per_t",
            "cf4_kg_per_t", "c2f6_kg_per_t", "basis")
MATERIAL_KEYS = ("material", "flow", "quantity", "unit", "carbon_fraction", "purity", "basis")
#: The columns of a gases or materials row that are the project's own factor rather than a
#: guideline default: a row giving one must say where it comes from (``basis``, X011).
OWN_FACTORS = {"gases": ("n2o_kg_per_t", "cf4_kg_per_t", "c2f6_kg_per_t"), "materials": ("carbon_fraction",)}
#: Where a project's own factor comes from. A project not yet built has no measurement of its
#: own: its factors are design values, a supplier's guarantee or measured at a comparable
#: plant; they are the project's data, never a guideline default. Chinese names accepted.
FACTOR_BASES = {"design": ("设计值", "design value"), "guarantee": ("供货方保证值", "supplier's guarantee"),
                "analogue": ("类比装置实测值", "measured at a comparable plant"),
                "measured": ("实测值", "measured (existing plant)")}
AFTER_ID = "91459900PRJAFTER1"
BEFORE_ID = "91459900PRJBEFR01"


@dataclass(frozen=True)
class Product:
    product: str  # key in the efficiency table, or a free name
    name: str
    capacity: float
    unit: str
    indicator_value: float | None = None  # the builder's stated figure, in the benchmark's unit
    energy_share: float | None = None


@dataclass
class Project:
    file: str
    name: str
    builder: str
    industry_code: str
    kind: str
    application_date: dt.date
    commissioning_year: int
    district_id: str | None
    park_id: str | None
    products: list[Product]
    energy: pd.DataFrame  # carrier, quantity, unit, use, row (after the project)
    existing_energy: pd.DataFrame  # before (expansion only)
    output_value: float | None
    value_added: float | None
    tax: float | None
    revenue: float | None
    land_mu: float | None
    employees: float | None
    # process activity (the package's process columns as text, and row), after the project
    # and before it (expansion only): anodes, clinker, carbonates …
    process: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=[*PROCESS_KEYS, "row"]))
    existing_process: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=[*PROCESS_KEYS, "row"]))
    # non-CO2 gases (N2O, PFCs) and carbon-balance materials, after and before (expansion only),
    # as text rows with ``basis`` and ``row`` (docs/screening.md)
    gases: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=[*GAS_KEYS, "row"]))
    existing_gases: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=[*GAS_KEYS, "row"]))
    materials: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=[*MATERIAL_KEYS, "row"]))
    existing_materials: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=[*MATERIAL_KEYS, "row"]))
    ghg_method: str | None = None  # overrides the method the industry code gives (entities column ghg_method)


def uscc(body: str) -> str:
    return body + uscc_check_char(body)


PROJECT_PACKAGE, PROJECT_FOLDER = "qingshan.screening", "demo_projects"
PROJECT_KEYS = ("name", "builder", "industry_code", "kind", "application_date", "commissioning_year", "district_id",
                "park_id", "products", "energy", "existing_energy", "process", "existing_process", "gases",
                "existing_gases", "materials", "existing_materials", "ghg_method", "money_unit",
                "output_value", "value_added", "tax", "revenue", "land_mu", "employees")
PRODUCT_KEYS = ("product", "name", "capacity", "unit", "indicator_value", "energy_share")
ENERGY_KEYS = ("carrier", "quantity", "unit", "use")
MONEY_UNITS = {"万元": 1.0, "元": 1e-4, "亿元": 1e4}


def read_project(source: str | Path) -> Project:
    """A project: a demo project by name (``"auto_parts"``) or a .yaml/.yml/.xlsx file
    (:class:`~pathlib.Path`; a ``str`` is never a path). Every problem is collected."""
    if isinstance(source, Path) and source.suffix.lower() == ".xlsx":
        return _parse(_from_workbook(source), source.name)
    label = source.name if isinstance(source, Path) else None
    rf = read_rule_file(source, package=PROJECT_PACKAGE, folder=PROJECT_FOLDER, code="X",
                        suffixes=(".yaml", ".yml", ".xlsx") if isinstance(source, Path) else (".yaml", ".yml"),
                        label=label)
    return _parse(rf.raw, rf.label)


def _from_workbook(p: Path) -> dict[str, Any]:
    """Sheets 项目 (field, value), 能源 (carrier, quantity, unit, use), 产品 (product, …) and,
    for an expansion, 现有能源."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(p))
    except (OSError, ValueError, CalamineError) as exc:
        raise ValidationError([Problem("X001", p.name, None, None, None, f"可读的 Excel 工作簿：{exc}",
                                       f"a readable Excel workbook: {exc}")]) from exc
    out: dict[str, Any] = {}

    def cell(v: Any) -> Any:
        return int(v) if isinstance(v, float) and v.is_integer() else v

    def rows(name: str) -> list[dict[str, Any]]:
        if name not in wb.sheet_names:
            return []
        data = wb.get_sheet_by_name(name).to_python()
        if not data:
            return []
        head = [str(h).strip() for h in data[0]]
        return [{h: cell(c) for h, c in zip(head, r, strict=False) if h}
                for r in data[1:] if any(str(c).strip() for c in r)]

    for r in rows("项目") or rows("project"):
        k = str(r.get("field", r.get("字段", ""))).strip()
        if k:
            out[k] = r.get("value", r.get("值"))
    for key, zh in (("energy", "能源"), ("existing_energy", "现有能源"), ("products", "产品"),
                    ("process", "工业过程"), ("existing_process", "现有工业过程"), ("gases", "温室气体"),
                    ("existing_gases", "现有温室气体"), ("materials", "含碳物料"),
                    ("existing_materials", "现有含碳物料")):
        found = rows(zh) or rows(key)
        if found:
            out[key] = found
    return out


def _parse(raw: dict[str, Any], label: str) -> Project:
    c = Checker(label, "X010")
    c.only(raw, PROJECT_KEYS)
    name, builder = c.text(raw, "name", coerce=True), c.text(raw, "builder", coerce=True)
    code = c.text(raw, "industry_code", coerce=True)
    if code:
        c.form("industry_code", code, r"\d{4}", "GB/T 4754-2017 四位行业代码", "a 4-digit GB/T 4754-2017 code")
    kind = c.one_of(raw, "kind", KINDS, required=False, default="new")
    app = c.date(raw, "application_date")
    year = c.number(raw, "commissioning_year", text_ok=True)
    if year is not None and not (2000 <= year <= 2100 and year == int(year)):
        c.problem("commissioning_year", year, "投产年份", "a commissioning year")
    park = c.text(raw, "park_id", required=False, coerce=True) or None
    district = c.text(raw, "district_id", required=False, coerce=True) or None
    if park is None and district is None:
        c.problem("district_id", None, "district_id 或 park_id 至少一项", "district_id or park_id")
    energy = _energy(c, raw, "energy", required=True)
    existing = _energy(c, raw, "existing_energy", required=kind == "expansion")
    if kind == "new" and len(existing):
        c.problem("existing_energy", None, "新建项目不填现有能源（改扩建项目才填）",
                  "no existing energy for a new project")
    products = []
    for i, pr in enumerate(c.tables(raw, "products", required=False)):
        w = f"products[{i}]"
        c.only(pr, PRODUCT_KEYS, w)
        product = c.text(pr, "product", w, coerce=True)
        products.append(Product(product=product, name=c.text(pr, "name", w, required=False, default=product),
                                capacity=c.number(pr, "capacity", w, lo=0.0, text_ok=True) or 0.0,
                                unit=c.text(pr, "unit", w, required=False, default="t"),
                                indicator_value=c.number(pr, "indicator_value", w, required=False, text_ok=True),
                                energy_share=c.number(pr, "energy_share", w, required=False, lo=0.0, hi=1.0,
                                                      text_ok=True)))
    money_unit = c.one_of(raw, "money_unit", tuple(MONEY_UNITS), required=False, default="万元")
    scale = MONEY_UNITS.get(money_unit, 1.0)
    vals = {k: c.number(raw, k, required=False, lo=0.0, text_ok=True)
            for k in ("output_value", "value_added", "tax", "revenue", "land_mu", "employees")}
    process = _process(c, raw, "process")
    existing_process = _process(c, raw, "existing_process")
    if kind == "new" and len(existing_process):
        c.problem("existing_process", None, "新建项目不填现有工业过程（改扩建项目才填）",
                  "no existing process activity for a new project")
    rows = {k: _rows(c, raw, k, GAS_KEYS if "gases" in k else MATERIAL_KEYS)
            for k in ("gases", "existing_gases", "materials", "existing_materials")}
    for k in ("existing_gases", "existing_materials"):
        if kind == "new" and len(rows[k]):
            c.problem(k, None, f"新建项目不填 {k}（改扩建项目才填）", f"no {k} for a new project")
    ghg_method = c.text(raw, "ghg_method", required=False, coerce=True) or None
    c.raise_if_any()
    assert app is not None and year is not None

    def money(v: float | None) -> float | None:
        return None if v is None else v * scale

    return Project(file=label, name=name, builder=builder, industry_code=code, kind=kind, application_date=app,
                   commissioning_year=int(year), district_id=district, park_id=park, products=products,
                   energy=energy, existing_energy=existing, output_value=money(vals["output_value"]),
                   value_added=money(vals["value_added"]), tax=money(vals["tax"]), revenue=money(vals["revenue"]),
                   land_mu=vals["land_mu"], employees=vals["employees"], process=process,
                   existing_process=existing_process, gases=rows["gases"], existing_gases=rows["existing_gases"],
                   materials=rows["materials"], existing_materials=rows["existing_materials"],
                   ghg_method=ghg_method)


def _energy(c: Checker, raw: dict[str, Any], key: str, required: bool) -> pd.DataFrame:
    """The energy list as text rows (carrier, quantity, unit, use, row): the package checks
    carriers, units, quantities and uses, naming the row of the list (1 = first)."""
    cols = ["carrier", "quantity", "unit", "use", "row"]
    items = raw.get(key)
    if items is None or items == []:
        if required:
            c.problem(key, None, "年能源消费清单（品种、数量、单位、用途）",
                      "the list of annual energy use (carrier, quantity, unit, use)")
        return pd.DataFrame(columns=cols)
    rows = []
    for i, it in enumerate(c.tables(raw, key)):
        c.only(it, ENERGY_KEYS, f"{key}[{i}]")
        rows.append({"carrier": _cell(it.get("carrier")), "quantity": _cell(it.get("quantity")),
                     "unit": _cell(it.get("unit")), "use": _cell(it.get("use", "fuel")) or "fuel", "row": i + 1})
    return pd.DataFrame(rows, columns=cols)


def _process(c: Checker, raw: dict[str, Any], key: str) -> pd.DataFrame:
    """The process list as text rows (the columns of :data:`PROCESS_KEYS`, row): the package
    checks materials, units, fractions and what each material needs (an anode its measured
    sulphur and ash, P063), naming the row of the list (1 = first). No value is defaulted."""
    rows = []
    for i, it in enumerate(c.tables(raw, key, required=False)):
        c.only(it, PROCESS_KEYS, f"{key}[{i}]")
        rows.append({**{k: _cell(it.get(k)) for k in PROCESS_KEYS}, "row": i + 1})
    return pd.DataFrame(rows, columns=[*PROCESS_KEYS, "row"])


def _rows(c: Checker, raw: dict[str, Any], key: str, keys: tuple[str, ...]) -> pd.DataFrame:
    """A gases or materials list as text rows (``keys``, row): the package checks sources,
    materials, flows, units and factors (P103–P127), naming the row of the list (1 = first).
    Here each row's ``basis`` is checked (X011): a row that gives a factor of its own
    (:data:`OWN_FACTORS`) says where it comes from (one of :data:`FACTOR_BASES`, or its
    Chinese name), and a row without one gives no basis. No value is defaulted."""
    table = "gases" if "gases" in key else "materials"
    zh_of = {zh: k for k, (zh, _) in FACTOR_BASES.items()}
    names = "、".join(f"{k} {zh}" for k, (zh, _) in FACTOR_BASES.items())
    out = []
    for i, it in enumerate(c.tables(raw, key, required=False)):
        w = f"{key}[{i}]"
        c.only(it, keys, w)
        row = {k: _cell(it.get(k)) for k in keys}
        own = [k for k in OWN_FACTORS[table] if row[k].strip()]
        basis = row["basis"].strip()
        basis = zh_of.get(basis, basis)
        if own and not basis:
            c.problem(f"{w}.basis", None, f"{'、'.join(own)} 为项目自有数据，须注明来源：{names}",
                      f"{', '.join(own)} are the project's own: say where they come from: "
                      f"{', '.join(FACTOR_BASES)}", code="X011")
        elif basis and basis not in FACTOR_BASES:
            c.problem(f"{w}.basis", basis, f"取值之一：{names}", f"one of {', '.join(FACTOR_BASES)}", code="X011")
        elif basis and not own:
            c.problem(f"{w}.basis", basis, f"basis 仅用于项目自有的 {'、'.join(OWN_FACTORS[table])}（本行未填）",
                      f"basis only with a factor of the project's own ({', '.join(OWN_FACTORS[table])}): "
                      "this row gives none", code="X011")
        out.append({**row, "basis": basis, "row": i + 1})
    return pd.DataFrame(out, columns=[*keys, "row"])


def own_factors(project: Project) -> list[dict[str, Any]]:
    """The project's own factors (gases and materials rows that give one), each with its
    list, row, what it is, the values and their ``basis`` (:data:`FACTOR_BASES`): reported in
    the verdict as the project's data, not a guideline's default."""
    out = []
    for key in ("gases", "existing_gases", "materials", "existing_materials"):
        frame: pd.DataFrame = getattr(project, key)
        table = "gases" if "gases" in key else "materials"
        for r in frame.to_dict("records"):
            vals = {k: float(r[k]) for k in OWN_FACTORS[table] if str(r[k]).strip() and _is_number(r[k])}
            if vals:
                b = FACTOR_BASES.get(str(r["basis"]), (str(r["basis"]), str(r["basis"])))
                out.append({"list": key, "row": int(r["row"]),
                            "item": str(r["source"] if table == "gases" else r["material"]), **vals,
                            "basis": str(r["basis"]), "basis_zh": b[0], "basis_en": b[1]})
    return out


def _is_number(v: Any) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def _cell(v: Any) -> str:
    return "" if v is None else str(v)


def raw_package(project: Project, district_of_park: dict[str, str]) -> RawPackage:
    """The project as a package: enterprise ``after`` (and ``before`` for an expansion),
    each with its annual energy and process activity in January of the application year, so
    that the factors are those a review on that date would use (later years are not yet
    published)."""
    district = project.district_id or district_of_park.get(project.park_id or "", "")
    period = f"{project.application_date.year}-01"
    ents = [{"entity_id": "459900", "entity_type": "city", "name": "city"},
            {"entity_id": district or "459999", "entity_type": "district", "name": "district"}]
    energy_rows, rows = [], []
    for eid, frame in ((uscc(AFTER_ID), project.energy), (uscc(BEFORE_ID), project.existing_energy)):
        if eid.startswith(BEFORE_ID) and project.kind != "expansion":
            continue
        ents.append({"entity_id": eid, "entity_type": "enterprise", "name": project.name,
                     "district_id": district or "459999", "industry_code": project.industry_code, "scale": "above",
                     "ghg_method": project.ghg_method or ""})
        for r in frame.to_dict("records"):
            energy_rows.append({"entity_id": eid, "period": period, "carrier": r["carrier"],
                                "quantity": r["quantity"], "unit": r["unit"], "use": r["use"]})
            rows.append(int(r["row"]))
    spec = tables()
    ent = pd.DataFrame(ents).reindex(columns=list(spec["entities"].column_names), fill_value="")
    en = pd.DataFrame(energy_rows).reindex(columns=list(spec["energy"].column_names), fill_value="")
    ent, en = (f.astype(object).where(f.notna(), "").astype(str) for f in (ent, en))
    listed: dict[str, list[RawTable]] = {"process": [], "gases": [], "materials": []}
    for table, key, eid, frame in (
            ("process", "process", uscc(AFTER_ID), project.process),
            ("process", "existing_process", uscc(BEFORE_ID), project.existing_process),
            ("gases", "gases", uscc(AFTER_ID), project.gases),
            ("gases", "existing_gases", uscc(BEFORE_ID), project.existing_gases),
            ("materials", "materials", uscc(AFTER_ID), project.materials),
            ("materials", "existing_materials", uscc(BEFORE_ID), project.existing_materials)):
        if len(frame) == 0 or (key.startswith("existing_") and project.kind != "expansion"):
            continue
        pr = frame.drop(columns=[c for c in ("row", "basis") if c in frame]).assign(entity_id=eid, period=period)
        pr = pr.reindex(columns=list(spec[table].column_names), fill_value="")
        listed[table].append(RawTable(table, f"{project.file}: {key}",
                                      pr.astype(object).where(pr.notna(), "").astype(str).reset_index(drop=True),
                                      pd.Series(frame["row"].astype(int).to_numpy())))
    empty: dict[str, list[RawTable]] = {t: [] for t in ("economics", "production", "pollutants")}
    return RawPackage(tables={"entities": [RawTable("entities", f"{project.file}: entities", ent,
                                                    pd.Series(range(2, len(ent) + 2)))],
                              "energy": [RawTable("energy", f"{project.file}: energy", en, pd.Series(rows))],
                              **listed, **empty},
                      problems=[], source=project.file)
