"""One city: its data directory, jurisdiction profile, validated package, store and
results. The CLI, the web server and the report writers reach data and engines only
through :class:`City` (and the documents of :mod:`qingshan.documents` built on it).

    city = City.open(Path("qingshan-data"))          # city.toml names the profile
    result = city.accounts()                          # computed once, then kept
    ev = city.evaluation(2024)                        # scheme, 碳效码 and measures from the profile

A data directory's store (the DuckDB file, or a PostgreSQL schema of its own) is loaded
from the package only when the package, the factor set or the factor choices changed:
the key of what is loaded is kept in the store's metadata and the validated package is
kept beside it as Parquet (:mod:`qingshan.city.cache`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from qingshan import __version__
from qingshan import accounts as engine
from qingshan.accounts import AccountResult
from qingshan.app import reports as app_reports
from qingshan.app.organisations import Unit
from qingshan.city import cache as package_cache
from qingshan.city import history, isolated
from qingshan.city.config import FILE as CITY_FILE
from qingshan.city.config import read_city_config
from qingshan.data import reported
from qingshan.data.package import Package
from qingshan.data.reported import Reported
from qingshan.errors import ConfigError, Problem, StoreError, ValidationError, blocking, raise_if_blocking
from qingshan.factors import FactorSet, load_factor_set
from qingshan.i18n import tr
from qingshan.profiles.profile import Profile, Selection, load_profile
from qingshan.rulefile import name_or_path
from qingshan.settings import setting
from qingshan.store import Store

#: Bumped when what the cache holds changes shape, so old caches are rebuilt.
CACHE_VERSION = "1"
#: problems a child process that validates an upload sends back at most
CHILD_PROBLEMS = 2000
FACTOR_KEYS = ("grid_series", "grid_region", "natural_gas", "equal_value", "gwp_set")
_PROFILE_KEY_OF = {"grid_series": "factors.grid_series", "grid_region": "factors.grid_region",
                   "natural_gas": "factors.natural_gas", "equal_value": "factors.electricity_equal_value",
                   "gwp_set": "factors.gwp_set"}


@cache
def schema_digest() -> str:
    """SHA-256 of the schema files (tables, carriers, units): the store keeps carrier and use
    keys by position in them, so a changed schema must reload the store."""
    h = hashlib.sha256()
    folder = resources.files("qingshan.data").joinpath("spec")
    for name in sorted(f.name for f in folder.iterdir() if f.name.endswith((".csv", ".toml"))):
        h.update(name.encode())
        h.update(folder.joinpath(name).read_bytes())
    return h.hexdigest()


def checked_profile(source: str | Path) -> Profile:
    """Load a profile and refuse it, with every problem, if a selection names nothing
    Qingshan holds or applies another province's measures without saying why (J02x): a
    command never runs under a profile that ``qingshan profile check`` would refuse."""
    from qingshan.profiles.check import check_profile

    profile = load_profile(source)
    problems = [p for p in check_profile(profile) if p.severity == "error"]
    if problems:
        raise ValidationError(problems)
    return profile


def is_data_dir(path: Path) -> bool:
    """A city's data directory (``city.toml``, ``package/``, ``package.xlsx`` or a package
    history), as opposed to a bare package (a folder of CSV files or one workbook)."""
    return path.is_dir() and any((path / n).exists()
                                 for n in (CITY_FILE, "package", "package.xlsx", history.FOLDER))


def package_in(data_dir: Path, configured: Path | None = None) -> Path:
    """The package a data directory uses: the latest version of its history once a package
    has been accepted (:mod:`qingshan.city.history`), else the one ``city.toml`` names
    (``configured``), else ``package.xlsx`` (an upload accepted before the history), else
    ``package/``."""
    v = history.latest(data_dir)
    if v is not None:
        return v.package
    if configured is not None:
        return configured
    if (data_dir / "package.xlsx").exists():
        return data_dir / "package.xlsx"
    return data_dir / "package"


@dataclass(frozen=True)
class Checked:
    """A validated package and every problem found. ``package`` is ``None`` only when a
    child process validated it and found errors: then only the problems and the rows per
    table come back."""

    package: Package | None
    problems: list[Problem]
    rows: dict[str, int]


@dataclass(frozen=True)
class FactorSelection:
    """The factor set and open choices a run uses, and where they came from."""

    name: str
    choices: dict[str, str | None]
    selections: dict[str, Selection]
    overridden: bool  # --factor-set / --factors on the command line

    def key(self) -> str:
        return json.dumps({"name": self.name, "choices": self.choices}, sort_keys=True)


class City:
    """A city opened for reading and computing. Use :meth:`open`."""

    def __init__(self, *, package_path: Path, data_dir: Path | None, profile: Profile, db: str | None = None,
                 factor_set: str | None = None, factors: Path | None = None, accept_warnings: bool = False,
                 progress: Callable[[str], None] | None = None, cache_dir: Path | None = None,
                 isolation: isolated.Limits | None = None, reports: tuple[Reported, ...] = (),
                 ecology: Path | None = None) -> None:
        self.package_path = package_path
        #: the ecological package folder city.toml names (else the data directory's ``ecology/``)
        self._ecology = ecology
        #: the accepted enterprise reports, which replace their rows of the package
        #: (:mod:`qingshan.data.reported`); read from the application database by :meth:`open`
        self.reports = reports
        self.data_dir = data_dir
        #: where the validated package is kept (default: the data directory's ``cache/package``)
        self.cache_dir = cache_dir or (package_cache.folder_of(data_dir) if data_dir is not None else None)
        #: validate in a child process under these limits (an upload), else in this process
        self.isolation = isolation
        #: held while this city, or another reopened from it, uses the shared store
        self.store_lock = threading.RLock()
        self.profile = profile
        self.db = db
        self.accept_warnings = accept_warnings
        self._factor_set_name = factor_set
        self._factors_file = factors
        self._progress = progress or (lambda _msg: None)
        self._fs: FactorSet | None = None
        self._years_hint: int | None = None
        self._selection: FactorSelection | None = None
        self._pkg: Package | None = None
        #: the validated copy being written (:meth:`_keep_copy`), joined by :meth:`saved`
        self._saving: threading.Thread | None = None
        self.problems: list[Problem] = []
        self.package_key = ""
        self._store: Store | None = None
        self._result: AccountResult | None = None
        #: results and indexes kept for the life of the city (evaluations, documents, page indexes)
        self.memo: dict[Any, Any] = {}
        self._targets_file: Path | None = None
        #: what happened when the city was opened (for messages and tests)
        self.events: list[str] = []
        self.notes: list[dict[str, str]] = []

    # --- opening ---------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None, *, profile: str | Path | None = None, db: str | None = None,
             factor_set: str | None = None, factors: Path | None = None, accept_warnings: bool = False,
             progress: Callable[[str], None] | None = None) -> City:
        """Open the city at ``path``: a data directory (``city.toml`` names its profile) or a
        bare package. The profile is ``profile`` if given, else the data directory's, else
        ``QINGSHAN_PROFILE``, else the national default; the store is ``db`` if given, else
        ``QINGSHAN_DB``, else the data directory's DuckDB file (in memory for a bare
        package)."""
        path = Path(path) if path is not None else Path(setting("data_dir"))
        if not path.exists():
            raise ConfigError(tr(f"找不到数据目录或数据包：{path}", f"no data directory or package at {path}"))
        data_dir: Path | None = None
        configured: str | Path | None = None
        ecology: Path | None = None
        if is_data_dir(path):
            data_dir = path
            cfg = read_city_config(path)
            configured = cfg.profile
            ecology = cfg.ecology
            package_path = package_in(path, cfg.package)
            if not package_path.exists():
                raise ConfigError(tr(f"{path} 中没有数据包（应有 package/、package.xlsx 或 history/ 中的版本）",
                                     f"{path} has no package (package/, package.xlsx or a version in history/)"))
        else:
            package_path = path
        env = setting("profile")
        chosen = profile or configured or (name_or_path(env) if env else None) or "national"
        return cls(package_path=package_path, data_dir=data_dir, profile=checked_profile(chosen),
                   db=db or setting("db") or None, factor_set=factor_set or setting("factor_set") or None,
                   factors=factors, accept_warnings=accept_warnings, progress=progress,
                   reports=app_reports.of_city(data_dir) if data_dir is not None else (), ecology=ecology)

    def reopened(self, package_path: Path, *, cache_dir: Path | None = None,
                 isolation: isolated.Limits | None = None, progress: Callable[[str], None] | None = None,
                 reports: tuple[Reported, ...] | None = None) -> City:
        """The same city (profile, store, factor options, store lock, accepted reports unless
        ``reports`` are given) on another package file; its validated copy is kept in
        ``cache_dir`` (default: the data directory's), and it is validated in a child process
        under ``isolation`` if given."""
        c = City(package_path=package_path, data_dir=self.data_dir, profile=self.profile, db=self.db,
                 factor_set=self._factor_set_name, factors=self._factors_file,
                 accept_warnings=self.accept_warnings, progress=progress, cache_dir=cache_dir, isolation=isolation,
                 reports=self.reports if reports is None else reports, ecology=self._ecology)
        c.store_lock = self.store_lock
        return c

    @property
    def reports_digest(self) -> str:
        """:func:`qingshan.data.reported.digest` of the accepted reports (once per city:
        every document's header carries it)."""
        if "reports_digest" not in self.memo:
            self.memo["reports_digest"] = reported.digest(self.reports)
        digest: str = self.memo["reports_digest"]
        return digest

    def verdict(self, problems: list[Problem]) -> str | None:
        """``None`` if ``problems`` let the package be used, else why not (one line, both
        languages): errors always stop it, warnings unless the city accepts them
        (``--accept-warnings``). The one judgement of import, accept and every command."""
        if not blocking(problems, accept_warnings=self.accept_warnings):
            return None
        n_err = sum(p.severity == "error" for p in problems)
        n_warn = len(problems) - n_err
        if n_err:
            return (f"未通过校验：{n_err} 个错误，{n_warn} 个警告 / "
                    f"validation failed: {n_err} errors, {n_warn} warnings")
        return (f"未通过校验：{n_warn} 个警告；本城市未设置接受警告（--accept-warnings） / "
                f"validation failed: {n_warn} warnings, and this city does not accept warnings (--accept-warnings)")

    # --- the factor set ----------------------------------------------------------------

    def factor_selection(self, year: int | None = None) -> FactorSelection:
        """The factor set and choices for data year ``year`` (default: the year the package
        is validated with, :meth:`_reference_year`). ``--factor-set`` replaces the profile's
        set and its choices; ``--factors`` (an override file) keeps both."""
        y = year if year is not None else self._reference_year()
        if self._factor_set_name is not None:
            return FactorSelection(name=self._factor_set_name, choices={}, selections={}, overridden=True)
        sel = self.profile.selection("factors.set", y)
        if sel is None:
            raise ConfigError(tr(f"配置 {self.profile.id} 没有为 {y} 年选择因子集",
                                 f"profile {self.profile.id} selects no factor set for {y}"))
        choices = {k: self.profile.value(p, y) for k, p in _PROFILE_KEY_OF.items()}
        selections = {"factors.set": sel}
        selections |= {p: s for p in _PROFILE_KEY_OF.values() if (s := self.profile.selection(p, y)) is not None}
        return FactorSelection(name=sel.value, choices=choices, selections=selections,
                               overridden=self._factors_file is not None)

    def _reference_year(self) -> int:
        """The data year whose factor selection validates the package: the package's latest
        year once known, else the latest year the profile's factor-set timeline starts in
        that is not after today (the package is re-validated if its own years resolve to
        another selection)."""
        if self._years_hint is not None:
            return self._years_hint
        entries = self.profile.timelines.get("factors.set", ())
        if not entries:
            raise ConfigError(tr(f"配置 {self.profile.id} 没有选择因子集",
                                 f"profile {self.profile.id} selects no factor set"))
        now = dt.date.today().year
        started = [e.first_year for e in entries if e.first_year <= now]
        return max(started) if started else min(e.first_year for e in entries)

    @property
    def factor_set(self) -> FactorSet:
        if self._fs is None:
            sel = self.factor_selection()
            choices = {k: v for k, v in sel.choices.items() if v}
            self._fs = load_factor_set(sel.name, self._factors_file, choices=choices or None)
            self._selection = sel
        return self._fs

    # --- the package -------------------------------------------------------------------

    @property
    def package(self) -> Package:
        """The validated package (validated once; kept beside the store of a data directory)."""
        if self._pkg is None:
            self._load_package()
        assert self._pkg is not None
        return self._pkg

    def _load_package(self) -> None:
        checked = self.validate()
        raise_if_blocking(checked.problems, accept_warnings=self.accept_warnings)
        assert checked.package is not None
        self._check_factor_years(checked.package.years)
        self._pkg = checked.package

    def _salt(self, fs: FactorSet) -> str:
        return json.dumps({"cache": CACHE_VERSION, "qingshan": __version__, "schema": schema_digest(),
                           "factor_set": fs.describe(), "reports": self.reports_digest},
                          sort_keys=True, ensure_ascii=False)

    def validate(self) -> Checked:
        """Validate the package, or take the validated copy kept under its key, and return
        it with every problem, never raising for problems in the data. With ``isolation``
        the package is read and validated by a child process (:mod:`qingshan.city.isolated`)
        that keeps the validated copy in ``cache_dir``; this process reads only that copy."""
        from qingshan.data.validate import check_package

        fs = self.factor_set
        self.package_key = package_cache.package_digest(self.package_path, self._salt(fs))
        kept = package_cache.load(self.cache_dir, self.package_key) if self.cache_dir is not None else None
        if kept is not None:
            pkg, problems = kept
            self.events.append("package-cached")
        elif self.isolation is not None:
            return self._validate_in_child(self.isolation)
        else:
            self._progress(tr("读取并校验", "reading and validating"))
            pkg, problems = check_package(self.package_path, fs, self.reports)
            self.events.append("package-validated")
            if self.cache_dir is not None and not any(p.severity == "error" for p in problems):
                self._keep_copy(self.cache_dir, self.package_key, pkg, problems)
        if self._factor_set_name is None and self._years_hint is None and pkg.years:
            # validated with the selection of a guessed year: the package's own years decide
            self._years_hint = max(pkg.years)
            if self.factor_selection().key() != (self._selection.key() if self._selection else ""):
                self._fs = None
                return self.validate()
        self.problems = problems
        return Checked(pkg, problems, pkg.rows())

    def _keep_copy(self, folder: Path, key: str, pkg: Package, problems: list[Problem]) -> None:
        """Write the validated copy on a second thread while this one loads the store and
        computes (Parquet writing runs outside the GIL); :meth:`saved` waits for it."""
        self.saved()
        self._saving = threading.Thread(target=package_cache.save, args=(folder, key, pkg, problems),
                                        name="qingshan-validated-copy")
        self._saving.start()

    def saved(self) -> None:
        """Wait until the validated copy being written, if any, is complete."""
        if self._saving is not None:
            self._saving.join()
            self._saving = None

    def _validate_in_child(self, limits: isolated.Limits) -> Checked:
        if self.cache_dir is None:
            raise ConfigError("validating in a child process needs a folder for the validated copy (cache_dir)")
        self._progress(tr("在独立进程中读取并校验", "reading and validating in a separate process"))
        spec = {"package_path": self.package_path, "data_dir": self.data_dir, "profile": self.profile,
                "db": self.db, "factor_set": self._factor_set_name, "factors": self._factors_file,
                "accept_warnings": self.accept_warnings, "cache_dir": self.cache_dir, "reports": self.reports}
        key, hint, problems, rows = isolated.run(_validate_in_child, (spec,), limits, label=self.package_path.name)
        self.events.append("package-validated-in-child")
        if hint != self._years_hint:  # the package's own years chose the factor selection
            self._years_hint = hint
            self._fs = None
        _ = self.factor_set
        self.package_key = key
        self.problems = problems
        if any(p.severity == "error" for p in problems):
            return Checked(None, problems, rows)
        kept = package_cache.load(self.cache_dir, key)
        if kept is None:
            raise ConfigError(tr(f"校验后的数据包副本无法读取（{self.cache_dir}）；磁盘已满？",
                                 f"the validated copy of the package cannot be read ({self.cache_dir}); is the disk "
                                 "full?"))
        return Checked(kept[0], problems, rows)

    def _check_factor_years(self, years: list[int]) -> None:
        """Every data year must resolve to the factor selection the package was validated
        and is accounted with; a profile that changes it within the years held needs
        separate runs (one account, one factor set)."""
        if self._factor_set_name is not None:
            return
        assert self._selection is not None
        used = self._selection.key()
        other = [y for y in years if self.factor_selection(y).key() != used]
        if other:
            raise ConfigError(tr(
                f"配置 {self.profile.id} 在 {', '.join(map(str, other))} 年选择了另一因子集或口径；请分期核算",
                f"profile {self.profile.id} selects another factor set or choice for {', '.join(map(str, other))}; "
                "account those years separately"))

    @property
    def years(self) -> list[int]:
        """The years the accounts hold."""
        return sorted(int(y) for y in self.accounts().yearly["year"].unique())

    @property
    def latest_year(self) -> int:
        """The latest year with accounts: the one every 'latest' view shows."""
        ys = self.years
        if not ys:
            raise ConfigError(tr("数据包中没有能耗数据", "the package has no energy data"))
        return ys[-1]

    # --- the store ----------------------------------------------------------------------

    def schema(self) -> str:
        """The PostgreSQL schema of this city: the profile id and a digest of where its
        data live, so two cities never share tables."""
        where = str((self.data_dir or self.package_path).resolve())
        base = re.sub(r"[^a-z0-9_]", "_", self.profile.id.lower())[:40]
        return f"city_{base}_{hashlib.sha1(where.encode()).hexdigest()[:8]}"

    @property
    def store(self) -> Store:
        """The store, loaded from the package unless it already holds this package."""
        if self._store is None:
            pkg = self.package
            self._store = self._connect()
            meta = self._store.read_meta()
            if meta.get("package_key") != self.package_key or not self._store.has_table("energy"):
                self._progress(tr("载入数据库", "loading the store"))
                self._store.replace_tables(engine.store_tables(pkg, self.factor_set),
                                           meta={"package_key": self.package_key, "profile": self.profile.id,
                                                 "profile_version": self.profile.version})
                self.events.append("store-loaded")
            else:
                self.events.append("store-reused")
        return self._store

    def _connect(self) -> Store:
        self.notes = []
        if self.db:
            return Store.connect(self.db, schema=self.schema())
        if self.data_dir is None:
            return Store.connect(None)
        try:
            return Store.embedded(self.data_dir)
        except duckdb.IOException:
            # the file is held by another process (a running `qingshan serve`): compute in
            # memory rather than wait or fail
            self.notes = [{"zh": "内置数据库文件正被其他进程使用，本次在内存中计算",
                           "en": "the embedded store file is in use by another process; computed in memory"}]
            return Store.connect(None)

    @contextmanager
    def borrowed_store(self) -> Iterator[Store]:
        """The store for one computation: a city that had released its store (the web
        server does, so that commands can use the data directory) releases it again. While
        a city reopened from this one holds the store (the web server computing accepted
        data), :class:`StoreError` says so at once rather than waiting."""
        if not self.store_lock.acquire(blocking=False):
            raise StoreError("数据库正用于计算新采用的数据，请稍后再试 / "
                             "the store is computing newly accepted data; try again in a moment")
        was_open = self._store is not None
        try:
            yield self.store
        finally:
            if not was_open:
                self.close()
            self.store_lock.release()

    def close(self, *, keep_results: bool = True) -> None:
        """Release the store. Results already computed stay available: the monthly accounts
        are read from the store first, unless ``keep_results`` is false (the end of a
        ``with`` block, where reading millions of rows nobody asked for would cost seconds
        and the largest peak of memory of a province-scale run)."""
        self.saved()
        if self._store is not None:
            if self._result is not None:
                if keep_results:
                    _ = self._result.monthly  # read what lives in the connection before it goes
                else:
                    self._result.release()
            self._store.close()
            self._store = None
            self.events.append("store-closed")

    def __enter__(self) -> City:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(keep_results=False)

    # --- results ------------------------------------------------------------------------

    def accounts(self) -> AccountResult:
        """Accounts of every year the package holds (computed once)."""
        if self._result is None:
            store = self.store
            self._progress(tr("核算能耗与排放", "computing the accounts"))
            self._result = engine.compute(store, self.factor_set)
        return self._result

    def check_report(self, kind: str, entity_id: str, period: str, rows: list[dict[str, Any]],
                     label: str, numbers: list[int] | None = None) -> list[Problem]:
        """Every problem of enterprise ``entity_id``'s report of table ``kind`` for ``period``
        (issue #14): its rows, keyed by column name or header alias, checked by the same
        validation as a package, as that enterprise's rows of that period (types, units,
        carriers, ranges, duplicates, unit slips within the report). Rows are numbered from
        2, as under a header row, unless ``numbers`` gives those of a form they came from."""
        from qingshan.data.raw import RawPackage
        from qingshan.data.validate import check_raw

        table, problems = reported.report_table(kind, entity_id, period, rows, label, numbers)
        return problems + check_raw(RawPackage({kind: [table]}, [], label), self.factor_set)[1]

    def units(self) -> list[Unit]:
        """The city, its districts, parks and enterprises, as the application database's
        organisations are made from them (:func:`qingshan.app.organisations.sync`)."""
        ent = self.package.entities

        def text(v: Any) -> str | None:
            return None if v is None or (isinstance(v, float) and v != v) else str(v)

        return [Unit(str(code), str(kind), str(name or code), text(d), text(p))
                for code, kind, name, d, p in zip(ent["entity_id"], ent["entity_type"], ent["name"],
                                                  ent["district_id"], ent["park_id"], strict=True)]

    def header(self, year: int | None = None) -> dict[str, Any]:
        """What every document says about how it was produced."""
        fs = self.factor_set
        sel = self._selection
        return {"profile": self.profile.describe(year),
                "factor_set": fs.describe() | {"overridden": bool(sel and sel.overridden)},
                "package": {"source": str(self.package_path), "digest": self.package_key[:16]},
                "reports": {"accepted": len(self.reports), "digest": self.reports_digest[:16]},
                "run_notes": list(self.notes)}

    def carrier_months(self) -> pd.DataFrame:
        """Monthly energy and CO2 per enterprise and carrier (the enterprise page)."""
        if "carrier_months" not in self.memo:
            with self.borrowed_store() as store:
                self.memo["carrier_months"] = engine.carrier_months(store, self.package)
        frame: pd.DataFrame = self.memo["carrier_months"]
        return frame

    def check(self) -> tuple[Package, list[Problem]]:
        """Validate the package and return it with every problem, never raising for
        problems in the data (``qingshan validate``)."""
        from qingshan.data.validate import check_package

        return check_package(self.package_path, self.factor_set)

    # --- rules of the profile ---------------------------------------------------------

    def _required(self, key: str, year: int, what_zh: str, what_en: str, flag: str) -> Selection:
        sel = self.profile.selection(key, year)
        if sel is None or sel.value == "none":
            raise ConfigError(tr(f"配置 {self.profile.id} {self.profile.version} 没有为 {year} 年选择{what_zh}；"
                                 f"请选择其他配置或用 {flag} 给出",
                                 f"profile {self.profile.id} {self.profile.version} selects no {what_en} for {year}; "
                                 f"choose another profile or give {flag}"))
        return sel

    def evaluation(self, year: int, *, scheme: str | Path | None = None, adjustments: Path | None = None) -> Any:
        """The 亩均 evaluation of ``year``: the scheme, the 碳效码 configuration and the
        measures the profile selects for ``year`` (``scheme`` overrides the profile's)."""
        from qingshan.evaluation import evaluate, load_carbon_config, load_measures, load_scheme
        from qingshan.evaluation.adjustments import read_adjustments
        from qingshan.evaluation.inputs import evaluation_inputs

        key = ("evaluation", year, str(scheme) if scheme else None, str(adjustments) if adjustments else None)
        if key not in self.memo:
            name = scheme if scheme is not None else self._required(
                "evaluation.scheme", year, "亩均评价方案", "亩均 scheme", "--scheme").value
            sch = load_scheme(name)
            carbon = self.profile.value("evaluation.carbon_efficiency", year)
            measures = self.profile.value("evaluation.measures", year)
            adj = read_adjustments(adjustments, sch) if adjustments else None
            inputs = self.memo.get("evaluation_inputs")
            if inputs is None:
                inputs = self.memo["evaluation_inputs"] = evaluation_inputs(self.package, self.accounts())
            # consecutive years in a class count only years these measures and (unless
            # overridden) this scheme applied to
            starts = [s.first_year for k in ("evaluation.measures", "evaluation.scheme")
                      if (k != "evaluation.scheme" or scheme is None)
                      and (s := self.profile.selection(k, year)) is not None]
            self.memo[key] = evaluate(inputs, sch, year, adjustments=adj, earliest=max(starts) if starts else None,
                                      carbon=load_carbon_config(carbon) if carbon else None,
                                      measures=load_measures(measures) if measures else None)
        return self.memo[key]

    def evaluation_or_none(self, year: int) -> Any:
        """The profile's evaluation of ``year``, or ``None`` where it selects no scheme
        (pages then show accounts without classes)."""
        if self.profile.value("evaluation.scheme", year) is None:
            return None
        return self.evaluation(year)

    def use_targets(self, path: Path) -> None:
        """Use the targets file ``path`` instead of the profile's (``--targets``)."""
        self._targets_file = path
        self.memo = {k: v for k, v in self.memo.items() if not (isinstance(k, tuple) and k[0] == "targets")}

    def plan(self) -> Any:
        """The targets file in force (``--targets``, else the profile's ``targets.file`` for
        the latest year), or ``None`` when there is none."""
        from qingshan.targets.definitions import load_targets_file

        if self._targets_file is not None:
            return load_targets_file(self._targets_file)
        name = self.profile.value("targets.file", self.latest_year)
        if name is None:
            return None
        if name.startswith("data:"):
            if self.data_dir is None:
                raise ConfigError(tr(f"配置 {self.profile.id} 的目标文件 {name} 须在数据目录中",
                                     f"profile {self.profile.id}'s targets file {name} lives in a data directory"))
            return load_targets_file(self.data_dir / name.removeprefix("data:"))
        return load_targets_file(name)

    def growth(self, override: float | None = None) -> tuple[float | None, str]:
        """The value-added growth per year to the target year: ``override`` (the command's
        ``--growth``), else the targets file's ``[assumptions] growth``; with its source.
        ``None`` when neither gives one (remaining room then cannot be computed)."""
        if override is not None:
            return override, "command line"
        plan = self.plan()
        if plan is None or plan.growth is None:
            return None, ""
        return float(plan.growth), str(plan.growth_source)

    def barometer(self, year: int) -> dict[str, Any]:
        """The barometer rules the profile selects for ``year``."""
        from qingshan.targets.barometer import load_barometer

        return load_barometer(self._required("targets.barometer", year, "晴雨表规则", "barometer rules",
                                             "another profile").value)

    # --- the ecological package and GEP (docs/gep/engine.md) ---------------------------

    @property
    def ecology_dir(self) -> Path | None:
        """The ecological package folder: ``ecology`` of city.toml, else the data directory's
        ``ecology/`` when it exists; ``None`` when the city has none."""
        if self._ecology is not None:
            return self._ecology
        if self.data_dir is not None and (self.data_dir / "ecology").is_dir():
            return self.data_dir / "ecology"
        return None

    def eco_package(self) -> Any:
        """The validated ecological package (:class:`qingshan.ecology.EcoPackage`), read once."""
        from qingshan.ecology import read_eco_package

        if "eco_package" not in self.memo:
            d = self.ecology_dir
            if d is None:
                raise ConfigError(tr("本城市没有生态数据包（数据目录中的 ecology/，或 city.toml 的 ecology）",
                                     "this city has no ecological package (ecology/ in the data directory, "
                                     "or `ecology` in city.toml)"))
            self.memo["eco_package"] = read_eco_package(d, accept_warnings=self.accept_warnings)
        return self.memo["eco_package"]

    def gep_prices(self, year: int, override: str | None = None) -> tuple[Any, Selection | None]:
        """The GEP pricing for ``year``: the price set ``override`` (``--prices``) or the
        profile's ``ecology.gep_prices``, with the CPI chain; and the profile's selection."""
        from qingshan.ecology.accounting import Pricing

        if override is not None:
            return Pricing.shipped(override), None
        sel = self._required("ecology.gep_prices", year, "GEP 价格集", "GEP price set", "--prices")
        return Pricing.shipped(sel.value), sel

    def gep_account(self, year: int, *, prices: str | None = None, engine: str = "numpy",
                    results_dir: Path | None = None, accept: tuple[tuple[str, str], ...] = ()) -> Any:
        """The GEP account of ``year`` (:func:`qingshan.ecology.accounting.account_gep`) under
        the profile's price set; per-pixel rasters go to ``results_dir`` (default: the data
        directory's ``results/gep``); ``accept`` lists double-count pairs accepted explicitly."""
        from qingshan.ecology.accounting import account_gep

        key = ("gep", year, prices, engine, accept)
        if key not in self.memo:
            pricing, _ = self.gep_prices(year, prices)
            out = results_dir or (self.data_dir / "results" / "gep" if self.data_dir is not None else None)
            emissions, note = self._gep_emissions(year)
            acc = account_gep(self.eco_package(), year, pricing=pricing, results_dir=out, engine=engine,  # type: ignore[arg-type]
                              accept_double_count=accept, emissions_t=emissions)
            acc.provenance["purification"] = note
            self.memo[key] = acc
        return self.memo[key]

    def _gep_emissions(self, year: int) -> tuple[dict[str, dict[str, float]] | None, str]:
        """Pollutant emissions by district for GEP purification: the enterprise package's
        reported ``pollutants`` of ``year`` (enterprises only, not every source of the
        region), or ``None`` with why."""
        from qingshan.ecology.accounting import emissions_by_district

        try:
            pkg = self.package
        except (ValidationError, ConfigError) as exc:
            return None, f"enterprise package not usable: {str(exc)[:200]}"
        if "pollutants" not in pkg or "entities" not in pkg:
            return None, "the enterprise package has no pollutants table"
        found = emissions_by_district(pkg.table("pollutants"), pkg.table("entities"), year)
        if not found:
            return None, f"the enterprise package reports no SO2, NOx, COD or NH3-N for {year}"
        return found, (f"reported emissions of the enterprise package's pollutants table, {year} "
                       "(reporting enterprises only; particulates not priced)")

    def screening_rules(self, year: int) -> Any:
        """The screening rule files the profile selects for ``year``."""
        from qingshan.screening.rules import RULE_KEYS, load_screening_rules

        return load_screening_rules({k: self.profile.value(f"screening.{k}", year) for k in RULE_KEYS})

    def carrying_source(self) -> Any:
        """The carrying-capacity evaluations screening reads (R-CARRYING), under the rule
        file the profile selects for each year (``environment.carrying_capacity``); kept."""
        from qingshan.screening.carrying import CarryingSource

        if "carrying_source" not in self.memo:
            self.memo["carrying_source"] = CarryingSource(
                self.package, lambda y: self.profile.value("environment.carrying_capacity", y))
        return self.memo["carrying_source"]

    def energy_right_rules(self, year: int) -> Any:
        """The 用能权 allocation rules (``registry.allocation``) and the right they allocate
        (``registry.rights``) the profile selects for ``year``; ``None`` if it selects
        either not."""
        from qingshan.registry.allocation import load_allocation
        from qingshan.registry.rights import rights_for
        from qingshan.screening.energy_right import EnergyRightRules

        name = self.profile.value("registry.allocation", year)
        if name is None or self.profile.value("registry.rights", year) is None:
            return None
        rules = load_allocation(name)
        return EnergyRightRules(rules, rights_for(self.profile, year).right(rules.right))

    def screen(self, project: Any, *, scheme: str | Path | None = None, growth: float | None = None) -> Any:
        """Screen ``project`` under the profile's selections for the year of its application
        date (the rules in force when it applies): the screening rules, the 亩均 scheme (for
        the expected class) and the targets, with the growth of :meth:`growth`."""
        from qingshan.evaluation import load_scheme
        from qingshan.screening import screen

        year = project.application_date.year
        name = scheme if scheme is not None else self.profile.value("evaluation.scheme", year)
        plan = self.plan()
        args = (project, self.package, self.accounts(), self.factor_set)
        kw: dict[str, Any] = {"rules": self.screening_rules(year), "scheme": load_scheme(name) if name else None}
        kw["carrying"] = self.carrying_source()  # R-CARRYING: the district's carrying-capacity state
        kw["energy_rights"] = self.energy_right_rules(year)  # R-ENERGY-RIGHT: the 用能权 to buy
        if plan is None:
            return screen(*args, **kw)
        g, _ = self.growth(growth)
        if g is None:
            s = screen(*args, **kw)
            s.notes.append({"zh": "目标文件未给出增加值增速（--growth），未测算对目标的影响",
                            "en": "the targets file gives no value-added growth (--growth): no effect on targets"})
            return s
        try:
            return screen(*args, **kw, targets=plan.targets, growth=g)
        except ValidationError as exc:  # targets that do not fit the data: screened without them, said so
            s = screen(*args, **kw)
            s.notes.append({"zh": f"目标文件 {plan.label} 与数据不符，未测算对目标的影响",
                            "en": f"the targets file {plan.label} does not fit the data; no effect on targets",
                            "problems": [p.to_dict() for p in exc.problems]})
            return s


def _validate_in_child(spec: dict[str, Any]) -> tuple[str, int | None, list[Problem], dict[str, int]]:
    """What a child process runs to validate an upload (:meth:`City._validate_in_child`):
    the package key, the year that chose the factor selection, the problems (at most
    :data:`CHILD_PROBLEMS`) and the rows per table; the validated package itself is kept in
    ``spec["cache_dir"]``."""
    city = City(**spec)
    checked = city.validate()
    city.saved()  # the parent reads the copy once this process has ended
    return city.package_key, city._years_hint, checked.problems[:CHILD_PROBLEMS], checked.rows
