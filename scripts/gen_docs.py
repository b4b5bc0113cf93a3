"""Rewrite the generated blocks of docs/*.md from the schema (see qingshan.docgen)."""

from __future__ import annotations

from pathlib import Path

from qingshan.docgen import BLOCKS, render

DOCS = Path(__file__).resolve().parent.parent / "docs"

if __name__ == "__main__":
    for doc in BLOCKS:
        path = DOCS / doc
        path.write_text(render(doc, path.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"updated {path}")
