"""The web application's one data-access layer: every page and every API endpoint reads
through :class:`CityData`, so access control can later be added in one place.

A city is loaded once at start-up (validate the package, compute the accounts on the
configured store, prepare the evaluation input); evaluations are computed on first use and
cached per scheme and year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qingshan import accounts
from qingshan.accounts import AccountResult
from qingshan.data.industry import division_name
from qingshan.data.spec import TABLE_ORDER, carriers
from qingshan.data.validate import Package, load_package
from qingshan.evaluation import Evaluation, evaluate, load_scheme
from qingshan.evaluation.inputs import evaluation_inputs
from qingshan.factors import FactorSet, load_factor_set
from qingshan.methods.carrier_rollup import enterprise_carrier_months
from qingshan.methods.coefficients import carrier_keys
from qingshan.reports.workbook import clean
from qingshan.store import Store
from qingshan.targets import Target, load_targets, progress_table, room_table

SORTABLE = ("name", "energy_tce", "co2_t", "energy_per_va", "value_added_10k_yuan", "score")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (column by column: ``to_dict`` is slow on Arrow-backed columns)."""
    cols = {str(c): frame[c].tolist() for c in frame.columns}
    return [{k: clean(v[i]) for k, v in cols.items()} for i in range(len(frame))]


@dataclass
class CityData:
    pkg: Package
    result: AccountResult
    fs: FactorSet
    targets: list[Target]
    growth: float
    default_scheme: str = "huaian-2024"
    source: str = ""
    _evals: dict[tuple[str, int], Evaluation] = field(default_factory=dict)
    _targets_doc: dict[str, Any] | None = None

    data_dir: Path | None = None
    db: str | None = None
    carrier_months: pd.DataFrame = field(default_factory=pd.DataFrame)
    version: int = 0  # bumped when an upload is accepted (the response cache's key)
    _positions: dict[int, tuple[dict[Any, Any], dict[str, Any]]] = field(default_factory=dict)
    _enterprise_docs: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @staticmethod
    def package_path(data_dir: Path) -> Path:
        """``data_dir/package.xlsx`` (an accepted upload), else ``data_dir/package/``, else
        ``data_dir`` itself."""
        if (data_dir / "package.xlsx").exists():
            return data_dir / "package.xlsx"
        return data_dir / "package" if (data_dir / "package").is_dir() else data_dir

    @classmethod
    def load(cls, data_dir: Path, db: str | None = None, scheme: str = "huaian-2024") -> CityData:
        """``data_dir`` holds the package and optionally ``targets.toml``."""
        import tomllib

        tfile = data_dir / "targets.toml"
        targets = load_targets(tfile) if tfile.exists() else []
        growth = float(tomllib.loads(tfile.read_text("utf-8")).get("assumptions", {}).get("growth", 0.0)) \
            if tfile.exists() else 0.0
        return cls.build(cls.package_path(data_dir), load_factor_set(), targets=targets, growth=growth,
                         scheme=scheme, data_dir=data_dir, db=db)

    @classmethod
    def build(cls, package: Path, fs: FactorSet, *, targets: list[Target], growth: float, scheme: str,
              data_dir: Path | None, db: str | None) -> CityData:
        """Validate and account ``package`` on the store ``db``; compute the default
        evaluation and the targets once, so pages only read."""
        pkg = load_package(package, fs)
        store = Store.connect(db)
        accounts.load(store, pkg, fs)
        result = accounts.compute(store, fs)
        _ = result.monthly  # fetch once: pages read it from memory
        cells = store.execute(enterprise_carrier_months(store.table("energy"), store.table("coefficients"),
                                                        store.table("year_coefficients")))
        store.close()
        keys = np.array(accounts.entity_ids_by_key(pkg.entities["entity_id"]), dtype=object)
        names = list(carrier_keys())
        cells = cells.assign(entity_id=keys[cells["entity_key"].to_numpy()],
                             carrier=pd.Series(names, dtype="category").to_numpy()[
                                 cells["carrier_key"].to_numpy("int64")])
        cells = cells.sort_values(["entity_id", "year", "month", "carrier_key"])
        cells = cells.drop(columns=["entity_key", "carrier_key"]).reset_index(drop=True)
        data = cls(pkg=pkg, result=result, fs=fs, targets=targets, growth=growth, default_scheme=scheme,
                   source=str(package), data_dir=data_dir, db=db, carrier_months=cells)
        data.evaluation()
        data.targets_view()
        return data

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.result.yearly["year"].unique())

    @property
    def latest(self) -> int:
        return self.years[-1]

    def evaluation(self, scheme: str | None = None, year: int | None = None) -> Evaluation:
        key = (scheme or self.default_scheme, year or self.latest)
        if key not in self._evals:
            inputs = evaluation_inputs(self.pkg, self.result)
            self._evals[key] = evaluate(inputs, load_scheme(key[0]), key[1])
        return self._evals[key]

    # --- views: each returns the JSON document of one page ---------------------------

    def overview(self) -> dict[str, Any]:
        city = self.result.rollups["city"].sort_values("year")
        districts = self.result.rollups["district"]
        d = districts[districts["year"] == self.latest].sort_values("unit_id")
        colours = self.targets_view()["latest"] if self.targets else []
        return {"city": records(city[["year", "energy_tce", "co2_t", "value_added_10k_yuan", "energy_per_va",
                                      "co2_per_va"]]),
                "districts": records(d[["unit_id", "unit_name", "enterprises", "energy_tce", "co2_t",
                                        "energy_per_va", "co2_per_va"]]),
                "year": self.latest, "targets": colours, "factor_set": self.result.factor_set["name"],
                "notes": self.result.notes}

    def enterprises(self, q: str = "", district: str = "", industry: str = "", cls: str = "",
                    sort: str = "energy_tce", desc: bool = True, page: int = 1, size: int = 50) -> dict[str, Any]:
        y = self.result.yearly
        y = y[y["year"] == self.latest]
        ev = self.evaluation().firms[["entity_id", "class", "score", "carbon_grade"]]
        t = y.merge(ev, on="entity_id", how="left")
        if q:
            t = t[t["name"].astype(str).str.contains(q, regex=False) | t["entity_id"].astype(str).str.contains(q)]
        if district:
            t = t[t["district_id"].astype(str) == district]
        if industry:
            t = t[t["industry_code"].astype(str).str.startswith(industry)]
        if cls:
            t = t[t["class"].astype("string") == cls]
        key = sort if sort in SORTABLE else "energy_tce"
        t = t.sort_values([key, "entity_id"], ascending=[not desc, True], na_position="last")
        size = max(1, min(size, 500))
        pages = max(1, math.ceil(len(t) / size))
        page = max(1, min(page, pages))
        rows = t.iloc[(page - 1) * size: page * size]
        cols = ["entity_id", "name", "district_id", "park_id", "industry_code", "scale", "energy_tce", "co2_t",
                "value_added_10k_yuan", "energy_per_va", "class", "score", "carbon_grade"]
        return {"year": self.latest, "total": len(t), "page": page, "pages": pages, "size": size, "sort": key,
                "desc": desc, "rows": records(rows[cols])}

    def enterprise(self, entity_id: str) -> dict[str, Any] | None:
        """One enterprise's document (its page and its JSON twin share it; kept per entity)."""
        if entity_id not in self._enterprise_docs:
            if len(self._enterprise_docs) >= 4096:
                self._enterprise_docs.clear()
            self._enterprise_docs[entity_id] = self._enterprise(entity_id)
        return self._enterprise_docs[entity_id]

    def _enterprise(self, entity_id: str) -> dict[str, Any] | None:
        from qingshan.evaluation.catalogue import indicators
        from qingshan.reports.evaluation import why

        yearly = self._of(self.result.yearly, entity_id)  # frames are ordered by entity and time
        if not yearly:
            return None
        first = yearly[0]
        div = str(first["industry_code"])[:2]
        ind = self.result.rollups["industry"]
        industry = ind[ind["unit_id"].astype(str) == div][["year", "energy_per_va", "co2_per_va"]]
        ev = self.evaluation()
        found = self._of(ev.firms, entity_id)
        firm = found[0] if found else None
        cat = indicators()
        spec = carriers()
        by_carrier = [{k: r[k] for k in ("year", "month", "carrier", "energy_tce", "co2_t")}
                      | {"carrier_zh": spec[r["carrier"]].name_zh, "carrier_en": spec[r["carrier"]].name_en}
                      for r in self._of(self.carrier_months, entity_id)]
        return {"entity_id": entity_id, "name": str(first["name"]),
                "industry": {"code": str(first["industry_code"]), "division": div,
                             "division_name": division_name(div, "zh")},
                "yearly": [{k: r[k] for k in ("year", "energy_tce", "co2_t", "value_added_10k_yuan", "energy_per_va",
                                              "co2_per_va")} for r in yearly],
                "industry_intensity": records(industry.sort_values("year")),
                "monthly": [{k: r[k] for k in ("year", "month", "energy_tce", "co2_t", "co2_process_t",
                                               "electricity_kwh")}
                            for r in self._of(self.result.monthly, entity_id)],
                # monthly energy (tce, 当量值) and CO2 (combustion, purchased electricity and heat) by carrier
                "by_carrier": by_carrier,
                "evaluation": firm, "why": why(ev, firm) if firm else None,
                "move_up": {k: firm[k] for k in ("target_class", "threshold_score", "gap")}
                if firm and firm.get("target_class") else None,
                "items": [{**r, "zh": cat[r["indicator"]].zh, "en": cat[r["indicator"]].en,
                           "unit": cat[r["indicator"]].unit} for r in self._of(ev.items, entity_id)],
                "measures": self._of(ev.measures, entity_id) if len(ev.measures) else []}

    def map_view(self, colour: str = "class") -> dict[str, Any]:
        """The one-map: district and park boundaries (GeoJSON), enterprises with coordinates
        and their class, carbon grade and accounts in the latest year, and each district's
        worst target colour with the targets behind it."""
        from qingshan.data.boundaries import feature_collection

        ent = self.pkg.entities
        firms = ent[(ent["entity_type"] == "enterprise") & ent["lon"].notna() & ent["lat"].notna()]
        y = self.result.yearly
        y = y[y["year"] == self.latest][["entity_id", "energy_tce", "co2_t"]]
        ev = self.evaluation().firms[["entity_id", "class", "carbon_grade"]]
        t = firms[["entity_id", "name", "lon", "lat", "district_id", "park_id", "industry_code"]]
        t = t.merge(y, on="entity_id", how="left").merge(ev, on="entity_id", how="left")
        t = t.assign(industry_name=t["industry_code"].astype(str).str[:2].map(lambda d: division_name(d, "zh")),
                     carbon_grade=t["carbon_grade"].map(lambda g: None if pd.isna(g) else str(int(g))))
        rank = {"red": 2, "yellow": 1, "green": 0}
        zh = {"red": "红（一级预警）", "yellow": "黄（二级预警）", "green": "绿"}
        colours: dict[str, dict[str, Any]] = {}
        for r in self.targets_view()["latest"]:
            if r.get("level") != "district":
                continue
            c = colours.setdefault(str(r["entity"]), {"colour": "green", "targets": []})
            c["targets"].append({k: r[k] for k in ("target_id", "zh", "en", "year", "actual_change",
                                                   "required_change", "colour")})
            if rank[r["colour"]] > rank[c["colour"]]:
                c["colour"] = r["colour"]
        for c in colours.values():
            c["zh_colour"] = zh[c["colour"]]
        return {"year": self.latest, "colour": "grade" if colour == "grade" else "class",
                "areas": feature_collection(self.pkg.boundaries, ent), "district_colours": colours,
                "enterprises": records(t.sort_values("entity_id"))}

    def _of(self, frame: pd.DataFrame, entity_id: str) -> list[dict[str, Any]]:
        """One enterprise's rows of ``frame`` as records, in the frame's order (``groupby``
        positions are ascending). The first use
        of a frame indexes it: row positions per enterprise and each column as a NumPy array,
        so a page neither scans every enterprise's rows nor goes through pandas per request."""
        key = id(frame)
        index = self._positions.get(key)
        if index is None:
            pos = frame.groupby("entity_id", sort=False, observed=True).indices
            cols = {str(c): frame[c].to_numpy() for c in frame.columns if c != "entity_id"}
            index = self._positions[key] = (pos, cols)
        pos, cols = index
        at = pos.get(entity_id)
        if at is None:
            return []
        values = [a[at].tolist() for a in cols.values()]
        return [{k: clean(v) for k, v in zip(cols, row, strict=True)} | {"entity_id": entity_id}
                for row in zip(*values, strict=True)]

    def evaluation_view(self, scheme: str | None = None, year: int | None = None) -> dict[str, Any]:
        from qingshan.reports.evaluation import summary

        ev = self.evaluation(scheme, year)
        mig = ev.migration
        return {"scheme": ev.scheme.id, "year": ev.year, "summary": summary(ev),
                "migration": {str(i): {str(c): int(v) for c, v in r.items()} for i, r in mig.iterrows()}
                if not mig.empty else {},
                "parks": records(ev.parks), "notes": ev.notes + [{"zh": n, "en": n} for n in ev.scheme.notes]}

    def targets_view(self) -> dict[str, Any]:
        if self._targets_doc is None:
            self._targets_doc = self._targets()
        return self._targets_doc

    def _targets(self) -> dict[str, Any]:
        from qingshan.errors import ValidationError

        if not self.targets:
            return {"latest": [], "warnings": [], "room": []}
        try:
            return self._targets_doc_of(self.targets)
        except ValidationError as exc:  # targets that do not fit the data: say so on the page
            return {"latest": [], "warnings": [], "room": [], "problems": [p.to_dict() for p in exc.problems]}

    def _targets_doc_of(self, targets: list[Target]) -> dict[str, Any]:
        p = progress_table(targets, self.result.yearly)
        latest = p.sort_values("year").groupby("target_id").tail(1)
        by_id = {t.id: t for t in targets}
        latest = latest.assign(zh=latest["target_id"].map(lambda i: by_id[i].zh),
                               en=latest["target_id"].map(lambda i: by_id[i].en),
                               level=latest["target_id"].map(lambda i: by_id[i].level),
                               entity=latest["target_id"].map(lambda i: by_id[i].entity))
        return {"latest": records(latest), "warnings": records(latest[latest["colour"] != "green"]),
                "room": records(room_table(targets, self.result.yearly, self.growth))}

    # --- actions ----------------------------------------------------------------------

    def screen(self, text: str, suffix: str = ".yaml") -> dict[str, Any]:
        """Screen a project given as the text of a YAML file (or the bytes of a workbook,
        latin-1 encoded by the caller) against this city."""
        import tempfile

        from qingshan.reports.screening import screening_document
        from qingshan.screening import read_project, screen

        with tempfile.TemporaryDirectory() as tmp:
            f = Path(tmp) / f"project{suffix}"
            if suffix == ".xlsx":
                f.write_bytes(text.encode("latin-1"))
            else:
                f.write_text(text, "utf-8")
            project = read_project(f)
        s = screen(project, self.pkg, self.result, self.fs, scheme=load_scheme(self.default_scheme),
                   targets=self.targets, growth=self.growth)
        return screening_document(s)

    def check_upload(self, content: bytes, filename: str | None = None) -> dict[str, Any]:
        """Validate an uploaded workbook; keep it staged under a token if it passes. Problems
        name the file as uploaded (``filename``), not the staged copy."""
        import hashlib

        from qingshan.data.validate import check_package

        assert self.data_dir is not None
        token = hashlib.sha256(content).hexdigest()[:16]
        staged = self.data_dir / "uploads" / f"{token}.xlsx"
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_bytes(content)
        try:
            pkg, problems = check_package(staged, self.fs)
        except Exception as exc:  # an unreadable file is a problem of the upload, not of the server
            staged.unlink(missing_ok=True)
            return {"ok": False, "token": None, "problems": [{"code": "P000", "message": str(exc)}], "rows": {}}
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            staged.unlink(missing_ok=True)
        return {"ok": not errors, "token": None if errors else token,
                "problems": [{**d, "file": str(d["file"]).replace(staged.name, filename or staged.name)}
                             for d in (p.to_dict() for p in problems)],
                "rows": {name: len(pkg.table(name)) for name in TABLE_ORDER}}

    def accept(self, token: str) -> dict[str, Any]:
        """Make a staged upload the city's data: it replaces ``package.xlsx`` and every
        result is recomputed (the old data stay until the new ones are ready)."""
        import shutil

        assert self.data_dir is not None
        staged = self.data_dir / "uploads" / f"{token}.xlsx"
        if not token.isalnum() or not staged.exists():
            raise KeyError(token)
        target = self.data_dir / "package.xlsx"
        tmp = self.data_dir / "package.new.xlsx"
        shutil.copyfile(staged, tmp)
        try:
            fresh = CityData.build(tmp, self.fs, targets=self.targets, growth=self.growth,
                                   scheme=self.default_scheme, data_dir=self.data_dir, db=self.db)
        except Exception:
            tmp.unlink(missing_ok=True)  # the city keeps its data
            raise
        tmp.replace(target)
        staged.unlink(missing_ok=True)
        version = self.version
        self.__dict__.update(fresh.__dict__)
        self.version = version + 1  # every cached page of the old data is stale
        self.source = str(target)
        return {"ok": True, "enterprises": int((self.pkg.entities["entity_type"] == "enterprise").sum()),
                "years": self.years}

