"""The demo city's data directory: the generated package (docs/demo-city.md), a
``city.toml`` naming the demo profile, the demo's scenario and project files to try the
commands on, its ecological package (``ecology/``) and a carbon-sink project (``sinks/``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from qingshan.city import history
from qingshan.city.config import write_city_config
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package
from qingshan.ecology.demo import write_demo_eco_package
from qingshan.ecology.sink_projects import DEMO_PROJECTS as DEMO_SINK_PROJECTS
from qingshan.ecology.sink_projects import demo_project_text
from qingshan.errors import ConfigError
from qingshan.i18n import tr

DEMO_PROFILE = "demo"
SCENARIOS = ("baseline", "policy")
PROJECTS = ("auto_parts", "aluminium_expansion", "sugar_small", "copper_cathode")


def create_demo_city(data_dir: Path, *, enterprises: int, years: list[int], seed: int) -> Path:
    """Write the demo city into ``data_dir`` (its package is replaced) and return the
    package folder. A data directory with accepted packages (a history) is refused: the
    demo would not be used, and nothing accepted is overwritten."""
    if history.versions(data_dir):
        raise ConfigError(tr(f"{data_dir} 已有采用过的数据包（history/），不在其上生成演示城市；请换一个数据目录",
                             f"{data_dir} holds accepted packages (history/); the demo city is not written over "
                             "them: choose another data directory"))
    package = generate_demo_city(seed=seed, enterprises=enterprises, years=years)
    pkg_dir = write_csv_package(package, data_dir / "package")
    config = write_city_config(data_dir, DEMO_PROFILE)
    with config.open("a", encoding="utf-8") as fh:  # the demo city's own choice (docs/roles.md, "Deadlines")
        fh.write("\n# when the demo city's enterprises' reports are due (its own decision)\n"
                 "[reporting]\nenergy_due_day = 10\nyearly_due = \"03-31\"\n")
    for folder, package_name, sub, names, suffix in (
            ("scenarios", "qingshan.targets", "demo_scenarios", SCENARIOS, ".toml"),
            ("projects", "qingshan.screening", "demo_projects", PROJECTS, ".yaml")):
        out = data_dir / folder
        out.mkdir(parents=True, exist_ok=True)
        for name in names:
            src = resources.files(package_name).joinpath(sub, f"{name}{suffix}")
            (out / f"{name}{suffix}").write_text(src.read_text("utf-8"), "utf-8")
    # the ecological package (GEP, docs/gep/engine.md) and a carbon-sink project
    write_demo_eco_package(data_dir / "ecology")
    sinks = data_dir / "sinks"
    sinks.mkdir(parents=True, exist_ok=True)
    for name in DEMO_SINK_PROJECTS:
        (sinks / f"{name}.toml").write_text(demo_project_text(name), "utf-8")
    return pkg_dir
