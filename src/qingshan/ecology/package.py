"""The ecological data package (生态数据包): a folder with a manifest ``ecology.toml``, one-band
GeoTIFF rasters by role (LULC per year, DEM, climate, soil, erosivity, districts) and CSV
tables (biophysical parameters, classes, districts, provisioning statistics, tourism, local
prices, GDP). :func:`read_eco_package` validates it against ``spec.toml`` and returns an
:class:`EcoPackage`; every problem is collected at once as a coded
:class:`~qingshan.errors.Problem` (L001–L034, docs/gep/package.md) and raised together.

Rasters are checked window by window (:mod:`qingshan.ecology.rasters`), never read whole, so
a package of any size is validated in bounded memory. Packages prepared for InVEST are
accepted as they are: the manifest may name rasters, tables and the seasonality constant by
InVEST's argument names (``precipitation_path``, ``biophysical_table_path``,
``seasonality_constant``…) and the tables may use InVEST's column names (any case).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import CRSError

from qingshan.data import files
from qingshan.ecology import rasters as rc
from qingshan.ecology.spec import MODELS, EcoSpec, eco_spec
from qingshan.ecology.tables import merge_biophysical, problem, read_raw, type_table
from qingshan.errors import Problem, blocking, raise_if_blocking
from qingshan.methods.gep_value import DOUBLE_COUNT_PAIRS, unit_problem

#: The manifest is a few KB; a larger file is refused before parsing (L004).
MAX_MANIFEST_BYTES = 1 << 20
#: Statistics tables whose district codes must be in the districts table (L029).
_DISTRICT_TABLES = ("provisioning", "tourism", "gdp")
#: Manifest keys InVEST uses for a per-year role's second year.
_SECOND_YEAR = ("lulc_alt_path", "lulc_fut_path")


@dataclass(frozen=True)
class EcoPackage:
    """A validated ecological package. Rasters are addressed by key: the role (``dem``,
    ``precipitation``…) or, for per-year roles, ``<role>_<year>`` (``lulc_2020``). All share
    ``crs``, ``transform`` and ``shape``; ``nodata`` is each raster's declared value."""

    directory: Path
    crs: CRS
    transform: Affine
    shape: tuple[int, int]
    years: tuple[int, ...]
    models: tuple[str, ...]
    rasters: dict[str, Path]
    roles: dict[str, str]
    nodata: dict[str, float | None]
    tables: dict[str, pd.DataFrame]
    parameters: dict[str, float]
    sources: dict[str, str]
    warnings: tuple[Problem, ...] = field(default=())
    #: double-count pairs the package accepts, each with the reason it gives (``accepted_double_counts``)
    accepted_double_counts: tuple[tuple[str, str, str], ...] = ()

    def kind(self, key: str) -> str:
        """``class`` or ``value``: how the raster ``key`` is read."""
        return eco_spec().rasters[self.roles[key]].kind

    def lulc_key(self, year: int) -> str:
        return f"lulc_{year}"

    @property
    def pixel_area_ha(self) -> float:
        """Area of one pixel in hectares (pixel sizes in metres; 1 ha = 10 000 m²)."""
        return abs(self.transform.a * self.transform.e) / 10_000.0

    @property
    def token(self) -> str:
        """A short hash of the rasters' paths, sizes and modification times (dask names)."""
        h = hashlib.sha1()
        for key, p in sorted(self.rasters.items()):
            st = p.stat()
            h.update(f"{key}:{p}:{st.st_size}:{st.st_mtime_ns}".encode())
        return h.hexdigest()[:16]


def read_eco_package(directory: str | Path, *, accept_warnings: bool = False) -> EcoPackage:
    """Validate the ecological package in ``directory`` and return it; raise
    :class:`~qingshan.errors.ValidationError` with every problem if any blocks it."""
    pkg, problems = check_eco_package(directory)
    raise_if_blocking(problems, accept_warnings=accept_warnings)
    assert pkg is not None
    return pkg


def _m(code: str, key: str | None, value: object, zh: str, en: str, severity: str = "error") -> Problem:
    return problem(code, "ecology.toml", None, key, value, zh, en, severity)


def _load_manifest(directory: Path, problems: list[Problem]) -> dict[str, Any] | None:
    spec = eco_spec()
    path = directory / spec.manifest
    if not directory.is_dir():
        problems.append(
            problem("L001", str(directory), None, None, None, "数据包应为文件夹", "a package must be a folder")
        )
        return None
    if not path.exists() and not path.is_symlink():
        problems.append(
            problem(
                "L001",
                spec.manifest,
                None,
                None,
                None,
                "数据包缺少清单文件 ecology.toml",
                "the package has no manifest ecology.toml",
            )
        )
        return None
    bad = files.entry_problem(path, spec.manifest)
    if bad is not None:
        problems.append(problem("L001", spec.manifest, None, None, None, bad.expected_zh, bad.expected_en))
        return None
    size = path.stat().st_size
    if size > MAX_MANIFEST_BYTES:
        problems.append(
            problem(
                "L004",
                spec.manifest,
                None,
                None,
                f"{size} B",
                f"清单文件不应超过 {MAX_MANIFEST_BYTES >> 10} KB（未解析）",
                f"the manifest must not exceed {MAX_MANIFEST_BYTES >> 10} KB (not parsed)",
            )
        )
        return None
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(
            problem(
                "L001", spec.manifest, None, None, None, f"不是有效的 UTF-8 TOML：{exc}", f"not valid UTF-8 TOML: {exc}"
            )
        )
        return None


def _file(directory: Path, key: str, value: object, problems: list[Problem]) -> Path | None:
    """A file name of the manifest as a path inside the package (no absolute paths, no ``..``)."""
    if not isinstance(value, str) or not value.strip():
        problems.append(_m("L002", key, value, "应为数据包内的文件名", "expected a file name inside the package"))
        return None
    rel = PurePosixPath(value.replace("\\", "/"))
    if rel.is_absolute() or ".." in rel.parts or value.strip()[1:2] == ":":
        problems.append(
            _m(
                "L002",
                key,
                value,
                "文件须在数据包文件夹内（相对路径，不含 ..）",
                "the file must be inside the package folder (a relative path without ..)",
            )
        )
        return None
    return directory.joinpath(*rel.parts)


def _alias_index(spec: EcoSpec) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    rasters = {n: n for n in spec.rasters} | {a: n for n, r in spec.rasters.items() for a in r.invest}
    tables = {n: n for n in spec.tables} | {a: n for n, t in spec.tables.items() for a in t.invest}
    params = {n: n for n in spec.parameters} | {a: n for n, p in spec.parameters.items() for a in p.invest}
    return rasters, tables, params


@dataclass
class _Manifest:
    crs: CRS | None = None
    years: tuple[int, ...] = ()
    models: tuple[str, ...] = MODELS
    rasters: dict[str, tuple[str, Path]] = field(default_factory=dict)  # key -> (role, path)
    tables: dict[str, list[tuple[str, Path]]] = field(default_factory=dict)  # name -> [(label, path)]
    parameters: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    accepted: tuple[tuple[str, str, str], ...] = ()


_TOP_KEYS = {
    "crs",
    "years",
    "models",
    "rasters",
    "tables",
    "sources",
    "parameters",
    "name",
    "description",
    "workspace_dir",
    "results_suffix",
    "n_workers",
    "lulc_bas_year",
    "lulc_alt_year",
    "accepted_double_counts",
}


def _interpret(raw: dict[str, Any], directory: Path, problems: list[Problem]) -> _Manifest:
    spec = eco_spec()
    ra, ta, pa = _alias_index(spec)
    man = _Manifest()
    if "crs" in raw:
        try:
            man.crs = CRS.from_user_input(raw["crs"])
        except (CRSError, TypeError, ValueError):
            problems.append(
                _m("L002", "crs", raw["crs"], "应为坐标参考系，如 EPSG:4545", "expected a CRS such as EPSG:4545")
            )
    years = raw.get("years")
    if (
        not isinstance(years, list)
        or not years
        or not all(isinstance(y, int) and not isinstance(y, bool) and 1900 <= y <= 2200 for y in years)
    ):
        problems.append(
            _m(
                "L002",
                "years",
                years,
                "须列出核算年份，如 years = [2020, 2025]",
                "the accounting years must be listed, e.g. years = [2020, 2025]",
            )
        )
    else:
        man.years = tuple(sorted(set(years)))
    if "models" in raw:
        models = raw["models"]
        if not isinstance(models, list) or not all(m in MODELS for m in models):
            problems.append(
                _m(
                    "L002",
                    "models",
                    models,
                    f"应为 {', '.join(MODELS)} 中的若干项",
                    f"expected some of {', '.join(MODELS)}",
                )
            )
        else:
            man.models = tuple(m for m in MODELS if m in models)
    # sections, and InVEST argument names at the top level (a datastack's args)
    raster_items = dict(raw.get("rasters", {})) if isinstance(raw.get("rasters", {}), dict) else {}
    table_items = dict(raw.get("tables", {})) if isinstance(raw.get("tables", {}), dict) else {}
    param_items = dict(raw.get("parameters", {})) if isinstance(raw.get("parameters", {}), dict) else {}
    for k, v in raw.items():
        if k in _TOP_KEYS:
            continue
        if k in ra and k not in spec.rasters:
            raster_items[k] = v
        elif k in ta and k not in spec.tables:
            table_items[k] = v
        elif k in pa:
            param_items[k] = v
        else:
            problems.append(_m("L002", k, None, "未知的清单项", "unknown manifest entry"))
    for k, v in raster_items.items():
        role = ra.get(k)
        if role is None:
            problems.append(
                _m(
                    "L002",
                    f"rasters.{k}",
                    None,
                    f"未知的栅格角色；可用：{', '.join(spec.rasters)}",
                    f"unknown raster role; known roles: {', '.join(spec.rasters)}",
                )
            )
            continue
        if spec.rasters[role].per_year:
            _per_year(man, role, k, v, directory, problems)
        else:
            p = _file(directory, f"rasters.{k}", v, problems)
            if p is not None:
                man.rasters[role] = (role, p)
    for k, v in table_items.items():
        name = ta.get(k)
        if name is None:
            problems.append(
                _m(
                    "L002",
                    f"tables.{k}",
                    None,
                    f"未知的表；可用：{', '.join(spec.tables)}",
                    f"unknown table; known tables: {', '.join(spec.tables)}",
                )
            )
            continue
        for item in v if isinstance(v, list) else [v]:
            p = _file(directory, f"tables.{k}", item, problems)
            if p is not None:
                man.tables.setdefault(name, []).append((str(item), p))
    for k, v in param_items.items():
        name = pa.get(k)
        if name is None:
            problems.append(_m("L002", f"parameters.{k}", None, "未知的参数", "unknown parameter"))
            continue
        par = spec.parameters[name]
        ok = isinstance(v, int | float) and not isinstance(v, bool) and v == v and abs(v) != float("inf")
        if not ok or (par.exclusive_min is not None and v <= par.exclusive_min):
            problems.append(
                _m(
                    "L028",
                    k,
                    v,
                    f"{par.zh}应为大于 {par.exclusive_min:g} 的有限数值",
                    f"{par.en} must be a finite number greater than {par.exclusive_min:g}",
                )
            )
            continue
        man.parameters[name] = float(v)
    man.accepted = _accepted_double_counts(raw.get("accepted_double_counts", []), problems)
    src = raw.get("sources", {})
    if isinstance(src, dict):
        man.sources = {str(k): str(v) for k, v in src.items()}
    else:
        problems.append(
            _m("L002", "sources", None, "应为「角色或表 = 来源」的表", "expected a table of role or table = source")
        )
    return man


def _accepted_double_counts(value: object, problems: list[Problem]) -> tuple[tuple[str, str, str], ...]:
    """``accepted_double_counts = [{services = ["water_conservation", "water_supply"], reason = "…"}]``:
    pairs of services the package values both of on purpose, each with its reason (L002 otherwise,
    and L002 for a pair that is not one of ``qingshan.methods.gep_value.DOUBLE_COUNT_PAIRS``, in
    either order)."""
    out: list[tuple[str, str, str]] = []
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        services = item.get("services") if isinstance(item, dict) else None
        reason = item.get("reason") if isinstance(item, dict) else None
        if (not isinstance(services, list) or len(services) != 2 or not all(isinstance(x, str) and x for x in services)
                or not isinstance(reason, str) or not reason.strip()):
            problems.append(_m("L002", f"accepted_double_counts[{i}]", item,
                               "应为 {services = [服务, 服务], reason = 理由}",
                               "expected {services = [service, service], reason = why}"))
            continue
        if frozenset(services) not in {frozenset(p) for p in DOUBLE_COUNT_PAIRS}:
            known = "; ".join(" + ".join(p) for p in DOUBLE_COUNT_PAIRS)
            problems.append(_m("L002", f"accepted_double_counts[{i}].services", " + ".join(services),
                               f"不是双重计算检查所知的服务对（{known}）",
                               f"not a pair the double-count guard knows ({known})"))
            continue
        out.append((services[0], services[1], reason.strip()))
    return tuple(out)


def _per_year(man: _Manifest, role: str, key: str, value: object, directory: Path, problems: list[Problem]) -> None:
    if isinstance(value, dict):
        items = list(value.items())
    elif man.years:
        idx = 1 if key in _SECOND_YEAR else 0
        if idx >= len(man.years):
            problems.append(_m("L002", key, value, "需要第二个核算年份", "needs a second accounting year"))
            return
        items = [(str(man.years[idx]), value)]
    else:
        return
    for y, f in items:
        if not str(y).isdigit() or int(y) not in man.years:
            problems.append(
                _m(
                    "L002",
                    f"rasters.{key}.{y}",
                    None,
                    f"年份应为 years 中的一年：{list(man.years)}",
                    f"the year must be one of years: {list(man.years)}",
                )
            )
            continue
        p = _file(directory, f"rasters.{key}.{y}", f, problems)
        if p is not None:
            man.rasters[f"{role}_{int(y)}"] = (role, p)


def _required(man: _Manifest, problems: list[Problem]) -> None:
    """L032: a raster role or table a selected model needs is not in the manifest; L028: a
    parameter it needs is missing; L033 (warning): a raster or table without a source."""
    spec = eco_spec()
    roles_present = {role for role, _ in man.rasters.values()}
    for name, role in spec.rasters.items():
        if not set(role.models) & set(man.models):
            continue
        if role.per_year:
            for y in man.years:
                if f"{name}_{y}" not in man.rasters:
                    problems.append(
                        _m(
                            "L032",
                            f"rasters.{name}.{y}",
                            None,
                            f"缺少{y}年的{role.zh}栅格",
                            f"the {role.en} raster for {y} is missing",
                        )
                    )
        elif name not in roles_present:
            problems.append(
                _m(
                    "L032",
                    f"rasters.{name}",
                    None,
                    f"缺少{role.zh}栅格（{', '.join(role.models)} 模型需要）",
                    f"the {role.en} raster is missing (needed by {', '.join(role.models)})",
                )
            )
    must_tables = (
        ["classes"] + (["biophysical"] if man.models else []) + (["districts"] if "districts" in man.rasters else [])
    )
    for t in must_tables:
        if t not in man.tables:
            problems.append(
                _m("L032", f"tables.{t}", None, f"缺少{spec.tables[t].zh}", f"the {spec.tables[t].en} is missing")
            )
    for name, par in spec.parameters.items():
        if (
            set(par.models) & set(man.models)
            and name not in man.parameters
            and not any(p.code == "L028" and p.column == k for p in problems for k in (name, *par.invest))
        ):
            problems.append(
                _m(
                    "L028",
                    name,
                    None,
                    f"缺少参数{par.zh}（{', '.join(par.models)} 模型需要）",
                    f"the parameter {par.en} is missing (needed by {', '.join(par.models)})",
                )
            )
    named = {role for role, _ in man.rasters.values()} | set(man.tables)
    for n in sorted(named - set(man.sources)):
        problems.append(_m("L033", f"sources.{n}", None, "未注明数据来源", "no source is given for it", "warning"))


def _tables(man: _Manifest, problems: list[Problem]) -> dict[str, pd.DataFrame]:
    spec = eco_spec()
    out: dict[str, pd.DataFrame] = {}
    for name, items in man.tables.items():
        tspec = spec.tables[name]
        needed = {c.name for c in tspec.columns if set(c.models) & set(man.models)}
        frames = []
        for label, path in items:
            raw = read_raw(path, label, problems)
            if raw is not None:
                # with several biophysical files, a model column is needed in the merged table
                frames.append(type_table(raw, tspec, label, needed if len(items) == 1 else set(), problems))
        if not frames:
            continue
        frame = merge_biophysical(frames, problems) if name == "biophysical" else pd.concat(frames, ignore_index=True)
        if len(items) > 1:
            for c in sorted(needed - set(frame.columns)):
                problems.append(
                    problem(
                        "L019",
                        ", ".join(lbl for lbl, _ in items),
                        1,
                        c,
                        None,
                        f"缺少必需列「{c}」",
                        f"required column '{c}' is missing",
                    )
                )
        out[name] = frame
    _cross_checks(out, problems)
    return out


def _cross_checks(tables: dict[str, pd.DataFrame], problems: list[Problem]) -> None:
    """L029 (district codes of statistics not in the districts table), L030 (an ecosystem
    in the biophysical table that differs from the class table) and L034 (a provisioning unit
    the GEP engine cannot read, :func:`qingshan.methods.gep_value.unit_problem`)."""
    prov = tables.get("provisioning")
    if prov is not None and "unit" in prov:
        for _, r in prov[prov["unit"].notna()].iterrows():
            why = unit_problem(str(r["unit"]))
            if why is not None:
                problems.append(problem("L034", r["_file"], int(r["_row"]), "unit", r["unit"],
                                        f"单位应为「[倍数 ]单位符号」，如 t、万m³、10^4 kWh、1e8 m3（{why}）",
                                        f"expected '[scale ]symbol' such as t, 万m³, 10^4 kWh, 1e8 m3 ({why})"))
    districts = tables.get("districts")
    if districts is not None and "district_id" in districts:
        known = set(districts["district_id"].dropna())
        for t in _DISTRICT_TABLES:
            frame = tables.get(t)
            if frame is None or "district_id" not in frame:
                continue
            bad = frame["district_id"].notna() & ~frame["district_id"].isin(known)
            for _, r in frame[bad].iterrows():
                problems.append(
                    problem(
                        "L029",
                        r["_file"],
                        int(r["_row"]),
                        "district_id",
                        r["district_id"],
                        "区县代码不在区县栅格代码表中",
                        "the district code is not in the districts table",
                    )
                )
    bio, cls = tables.get("biophysical"), tables.get("classes")
    if bio is not None and cls is not None and "ecosystem" in bio and "ecosystem" in cls and "lucode" in cls:
        eco = dict(zip(cls["lucode"], cls["ecosystem"], strict=True))
        for _, r in bio.iterrows():
            want = eco.get(r["lucode"])
            if pd.notna(r["ecosystem"]) and want is not None and pd.notna(want) and r["ecosystem"] != want:
                problems.append(
                    problem(
                        "L030",
                        r["_file"],
                        None if pd.isna(r["_row"]) else int(r["_row"]),
                        "ecosystem",
                        r["ecosystem"],
                        f"应与分类表一致：{want}",
                        f"must agree with the class table: {want}",
                    )
                )


def _codes(frame: pd.DataFrame | None, column: str) -> set[int]:
    if frame is None or column not in frame:
        return set()
    return {int(v) for v in frame[column].dropna()}


def check_eco_package(directory: str | Path) -> tuple[EcoPackage | None, list[Problem]]:
    """Every problem of the package in ``directory``, and the package when none is an error
    (warnings are returned with it)."""
    directory = Path(directory)
    problems: list[Problem] = []
    raw = _load_manifest(directory, problems)
    if raw is None:
        return None, problems
    man = _interpret(raw, directory, problems)
    _required(man, problems)
    tables = _tables(man, problems)
    spec = eco_spec()
    metas = [
        m
        for key, (role, path) in man.rasters.items()
        if (m := rc.open_meta(key, spec.rasters[role], path, path.name, problems)) is not None
    ]
    problems += rc.crs_problems(metas, man.crs)
    lulc = [m for m in metas if m.role.name == "lulc"]
    ref = min(lulc, key=lambda m: m.key) if lulc else (metas[0] if metas else None)
    if ref is not None:
        grid = rc.grid_problems(metas, ref)
        problems += grid
        bad = {p.file for p in grid}
        usable = [m for m in metas if m.label not in bad or m is ref]
        tallies = rc.scan(usable, ref)

        def known(m: rc.RasterMeta) -> dict[str, set[int]]:
            if m.role.name == "districts":
                return {"L017": _codes(tables.get("districts"), "raster_code")} if "districts" in tables else {}
            out = {}
            if "classes" in tables:
                out["L015"] = _codes(tables["classes"], "lucode")
            if "biophysical" in tables:
                out["L016"] = _codes(tables["biophysical"], "lucode")
            return out

        problems += rc.value_problems(usable, tallies, ref, known)
    if blocking(problems, accept_warnings=True) or ref is None or ref.crs is None:
        return None, problems
    return EcoPackage(
        directory=directory,
        crs=ref.crs,
        transform=ref.transform,
        shape=(ref.height, ref.width),
        years=man.years,
        models=man.models,
        rasters={m.key: m.path for m in metas},
        roles={m.key: m.role.name for m in metas},
        nodata={m.key: m.nodata for m in metas},
        tables=tables,
        parameters=man.parameters,
        sources=man.sources,
        warnings=tuple(problems),
        accepted_double_counts=man.accepted,
    ), problems
