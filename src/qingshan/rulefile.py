"""One validating reader for every rule file: evaluation schemes, carbon-efficiency and
measure files, targets, scenarios, the barometer, the screening rules, project files and
jurisdiction profiles.

:func:`read_rule_file` opens a file and parses it (TOML, YAML or CSV); :class:`Checker`
reads its keys and collects every problem, so a person sees all of them at once
(InVEST-style collect-all validation, design.md "Errors").

A rule file is named in one of two ways, never confused:

* a **built-in name** (``str``), such as ``"huaian-2024"``: looked up only among the files
  shipped in a package folder (:func:`builtin_names`). A ``str`` is never used as a
  filesystem path, so a name that arrives in a web request cannot reach the file system;
* a **file** (:class:`pathlib.Path`), given by a trusted caller such as the CLI
  (:func:`name_or_path` turns a command-line value into one or the other).

Problem codes (for a file family with prefix ``S``): ``S001`` unknown name, missing or
unreadable file; ``S002`` not UTF-8, or a syntax error naming line and column; the loader's own code (e.g. ``S010``) for
each wrong key, with the key's dotted path (``segments[0].items[2].weight``) in the
problem's ``column``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from qingshan.errors import Problem, Severity, ValidationError

#: the form of a built-in name: no separator, no leading dot, nothing that walks a path
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_TOML_POS = re.compile(r"at line (\d+), column (\d+)")


@dataclass(frozen=True)
class RuleFile:
    raw: dict[str, Any]  # the parsed document (CSV: {"columns": [...], "rows": [{column: text}, ...]})
    label: str           # how messages name the file
    digest: str          # sha256 hex of the file's bytes


def _folder(package: str, folder: str) -> Traversable:
    root = resources.files(package)
    return root.joinpath(folder) if folder else root


def _builtin_files(package: str, folder: str, suffixes: tuple[str, ...]) -> dict[str, Traversable]:
    """Built-in name → file, for the files of the folder with one of ``suffixes`` (the first
    suffix wins where two files share a name)."""
    d = _folder(package, folder)
    out: dict[str, Traversable] = {}
    if not d.is_dir():
        return out
    entries = sorted((e for e in d.iterdir() if e.is_file()), key=lambda e: e.name)
    for suffix in suffixes:
        for e in entries:
            stem = e.name[: -len(suffix)] if e.name.endswith(suffix) else ""
            if stem and NAME_RE.match(stem) and stem not in out:
                out[stem] = e
    return out


def builtin_names(package: str, folder: str, suffixes: tuple[str, ...] = (".toml",)) -> list[str]:
    """The built-in names of a package folder: its file names with one of ``suffixes``,
    without the suffix, sorted."""
    return sorted(_builtin_files(package, folder, suffixes))


def _builtin_label(package: str, folder: str, filename: str) -> str:
    parts = package.split(".")
    if parts[0] == "qingshan":
        parts = parts[1:]
    return "/".join([*parts, *([folder] if folder else []), filename])


def problem_code(prefix: str, n: int) -> str:
    """``prefix`` and ``n`` as a four-character code: ``("S", 1)`` → ``S001``,
    ``("P1", 2)`` → ``P102``."""
    return prefix + str(n).zfill(4 - len(prefix))


def name_or_path(value: str) -> str | Path:
    """A command-line value as a rule-file source, for trusted callers only: a value that
    names an existing file, or contains a path separator, or is not of the form of a
    built-in name, is a :class:`~pathlib.Path`; anything else stays a built-in name."""
    if "/" in value or "\\" in value or not NAME_RE.match(value) or Path(value).is_file():
        return Path(value)
    return value


def read_rule_file(source: str | Path, *, package: str, folder: str, code: str,
                   suffixes: tuple[str, ...] = (".toml",), label: str | None = None) -> RuleFile:
    """Read and parse one rule file.

    ``source`` is a built-in name (``str``: looked up only among the files of
    ``package``/``folder`` with one of ``suffixes``, by name with or without the suffix) or
    a :class:`~pathlib.Path` from a trusted caller. A ``str`` is never used as a path.

    ``code`` is the prefix of the file's problem codes, padded to four characters: a letter
    (``"S"`` → ``S001``, ``S002``) or a letter and a digit (``"P1"`` → ``P101``, ``P102``;
    ``"J0"`` → ``J001``). Raises :class:`ValidationError` with ``…01`` for an unknown name or
    a missing, unreadable or wrongly suffixed file, and ``…02`` for bytes that are not
    UTF-8, a TOML/YAML/CSV syntax error (naming line and column) or a document that is not
    a table of keys. ``label`` overrides how messages name a file given by path.
    """
    missing, syntax = problem_code(code, 1), problem_code(code, 2)
    if isinstance(source, str):
        files = _builtin_files(package, folder, suffixes)
        key = source
        for suffix in suffixes:
            if key.endswith(suffix) and key[: -len(suffix)] in files:
                key = key[: -len(suffix)]
                break
        entry = files.get(key) if NAME_RE.match(source) else None
        if entry is None:
            names = ", ".join(sorted(files)) or "—"
            raise ValidationError([Problem(
                missing, source, None, None, source, f"内置名称之一：{names}（文件须以路径给出）",
                f"one of the built-in names: {names} (a file is given as a path)")])
        name = entry.name
        data = entry.read_bytes()
        shown = _builtin_label(package, folder, name)
    elif isinstance(source, Path):
        shown = label if label is not None else str(source)
        name = source.name
        if not any(name.lower().endswith(s) for s in suffixes):
            raise ValidationError([Problem(
                missing, shown, None, None, source.suffix or name, f"以 {'、'.join(suffixes)} 结尾的文件",
                f"a file ending in {', '.join(suffixes)}")])
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise ValidationError([Problem(missing, shown, None, None, None, f"存在且可读的文件：{exc.strerror or exc}",
                                           f"an existing, readable file: {exc.strerror or exc}")]) from exc
    else:
        raise TypeError(f"a rule file is a built-in name (str) or a pathlib.Path, not {type(source).__name__}")
    digest = hashlib.sha256(data).hexdigest()
    return RuleFile(raw=_parse(data, name.lower(), shown, syntax), label=shown, digest=digest)


def _parse(data: bytes, name: str, label: str, code: str) -> dict[str, Any]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ValidationError([Problem(code, label, line, None, None,
                                       f"UTF-8 编码的文本（第 {line} 行第 {col} 列的字节不是 UTF-8）",
                                       f"UTF-8 text (the bytes at line {line}, column {col} are not UTF-8)")]) from exc
    if name.endswith(".csv"):
        return _csv(text, label, code)
    if name.endswith((".yaml", ".yml")):
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            y_line = None if mark is None else int(mark.line) + 1
            y_col = None if mark is None else int(mark.column) + 1
            what = str(getattr(exc, "problem", None) or exc)
            at = "" if y_line is None else f"第 {y_line} 行第 {y_col} 列："
            at_en = "" if y_line is None else f"line {y_line}, column {y_col}: "
            raise ValidationError([Problem(code, label, y_line, None, None, f"合法的 YAML（{at}{what}）",
                                           f"valid YAML ({at_en}{what})")]) from exc
        kind_zh, kind_en = "键值结构（字段: 值）", "a mapping of fields (key: value)"
    else:
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            lineno, colno = getattr(exc, "lineno", None), getattr(exc, "colno", None)
            if lineno is None and (m := _TOML_POS.search(str(exc))):
                lineno, colno = int(m.group(1)), int(m.group(2))
            elif lineno is None and "end of document" in str(exc):
                lines = text.splitlines() or [""]
                lineno, colno = len(lines), len(lines[-1]) + 1
            what = str(getattr(exc, "msg", exc))
            at = "" if lineno is None else f"第 {lineno} 行第 {colno} 列："
            at_en = "" if lineno is None else f"line {lineno}, column {colno}: "
            raise ValidationError([Problem(code, label, lineno, None, None, f"合法的 TOML（{at}{what}）",
                                           f"valid TOML ({at_en}{what})")]) from exc
        kind_zh, kind_en = "键值表", "a table of keys"
    if not isinstance(raw, dict):
        raise ValidationError([Problem(code, label, None, None, None if raw is None else type(raw).__name__,
                                       kind_zh, kind_en)])
    return raw


def _csv(text: str, label: str, code: str) -> dict[str, Any]:
    """A CSV file as ``{"columns": header, "rows": [{column: text}]}``; a row whose number of
    cells differs from the header's is a syntax problem (row numbers as a person sees them:
    the header is row 1)."""
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    except csv.Error as exc:
        raise ValidationError([Problem(code, label, None, None, None, f"合法的 CSV：{exc}",
                                       f"valid CSV: {exc}")]) from exc
    if not records:
        raise ValidationError([Problem(code, label, None, None, None, "带表头行的 CSV",
                                       "a CSV file with a header row")])
    head = [h.strip() for h in records[0]]
    problems = [Problem(code, label, i + 2, None, str(len(r)), f"与表头相同的单元格数（{len(head)}）",
                        f"as many cells as the header has columns ({len(head)})")
                for i, r in enumerate(records[1:]) if len(r) != len(head)]
    if problems:
        raise ValidationError(problems)
    return {"columns": head, "rows": [dict(zip(head, r, strict=True)) for r in records[1:]]}


def key_path(where: str, key: str) -> str:
    """``where`` + ``key`` as a dotted path (``segments[0]`` + ``id`` → ``segments[0].id``)."""
    return f"{where}.{key}" if where else key


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


class Checker:
    """Collects every problem of one rule file; :meth:`raise_if_any` raises one
    :class:`ValidationError` with all of them.

    Each reader method takes the table ``d``, the ``key`` and ``where`` (the dotted path of
    ``d`` in the file, ``""`` at the top); it records a problem and returns a default when
    the value is missing or wrong, so checking goes on to the end of the file.
    """

    def __init__(self, label: str, code: str, *, row: int | None = None) -> None:
        self.label = label
        self.code = code
        self.row = row
        self.problems: list[Problem] = []

    def at_row(self, row: int) -> Checker:
        """A checker for one row of a CSV file: same problem list, problems carry ``row``
        and name the column alone."""
        c = Checker(self.label, self.code, row=row)
        c.problems = self.problems
        return c

    def problem(self, key: str, value: object, expected_zh: str, expected_en: str, *, code: str | None = None,
                severity: Severity = "error") -> None:
        self.problems.append(Problem(code or self.code, self.label, self.row, key or None,
                                     None if value is None else str(value), expected_zh, expected_en, severity))

    # --- readers ---------------------------------------------------------------------

    def text(self, d: Mapping[str, Any], key: str, where: str = "", *, required: bool = True, default: str = "",
             coerce: bool = False) -> str:
        """A non-empty text. ``coerce``: an integer (or a whole float, as spreadsheets give)
        is read as its digits."""
        v = _get(d, key)
        if coerce and isinstance(v, int | float) and not isinstance(v, bool):
            v = str(int(v)) if float(v).is_integer() else str(v)
        if _blank(v):
            if required:
                self.problem(key_path(where, key), None, "必填的文字", "a required text")
            return default
        if not isinstance(v, str):
            self.problem(key_path(where, key), v, "文字", "a text")
            return default
        return v.strip() if coerce else v

    def number(self, d: Mapping[str, Any], key: str, where: str = "", *, required: bool = True,
               default: float | None = None, lo: float | None = None, hi: float | None = None,
               text_ok: bool = False) -> float | None:
        """A finite number within [``lo``, ``hi``]; booleans are not numbers. ``text_ok``:
        a text holding a number is read (CSV cells, spreadsheets)."""
        v = _get(d, key)
        path = key_path(where, key)
        if v is None or (text_ok and _blank(v)):
            if required:
                self.problem(path, None, "必填的数值", "a required number")
            return default
        x: float | None = None
        if isinstance(v, int | float) and not isinstance(v, bool):
            x = float(v)
        elif text_ok and isinstance(v, str):
            try:
                x = float(v.strip().replace(",", ""))
            except ValueError:
                x = None
        if x is None or not math.isfinite(x):
            self.problem(path, v, "数值", "a number")
            return default
        if not self._in_range(path, v, x, lo, hi):
            return default
        return x

    def integer(self, d: Mapping[str, Any], key: str, where: str = "", *, required: bool = True,
                default: int | None = None, lo: int | None = None, hi: int | None = None,
                text_ok: bool = False) -> int | None:
        """A whole number within [``lo``, ``hi``] (not a boolean, not 2020.0)."""
        v = _get(d, key)
        path = key_path(where, key)
        if v is None or (text_ok and _blank(v)):
            if required:
                self.problem(path, None, "必填的整数", "a required integer")
            return default
        n: int | None = None
        if isinstance(v, int) and not isinstance(v, bool):
            n = v
        elif text_ok and isinstance(v, str) and re.fullmatch(r"\s*[+-]?\d+\s*", v):
            n = int(v)
        if n is None:
            self.problem(path, v, "整数", "an integer")
            return default
        if not self._in_range(path, v, n, lo, hi):
            return default
        return n

    def _in_range(self, path: str, v: object, x: float, lo: float | None, hi: float | None) -> bool:
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            if lo is not None and hi is not None:
                zh, en = f"{lo:g} 至 {hi:g} 之间的数值", f"a number from {lo:g} to {hi:g}"
            elif lo is not None:
                zh, en = f"不小于 {lo:g} 的数值", f"a number ≥ {lo:g}"
            else:
                zh, en = f"不大于 {hi:g} 的数值", f"a number ≤ {hi:g}"
            self.problem(path, v, zh, en)
            return False
        return True

    def flag(self, d: Mapping[str, Any], key: str, where: str = "", *, required: bool = False,
             default: bool = False) -> bool:
        """``true`` or ``false``."""
        v = _get(d, key)
        if v is None:
            if required:
                self.problem(key_path(where, key), None, "必填的 true 或 false", "a required true or false")
            return default
        if not isinstance(v, bool):
            self.problem(key_path(where, key), v, "true 或 false", "true or false")
            return default
        return v

    def one_of(self, d: Mapping[str, Any], key: str, choices: Sequence[str], where: str = "", *,
               required: bool = True, default: str | None = None) -> str:
        """One of ``choices``; a missing optional value is ``default``."""
        v = _get(d, key)
        if _blank(v):
            if required:
                self.problem(key_path(where, key), None, f"必填，取值之一：{', '.join(choices)}",
                             f"required, one of {', '.join(choices)}")
            return default or ""
        if not isinstance(v, str) or v not in choices:
            self.problem(key_path(where, key), v, f"取值之一：{', '.join(choices)}", f"one of {', '.join(choices)}")
            return default or ""
        return v

    def increasing(self, d: Mapping[str, Any], key: str, where: str = "", *, n: int | None = None,
                   strict: bool = False) -> tuple[float, ...]:
        """A non-empty list of numbers in increasing order (``strict``: no two equal), of
        length ``n`` if given; ``()`` if wrong."""
        v = _get(d, key)
        ok = (isinstance(v, list) and bool(v)
              and all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in v)
              and all((a < b) if strict else (a <= b) for a, b in pairwise(v))
              and (n is None or len(v) == n))
        if not ok or not isinstance(v, list):
            many_zh, many_en = (f"（{n} 个）", f" ({n} of them)") if n else ("", "")
            order_zh, order_en = ("严格递增", "a strictly increasing") if strict else ("递增", "an increasing")
            self.problem(key_path(where, key), v, f"{order_zh}的数值列表{many_zh}",
                         f"{order_en} list of numbers{many_en}")
            return ()
        return tuple(float(x) for x in v)

    def date(self, d: Mapping[str, Any], key: str, where: str = "", *, required: bool = True) -> dt.date | None:
        """A date: a TOML/YAML date or a text ``YYYY-MM-DD`` (a date-time at midnight, as a
        spreadsheet gives, is its date)."""
        v = _get(d, key)
        path = key_path(where, key)
        if _blank(v):
            if required:
                self.problem(path, None, "必填的日期 YYYY-MM-DD", "a required date, YYYY-MM-DD")
            return None
        if isinstance(v, dt.datetime):
            if v.time() == dt.time(0, 0) and v.tzinfo is None:
                return v.date()
        elif isinstance(v, dt.date):
            return v
        elif isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v.strip()):
            try:
                return dt.date.fromisoformat(v.strip())
            except ValueError:
                pass
        self.problem(path, v, "日期 YYYY-MM-DD", "a date, YYYY-MM-DD")
        return None

    def table(self, d: Mapping[str, Any], key: str, where: str = "", *, required: bool = True) -> dict[str, Any]:
        """A table (``[key]`` or ``key = {…}``); ``{}`` if missing or wrong."""
        v = _get(d, key)
        if v is None:
            if required:
                self.problem(key_path(where, key), None, f"必填的表 [{key}]", f"a required table [{key}]")
            return {}
        if not isinstance(v, dict):
            self.problem(key_path(where, key), v, f"表 [{key}]", f"a table [{key}]")
            return {}
        return v

    def tables(self, d: Mapping[str, Any], key: str, where: str = "", *, required: bool = True
               ) -> list[dict[str, Any]]:
        """An array of tables (``[[key]]``); ``required``: at least one. ``[]`` if wrong."""
        v = _get(d, key)
        path = key_path(where, key)
        if v is None or v == []:
            if required:
                self.problem(path, None, f"至少一个 [[{key}]]", f"at least one [[{key}]]")
            return []
        if not isinstance(v, list):
            self.problem(path, v, f"表数组 [[{key}]]", f"an array of tables [[{key}]]")
            return []
        bad = [i for i, x in enumerate(v) if not isinstance(x, dict)]
        for i in bad:
            self.problem(f"{path}[{i}]", v[i], f"表数组 [[{key}]] 中的表", f"a table of the array [[{key}]]")
        return [] if bad else list(v)

    def strings(self, d: Mapping[str, Any], key: str, where: str = "", *, required: bool = True,
                choices: Sequence[str] | None = None) -> tuple[str, ...]:
        """A list of texts (``required``: at least one), each one of ``choices`` if given."""
        v = _get(d, key)
        path = key_path(where, key)
        if v is None or v == []:
            if required:
                self.problem(path, None, "必填的文字列表", "a required list of texts")
            return ()
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            self.problem(path, v, "文字列表", "a list of texts")
            return ()
        if choices is not None:
            wrong = [x for x in v if x not in choices]
            for x in wrong:
                self.problem(path, x, f"取值之一：{', '.join(choices)}", f"one of {', '.join(choices)}")
            if wrong:
                return tuple(x for x in v if x in choices)
        return tuple(v)

    # --- whole-table checks -----------------------------------------------------------

    def only(self, d: Mapping[str, Any], allowed: Iterable[str], where: str = "") -> None:
        """Every key of ``d`` is one of ``allowed`` (a misspelt key is a problem, not a
        silently ignored setting)."""
        if not isinstance(d, Mapping):
            return
        known = list(allowed)
        for k in d:
            if k not in known:
                self.problem(key_path(where, str(k)), None, f"已知的键之一：{', '.join(known)}",
                             f"one of the known keys: {', '.join(known)}")

    def form(self, key: str, value: str, pattern: str, expected_zh: str, expected_en: str) -> bool:
        """``value`` matches ``pattern`` in full; a problem at ``key`` if not."""
        if re.fullmatch(pattern, value):
            return True
        self.problem(key, value, expected_zh, expected_en)
        return False

    def unique(self, values: Iterable[object], key: str, what_zh: str, what_en: str) -> None:
        """Each value appears once (``what``: e.g. 目标代码 / target id)."""
        seen: set[object] = set()
        dups: list[object] = []
        for v in values:
            if v in seen and v not in dups:
                dups.append(v)
            seen.add(v)
        for v in dups:
            self.problem(key, v, f"不重复的{what_zh}", f"a unique {what_en}")

    def raise_if_any(self) -> None:
        """Raise one :class:`ValidationError` carrying every problem found, if there is any."""
        if self.problems:
            raise ValidationError(self.problems)


def _get(d: Mapping[str, Any], key: str) -> Any:
    return d.get(key) if isinstance(d, Mapping) else None
