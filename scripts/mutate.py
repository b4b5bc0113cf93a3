"""Mutation probe of the shipped numbers (issue #15, item 4; docs/mutation.md).

Changes one number of one money-moving data file at a time, in a copy of the project, runs
the tests listed for that file and records whether a test failed (the mutant is *killed*) or
all passed (it *survived*: no test would notice that number being wrong).

The files and their relevant tests are :data:`TARGETS` below. A number is changed so:

- a decimal is multiplied by 1.1 at the precision shown (0.7143 → 0.7857), or moved by one in
  its last shown digit if that leaves it unchanged (0.0 → 0.1);
- a number written with an exponent has its mantissa multiplied by 1.1 (1e4 → 1.1e4);
- an integer (a year, a count, a threshold in kWh) becomes its neighbour, + 1;
- a code (a GB/T 4754 prefix such as "321", a key listed in ``code_keys``/``code_columns``)
  has its last digit moved by one ("321" → "322", "9" → "8");
- a unit alias with no number in its pint expression is scaled by 1.1 ("1.1 * hectare").

Every mutant is checked to change exactly one value of the parsed file (CSV cell, TOML leaf
or Python literal) before it is run. The copy is taken once per worker from the working tree
(``src``, ``tests``, ``benchmarks``, ``docs``, ``pyproject.toml``); the working tree is never
written. Before a file's mutants run, its tests run once on the unchanged copy: test files
that fail to import there are left out, tests that fail are deselected for that file's
mutants, and both are listed in the result.

Usage::

    .venv/bin/python scripts/mutate.py --list
    .venv/bin/python scripts/mutate.py --sample 20 --seed 1 --jobs 2
    .venv/bin/python scripts/mutate.py --files barometer carbon_efficiency --jobs 2
    .venv/bin/python scripts/mutate.py --files two_high.toml --fail-on-survivors

Writes ``mutation.json`` and ``mutation.md`` (survivors as a table) into ``--out``
(default ``build/mutation``).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import functools
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import tokenize
import tomllib
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("src", "tests", "benchmarks", "docs", "pyproject.toml")
MARKERS = "not browser and not postgres"


# --- what is probed -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Target:
    """Files (globs relative to the repository) of one kind, and the tests relevant to them.

    ``tests`` are pytest arguments: files or node ids, fastest and most direct first (each
    mutant stops at its first failure). ``exclude`` are tests deselected for the mutants
    because they fail on *any* change of the file (a digest of the published file): they
    guard the edition rule, not the number, and would hide every survivor. ``kind`` is
    ``csv``, ``toml``, ``python`` (numeric literals) or ``pint_defines`` (numbers inside
    ``ureg.define("…")``). ``drop_superseded`` leaves out a factor file that no set of
    ``factor_sets.toml`` reads and that has a later edition (``<name>_<version>.csv``): it can
    change no result, and the digest test keeps it as published.
    """

    name: str
    paths: tuple[str, ...]
    kind: str
    tests: tuple[str, ...]
    k: str | None = None
    skip_columns: tuple[str, ...] = ()
    code_columns: tuple[str, ...] = ()
    expression_columns: tuple[str, ...] = ()
    code_keys: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    drop_superseded: bool = False
    why: str = ""
    #: globs of files another target probes with its own tests (each file is probed once)
    exclude_paths: tuple[str, ...] = ()


FACTOR_TESTS = ("tests/test_factor_transcription.py", "tests/test_factors.py", "tests/test_factor_corrections.py",
                "tests/test_accounts.py", "tests/test_pandas_baseline.py")
FACTOR_DIGESTS = ("tests/test_factor_corrections.py::test_published_factor_files_are_never_edited_in_place",)
UNIT_TESTS = (
    "tests/test_units.py", "tests/test_accounts.py", "tests/test_validate.py", "tests/test_unit_slips.py",
    "tests/test_form_205_1.py",
    "tests/test_properties.py::test_unit_round_trip", "tests/test_properties.py::test_every_alias_has_a_dimension",
    "tests/test_properties.py::test_incompatible_units_refuse_to_convert",
    "tests/test_properties.py::test_same_quantity_in_other_units_gives_the_same_account",
    "tests/test_demo.py::test_mixed_reporting_units", "tests/test_demo.py::test_values_are_sane",
    "tests/test_demo.py::test_product_energy_matches_sources",
    "tests/test_input_properties.py::test_accepted_forms_give_identical_quantities",
)
EVALUATION_TESTS = ("tests/test_scheme_transcription.py", "tests/test_indicator_catalogue.py",
                    "tests/test_class_bands.py", "tests/test_evaluation_scoring.py", "tests/test_class_rules.py",
                    "tests/test_evaluation_outputs.py", "tests/test_hand_worked.py")
SCREENING_TESTS = ("tests/test_efficiency_transcription.py", "tests/test_two_high.py",
                   "tests/test_screening.py")
#: The sector factors of issue #15 (carbon balance, N2O, GWP, cement and glass process rows, the
#: 2026.2 GB/T 2589 edition): the typed transcriptions first, then the hand-worked sector tests.
SECTOR_FACTOR_FILES = ("src/qingshan/factors/data/material_carbon_2026.2.csv",
                       "src/qingshan/factors/data/n2o_generation_2026.2.csv",
                       "src/qingshan/factors/data/n2o_abatement_2026.2.csv",
                       "src/qingshan/factors/data/gwp_2026.2.csv",
                       "src/qingshan/factors/data/process_factors_2026.2.csv",
                       "src/qingshan/factors/data/energy_coefficients_gbt2589_2026.2.csv")
SECTOR_TESTS = ("tests/test_factor_transcription.py", "tests/test_carbon_balance.py", "tests/test_non_co2.py",
                "tests/test_cement_glass_power.py", "tests/test_anode.py", "tests/test_screening_ghg.py",
                "tests/test_demo_balance.py", "tests/test_factors.py", "tests/test_factor_corrections.py",
                "tests/test_accounts.py")

TARGETS: tuple[Target, ...] = (
    Target("sector factors", SECTOR_FACTOR_FILES, "csv", SECTOR_TESTS, exclude=FACTOR_DIGESTS,
           why="carbon-balance defaults, N2O generation and removal, GWP sets, NaHCO3 and Fc, GB/T 2589 2026.2"),
    Target("sector methods", ("src/qingshan/data/spec/ghg_methods.toml",), "toml",
           ("tests/test_factor_transcription.py", "tests/test_carbon_balance.py", "tests/test_demo_balance.py"),
           code_keys=("prefix",), why="GB/T 4754-2017 prefixes choosing the steel, coking and chemical methods"),
    Target("factor tables", ("src/qingshan/factors/data/*.csv",), "csv", FACTOR_TESTS, exclude=FACTOR_DIGESTS,
           drop_superseded=True, exclude_paths=SECTOR_FACTOR_FILES,
           why="GB/T 2589 coefficients, fuel defaults, grid and heat factors, 等价值 series, process factors"),
    Target("accounting constants", ("src/qingshan/methods/constants.py",), "python", FACTOR_TESTS,
           why="44/12 and 29.3076 GJ/tce"),
    Target("unit aliases", ("src/qingshan/data/spec/units.csv",), "csv", UNIT_TESTS,
           expression_columns=("pint_expression",), why="every accepted unit spelling and its factor"),
    Target("unit definitions", ("src/qingshan/schema/units.py",), "pint_defines", UNIT_TESTS,
           why="kgce, gram_ce, 1 公顷 = 15 亩"),
    Target("亩均 schemes", ("src/qingshan/evaluation/schemes/*.toml",), "toml", EVALUATION_TESTS,
           code_keys=("industry_divisions",), why="weights, benchmarks, class bands, scope of each preset"),
    Target("亩均 indicators", ("src/qingshan/evaluation/indicators.csv",), "csv", EVALUATION_TESTS,
           why="the scale of each indicator"),
    Target("differentiated measures", ("src/qingshan/evaluation/measures/*.toml",), "toml",
           ("tests/test_hand_worked.py", "tests/test_evaluation_outputs.py", "tests/test_city.py"),
           code_keys=("province",), why="surcharge yuan/kWh by consecutive year in D; the province"),
    Target("碳效码", ("src/qingshan/evaluation/carbon_efficiency/*.toml",), "toml",
           ("tests/test_hand_worked.py", "tests/test_evaluation_outputs.py", "tests/test_evaluation_scoring.py"),
           why="L level limits, K grade limits, industry level"),
    Target("barometer", ("src/qingshan/targets/barometers/*.toml",), "toml",
           ("tests/test_hand_worked.py", "tests/test_targets.py", "tests/test_targets_lmdi.py"),
           why="the red share of the progress target"),
    Target("能效标杆/基准", ("src/qingshan/screening/rules/efficiency_benchmarks.csv",
                          "src/qingshan/screening/rules/efficiency_editions.toml"), "csv+toml", SCREENING_TESTS,
           why="benchmark and baseline of each product, edition years"),
    Target("两高 and siting",
           ("src/qingshan/screening/rules/two_high*.toml", "src/qingshan/screening/rules/siting.toml"), "toml",
           SCREENING_TESTS, code_keys=("prefixes",),
           why="GB/T 4754 prefixes of 两高 and park-siting classes"),
    Target("review thresholds", ("src/qingshan/screening/rules/review_levels.toml",), "toml", SCREENING_TESTS,
           why="节能审查 levels and exemptions"),
)


# --- mutants ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Mutant:
    target: str
    file: str  # relative to the repository
    where: str
    old: str
    new: str
    start: int
    end: int

    @property
    def id(self) -> str:
        return f"{self.file}:{self.where}:{self.old}->{self.new}"

    def apply(self, text: str) -> str:
        return text[:self.start] + self.new + text[self.end:]


NUMBER = re.compile(r"([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?")
NUMBER_TOKEN = re.compile(r"[+-]?\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?")


def mutate_number(token: str) -> str | None:
    """The changed number, in the token's own notation, or None if the token is no number."""
    m = NUMBER.fullmatch(token.replace("_", ""))
    if m is None:
        return None
    sign, whole, frac, exp = m.groups()
    if exp is not None:
        mantissa = Decimal(f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}") * Decimal("1.1")
        text = format(mantissa.normalize(), "f")
        return f"{text}e{exp}"
    if frac is None:
        return str(int(f"{sign}{whole}") + 1) if sign != "+" else f"+{int(whole) + 1}"
    x = Decimal(f"{sign}{whole}.{frac}")
    step = Decimal(1).scaleb(-len(frac))
    new = (x * Decimal("1.1")).quantize(step, rounding=ROUND_HALF_UP)
    if new == x:
        new = x + step
    out = f"{new:.{len(frac)}f}"
    return f"+{out}" if sign == "+" and not out.startswith("-") else out


def mutate_code(code: str) -> str:
    """The neighbour of a digit code in its last digit ("321" → "322", "9" → "8")."""
    last = int(code[-1])
    return code[:-1] + str(last + 1 if last < 9 else last - 1)


def csv_cells(text: str) -> list[list[tuple[int, int]]]:
    """(start, end) of every cell of every record, quotes included (RFC 4180)."""
    rows: list[list[tuple[int, int]]] = []
    row: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == '"':
            j = i + 1
            while True:
                k = text.find('"', j)
                if k < 0:
                    raise ValueError("unclosed quote")
                if text.startswith('""', k):
                    j = k + 2
                    continue
                break
            end = k + 1
        else:
            end = i
            while end < n and text[end] not in ",\r\n":
                end += 1
        row.append((i, end))
        if end < n and text[end] == ",":
            i = end + 1
            if i == n:
                row.append((i, i))
            continue
        rows.append(row)
        row = []
        i = end + (2 if text.startswith("\r\n", end) else 1)
    if row:
        rows.append(row)
    return rows


def parse_csv(text: str) -> list[list[str]]:
    return [r for r in csv.reader(io.StringIO(text, newline="")) if r]


LABEL_COLUMNS = ("factor_id", "alias", "product", "indicator", "carrier", "material")


def csv_mutants(target: Target, rel: str, text: str) -> Iterator[Mutant]:
    spans = csv_cells(text)
    header = [text[a:b] for a, b in spans[0]]
    for r, row in enumerate(spans[1:], start=2):
        if len(row) != len(header):
            continue
        cells = dict(zip(header, (text[a:b] for a, b in row), strict=True))
        label = next((cells[c] for c in LABEL_COLUMNS if c in cells),
                     next((c for c in list(cells.values())[:3] if not NUMBER.fullmatch(c)), text[row[0][0]:row[0][1]]))
        for col, (a, b) in zip(header, row, strict=True):
            cell = text[a:b]
            if col in target.skip_columns or cell.startswith('"'):
                continue
            where = f"line {r} ({label}) {col}"
            if col in target.expression_columns:
                nums = [m for m in NUMBER_TOKEN.finditer(cell)
                        if not cell[:m.start()].rstrip().endswith("**")
                        and (m.start() == 0 or not (cell[m.start() - 1].isalnum() or cell[m.start() - 1] == "_"))]
                if not nums:
                    yield Mutant(target.name, rel, where, cell, f"1.1 * {cell}", a, b)
                for m in nums:
                    new = mutate_number(m.group())
                    if new is not None:
                        yield Mutant(target.name, rel, where, m.group(), new, a + m.start(), a + m.end())
                continue
            if not NUMBER.fullmatch(cell):
                continue
            if col in target.code_columns or (len(cell) > 1 and cell.startswith("0") and cell.isdigit()):
                yield Mutant(target.name, rel, where, cell, mutate_code(cell), a, b)
                continue
            new = mutate_number(cell)
            if new is not None:
                yield Mutant(target.name, rel, where, cell, new, a, b)


def toml_tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """("number" | "string", start, end) of every value-like token; strings without quotes.
    Comments are skipped; numbers that are bare keys or parts of dates are not yielded."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith('"""', i) or text.startswith("'''", i):
            q = text[i:i + 3]
            j = text.find(q, i + 3)
            while q == '"""' and j > 0 and text[j - 1] == "\\":
                j = text.find(q, j + 1)
            i = (n if j < 0 else j) + 3
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if c == '"' and text[j] == "\\" else 1
            yield "string", i + 1, j
            i = j + 1
        elif (c.isdigit() or (c in "+-" and i + 1 < n and text[i + 1].isdigit())) and (
                i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_.-")):
            m = NUMBER_TOKEN.match(text, i)
            assert m is not None
            j = m.end()
            if j < n and (text[j].isalnum() or text[j] in "-:_."):
                while j < n and (text[j].isalnum() or text[j] in "-:_.+"):
                    j += 1
                i = j
                continue
            rest = text[j:].lstrip(" \t")
            if not rest.startswith("=") or rest.startswith("=="):
                yield "number", i, j
            i = j
        else:
            i += 1


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{path}.{k}" if path else str(k)))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{path}[{i}]"))
        return out
    return {path: value}


def last_key(path: str) -> str:
    return re.sub(r"\[\d+\]", "", path).rsplit(".", 1)[-1]


def toml_mutants(target: Target, rel: str, text: str) -> Iterator[Mutant]:
    before = flatten(tomllib.loads(text))
    for kind, a, b in toml_tokens(text):
        token = text[a:b]
        if kind == "number":
            new = mutate_number(token)
        elif token.isdigit() and token:
            new = mutate_code(token)
        else:
            continue
        if new is None:
            continue
        m = Mutant(target.name, rel, "", token, new, a, b)
        try:
            after = flatten(tomllib.loads(m.apply(text)))
        except tomllib.TOMLDecodeError:
            continue
        changed = [k for k in before if after.get(k, object()) != before[k]]
        if set(after) != set(before) or len(changed) != 1:
            continue
        if kind == "string" and last_key(changed[0]) not in target.code_keys:
            continue
        yield dataclasses.replace(m, where=changed[0])


def python_mutants(target: Target, rel: str, text: str) -> Iterator[Mutant]:
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        a = offsets[tok.start[0] - 1] + tok.start[1]
        b = offsets[tok.end[0] - 1] + tok.end[1]
        if target.kind == "python" and tok.type == tokenize.NUMBER:
            new = mutate_number(tok.string)
            if new is not None:
                yield Mutant(target.name, rel, f"line {tok.start[0]}", tok.string, new, a, b)
        elif target.kind == "pint_defines" and tok.type == tokenize.STRING and "ureg.define(" in tok.line:
            for m in NUMBER_TOKEN.finditer(tok.string):
                prev = tok.string[m.start() - 1] if m.start() else " "
                if prev.isalnum() or prev == "_":
                    continue
                new = mutate_number(m.group())
                if new is not None:
                    where = f"line {tok.start[0]} ({tok.string.strip(chr(34))})"
                    yield Mutant(target.name, rel, where, m.group(), new, a + m.start(), a + m.end())


def check_csv(m: Mutant, text: str) -> bool:
    """True if the mutant changes exactly one cell."""
    before, after = parse_csv(text), parse_csv(m.apply(text))
    if len(before) != len(after) or any(len(x) != len(y) for x, y in zip(before, after, strict=True)):
        return False
    return sum(a != b for x, y in zip(before, after, strict=True) for a, b in zip(x, y, strict=True)) == 1


def mutants_of(target: Target, rel: str, text: str) -> list[Mutant]:
    suffix = Path(rel).suffix
    if suffix == ".csv":
        return [m for m in csv_mutants(target, rel, text) if check_csv(m, text)]
    if suffix == ".toml":
        return list(toml_mutants(target, rel, text))
    out = []
    for m in python_mutants(target, rel, text):
        try:
            compile(m.apply(text), rel, "exec")
        except SyntaxError:
            continue
        out.append(m)
    return out


def _edition_base(stem: str) -> str:
    """The table a factor file is an edition of: ``process_factors_2026.1`` and
    ``process_factors`` are both editions of ``process_factors``."""
    return re.sub(r"_\d{4}\.\d+$", "", stem)


def files_of(target: Target, root: Path) -> tuple[list[str], list[str]]:
    """The target's files, and those left out as superseded editions."""
    found: set[str] = set()
    for pattern in target.paths:
        found.update(str(p.relative_to(root)) for p in root.glob(pattern) if p.is_file())
    dropped: set[str] = set()
    if target.drop_superseded:
        for f in found:
            sets = root / Path(f).parent / "factor_sets.toml"
            named = {v for spec in tomllib.loads(sets.read_text("utf-8")).values() if isinstance(spec, dict)
                     for v in spec.values() if isinstance(v, str)} if sets.exists() else set()
            base = _edition_base(Path(f).stem)
            if Path(f).name not in named and any(_edition_base(Path(g).stem) == base for g in found if g != f):
                dropped.add(f)
    for pattern in target.exclude_paths:
        found -= {str(p.relative_to(root)) for p in root.glob(pattern) if p.is_file()}
    return sorted(found - dropped), sorted(dropped)


# --- running --------------------------------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | timeout | error
    seconds: float
    detail: str = ""


def export_ref(ref: str, dest: Path) -> None:
    """The project's files of commit ``ref`` into ``dest`` (``git archive``; the repository is
    not changed)."""
    names = [n for n in COPIED if (ROOT / n).exists()]
    tar = subprocess.run(["git", "archive", "--format=tar", ref, "--", *names], cwd=ROOT, capture_output=True,
                         check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(dest, filter="data")


def copy_tree(source: Path, dest: Path) -> None:
    for name in COPIED:
        src = source / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(
                "__pycache__", ".pytest_cache", ".hypothesis", "*.duckdb", "*.duckdb.wal"))
        elif src.exists():
            shutil.copy2(src, dest / name)


class Workers:
    """One copy of the project per job; a copy is lent to one mutant at a time."""

    def __init__(self, source: Path, base: Path, jobs: int) -> None:
        self.dirs = []
        for j in range(jobs):
            d = base / f"w{j}"
            d.mkdir()
            copy_tree(source, d)
            self.dirs.append(d)
        self._free = list(self.dirs)
        self._lock = threading.Condition()

    def take(self) -> Path:
        with self._lock:
            while not self._free:
                self._lock.wait()
            return self._free.pop()

    def give(self, d: Path) -> None:
        with self._lock:
            self._free.append(d)
            self._lock.notify()


FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.M)
RUNNING: set[subprocess.Popen[str]] = set()
RUNNING_LOCK = threading.Lock()


@dataclasses.dataclass(frozen=True)
class Baseline:
    """How a target's tests fare on the unchanged copy."""

    ok: bool
    note: str
    deselect: tuple[str, ...] = ()  # tests that fail already
    ignore: tuple[str, ...] = ()  # test files that do not even import


def run_pytest(work: Path, tests: Sequence[str], k: str | None, base: Baseline | None, timeout: float,
               first_failure: bool, exclude: Sequence[str] = ()) -> tuple[int | None, str, float]:
    present = [t for t in tests if (work / t.split("::")[0]).exists()]
    if base is not None:
        present = [t for t in present if t.split("::")[0] not in base.ignore]
    if not present:
        return 4, "none of the relevant test files exists", 0.0
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", MARKERS,
           "--basetemp", str(work.parent / f"{work.name}-tmp"), "-o", "addopts=-rfE --strict-markers",
           *(["-x"] if first_failure else []), *(["-k", k] if k else []),
           *(a for d in (base.deselect if base else ()) for a in ("--deselect", d)),
           *(a for d in exclude for a in ("--deselect", d)), *present]
    env = {**os.environ, "PYTHONPATH": str(work / "src") + os.pathsep + str(work),
           "PYTHONDONTWRITEBYTECODE": "1", "HYPOTHESIS_STORAGE_DIRECTORY": str(work.parent / f"{work.name}-hyp")}
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with RUNNING_LOCK:
        RUNNING.add(p)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        return None, out, time.monotonic() - t0
    finally:
        with RUNNING_LOCK:
            RUNNING.discard(p)
    return p.returncode, out, time.monotonic() - t0


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def stop_running() -> None:
    with RUNNING_LOCK:
        for p in RUNNING:
            p.kill()


def baseline(work: Path, target: Target, timeout: float) -> Baseline:
    """Run the target's tests on the unchanged copy: files that fail to import are left out,
    tests that fail are deselected for the target's mutants."""
    ignore: list[str] = []
    for _ in range(3):
        trial = Baseline(True, "", ignore=tuple(ignore))
        code, out, secs = run_pytest(work, target.tests, target.k, trial, timeout * 4, first_failure=False,
                                     exclude=target.exclude)
        found = sorted(set(FAILED.findall(out)))
        broken = sorted({f for f in found if "::" not in f} - set(ignore))
        tail = out.strip().splitlines()[-1] if out.strip() else ""
        if code is None:
            return Baseline(False, f"baseline timed out after {secs:.0f} s")
        if broken:
            ignore += broken
            continue
        deselect = tuple(f for f in found if "::" in f)
        if code in (0, 1):
            note = f"{tail} ({secs:.0f} s)"
            return Baseline(True, note, deselect=deselect, ignore=tuple(ignore))
        return Baseline(False, f"baseline exit {code}: {tail}", deselect=deselect, ignore=tuple(ignore))
    return Baseline(False, f"test files keep failing to import: {', '.join(ignore)}", ignore=tuple(ignore))


def lend_baseline(workers: Workers, target: Target, timeout: float) -> Baseline:
    work = workers.take()
    try:
        return baseline(work, target, timeout)
    finally:
        workers.give(work)


def run_mutant(workers: Workers, m: Mutant, target: Target, base: Baseline, timeout: float) -> Outcome:
    work = workers.take()
    path = work / m.file
    original = path.read_text("utf-8")
    try:
        path.write_text(m.apply(original), "utf-8")
        code, out, secs = run_pytest(work, target.tests, target.k, base, timeout, first_failure=True,
                                     exclude=target.exclude)
    finally:
        path.write_text(original, "utf-8")
        workers.give(work)
    failed = FAILED.findall(out)
    last = (out.strip().splitlines() or [""])[-1][:200]
    if code is None:
        return Outcome(m, "timeout", secs, "no answer within the time limit")
    if code == 0:
        return Outcome(m, "survived", secs)
    if code in (1, 2, 3):  # a test failed or errored, or collection or pytest itself broke on the change
        return Outcome(m, "killed", secs, failed[0] if failed else last)
    return Outcome(m, "error", secs, f"pytest exit {code}: {last}")


# --- reports ------------------------------------------------------------------------------------


def git_state(ref: str | None) -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return ""
    if ref is not None:
        return {"commit": git("rev-parse", ref), "dirty": False, "ref": ref}
    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--", *COPIED))}


def markdown(result: dict[str, Any]) -> str:
    lines = [f"Mutation probe, {result['finished']} (commit {result['git']['commit'][:10]}"
             f"{', working tree with uncommitted changes' if result['git']['dirty'] else ''}); "
             f"{result['selection']}.", "",
             "| files | mutants | killed | survived | timeout | error |", "|---|---:|---:|---:|---:|---:|"]
    for t in result["targets"]:
        c = t["counts"]
        lines.append(f"| {t['name']} ({', '.join(Path(f).name for f in t['files'])}) | {t['mutants_run']} | "
                     f"{c['killed']} | {c['survived']} | {c['timeout']} | {c['error']} |")
    survivors = [o for o in result["outcomes"] if o["status"] != "killed"]
    lines += ["", f"Survivors ({len(survivors)}):", ""]
    if survivors:
        lines += ["| file | where | change | status |", "|---|---|---|---|"]
        for o in survivors:
            lines.append(f"| {o['file']} | {o['where']} | `{o['old']}` → `{o['new']}` | {o['status']} |")
    else:
        lines.append("none")
    for t in result["targets"]:
        if not t["baseline_ok"]:
            lines.append(f"\n{t['name']}: not run, its tests fail before any change ({t['baseline']}).")
        if t["left_out"]:
            lines.append(f"\n{t['name']}: left out because they fail to import before any change: "
                         + ", ".join(f"`{f}`" for f in t["left_out"]))
    baseline_failures = [(t["name"], f) for t in result["targets"] for f in t["baseline_failures"]]
    if baseline_failures:
        lines += ["", "Tests failing before any change (deselected for the mutants of their files):", ""]
        lines += [f"- {n}: `{f}`" for n, f in baseline_failures]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--files", nargs="*", default=None,
                    help="only files whose path contains one of these strings (or targets with that name)")
    ap.add_argument("--sample", type=int, default=None, help="run a random sample of this many mutants")
    ap.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    ap.add_argument("--jobs", type=int, default=1, help="mutants run at once, one copy of the project each")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant (default 300)")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "mutation", help="where results are written")
    ap.add_argument("--ref", default=None,
                    help="probe the files and tests of this commit (git archive) instead of the working tree")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--fail-on-survivors", action="store_true", help="exit 1 if any mutant survived")
    args = ap.parse_args(argv)

    signal.signal(signal.SIGTERM, _terminate)
    base = Path(tempfile.mkdtemp(prefix="qingshan-mutate-"))
    try:
        return probe(args, base)
    finally:
        stop_running()
        shutil.rmtree(base, ignore_errors=True)


def probe(args: argparse.Namespace, base: Path) -> int:
    source = ROOT
    if args.ref is not None:
        source = base / "source"
        source.mkdir()
        export_ref(args.ref, source)
    plan: list[tuple[Target, list[str], list[Mutant]]] = []
    superseded: dict[str, list[str]] = {}
    for t in TARGETS:
        files, dropped = files_of(t, source)
        if dropped:
            superseded[t.name] = dropped
        if args.files is not None:
            files = [f for f in files if any(s in f or s == t.name for s in args.files)]
        if not files:
            continue
        ms = [m for f in files for m in mutants_of(t, f, (source / f).read_text("utf-8"))]
        plan.append((t, files, ms))
    everything = [m for _, _, ms in plan for m in ms]
    chosen = everything
    if args.sample is not None and args.sample < len(everything):
        chosen = random.Random(args.seed).sample(everything, args.sample)
    chosen_ids = {m.id for m in chosen}
    if args.list:
        for t, files, ms in plan:
            print(f"{t.name}: {len(ms)} mutants in {len(files)} files; tests: {' '.join(t.tests)}")
            for m in ms:
                if m.id in chosen_ids:
                    print(f"  {m.file} {m.where}: {m.old} -> {m.new}")
        for name, dropped in superseded.items():
            print(f"{name}: left out as superseded editions: {' '.join(dropped)}")
        print(f"{len(chosen)} of {len(everything)} mutants selected")
        return 0

    selection = (f"random sample of {len(chosen)} of {len(everything)} mutants (seed {args.seed})"
                 if len(chosen) < len(everything) else f"all {len(everything)} mutants of the files selected")
    print(selection, flush=True)
    started = dt.datetime.now(dt.UTC)
    todo = {t.name: [m for m in ms if m.id in chosen_ids] for t, _, ms in plan}
    active = [(t, files, ms) for t, files, ms in plan if todo[t.name]]
    outcomes: dict[str, list[Outcome]] = {t.name: [] for t, _, _ in active}
    report_targets: list[dict[str, Any]] = []
    workers = Workers(source, base, max(1, args.jobs))
    pool = ThreadPoolExecutor(max_workers=max(1, args.jobs))
    futures: list[Future[Outcome]] = []
    try:
        names = [t.name for t, _, _ in active]
        baselines = dict(zip(names, pool.map(functools.partial(lend_baseline, workers, timeout=args.timeout),
                                             [t for t, _, _ in active]), strict=True))
        for t, _, _ in active:
            b = baselines[t.name]
            print(f"[{t.name}] {len(todo[t.name])} mutants; baseline: {b.note}"
                  + (f"; deselected {len(b.deselect)} failing" if b.deselect else "")
                  + (f"; left out (import errors): {', '.join(b.ignore)}" if b.ignore else "")
                  + ("" if b.ok else "; NOT RUN"), flush=True)
        jobs = [(t, m) for t, _, _ in active if baselines[t.name].ok for m in todo[t.name]]
        futures = [pool.submit(run_mutant, workers, m, t, baselines[t.name], args.timeout) for t, m in jobs]
        for n, ((t, _), fut) in enumerate(zip(jobs, futures, strict=True), start=1):
            o = fut.result()
            outcomes[t.name].append(o)
            print(f"  {n:4d}/{len(jobs)} {o.status:8s} {o.seconds:5.1f}s {o.mutant.file} {o.mutant.where}: "
                  f"{o.mutant.old} -> {o.mutant.new}" + (f"  [{o.detail}]" if o.detail else ""), flush=True)
    finally:
        for f in futures:
            f.cancel()
        stop_running()
        pool.shutdown(wait=True, cancel_futures=True)
    for t, files, ms in active:
        done = outcomes[t.name]
        counts = {s: sum(o.status == s for o in done) for s in ("killed", "survived", "timeout", "error")}
        b = baselines[t.name]
        report_targets.append({"name": t.name, "files": files, "tests": list(t.tests), "excluded": list(t.exclude),
                               "why": t.why, "mutants_total": len(ms), "mutants_chosen": len(todo[t.name]),
                               "mutants_run": len(done), "counts": counts, "baseline": b.note,
                               "baseline_ok": b.ok, "baseline_failures": list(b.deselect), "left_out": list(b.ignore)})
    every = [o for t, _, _ in active for o in outcomes[t.name]]
    result: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git": git_state(args.ref), "selection": selection, "seed": args.seed, "jobs": args.jobs,
        "timeout": args.timeout, "targets": report_targets, "superseded_left_out": superseded,
        "outcomes": [{**{k: v for k, v in dataclasses.asdict(o.mutant).items() if k not in ("start", "end")},
                      "status": o.status, "seconds": round(o.seconds, 1), "detail": o.detail} for o in every],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "mutation.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    md = markdown(result)
    (args.out / "mutation.md").write_text(md, "utf-8")
    print(md)
    survived = sum(o.status != "killed" for o in every)
    return 1 if args.fail_on_survivors and survived else 0


if __name__ == "__main__":
    sys.exit(main())
