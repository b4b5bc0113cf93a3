"""Charts drawn on the server as inline SVG: no script library, nothing fetched. Each point
carries a ``<title>``, which the browser shows as a tooltip."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

W, H, PAD = 640, 240, 48


def line_chart(points: Sequence[dict[str, Any]], x: str, y: str, label: str, unit: str = "") -> Markup:
    """A line chart of ``y`` against ``x`` over ``points`` (rows of a JSON document)."""
    pts = [(p[x], p[y]) for p in points if p.get(y) is not None]
    if not pts:
        return Markup("<p class=muted>—</p>")
    xs = list(range(len(pts)))
    ys = [float(v) for _, v in pts]
    lo, hi = min(0.0, min(ys)), max(ys) or 1.0
    sx = (W - 2 * PAD) / max(1, len(xs) - 1)

    def py(v: float) -> float:
        return H - PAD - (v - lo) / (hi - lo or 1.0) * (H - 2 * PAD)

    coords = [(PAD + i * sx, py(v)) for i, v in zip(xs, ys, strict=True)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{cx:.1f},{cy:.1f}" for i, (cx, cy) in enumerate(coords))
    dots = "".join(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4"><title>{html.escape(str(k))}: '
                   f'{v:,.2f} {html.escape(unit)}</title></circle>'
                   for (cx, cy), (k, v) in zip(coords, pts, strict=True))
    ticks = "".join(f'<text x="{cx:.1f}" y="{H - PAD + 18}" text-anchor="middle">{html.escape(str(k))}</text>'
                    for (cx, _), (k, _) in zip(coords, pts, strict=True))
    axis = (f'<text x="{PAD - 6}" y="{py(hi):.1f}" text-anchor="end">{hi:,.3g}</text>'
            f'<text x="{PAD - 6}" y="{py(lo):.1f}" text-anchor="end">{lo:,.3g}</text>'
            f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" class=axis />')
    return Markup(f'<figure class=chart><figcaption>{html.escape(label)}</figcaption>'
                  f'<svg viewBox="0 0 {W} {H}" role="img" aria-label="{html.escape(label)}">{axis}'
                  f'<path d="{path}" class=line />{dots}{ticks}</svg></figure>')
