"""The docs are complete: generated blocks are current, every problem code and every
command is documented, every document the README names exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qingshan.cli import main
from qingshan.docgen import BLOCKS, render

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


@pytest.mark.parametrize("doc", sorted(BLOCKS))
def test_generated_blocks_are_current(doc: str) -> None:
    text = (DOCS / doc).read_text(encoding="utf-8")
    assert render(doc, text) == text, f"run: python scripts/gen_docs.py ({doc} is stale)"


def test_every_problem_code_is_documented() -> None:
    codes = set()
    for f in (ROOT / "src" / "qingshan").rglob("*.py"):
        codes |= set(re.findall(r'"(P0\d\d)"', f.read_text(encoding="utf-8")))
    doc = (DOCS / "data-package.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"\| (P0\d\d) \|", doc))
    for lo, hi in re.findall(r"\| P0(\d\d)–P0(\d\d) \|", doc):
        documented |= {f"P0{i:02d}" for i in range(int(lo), int(hi) + 1)}
    assert sorted(codes - documented) == []


def test_every_evaluation_problem_code_is_documented() -> None:
    codes = set()
    for f in (ROOT / "src" / "qingshan" / "evaluation").rglob("*.py"):
        codes |= set(re.findall(r'"([SECMA]0\d\d)"', f.read_text(encoding="utf-8")))
    doc = (DOCS / "evaluation.md").read_text(encoding="utf-8")
    assert codes and sorted(codes - set(re.findall(r"\| ([SECMA]0\d\d) \|", doc))) == []


def test_every_targets_problem_code_is_documented() -> None:
    codes = set()
    for f in (ROOT / "src" / "qingshan" / "targets").rglob("*.py"):
        codes |= set(re.findall(r'"(T0\d\d|P1\d\d)"', f.read_text(encoding="utf-8")))
    doc = (DOCS / "targets.md").read_text(encoding="utf-8")
    assert codes and sorted(codes - set(re.findall(r"\| (T0\d\d|P1\d\d) \|", doc))) == []


def test_every_screening_problem_code_and_rule_is_documented() -> None:
    text = "".join(f.read_text(encoding="utf-8") for f in (ROOT / "src" / "qingshan" / "screening").rglob("*.py"))
    doc = (DOCS / "screening.md").read_text(encoding="utf-8")
    codes = set(re.findall(r'"(X0\d\d)"', text))
    rules = set(re.findall(r'"(R-[A-Z-]+)"', text))
    assert codes and rules
    assert sorted(codes - set(re.findall(r"\| (X0\d\d) \|", doc))) == []
    assert sorted(x for x in rules if f"`{x}`" not in doc) == []


def test_every_preset_scheme_is_documented() -> None:
    from qingshan.evaluation.scheme import preset_names

    doc = (DOCS / "evaluation.md").read_text(encoding="utf-8")
    assert all(f"### `{name}`" in doc for name in preset_names())


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"qingshan {name}" in readme, name


def test_readme_names_only_existing_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for ref in re.findall(r"docs/[\w.-]+\.md", readme):
        assert (ROOT / ref).exists(), ref


def test_readme_gives_exactly_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", setup, re.S)
    assert len(blocks) == 2
    assert "qingshan demo" in blocks[0]
    assert "scripts/test.sh" in blocks[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test.sh" in ci


def test_package_data_lists_every_data_file() -> None:
    """A wheel (non-editable install) must carry every file the package reads."""
    import fnmatch
    import tomllib

    root = Path(__file__).parents[1]
    tool = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["tool"]
    globs = tool["setuptools"]["package-data"]["qingshan"]
    src = root / "src" / "qingshan"
    files = [f.relative_to(src).as_posix() for f in src.rglob("*")
             if f.is_file() and f.suffix not in (".py", ".pyc") and "__pycache__" not in f.parts]
    assert files
    missing = [f for f in files if not any(fnmatch.fnmatch(f, g) and f.count("/") == g.count("/") for g in globs)]
    assert missing == []
