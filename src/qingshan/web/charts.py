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
          title: str, unit: str = "", *, split: str | None = None, name: str | None = None) -> Markup:
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
            out.append({"name": name, "y": ys})
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
    spec = {"title": title, "unit": unit, "x": labels, "series": out}
    data = html.escape(json.dumps(spec, ensure_ascii=False, separators=(",", ":"), allow_nan=False), quote=True)
    return Markup(f'<figure class="chart" data-chart="{data}"><figcaption>{html.escape(title)}</figcaption>'
                  f'<div class="chart-body"></div></figure>')
