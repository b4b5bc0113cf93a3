"""A proposed project, read from YAML or from an Excel workbook (docs/screening.md), and
turned into a one-enterprise data package so that its energy rows pass through the same
carrier, unit and use checks as any package.

Problems of the project file itself have codes X0xx; problems of its energy rows are the
package codes (P0xx), naming the project file and the row of the energy list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from qingshan.data.readers import RawPackage, RawTable
from qingshan.data.spec import tables
from qingshan.data.uscc import uscc_check_char
from qingshan.errors import Problem, ValidationError

KINDS = ("new", "expansion")
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
    process: list[dict[str, Any]] = field(default_factory=list)


def uscc(body: str) -> str:
    return body + uscc_check_char(body)


def read_project(path: str | Path) -> Project:
    """Read a project from .yaml/.yml or .xlsx; every problem is collected."""
    p = Path(path)
    if p.suffix.lower() in (".yaml", ".yml"):
        try:
            raw = yaml.safe_load(p.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ValidationError([Problem("X001", p.name, None, None, None, f"可读的 YAML 文件：{exc}",
                                           f"a readable YAML file: {exc}")]) from exc
    elif p.suffix.lower() == ".xlsx":
        raw = _from_workbook(p)
    else:
        raise ValidationError([Problem("X001", p.name, None, None, p.suffix, ".yaml、.yml 或 .xlsx 文件",
                                       "a .yaml, .yml or .xlsx file")])
    if not isinstance(raw, dict):
        raise ValidationError([Problem("X002", p.name, None, None, None, "键值结构（字段: 值）",
                                       "a mapping of fields")])
    return _parse(raw, p.name)


def _from_workbook(p: Path) -> dict[str, Any]:
    """Sheets 项目 (field, value), 能源 (carrier, quantity, unit, use), 产品 (product, …) and,
    for an expansion, 现有能源."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(p))
    out: dict[str, Any] = {}

    def rows(name: str) -> list[dict[str, Any]]:
        if name not in wb.sheet_names:
            return []
        data = wb.get_sheet_by_name(name).to_python()
        if not data:
            return []
        head = [str(h).strip() for h in data[0]]
        return [dict(zip(head, r, strict=False)) for r in data[1:] if any(str(c).strip() for c in r)]

    for r in rows("项目") or rows("project"):
        k = str(r.get("field", r.get("字段", ""))).strip()
        if k:
            out[k] = r.get("value", r.get("值"))
    out["energy"] = rows("能源") or rows("energy")
    out["existing_energy"] = rows("现有能源") or rows("existing_energy")
    out["products"] = rows("产品") or rows("products")
    return out


def _parse(raw: dict[str, Any], label: str) -> Project:
    problems: list[Problem] = []

    def bad(key: str, value: Any, zh: str, en: str, row: int | None = None) -> None:
        problems.append(Problem("X010", label, row, key, None if value is None else str(value), zh, en))

    def text(key: str, required: bool = True) -> str | None:
        v = raw.get(key)
        if v is None or str(v).strip() == "":
            if required:
                bad(key, None, "必填", "required")
            return None
        return str(v).strip()

    def number(key: str, src: dict[str, Any] | None = None, required: bool = False, row: int | None = None
               ) -> float | None:
        d = raw if src is None else src
        v = d.get(key)
        if v is None or str(v).strip() == "":
            if required:
                bad(key, None, "必填的数值", "a required number", row)
            return None
        try:
            x = float(v)
        except (TypeError, ValueError):
            bad(key, v, "数值", "a number", row)
            return None
        if x < 0:
            bad(key, v, "非负数", "a number ≥ 0", row)
            return None
        return x

    name, builder = text("name"), text("builder")
    code = text("industry_code")
    if code is not None and (len(code) != 4 or not code.isdigit()):
        bad("industry_code", code, "GB/T 4754-2017 四位行业代码", "a 4-digit GB/T 4754-2017 code")
    kind = text("kind", False) or "new"
    if kind not in KINDS:
        bad("kind", kind, "new（新建）或 expansion（改扩建）", "new or expansion")
    date_v = raw.get("application_date")
    app: dt.date | None = None
    if isinstance(date_v, dt.date):
        app = date_v
    else:
        try:
            app = dt.date.fromisoformat(str(date_v))
        except ValueError:
            bad("application_date", date_v, "申报日期 YYYY-MM-DD", "the application date, YYYY-MM-DD")
    year = number("commissioning_year", required=True)
    if year is not None and not (2000 <= year <= 2100 and year == int(year)):
        bad("commissioning_year", year, "投产年份", "a commissioning year")
    park, district = text("park_id", False), text("district_id", False)
    if park is None and district is None:
        bad("district_id", None, "district_id 或 park_id 至少一项", "district_id or park_id")
    energy = _energy(raw.get("energy"), "energy", label, problems, required=True)
    existing = _energy(raw.get("existing_energy"), "existing_energy", label, problems, required=kind == "expansion")
    if kind == "new" and len(existing):
        bad("existing_energy", None, "新建项目不填现有能源（改扩建项目才填）", "no existing energy for a new project")
    products = []
    for i, pr in enumerate(raw.get("products") or []):
        if not isinstance(pr, dict):
            bad("products", pr, "产品条目", "a product entry", i + 1)
            continue
        cap = number("capacity", pr, required=True, row=i + 1)
        products.append(Product(product=str(pr.get("product", "")).strip(),
                                name=str(pr.get("name", pr.get("product", ""))), capacity=cap or 0.0,
                                unit=str(pr.get("unit", "t")), indicator_value=number("indicator_value", pr, row=i + 1),
                                energy_share=number("energy_share", pr, row=i + 1)))
    money_unit = str(raw.get("money_unit", "万元"))
    scale = {"万元": 1.0, "元": 1e-4, "亿元": 1e4}.get(money_unit)
    if scale is None:
        bad("money_unit", money_unit, "万元、元 或 亿元", "万元, 元 or 亿元")
        scale = 1.0
    vals = {k: number(k) for k in ("output_value", "value_added", "tax", "revenue", "land_mu", "employees")}
    if problems:
        raise ValidationError(problems)
    assert name and builder and code and app and year is not None

    def money(v: float | None) -> float | None:
        return None if v is None else v * scale

    return Project(file=label, name=name, builder=builder, industry_code=code, kind=kind, application_date=app,
                   commissioning_year=int(year), district_id=district, park_id=park, products=products,
                   energy=energy, existing_energy=existing, output_value=money(vals["output_value"]),
                   value_added=money(vals["value_added"]), tax=money(vals["tax"]), revenue=money(vals["revenue"]),
                   land_mu=vals["land_mu"], employees=vals["employees"], process=list(raw.get("process") or []))


def _energy(items: Any, key: str, label: str, problems: list[Problem], required: bool) -> pd.DataFrame:
    cols = ["carrier", "quantity", "unit", "use", "row"]
    if not items:
        if required:
            problems.append(Problem("X010", label, None, key, None, "年能源消费清单（品种、数量、单位、用途）",
                                    "the list of annual energy use (carrier, quantity, unit, use)"))
        return pd.DataFrame(columns=cols)
    if not isinstance(items, list):
        problems.append(Problem("X010", label, None, key, None, "列表", "a list"))
        return pd.DataFrame(columns=cols)
    rows = []
    for i, it in enumerate(items):
        if not isinstance(it, dict):
            problems.append(Problem("X010", label, i + 1, key, str(it), "{carrier, quantity, unit, use}",
                                    "{carrier, quantity, unit, use}"))
            continue
        rows.append({"carrier": str(it.get("carrier", "")), "quantity": str(it.get("quantity", "")),
                     "unit": str(it.get("unit", "")), "use": str(it.get("use", "fuel")), "row": i + 1})
    return pd.DataFrame(rows, columns=cols)


def raw_package(project: Project, district_of_park: dict[str, str]) -> RawPackage:
    """The project as a package: enterprise ``after`` (and ``before`` for an expansion),
    each with its annual energy in January of the application year, so that the factors
    are those a review on that date would use (later years are not yet published)."""
    district = project.district_id or district_of_park.get(project.park_id or "", "")
    period = f"{project.application_date.year}-01"
    ents = [{"entity_id": "459900", "entity_type": "city", "name": "city"},
            {"entity_id": district or "459999", "entity_type": "district", "name": "district"}]
    energy_rows, rows = [], []
    for eid, frame in ((uscc(AFTER_ID), project.energy), (uscc(BEFORE_ID), project.existing_energy)):
        if eid.startswith(BEFORE_ID) and project.kind != "expansion":
            continue
        ents.append({"entity_id": eid, "entity_type": "enterprise", "name": project.name,
                     "district_id": district or "459999", "industry_code": project.industry_code, "scale": "above"})
        for r in frame.to_dict("records"):
            energy_rows.append({"entity_id": eid, "period": period, "carrier": r["carrier"],
                                "quantity": r["quantity"], "unit": r["unit"], "use": r["use"]})
            rows.append(int(r["row"]))
    spec = tables()
    ent = pd.DataFrame(ents).reindex(columns=list(spec["entities"].column_names), fill_value="")
    en = pd.DataFrame(energy_rows).reindex(columns=list(spec["energy"].column_names), fill_value="")
    ent, en = (f.astype(object).where(f.notna(), "").astype(str) for f in (ent, en))
    empty: dict[str, list[RawTable]] = {t: [] for t in ("economics", "production", "process", "pollutants")}
    return RawPackage(tables={"entities": [RawTable("entities", f"{project.file}: entities", ent,
                                                    pd.Series(range(2, len(ent) + 2)))],
                              "energy": [RawTable("energy", f"{project.file}: energy", en, pd.Series(rows))],
                              **empty},
                      problems=[], source=project.file)
