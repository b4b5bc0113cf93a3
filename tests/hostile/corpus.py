"""The corpus: every class of bad input of issue #13 as small packages, each the demo city
with one targeted corruption, in CSV and in workbook form where the class exists in both.

A :class:`Case` writes its package under a folder (``package/`` or ``package.xlsx``, the
layout of a city's data directory) and says which problem it must produce and where: the
file (or sheet) label, the row a person sees and the column.
"""

from __future__ import annotations

import os
import random
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from qingshan.data.demo import generate_demo_city
from qingshan.schema.tables import TABLE_ORDER, tables

WORKBOOK = "package.xlsx"
FOLDER = "package"
Tables = dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Formula:
    """A formula cell whose cached result is an error value (as Excel saves it)."""

    expr: str
    result: str


@cache
def _base() -> Mapping[str, pd.DataFrame]:
    city = generate_demo_city(enterprises=12, years=[2023])
    return {name: frame.astype(object).where(frame.notna(), None) for name, frame in city.items()}


def base_tables() -> Tables:
    """The demo city's tables as Python objects (a fresh copy each call)."""
    return {name: frame.copy() for name, frame in _base().items()}


def sheet(table: str) -> str:
    return tables()[table].sheet_aliases[0]


def _csv_value(v: Any) -> Any:
    return v.result if isinstance(v, Formula) else v


def write_csv(t: Mapping[str, pd.DataFrame], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in t.items():
        frame.map(_csv_value).to_csv(folder / f"{name}.csv", index=False)
    return folder


def write_xlsx(t: Mapping[str, pd.DataFrame], path: Path,
               tweak: Callable[[Any, dict[str, Worksheet]], None] | None = None) -> Path:
    """A workbook with a sheet per table (numbers as numbers, text as text, formula errors
    as formulas with their cached error)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "nan_inf_to_errors": False})
    sheets: dict[str, Worksheet] = {}
    for name, frame in t.items():
        ws = wb.add_worksheet(sheet(name))
        sheets[name] = ws
        ws.write_row(0, 0, [str(c) for c in frame.columns])
        for i, row in enumerate(frame.itertuples(index=False), start=1):
            for j, v in enumerate(row):
                if v is None or (isinstance(v, float) and v != v):
                    continue
                if isinstance(v, Formula):
                    ws.write_formula(i, j, v.expr, None, v.result)
                elif isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                elif isinstance(v, (int, float)) and abs(v) != float("inf"):
                    ws.write_number(i, j, float(v))
                else:
                    ws.write_string(i, j, str(v))
    if tweak is not None:
        tweak(wb, sheets)
    wb.close()
    return path


def write_tables(t: Mapping[str, pd.DataFrame], root: Path, form: str) -> Path:
    """Write ``t`` as ``root/package/`` (CSV) or ``root/package.xlsx``."""
    return write_csv(t, root / FOLDER) if form == "csv" else write_xlsx(t, root / WORKBOOK)


def rezip(path: Path, *, edit: Mapping[str, Callable[[bytes], bytes]] | None = None,
          add: Mapping[str, bytes] | None = None, declare: Mapping[str, int] | None = None) -> None:
    """Rewrite a workbook's zip: entries edited or added, and (``declare``) an entry's size
    in the central directory replaced by a false one."""
    with zipfile.ZipFile(path) as zin:
        entries = [(i, zin.read(i.filename)) for i in zin.infolist()]
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            zout.writestr(info.filename, (edit or {}).get(info.filename, lambda b: b)(data))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
        for info in zout.filelist:
            if declare and info.filename in declare:
                info.file_size = declare[info.filename]
    os.replace(tmp, path)


def _sheet_entry(_path: Path, table: str) -> str:
    """The zip entry of a table's sheet (xlsxwriter numbers sheets in the order written)."""
    return f"xl/worksheets/sheet{list(TABLE_ORDER).index(table) + 1}.xml"


@dataclass(frozen=True)
class Case:
    """One bad package and the problem it must produce."""

    name: str
    form: str  # csv | xlsx
    code: str
    make: Callable[[Path], Path]  # writes the package under a folder, returns its path
    table: str | None = None  # the table whose file or sheet the problem names
    row: int | None = None  # the row a person sees (the header is row 1)
    column: str | None = None
    file: str | None = None  # the label, when it is not the table's file or sheet
    value: str | None = None  # a part of the value shown
    alone: bool = True  # no other error is reported
    unreadable: str | None = None  # a file name the test makes unreadable
    folder: bool = field(default=False)  # an xlsx-form case kept in a package folder

    @property
    def id(self) -> str:
        return f"{self.form}-{self.name}"

    def label(self) -> str:
        if self.file is not None:
            return self.file
        assert self.table is not None
        return f"{self.table}.csv" if self.form == "csv" else f"{WORKBOOK}[{sheet(self.table)}]"

    def location(self) -> tuple[str, int | None, str | None]:
        return self.label(), self.row, self.column


def build(case: Case, root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return case.make(root)


# --- cell corruptions: the same edit in both forms ---------------------------------------

Edit = tuple[str, int, str, Any]  # table, data row, column, new value


def _edited(edits: list[Edit]) -> Tables:
    t = base_tables()
    for table, row, column, value in edits:
        t[table].at[t[table].index[row], column] = value
    return t


def cell(name: str, code: str, table: str, row: int, column: str, value: Any, *, more: tuple[Edit, ...] = (),
         shown: str | None = None, alone: bool = True, at: str | None = None) -> list[Case]:
    """The cell at data row ``row`` (0-based) of ``column`` set to ``value`` (and ``more``
    edits), in both forms; the problem is expected at that cell (or column ``at``)."""
    edits = [(table, row, column, value), *more]
    return [Case(name, form, code, lambda root, form=form: write_tables(_edited(edits), root, form),  # type: ignore[misc]
                 table=table, row=row + 2, column=at or column, value=shown, alone=alone)
            for form in ("csv", "xlsx")]


ELEC = 0  # energy row 0: electricity in 万千瓦时 (enterprise 91459900MA09398FYD, 2023-01)
FIRM = 13  # entities row 13: 91459904024340297Q, district 459904, park P01 (in 459904)

CELL_CASES: list[Case] = [
    # non-finite and overflowing numbers (checked after unit conversion, value as typed)
    *cell("inf", "P017", "energy", ELEC, "quantity", "inf", shown="inf"),
    *cell("minus-infinity", "P017", "energy", 5, "quantity", "-Infinity", shown="-Infinity"),
    *cell("nan", "P017", "energy", ELEC, "quantity", "nan", shown="nan"),
    *cell("1e999", "P017", "energy", 3, "quantity", "1e999", shown="1e999"),
    *cell("overflow-after-conversion", "P017", "energy", ELEC, "quantity", 1e308, shown="1e+308 万千瓦时"),
    *cell("beyond-1e15-kwh", "P017", "energy", 7, "quantity", 2e11, shown="万千瓦时"),
    *cell("money-overflow", "P017", "economics", 0, "output_value_10k_yuan", 1e300,
          more=(("economics", 0, "money_unit", "亿元"),), shown="亿元"),
    *cell("land-overflow", "P017", "entities", FIRM, "land_area_mu", 1e14,
          more=(("entities", FIRM, "land_unit", "公顷"),), shown="公顷"),
    *cell("process-overflow", "P017", "process", 0, "quantity", 1e12,
          more=(("process", 0, "unit", "万吨"),), shown="万吨"),
    *cell("production-overflow", "P017", "production", 0, "quantity", 1e12,
          more=(("production", 0, "unit", "万吨"),), shown="万吨"),
    *cell("pollutant-overflow", "P017", "pollutants", 0, "quantity_t", 1e12,
          more=(("pollutants", 0, "unit", "万吨"),), shown="万吨"),
    *cell("employees-overflow", "P017", "economics", 1, "employees", 1e300),
    *cell("measured-ncv-infinite", "P017", "energy", 2, "measured_ncv", "inf"),
    # misplaced separators and trailing text
    *cell("decimal-comma", "P018", "energy", ELEC, "quantity", "1.234,5", shown="1.234,5"),
    *cell("commas-everywhere", "P018", "energy", ELEC, "quantity", "1,2,3,4", shown="1,2,3,4"),
    *cell("space-grouping", "P018", "energy", 4, "quantity", "1 234", shown="1 234"),
    *cell("unit-after-number", "P018", "energy", ELEC, "quantity", "12吨", shown="12吨"),
    *cell("percent-share", "P018", "production", 1, "energy_share", "5%", shown="5%"),
    *cell("two-points", "P018", "economics", 2, "revenue_10k_yuan", "1.234.567"),
    *cell("full-width-text-after", "P018", "process", 3, "quantity", "１２ｔ"),
    # impossible dates
    *cell("day-99", "P013", "energy", ELEC, "period", "2023-01-99", shown="2023-01-99"),
    *cell("february-30", "P013", "energy", 6, "period", "2023-02-30"),
    *cell("period-garbage", "P013", "energy", ELEC, "period", "2023-01 garbage", shown="2023-01 garbage"),
    *cell("hour-25", "P013", "energy", 8, "period", "2023-01-01 25:00"),
    *cell("month-zero", "P013", "process", 0, "period", "2023-00"),
    *cell("year-with-fraction", "P014", "economics", 0, "year", "2023.5"),
    *cell("year-five-digits", "P014", "economics", 3, "year", "20233"),
    # formula errors, named as such (in a workbook they are real formula cells)
    *cell("div0-quantity", "P019", "energy", ELEC, "quantity", Formula("=1/0", "#DIV/0!"), shown="#DIV/0!"),
    *cell("na-period", "P019", "energy", 9, "period", Formula("=NA()", "#N/A"), shown="#N/A"),
    *cell("ref-entity", "P019", "energy", 10, "entity_id", Formula("=#REF!", "#REF!"), shown="#REF!"),
    *cell("value-output", "P019", "economics", 1, "output_value_10k_yuan", Formula('="a"+1', "#VALUE!")),
    # the tree city → district → park → enterprise
    *cell("park-in-unknown-district", "P026", "entities", 6, "district_id", "459999", shown="459999"),
    *cell("park-in-a-park", "P026", "entities", 7, "district_id", "P01"),
    *cell("enterprise-park-in-another-district", "P027", "entities", FIRM, "district_id", "459903",
          shown="P01 ∈ 459904", at="park_id"),
    *cell("district-with-a-park", "P028", "entities", 2, "park_id", "P01"),
    *cell("city-in-a-district", "P028", "entities", 0, "district_id", "459902"),
    *cell("park-in-a-park-id", "P028", "entities", 8, "park_id", "P02"),
]


# --- tables and files ----------------------------------------------------------------------

def _header_only(table: str) -> Callable[[Path, str], Path]:
    def make(root: Path, form: str) -> Path:
        t = base_tables()
        t[table] = t[table].iloc[0:0]
        return write_tables(t, root, form)
    return make


def _both(name: str, code: str, make: Callable[[Path, str], Path], **kw: Any) -> list[Case]:
    return [Case(name, form, code, lambda root, form=form: make(root, form), **kw)  # type: ignore[misc]
            for form in ("csv", "xlsx")]


def _blank_energy(root: Path, form: str) -> Path:
    if form == "csv":
        pkg = write_csv(base_tables(), root / FOLDER)
        (pkg / "energy.csv").write_bytes(b"")
        return pkg
    t = base_tables()
    t["energy"] = pd.DataFrame()
    return write_xlsx(t, root / WORKBOOK)


def _utf16_energy(root: Path) -> Path:
    pkg = write_csv(base_tables(), root / FOLDER)
    f = pkg / "energy.csv"
    f.write_bytes(f.read_text("utf-8").encode("utf-16"))
    return pkg


def _undecodable_entities(root: Path) -> Path:
    pkg = write_csv(base_tables(), root / FOLDER)
    f = pkg / "entities.csv"
    f.write_bytes(f.read_bytes().replace("青山市".encode(), b"\xff\xfe\xff"))
    return pkg


def _truncated_workbook(root: Path) -> Path:
    path = write_xlsx(base_tables(), root / WORKBOOK)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _damaged_entities_sheet(root: Path) -> Path:
    """The entities sheet stored uncompressed with one byte changed: its CRC fails."""
    path = write_xlsx(base_tables(), root / WORKBOOK)
    entry = _sheet_entry(path, "entities")
    with zipfile.ZipFile(path) as zin:
        entries = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w") as zout:
        for name, data in entries:
            zout.writestr(name, data, zipfile.ZIP_STORED if name == entry else zipfile.ZIP_DEFLATED)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(entry)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    pos = start + info.compress_size // 2
    raw[pos] = ord("Z") if raw[pos] != ord("Z") else ord("Y")
    path.write_bytes(bytes(raw))
    return path


def _energy_file(kind: str, form: str) -> Callable[[Path], Path]:
    """The energy table's file (energy.csv, or energy.xlsx beside CSV files) replaced by a
    folder, a dangling link, a link to a real file or a pipe."""
    def make(root: Path) -> Path:
        t = base_tables()
        energy = t.pop("energy")
        pkg = write_csv(t, root / FOLDER)
        name = "energy.csv" if form == "csv" else "energy.xlsx"
        target = pkg / name
        outside = root / ("outside.csv" if form == "csv" else "outside.xlsx")
        if form == "csv":
            energy.to_csv(outside, index=False)
        else:
            write_xlsx({"energy": energy}, outside)
        if kind == "folder":
            target.mkdir()
            (target / "part.csv").write_text("x\n", "utf-8")
        elif kind == "dangling-link":
            target.symlink_to(root / "nowhere" / name)
        elif kind == "link":
            target.symlink_to(outside)
        elif kind == "pipe":
            os.mkfifo(target)
        elif kind == "unreadable":
            os.replace(outside, target)
        return pkg
    return make


FILE_CASES: list[Case] = [
    *_both("energy-header-only", "P009", _header_only("energy"), table="energy"),
    *_both("entities-header-only", "P009", _header_only("entities"), table="entities"),
    *_both("energy-blank", "P009", _blank_energy, table="energy"),
    Case("energy-utf16", "csv", "P001", _utf16_energy, file="energy.csv", value=None),
    Case("entities-undecodable", "csv", "P001", _undecodable_entities, file="entities.csv"),
    Case("truncated-workbook", "xlsx", "P001", _truncated_workbook, file=WORKBOOK),
    Case("entities-sheet-damaged", "xlsx", "P007", _damaged_entities_sheet, table="entities"),
    *[Case(f"energy-{kind}", form, "P006", _energy_file(kind, form),
           file="energy.csv" if form == "csv" else "energy.xlsx",
           unreadable=("energy.csv" if form == "csv" else "energy.xlsx") if kind == "unreadable" else None,
           folder=form == "xlsx")
      for kind in ("folder", "dangling-link", "link", "pipe", "unreadable") for form in ("csv", "xlsx")],
]


# --- nesting and size bombs ------------------------------------------------------------------

def _deep(n: int) -> str:
    return "[" * n + "]" * n


def _geojson_bomb(root: Path) -> Path:
    t = base_tables()
    t.pop("boundaries")
    pkg = write_csv(t, root / FOLDER)
    (pkg / "boundaries.geojson").write_text('{"type": "FeatureCollection", "features": ' + _deep(100_000) + "}",
                                            "utf-8")
    return pkg


def _wide_header(root: Path) -> Path:
    pkg = write_csv(base_tables(), root / FOLDER)
    f = pkg / "energy.csv"
    lines = f.read_text("utf-8").splitlines()
    lines[0] += "".join(f",x{i}" for i in range(5000))
    f.write_text("\n".join(lines) + "\n", "utf-8")
    return pkg


def _endless_header(root: Path) -> Path:
    pkg = write_csv(base_tables(), root / FOLDER)
    (pkg / "energy.csv").write_text("entity_id" + "x" * (2 << 20), "utf-8")
    return pkg


def _far_cell(root: Path) -> Path:
    def tweak(_wb: Any, ws: dict[str, Worksheet]) -> None:
        ws["energy"].write_string(1_048_575, 16_383, "x")
    return write_xlsx(base_tables(), root / WORKBOOK, tweak)


def _lying_dimension(root: Path) -> Path:
    path = _far_cell(root)
    entry = _sheet_entry(path, "energy")
    rezip(path, edit={entry: lambda b: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:I649"/>', b)})
    return path


def _cells_without_reference(root: Path) -> Path:
    """A last row of 20 cells without ``r``: calamine places them one after another."""
    path = write_xlsx(base_tables(), root / WORKBOOK)
    row = b'<row r="1048576">' + b'<c t="inlineStr"><is><t>x</t></is></c>' * 20 + b"</row>"
    rezip(path, edit={_sheet_entry(path, "energy"): lambda b: b.replace(b"</sheetData>", row + b"</sheetData>")})
    return path


PLACEHOLDER = "QS-PLACEHOLDER-STRING"


def _noise(n: int) -> str:
    rng = random.Random(13)
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _shared(n_chars: int, cells: int) -> Callable[[Path], Path]:
    """The placeholder in ``cells`` cells of extra energy columns, then replaced in the
    shared strings by ``n_chars`` characters that do not compress."""
    def make(root: Path) -> Path:
        t = base_tables()
        e = t["energy"]
        per_col = len(e)
        for k in range(-(-cells // per_col)):
            e[f"note{k}"] = PLACEHOLDER
        path = write_xlsx(t, root / WORKBOOK)
        text = _noise(n_chars).encode()
        rezip(path, edit={"xl/sharedStrings.xml": lambda b: b.replace(PLACEHOLDER.encode(), text)})
        return path
    return make


def _biff_far_cell(root: Path) -> Path:
    """A genuine .xls (BIFF8) whose energy sheet has a cell at row 65 536, column 65 536:
    calamine would ask for 137 GB when opening it (saved under the name package.xlsx)."""
    from tests.hostile.xls import write_xls

    cells: list[tuple[int, int, float | str]] = [(0, 0, "entity_id"), (1, 0, "x"), (65_535, 65_535, 1.0)]
    return write_xls(root / WORKBOOK, {sheet("energy"): cells})


def _workbook_with(**kw: Any) -> Callable[[Path], Path]:
    def make(root: Path) -> Path:
        path = write_xlsx(base_tables(), root / WORKBOOK)
        rezip(path, **kw)
        return path
    return make


def _many_entries() -> dict[str, bytes]:
    return {f"xl/media/pad{i}.txt": b"" for i in range(10_001)}


BOMB_CASES: list[Case] = [
    Case("geojson-nested-100000", "csv", "P007", _geojson_bomb, file="boundaries.geojson"),
    *cell("geometry-cell-nested", "P090", "boundaries", 0, "geometry", '{"type": "Polygon", "coordinates": '
          + _deep(10_000) + "}"),
    Case("header-5000-columns", "csv", "P007", _wide_header, table="energy", row=1),
    Case("header-without-end", "csv", "P007", _endless_header, table="energy", row=1),
    Case("cell-at-XFD1048576", "xlsx", "P008", _far_cell, table="energy"),
    Case("dimension-lies", "xlsx", "P008", _lying_dimension, table="energy"),
    Case("cells-without-reference", "xlsx", "P008", _cells_without_reference, table="energy"),
    Case("xls-cell-at-65536-65536", "xlsx", "P008", _biff_far_cell, table="energy"),
    Case("shared-string-too-long", "xlsx", "P008", _shared(40_000, 1), file=WORKBOOK),
    Case("shared-strings-expand", "xlsx", "P008", _shared(30_000, 38_000), table="energy"),
    Case("zip-ratio", "xlsx", "P007", _workbook_with(add={"xl/media/image1.bin": bytes(4 << 20)}), file=WORKBOOK),
    # also compressed more than 200 times by what it declares: two problems of one entry
    Case("zip-declares-2gb", "xlsx", "P007", _workbook_with(declare={"xl/styles.xml": 2 << 30}), file=WORKBOOK,
         alone=False),
    Case("zip-size-lies", "xlsx", "P007", _workbook_with(declare={"xl/styles.xml": 100}), file=WORKBOOK),
    Case("zip-10001-entries", "xlsx", "P007", _workbook_with(add=_many_entries()), file=WORKBOOK),
]

CASES: list[Case] = [*CELL_CASES, *FILE_CASES, *BOMB_CASES]

