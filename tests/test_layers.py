"""The layers of docs/architecture.md, kept by a test: pure methods, interfaces that do not
reach the methods, no import cycles (function-level imports included), no code in
``__init__.py``. The source is read with :mod:`ast`, never imported
(tests/import_rules.py); the last test runs the same checks on a small synthetic tree to
show that each rule reports what it should.
"""

from __future__ import annotations

from pathlib import Path

from tests.import_rules import (
    Module,
    city_only_violations,
    init_violations,
    interface_violations,
    load_modules,
    methods_violations,
    module_cycles,
    package_cycles,
)

SRC = Path(__file__).resolve().parents[1] / "src"


def _mods() -> dict[str, Module]:
    return load_modules(SRC, "qingshan")


def test_the_checker_sees_the_package() -> None:
    mods = _mods()
    assert {"qingshan.methods.energy", "qingshan.accounts", "qingshan.errors"} <= set(mods)


def test_methods_are_pure() -> None:
    """methods import the standard library (no I/O modules), numpy, pandas, ibis,
    ``qingshan.methods.*`` and ``qingshan.errors`` only, and call no file I/O."""
    assert methods_violations(_mods(), "qingshan") == []


def test_interfaces_do_not_import_methods() -> None:
    assert interface_violations(_mods(), "qingshan") == []


def test_the_cli_and_the_web_reach_data_only_through_the_city() -> None:
    assert city_only_violations(_mods(), "qingshan") == []


def test_no_import_cycles_between_modules() -> None:
    assert module_cycles(_mods()) == []


def test_no_import_cycles_between_the_parts_of_a_package() -> None:
    assert package_cycles(_mods()) == []


def test_init_files_hold_no_code() -> None:
    assert init_violations(_mods()) == []


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, "utf-8")


CLEAN = {
    "pkg/__init__.py": '"""Doc."""\n\n__version__ = "1"\n',
    "pkg/errors.py": "class Oops(Exception):\n    pass\n",
    "pkg/methods/__init__.py": '"""Pure."""\n\nfrom pkg.methods.calc import double\n\n__all__ = ["double"]\n',
    "pkg/methods/calc.py": "import math\n\nimport numpy as np\n\nfrom pkg.errors import Oops\n"
                           "from . import other\n\n\ndef double(x):\n    return 2 * np.asarray(x) + math.pi\n",
    "pkg/methods/other.py": "import pandas as pd\nimport ibis\n",
    "pkg/store/__init__.py": '"""Store."""\n\nfrom pkg.store.base import Store\n',
    "pkg/store/base.py": "from pathlib import Path\n\n\nclass Store:\n    path = Path('.')\n",
    "pkg/engine.py": "from pkg.methods import calc\nfrom pkg.store import Store\n",
    "pkg/city.py": "from pkg import engine\n",
    "pkg/web/__init__.py": "",
    "pkg/web/page.py": "from pkg import city\nfrom pkg.web import __init__\n",
}


def test_the_checker_passes_a_clean_tree(tmp_path: Path) -> None:
    _write(tmp_path, CLEAN)
    mods = load_modules(tmp_path, "pkg")
    assert methods_violations(mods, "pkg") == []
    assert interface_violations(mods, "pkg") == []
    assert city_only_violations(mods, "pkg") == []
    assert module_cycles(mods) == []
    assert package_cycles(mods) == []
    assert init_violations(mods) == []


def test_the_checker_reports_each_violation(tmp_path: Path) -> None:
    _write(tmp_path, {
        **CLEAN,
        # a method that reaches the store, reads a file and imports an I/O module
        "pkg/methods/bad.py": "from pathlib import Path\n\n\ndef f(p):\n    from pkg.store.base import Store\n"
                              "    return open(p).read(), Store, Path\n",
        # a 2-module cycle, one side a function-level import
        "pkg/a.py": "from pkg import b\n",
        "pkg/b.py": "def g():\n    import pkg.a\n    return pkg.a\n",
        # a cycle between two packages that no pair of modules shows: one.x → two.y, two.z → one.w
        "pkg/one/__init__.py": "",
        "pkg/one/x.py": "from pkg.two.y import Y\n",
        "pkg/one/w.py": "W = 1\n",
        "pkg/two/__init__.py": "",
        "pkg/two/y.py": "Y = 1\n",
        "pkg/two/z.py": "from pkg.one import w\n",
        # an interface that reaches a method, and one that reaches an engine past the city
        "pkg/web/chart.py": "from pkg.methods.calc import double\n",
        "pkg/web/table.py": "from pkg.engine import calc\n",
        # an __init__ with a def, a class and a computed value
        "pkg/store/__init__.py": '"""Store."""\n\nfrom pkg.store.base import Store\n\n\ndef connect():\n'
                                 "    return Store()\n\n\nclass Other:\n    pass\n\n\nDEFAULT = connect()\n",
    })
    mods = load_modules(tmp_path, "pkg")

    methods = methods_violations(mods, "pkg")
    assert any("pkg.methods.bad" in v and "imports pkg.store.base" in v for v in methods), methods
    assert any("imports pathlib" in v and "I/O" in v for v in methods), methods
    assert any("calls open()" in v for v in methods), methods
    assert not any("pkg.methods.calc" in v or "pkg.methods.other" in v for v in methods), methods

    cycles = module_cycles(mods)
    assert any("['pkg.a', 'pkg.b']" in c for c in cycles), cycles
    # the store __init__ imports its base, which is not a cycle
    assert not any("pkg.store" in c for c in cycles), cycles

    parts = package_cycles(mods)
    assert any("['pkg.one', 'pkg.two']" in c for c in parts), parts
    assert any("['pkg.a', 'pkg.b']" in c for c in parts), parts

    interfaces = interface_violations(mods, "pkg")
    assert any("pkg.web.chart" in v and "pkg.methods.calc" in v for v in interfaces), interfaces
    assert not any("pkg.web.page" in v for v in interfaces), interfaces
    past = city_only_violations(mods, "pkg")
    assert any("pkg.web.table" in v and "imports pkg.engine" in v for v in past), past
    assert not any("pkg.web.page" in v for v in past), past

    inits = init_violations(mods)
    assert any("FunctionDef connect" in v for v in inits), inits
    assert any("ClassDef Other" in v for v in inits), inits
    assert any("pkg.store (__init__.py:14)" in v for v in inits), inits  # DEFAULT = connect()
    assert not any(v.startswith(("pkg.methods", "pkg (")) for v in inits), inits
