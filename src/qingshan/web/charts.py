"""Chart figures: the page carries each chart's numbers as JSON in a ``data-chart``
attribute and ``static/qingshan.js`` (written here, no library) draws it as SVG with
tooltips and zoom. The numbers are those of the page's JSON twin; the figure caption and
series names come from the template, so they follow the page's language.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup


def _label(row: dict[str, Any], x: str | Sequence[str]) -> str:
    if isinstance(x, str):
        return str(row[x])
    return "-".join(f"{int(row[k]):02d}" for k in x)  # ("year", "month") → "2024-03"


def chart(rows: Sequence[dict[str, Any]], x: str | Sequence[str], series: Sequence[tuple[str, str]],
          title: str, unit: str = "", *, split: str | None = None, name: str | None = None,
          dashed: Sequence[str] = (), bands: Sequence[tuple[str, str, str]] = ()) -> Markup:
    """A line chart of ``rows`` (records of a JSON document) against ``x`` (a column, or
    columns joined as a label such as year-month).

    ``series`` is ``(column, name)`` pairs; with ``split`` the rows are long and each value
    of the ``split`` column becomes a series of the first column, named from the ``name``
    column (default the value itself), e.g. monthly energy by carrier."""
    labels: list[str] = []
    seen: dict[str, int] = {}
    for r in rows:
        lab = _label(r, x)
        if lab not in seen:
            seen[lab] = len(labels)
            labels.append(lab)
    out: list[dict[str, Any]] = []
    if split is None:
        for col, name in series:
            ys: list[float | None] = [None] * len(labels)
            for r in rows:
                v = r.get(col)
                ys[seen[_label(r, x)]] = None if v is None else float(v)
            out.append({"name": name, "y": ys} | ({"dash": True} if col in dashed else {}))
    else:
        col = series[0][0]
        by: dict[str, list[float | None]] = {}
        shown: dict[str, str] = {}
        for r in rows:
            key = str(r[split])
            shown[key] = str(r[name]) if name else key
            ys = by.setdefault(key, [None] * len(labels))
            i = seen[_label(r, x)]
            v = r.get(col)
            if v is not None:
                ys[i] = (ys[i] or 0.0) + float(v)
        order = sorted(by, key=lambda k: -sum(v or 0.0 for v in by[k]))
        out = [{"name": shown[k], "y": by[k]} for k in order]
    spec: dict[str, Any] = {"title": title, "unit": unit, "x": labels, "series": out}
    if bands:
        spec["bands"] = [{"name": band_name, "lo": _column(rows, x, seen, lo, len(labels)),
                          "hi": _column(rows, x, seen, hi, len(labels))} for lo, hi, band_name in bands]
    return _figure(spec, title)


def _column(rows: Sequence[dict[str, Any]], x: str | Sequence[str], seen: dict[str, int], col: str,
            n: int) -> list[float | None]:
    ys: list[float | None] = [None] * n
    for r in rows:
        v = r.get(col)
        ys[seen[_label(r, x)]] = None if v is None else float(v)
    return ys


def _figure(spec: dict[str, Any], title: str, extra: str = "") -> Markup:
    data = html.escape(json.dumps(spec, ensure_ascii=False, separators=(",", ":"), allow_nan=False), quote=True)
    return Markup(f'<figure class="chart" data-chart="{data}"{extra}><figcaption>{html.escape(title)}</figcaption>'
                  f'<div class="chart-body"></div></figure>')


def paths(scenarios: Sequence[dict[str, Any]], col: str, title: str, unit: str, zh: bool) -> Markup:
    """The pathways of several scenarios (the pathways document's ``scenarios``) on one
    chart: each scenario's central path of ``col`` and its p5–p95 band."""
    years = sorted({int(r["year"]) for sc in scenarios for r in sc["years"]})
    series, bands = [], []
    for sc in scenarios:
        label = str(sc["zh"] if zh else sc["en"])
        by_year = {int(r["year"]): r for r in sc["years"]}

        def values(c: str, by_year: dict[int, dict[str, Any]] = by_year) -> list[float | None]:
            return [None if y not in by_year or by_year[y].get(c) is None else float(by_year[y][c]) for y in years]

        series.append({"name": label, "y": values(col)})
        bands.append({"name": f"{label} {'P5–P95' if zh else 'p5–p95'}", "lo": values(f"{col}_p5"),
                      "hi": values(f"{col}_p95")})
    return _figure({"title": title, "unit": unit, "x": [str(y) for y in years], "series": series,
                    "bands": bands}, title)


def bars(rows: Sequence[dict[str, Any]], effects: Sequence[tuple[str, str]], title: str, unit: str, *,
         part: str | None = None, label: str = "name", link: str | None = None, link_suffix: str = "",
         total: str = "change", total_name: str = "") -> Markup:
    """A horizontal bar chart, one bar per row (``label``), stacked by ``effects`` (``(key,
    name)`` pairs, values of the row or of its ``part``, e.g. ``co2``: positive to the right
    of zero, negative to the left) with a mark at the row's ``total``. With ``link`` a bar
    opens ``link + code + link_suffix`` when clicked (a district's or industry's page)."""
    out = []
    for r in rows:
        values = (r.get(part) or {}) if part else r
        out.append({"label": str(r[label]), "href": f"{link}{r['code']}{link_suffix}" if link else None,
                    "values": [None if values.get(k) is None else float(values[k]) for k, _ in effects],
                    "total": None if values.get(total) is None else float(values[total])})
    spec = {"type": "bars", "title": title, "unit": unit, "effects": [name for _, name in effects],
            "total_name": total_name, "rows": out}
    return _figure(spec, title, ' data-kind="bars"')
