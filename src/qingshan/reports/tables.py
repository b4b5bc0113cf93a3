"""A page's document as the tables a user downloads (CSV or Excel), with headers in the
page's language (:mod:`qingshan.reports.labels`).

Every list of records in the document, at any depth, is a table named by its path (as
:func:`qingshan.reports.workbook.document_sheets` finds them for the JSON twins' workbooks);
a record's nested values are flattened (``move_up.gap``), a text given in both languages
(``{"zh": …, "en": …}``) keeps the page's, and a list of records inside a record (an
enterprise's evaluation items) becomes a table of its own, each row headed by its
record's ``entity_id``. The evaluation's class counts and class migration, which the
document holds as mappings, are tables too. Nothing is computed: the values are the
document's. Texts are escaped by the writers (:mod:`qingshan.reports.safe`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pandas as pd

from qingshan.reports.labels import header, title
from qingshan.reports.safe import safe_frame
from qingshan.reports.workbook import about_frame, about_rows, workbook_bytes

#: the document's header and descriptions (at any depth): not tables of the page
SKIP = frozenset({"profile", "factor_set", "package", "run_notes", "factors", "areas", "barometer", "targets_file",
                  "scheme", "carbon_efficiency", "measure_set", "notes", "problems", "filters", "kinds",
                  "map"})  # a point map (documents/point_map.py) draws rows the page's tables hold
CLASSES = ("A", "B", "C", "D", "T")
#: what the derived tables hold (:func:`_class_counts`, :func:`_migration`): not walked again
DERIVED = frozenset({".migration", "summary.classes"})


@dataclass(frozen=True)
class Table:
    key: str  # the document's path (``rows``, ``enterprises.items``): the download's ``table``
    frame: pd.DataFrame  # columns named by field; headers are given by :meth:`labelled`

    def labelled(self, lang: str) -> pd.DataFrame:
        return self.frame.rename(columns={c: header(str(c), lang) for c in self.frame.columns})


def _bilingual(v: Any) -> bool:
    return isinstance(v, dict) and set(v) == {"zh", "en"}


def _keyed(v: Any) -> bool:
    """A mapping of records of one shape, keyed by a code (not a record itself)."""
    if not isinstance(v, dict) or len(v) < 2 or not all(isinstance(x, dict) and not _bilingual(x) for x in v.values()):
        return False
    shapes = {tuple(x) for x in v.values()}
    return len(shapes) == 1 and all(not isinstance(y, dict) or _bilingual(y) for x in v.values() for y in x.values())


def _flat(record: dict[str, Any], lang: str, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in record.items():
        name = f"{prefix}{k}"
        if _bilingual(v):
            out[name] = v[lang]
        elif isinstance(v, dict):
            out.update(_flat(v, lang, f"{name}."))
        elif isinstance(v, list):
            if v and all(isinstance(x, dict) for x in v):
                continue  # a table of its own
            out[name] = "；".join(str(x) for x in v)
        else:
            out[name] = v
    return out


def _records(path: str, rows: list[dict[str, Any]], lang: str, found: list[Table]) -> None:
    flat = [_flat(r, lang) for r in rows]
    found.append(Table(path, pd.DataFrame(flat)))
    nested = sorted({k for r in rows for k, v in r.items()
                     if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)})
    for k in nested:
        parent = "entity_id" if any("entity_id" in r for r in rows) else "key"
        children = [{parent: r.get(parent), **_flat(x, lang)} if parent in r and parent not in x
                    else _flat(x, lang) for r in rows for x in (r.get(k) or [])]
        found.append(Table(f"{path}.{k}", pd.DataFrame(children)))


def _class_counts(doc: dict[str, Any]) -> Table | None:
    classes = (doc.get("summary") or {}).get("classes")
    if not isinstance(classes, dict) or not classes:
        return None
    rows = [{"segment": seg, **{c: int(counts.get(c, 0)) for c in CLASSES},
             "total": int(sum(counts.values()))} for seg, counts in classes.items()]
    return Table("class_counts", pd.DataFrame(rows))


def _migration(doc: dict[str, Any]) -> Table | None:
    m = doc.get("migration")
    grid = m.get("from_rows_to_columns") if isinstance(m, dict) else None
    if not grid:
        return None
    cols = [*CLASSES, *sorted({c for row in grid.values() for c in row} - set(CLASSES))]
    return Table("migration", pd.DataFrame([{"from_class": f, **{c: int(row.get(c, 0)) for c in cols}}
                                            for f, row in grid.items()]))


def page_tables(doc: dict[str, Any], lang: str = "zh") -> list[Table]:
    """Every table of a page's document, in the document's order (derived tables first)."""
    found: list[Table] = [t for t in (_class_counts(doc), _migration(doc)) if t is not None]

    def walk(path: str, v: Any) -> None:
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            _records(path, v, lang, found)
        elif _keyed(v):  # one record per key (a district's colour, a measure's total)
            _records(path, [{"key": k, **x} for k, x in v.items()], lang, found)
        elif isinstance(v, dict) and not _bilingual(v):
            for k, x in v.items():
                if k not in SKIP and f"{path}.{k}" not in DERIVED:
                    walk(f"{path}.{k}" if path else str(k), x)

    walk("", doc)
    return found


def table_title(t: Table, lang: str) -> str:
    return title(t.key, lang)


def csv_bytes(t: Table, lang: str) -> bytes:
    """One table as CSV, UTF-8 with a BOM (so that Excel opens it in Chinese), every text
    and header escaped (:func:`~qingshan.reports.safe.safe_frame`)."""
    buf = io.StringIO()
    safe_frame(t.labelled(lang)).to_csv(buf, index=False)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(tables: list[Table], doc: dict[str, Any], lang: str) -> bytes:
    """Every table as a sheet named by its title, after the About sheet (what produced the
    document: :func:`~qingshan.reports.workbook.about_rows`), in ``lang``."""
    # the About rows are in the server's language (:func:`qingshan.i18n.tr`); their headers in the page's
    about = about_frame(about_rows(doc)).set_axis(["项目", "内容"] if lang == "zh" else ["item", "value"], axis=1)
    sheets = [("说明" if lang == "zh" else "About", about)] if "profile" in doc else []
    sheets += [(table_title(t, lang), t.labelled(lang)) for t in tables]
    return workbook_bytes(sheets or [("data", pd.DataFrame())])
