"""Markdown generated from the schema and settings, so the docs cannot drift.

``python scripts/gen_docs.py`` rewrites the blocks between ``<!-- BEGIN name -->`` and
``<!-- END name -->`` markers in docs/*.md; tests/test_docs.py fails when a block is stale.
"""

from __future__ import annotations

import re

from qingshan.glossary import glossary
from qingshan.schema.carriers import carriers
from qingshan.schema.tables import TABLE_ORDER, tables
from qingshan.schema.units import dimension_of, unit_aliases
from qingshan.settings import SETTINGS


def _esc(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def tables_md() -> str:
    out = []
    for name in TABLE_ORDER:
        t = tables()[name]
        out.append(f"### `{name}` — {t.zh} / {t.en}\n")
        out.append(f"Key: {', '.join(f'`{k}`' for k in t.key)}. File: `{name}.csv` or a sheet named "
                   f"{' / '.join(f'`{a}`' for a in (name, *t.sheet_aliases))}.\n")
        out.append("| column | type | required | accepted headers | codes / bounds | 说明 | description |")
        out.append("|---|---|---|---|---|---|---|")
        for c in t.columns:
            bounds = []
            if c.choices:
                bounds.append(", ".join(f"`{x}`" for x in c.choices))
            if c.default:
                bounds.append(f"default `{c.default}`")
            if c.min is not None:
                bounds.append(f"≥ {c.min:g}")
            if c.max is not None:
                bounds.append(f"≤ {c.max:g}")
            if c.unit_column:
                bounds.append(f"unit from `{c.unit_column}`")
            out.append(f"| `{c.name}` | {c.type} | {'yes' if c.required else ''} | "
                       f"{_esc(', '.join(c.aliases))} | {_esc('; '.join(bounds))} | {_esc(c.zh)} | {_esc(c.en)} |")
        choice_aliases = [(c.name, c.choice_aliases) for c in t.columns if c.choice_aliases]
        for col, al in choice_aliases:
            out.append(f"\nChinese codes accepted in `{col}`: "
                       + "; ".join(f"{k} → `{v}`" for k, v in al.items()) + ".")
        out.append("")
    return "\n".join(out)


def carriers_md() -> str:
    out = ["| code | 名称 | name | accepted names | dimension | canonical unit | category | 205-1 code | 205-1 unit |",
           "|---|---|---|---|---|---|---|---|---|"]
    for c in carriers().values():
        out.append(f"| `{c.carrier}` | {c.name_zh} | {c.name_en} | {_esc(', '.join(c.aliases))} | {c.dimension} | "
                   f"{c.canonical_unit} | {c.category} | {c.form_205_1_code} | {c.form_205_1_unit} |")
    return "\n".join(out)


def units_md() -> str:
    by_dim: dict[str, list[str]] = {}
    for alias in unit_aliases():
        by_dim.setdefault(dimension_of(alias) or "?", []).append(alias)
    out = ["| dimension | accepted units |", "|---|---|"]
    for dim, names in by_dim.items():
        out.append(f"| {dim} | {', '.join(f'`{n}`' for n in names)} |")
    return "\n".join(out)


def glossary_md() -> str:
    out = ["| name | 中文 | English | unit | definition |", "|---|---|---|---|---|"]
    for name, g in glossary().items():
        out.append(f"| `{name}` | {g['zh']} | {g['en']} | {g['unit']} | {_esc(g['definition'])} |")
    return "\n".join(out)


def settings_md() -> str:
    out = ["| setting | environment variable | default | 说明 | description |", "|---|---|---|---|---|"]
    for s in SETTINGS:
        out.append(f"| `{s.name}` | `{s.env}` | `{s.default}` | {s.zh} | {s.en} |")
    return "\n".join(out)


def profile_keys_md() -> str:
    from qingshan.profiles.profile import keys

    out = ["| key | value | required | 说明 | description |", "|---|---|---|---|---|"]
    for path, k in keys().items():
        out.append(f"| `{path}` | `{k.kind}` | {'yes' if k.required else 'no'} | {k.zh} | {_esc(k.en)} |")
    return "\n".join(out)


def roles_md() -> str:
    from qingshan.app.permissions import ACTIONS, roles

    out = ["| role | 角色 | " + " | ".join(f"`{a}`" for a in ACTIONS) + " |",
           "|---|---|" + "---|" * len(ACTIONS)]
    for r in roles().values():
        out.append(f"| `{r.name}` ({r.en}) | {r.zh} | " + " | ".join("✓" if a in r.actions else "" for a in ACTIONS)
                   + " |")
    return "\n".join(out)


BLOCKS = {
    "data-package.md": {"tables": tables_md, "carriers": carriers_md, "units": units_md},
    "glossary.md": {"glossary": glossary_md},
    "configuration.md": {"settings": settings_md},
    "profiles.md": {"profile-keys": profile_keys_md},
    "roles.md": {"roles": roles_md},
}


def render(doc: str, text: str) -> str:
    """``text`` with every generated block of ``doc`` brought up to date."""
    for name, fn in BLOCKS[doc].items():
        pat = re.compile(rf"(<!-- BEGIN {name} -->\n)(?:.*?\n)?(<!-- END {name} -->)", re.S)
        if not pat.search(text):
            raise ValueError(f"docs/{doc} lacks the block markers for {name!r}")
        text = pat.sub(lambda m, fn=fn: m.group(1) + fn() + "\n" + m.group(2), text)  # type: ignore[misc]
    return text
