"""The layering rules of docs/architecture.md, checked on the source text with :mod:`ast`
(nothing is imported). Used by tests/test_layers.py on ``src/qingshan`` and on small
synthetic trees that prove each rule can fail.

Every ``import`` statement counts, wherever it stands: at module level, inside a
function, under ``if TYPE_CHECKING``. A function-level import is still a dependency.

The import graph has one node per module (a package is the node of its ``__init__.py``).
``import a.b.c`` and ``from a.b.c import x`` give an edge to ``a.b.c`` and, because Python
runs them first, to the packages ``a`` and ``a.b`` (not to the importer's own packages,
which are already being initialised). ``from a.b import c`` where ``a/b/c.py`` exists
gives an edge to ``a.b.c``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

#: Third-party packages the methods may use (table expressions and arrays).
METHODS_THIRD_PARTY = frozenset({"numpy", "pandas", "ibis", "numba"})
#: Standard-library modules that read or write files, the network or other processes.
IO_MODULES = frozenset({
    "pathlib", "os", "io", "shutil", "tempfile", "glob", "importlib", "socket", "ssl", "urllib", "http",
    "ftplib", "smtplib", "sqlite3", "pickle", "shelve", "dbm", "subprocess", "tomllib", "csv", "zipfile",
    "tarfile", "gzip", "bz2", "lzma", "mmap", "fileinput", "webbrowser", "asyncio", "multiprocessing",
})
#: Calls that read or write files (builtins, pandas, numpy, ibis), by function or method name.
IO_CALLS = frozenset({
    "open", "read_csv", "read_excel", "read_parquet", "read_json", "read_table", "read_sql", "read_pickle",
    "read_feather", "read_fwf", "read_html", "read_xml", "read_hdf", "read_orc", "read_stata", "read_sas",
    "read_spss", "read_clipboard", "read_text", "read_bytes", "to_csv", "to_excel", "to_parquet", "to_json",
    "to_pickle", "to_feather", "to_sql", "to_hdf", "to_xml", "to_stata", "to_orc", "to_clipboard",
    "write_text", "write_bytes", "load", "save", "savez", "savez_compressed", "loadtxt", "savetxt",
    "genfromtxt", "fromfile", "tofile", "memmap", "connect", "__import__",
})
#: Calls an ``__init__.py`` may make to build a constant.
CONSTANT_CALLS = frozenset({"frozenset", "tuple", "set", "dict", "list"})


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    is_package: bool
    tree: ast.Module


@dataclass(frozen=True)
class Import:
    """One imported name as written, made absolute: ``target`` is the dotted module path
    (``from m import x`` gives ``m.x`` if that is a module of the tree, else ``m``)."""

    importer: str
    target: str
    line: int


def load_modules(src: Path, package: str) -> dict[str, Module]:
    """Every ``.py`` file of ``src/<package>``, parsed, keyed by dotted module name."""
    out: dict[str, Module] = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        name = ".".join(parts)
        out[name] = Module(name, path, is_package, ast.parse(path.read_text("utf-8"), filename=str(path)))
    return out


def ancestors(name: str) -> list[str]:
    """``a.b.c`` → ``["a", "a.b"]``."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _absolute(mod: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = mod.name.split(".") if mod.is_package else mod.name.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(mod: Module, modules: dict[str, Module]) -> list[Import]:
    """Every import of ``mod``, function-level ones included."""
    out: list[Import] = []
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.Import):
            out += [Import(mod.name, a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(mod, node)
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.append(Import(mod.name, sub if sub in modules else base, node.lineno))
    return out


def _resolve(target: str, modules: dict[str, Module]) -> str | None:
    """The module of the tree that ``target`` names (or lies in), or None if external."""
    name = target
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(modules: dict[str, Module]) -> dict[str, dict[str, int]]:
    """importer → {imported module: line of the first such import}, implicit package edges
    included (see the module doc)."""
    graph: dict[str, dict[str, int]] = {m: {} for m in modules}
    for mod in modules.values():
        own = set(ancestors(mod.name))
        for imp in imports(mod, modules):
            target = _resolve(imp.target, modules)
            if target is None:
                continue
            for t in (*ancestors(target), target):
                if t in modules and t != mod.name and t not in own:
                    graph[mod.name].setdefault(t, imp.line)
    return graph


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Components of more than one node (Tarjan, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in graph:
                    continue
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    x = stack.pop()
                    on_stack.discard(x)
                    comp.append(x)
                    if x == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def _describe(comp: list[str], graph: dict[str, dict[str, int]], modules: dict[str, Module]) -> str:
    members = set(comp)
    edges = [f"{a} → {b} ({modules[a].path.name}:{line})" for a in comp
             for b, line in sorted(graph[a].items()) if b in members]
    return f"cycle {comp}: " + "; ".join(edges)


def module_cycles(modules: dict[str, Module]) -> list[str]:
    """Import cycles between modules."""
    graph = import_graph(modules)
    return [_describe(c, graph, modules) for c in strongly_connected(graph)]


def _child(package: str, name: str) -> str | None:
    """The direct child of ``package`` that holds module ``name`` (None if outside)."""
    if not name.startswith(package + "."):
        return None
    return package + "." + name[len(package) + 1:].split(".")[0]


def package_cycles(modules: dict[str, Module]) -> list[str]:
    """Cycles among the direct children of each package, each child standing for all the
    modules below it: ``data → factors → data`` is a cycle even if no single module of
    one imports a module of the other that imports it back."""
    graph = import_graph(modules)
    out: list[str] = []
    for pkg in sorted(m for m, mod in modules.items() if mod.is_package):
        children: dict[str, dict[str, str]] = {}
        for a, targets in graph.items():
            ca = _child(pkg, a)
            if ca is None:
                continue
            children.setdefault(ca, {})
            for b, line in targets.items():
                cb = _child(pkg, b)
                if cb is not None and cb != ca:
                    children[ca].setdefault(cb, f"{a} → {b} ({modules[a].path.name}:{line})")
        for comp in strongly_connected({k: list(v) for k, v in children.items()}):
            members = set(comp)
            why = [f"{a} ⇒ {b}: {children[a][b]}" for a in comp for b in sorted(children[a]) if b in members]
            out.append(f"cycle among the parts of {pkg} {comp}: " + "; ".join(why))
    return out


def methods_violations(modules: dict[str, Module], package: str) -> list[str]:
    """What ``<package>.methods.*`` may not do: import anything but the standard library
    (without its I/O modules), numpy, pandas, ibis, ``methods.*`` and ``errors``; call
    file I/O."""
    prefix = f"{package}.methods"
    allowed_internal = (prefix, f"{package}.errors")
    stdlib = set(sys.stdlib_module_names)
    out: list[str] = []
    for mod in modules.values():
        if mod.name != prefix and not mod.name.startswith(prefix + "."):
            continue
        for imp in imports(mod, modules):
            top = imp.target.split(".")[0]
            where = f"{mod.name} ({mod.path.name}:{imp.line}) imports {imp.target}"
            if top == package:
                if not any(imp.target == a or imp.target.startswith(a + ".") for a in allowed_internal):
                    out.append(where)
            elif top == "__future__":
                continue
            elif top in IO_MODULES:
                out.append(where + " (file or network I/O)")
            elif top not in stdlib and top not in METHODS_THIRD_PARTY:
                out.append(where + " (not numpy, pandas or ibis)")
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
                if name in IO_CALLS:
                    out.append(f"{mod.name} ({mod.path.name}:{node.lineno}) calls {name}() (file I/O)")
    return out


def interface_violations(modules: dict[str, Module], package: str) -> list[str]:
    """Interfaces (``cli``, ``web``, ``reports``) that import ``methods`` directly instead of
    going through an engine."""
    interfaces = tuple(f"{package}.{p}" for p in ("cli", "web", "reports"))
    methods = f"{package}.methods"
    out: list[str] = []
    for mod in modules.values():
        if not any(mod.name == i or mod.name.startswith(i + ".") for i in interfaces):
            continue
        for imp in imports(mod, modules):
            if imp.target == methods or imp.target.startswith(methods + "."):
                out.append(f"{mod.name} ({mod.path.name}:{imp.line}) imports {imp.target}")
    return out


#: What the CLI and the web may import from Qingshan besides themselves: the city service
#: and its documents, the renderers, the cross-cutting modules, and the application database
#: (``app``, and the rights registry that lives in it, ``registry``). Everything else (the
#: engines, the data readers, the store, the factor sets) is reached through a City.
THROUGH_THE_CITY = ("city", "documents", "reports", "profiles", "rulefile", "errors", "i18n", "settings",
                    "glossary", "app", "registry")


def city_only_violations(modules: dict[str, Module], package: str) -> list[str]:
    """CLI and web modules that import anything but the city service, its documents, the
    renderers, profiles and the cross-cutting modules (:data:`THROUGH_THE_CITY`)."""
    out: list[str] = []
    for mod in modules.values():
        own = next((f"{package}.{i}" for i in ("cli", "web")
                    if mod.name == f"{package}.{i}" or mod.name.startswith(f"{package}.{i}.")), None)
        if own is None:
            continue
        allowed = (own, *(f"{package}.{a}" for a in THROUGH_THE_CITY),
                   *((f"{package}.web",) if own.endswith(".cli") else ()))  # `serve` starts the web
        for imp in imports(mod, modules):
            if not imp.target.startswith(package + "."):  # outside Qingshan, or its __version__
                continue
            if not any(imp.target == a or imp.target.startswith(a + ".") for a in allowed):
                out.append(f"{mod.name} ({mod.path.name}:{imp.line}) imports {imp.target}")
    return out


def _constant_expression(node: ast.expr) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Lambda | ast.NamedExpr | ast.Await | ast.Yield | ast.YieldFrom):
            return False
        if isinstance(sub, ast.Call) and not (isinstance(sub.func, ast.Name) and sub.func.id in CONSTANT_CALLS):
            return False
    return True


def _init_statement_ok(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return True
    if isinstance(stmt, ast.Expr):  # the docstring
        return isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)
    if isinstance(stmt, ast.Assign):
        return _constant_expression(stmt.value)
    if isinstance(stmt, ast.AnnAssign):
        return stmt.value is None or _constant_expression(stmt.value)
    if isinstance(stmt, ast.If):  # ``if TYPE_CHECKING:`` imports
        return all(_init_statement_ok(s) for s in (*stmt.body, *stmt.orelse))
    return False


def init_violations(modules: dict[str, Module]) -> list[str]:
    """``__init__.py`` files may hold a docstring, imports, ``__all__`` and constants only."""
    out: list[str] = []
    for mod in modules.values():
        if not mod.is_package:
            continue
        for stmt in mod.tree.body:
            if not _init_statement_ok(stmt):
                kind = type(stmt).__name__
                label = getattr(stmt, "name", "")
                out.append(f"{mod.name} (__init__.py:{stmt.lineno}) holds a {kind} {label}".rstrip())
    return out
