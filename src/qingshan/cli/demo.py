"""``qingshan demo``: generate the demo city into a data directory, under its own profile,
account it, run its year of markets in the rights registry (docs/demo-city.md, "The demo's
markets"; ``--no-markets`` skips them) and print the summary."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from qingshan.cli.accounts import _years
from qingshan.cli.console import console, err_console, fmt, profile_line, progress, report_validation, table
from qingshan.cli.main import main
from qingshan.cli.options import EXIT_INVALID
from qingshan.errors import ValidationError
from qingshan.i18n import tr
from qingshan.registry.compliance import STATUSES
from qingshan.settings import setting


@main.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="数据目录 / data directory (default: QINGSHAN_DATA_DIR or ./qingshan-data)")
@click.option("--enterprises", type=click.IntRange(1, 200_000), default=1500, show_default=True,
              help="企业数 / number of enterprises")
@click.option("--years", "years_text", default="2020-2025", show_default=True, help="年份范围 / years")
@click.option("--seed", type=int, default=2025, show_default=True, help="随机种子 / random seed")
@click.option("--db", default=None, help="数据库 / store URL (default: embedded DuckDB file)")
@click.option("--markets/--no-markets", default=True, show_default=True,
              help="在权益登记簿中运行一年的市场 / run a year of markets in the rights registry")
def demo(data_dir: Path | None, enterprises: int, years_text: str, seed: int, db: str | None, markets: bool) -> None:
    """生成演示城市并核算 / generate the demo city and run its accounts."""
    from qingshan.city import City
    from qingshan.city.demo import DEMO_PROFILE, create_demo_city
    from qingshan.documents import accounts as accounts_doc
    from qingshan.reports.accounts import write_monthly_csv, write_xlsx
    from qingshan.reports.files import write_json

    t0 = time.perf_counter()
    years = _years(years_text) or list(range(2020, 2026))
    ddir = data_dir or Path(setting("data_dir"))
    try:
        with progress() as prog:
            task = prog.add_task(tr("生成演示城市", "generating the demo city"), total=3)
            pkg_dir = create_demo_city(ddir, enterprises=enterprises, years=years, seed=seed)
            prog.update(task, advance=1, description=tr("校验并核算", "validating and accounting"))
            with City.open(ddir, profile=DEMO_PROFILE, db=db,
                           progress=lambda msg: prog.update(task, description=msg)) as city:
                result = city.accounts()
                doc = accounts_doc.build(city)
                prog.update(task, advance=1, description=tr("写出结果", "writing results"))
                out = ddir / "results"
                xlsx = write_xlsx(result, out / "accounts.xlsx", monthly=False, header=city.header())
                js = write_json(doc, out / "accounts.json")
                mcsv = write_monthly_csv(result, out / "accounts_monthly.csv")
                prog.update(task, description=tr("应用数据库与演示用户", "application database and demo users"))
                demo_users = _platform(ddir, city)
                market_doc = None
                if markets:
                    prog.update(task, description=tr("权益市场：一年的分配、交易与清缴",
                                                      "rights markets: a year of allocation, trades and surrender"))
                    market_doc = _markets(ddir, city)
                    write_json(market_doc, out / "markets.json")
            prog.update(task, advance=1, description=tr("完成", "done"))
    except ValidationError as exc:
        report_validation(exc)
        sys.exit(EXIT_INVALID)
    _print_summary(doc, pkg_dir)
    console.print(tr(f"结果：{xlsx}\n      {js}\n      {mcsv}（企业逐月）",
                     f"results: {xlsx}\n         {js}\n         {mcsv} (enterprise months)"))
    console.print(tr("演示用户（首次登录须修改密码，见 docs/roles.md）：",
                     "demo users (first passwords, to be changed at the first sign-in; docs/roles.md):"))
    for name, org, role, password in demo_users:
        console.print(f"  {name:<9} {role:<14} {org:<20} {password}")
    if market_doc is not None:
        _print_markets(market_doc, out / "markets.json")
    console.print(tr(f"用时 {time.perf_counter() - t0:.1f} 秒", f"took {time.perf_counter() - t0:.1f} s"))
    last = max(years)
    sdir, pdir = ddir / "scenarios", ddir / "projects"
    console.print(tr("下一步：", "next:"))
    console.print(f"  qingshan evaluate {ddir} --year {last}")
    console.print(f"  qingshan targets {ddir}")
    console.print(f"  qingshan decompose {ddir} --from {min(years)} --to {last}")
    console.print(f"  qingshan project {ddir} --scenario {sdir / 'baseline.toml'} --scenario {sdir / 'policy.toml'}")
    console.print(f"  qingshan screen {pdir / 'aluminium_expansion.yaml'} --package {ddir}")
    console.print(f"  qingshan profile show {DEMO_PROFILE}")
    console.print(f"  qingshan gep compare {ddir} --from 2020 --to 2025 --format json --out {out / 'gep.json'}")
    console.print(f"  qingshan sinks estimate {ddir / 'sinks' / 'mangrove_restoration.toml'}")
    console.print(f"  qingshan registry verify {ddir}")
    console.print(f"  qingshan registry green-finance {ddir} --year {last} --format xlsx --out {out / 'green.xlsx'}")
    console.print(f"  qingshan serve {ddir}   " + tr("# 网页平台 http://127.0.0.1:8000/", "# web platform"))


def _platform(ddir: Path, city: Any) -> list[tuple[str, str, str, str]]:
    """Migrate the data directory's application database, bring its organisations in step
    with the demo city and add one user per role."""
    from qingshan.app import database, organisations
    from qingshan.app.audit import Actor
    from qingshan.app.demo import create_demo_users

    url = database.app_url(ddir)
    database.upgrade(url)
    actor = Actor("qingshan demo", role="administrator")
    units = city.units()
    with database.session(url) as s:
        organisations.sync(s, units, actor)
        return create_demo_users(s, actor, units)


def _markets(ddir: Path, city: Any) -> dict[str, Any]:
    """The demo city's year of markets in the rights registry (docs/demo-city.md, "The demo's
    markets"): allocation, a new project's purchase, trades, year-end surrender, 碳票."""
    from qingshan.app import database
    from qingshan.documents.registry_demo import run_markets

    return run_markets(city, database.app_url(ddir))


def _print_markets(doc: dict[str, Any], path: Path) -> None:
    """What the year of markets did, in a few lines."""
    y, c = doc["year"], doc["counts"]
    console.rule(tr(f"权益市场 · {y} 年", f"Rights markets · {y}"))
    if doc["skipped"]:
        console.print(tr("登记簿已有记录（演示市场此前已运行），未再分配",
                         "the registry already holds records (the demo's markets ran before): nothing allocated again"))
    elif doc.get("simulation"):
        console.print(f"  {tr(doc['simulation']['zh'], doc['simulation']['en'])}", markup=False)
    for code, zh, en in (("YN", "用能权", "energy-use rights"), ("PW-COD", "排污权（COD）", "discharge rights (COD)"),
                         ("YS", "用水权", "water-use rights"), ("TS", "碳票", "carbon tickets")):
        n = c.get(code, {})
        if n:
            console.print(tr(f"  {zh}：分配 {n.get('issue', 0)} 笔，交易 {n.get('transfer', 0)} 笔，"
                             f"清缴 {n.get('surrender', 0)} 笔，注销 {n.get('retire', 0)} 笔",
                             f"  {en}: {n.get('issue', 0)} issued, {n.get('transfer', 0)} traded, "
                             f"{n.get('surrender', 0)} surrendered, {n.get('retire', 0)} retired"))
    p = doc.get("project")
    if p and p.get("quota_tce"):
        console.print(tr(f"  新建项目 {p['project']}：{p['zh']}", f"  new project {p['project']}: {p['en']}"))
    for code, counts in doc["compliance"]["counts"].items():
        shown = {k: v for k, v in counts.items() if v}
        if shown:
            console.print(tr(f"  {code} {y} 年度履约（{doc['compliance']['today']} 判定）：", f"  {code} compliance "
                             f"{y} (judged {doc['compliance']['today']}): ")
                          + tr("，", ", ").join(f"{tr(*STATUSES.get(k, (k, k)))} {v}" for k, v in shown.items()))
    for n in doc["notes"]:
        console.print(f"  [yellow]•[/] {tr(n['zh'], n['en'])}")
    v = doc["verify"]
    if v["breaks"]:
        err_console.print(tr(f"[red]登记簿核验发现 {len(v['breaks'])} 处问题[/]",
                             f"[red]the registry check found {len(v['breaks'])} breaks[/]"))
    else:
        console.print(tr(f"  登记簿核验通过：{v['ledger_rows']} 行账本，余额平衡（{path}）",
                         f"  the registry holds: {v['ledger_rows']} ledger rows, every balance reconciles ({path})"))


def _print_summary(doc: dict[str, Any], pkg_dir: Path) -> None:
    roll = doc["rollups"]
    city = sorted(roll["city"], key=lambda r: r["year"])
    latest = city[-1]["year"]
    console.rule(tr("青山 · 能耗与碳排放核算", "Qingshan · energy and carbon accounts"))
    console.print(tr(f"数据包：{pkg_dir}", f"package: {pkg_dir}"))
    console.print(profile_line(doc))
    fs = doc["factor_set"]
    console.print(tr(f"因子集：{fs['name']} {fs['version']}；电网因子 {fs['grid_series']}/{fs['grid_region']}",
                     f"factor set: {fs['name']} {fs['version']}; grid factor {fs['grid_series']}/{fs['grid_region']}"))
    for n in doc["notes"]:
        console.print(f"  [yellow]•[/] {n[tr('zh', 'en')]}")
    w = 1e4
    console.print(table(
        tr("全市能耗（万吨标准煤）", "City energy (10⁴ tce)"),
        [tr("年份", "year"), tr("企业数", "firms"), tr("当量值", "calorific"), tr("等价值", "equal value"),
         tr("原料用能", "feedstock"), tr("自发绿电", "own renewables"), tr("tce/万元增加值", "tce/10⁴ yuan VA")],
        [[str(r["year"]), fmt(r["enterprises"]), fmt(r["energy_tce"] / w, 1), fmt(r["energy_tce_equal"] / w, 1),
          fmt(r["feedstock_tce"] / w, 1), fmt(r["renewable_tce"] / w, 2), fmt(r["energy_per_va"], 3)] for r in city]))
    console.print(table(
        tr("全市二氧化碳（万吨）", "City CO2 (10⁴ t)"),
        [tr("年份", "year"), tr("合计", "total"), tr("范围一", "scope 1"), tr("工业过程", "process"),
         tr("范围二", "scope 2"), tr("tCO2/万元增加值", "tCO2/10⁴ yuan VA")],
        [[str(r["year"]), fmt(r["co2_t"] / w, 1), fmt(r["co2_scope1_t"] / w, 1), fmt(r["co2_process_t"] / w, 1),
          fmt(r["co2_scope2_t"] / w, 1), fmt(r["co2_per_va"], 3)] for r in city]))
    for lvl, zh, en in (("district", "区县", "Districts"), ("industry", "行业（GB/T 4754 大类）",
                                                           "Industries (GB/T 4754 divisions)")):
        d = sorted((r for r in roll[lvl] if r["year"] == latest), key=lambda r: -(r["energy_tce"] or 0.0))
        total = sum(r["energy_tce"] or 0.0 for r in d) or 1.0
        console.print(table(
            tr(f"{zh} {latest} 年", f"{en}, {latest}"),
            [tr("名称", "name"), tr("企业数", "firms"), tr("能耗 万tce", "energy 10⁴ tce"), tr("占比", "share"),
             tr("CO2 万t", "CO2 10⁴ t"), tr("tce/万元", "tce/10⁴ yuan"), tr("tCO2/万元", "tCO2/10⁴ yuan")],
            [[f"{r['unit_id']} {r['unit_name']}", fmt(r["enterprises"]), fmt(r["energy_tce"] / w, 1),
              f"{100 * (r['energy_tce'] or 0.0) / total:.1f}%", fmt(r["co2_t"] / w, 1), fmt(r["energy_per_va"], 3),
              fmt(r["co2_per_va"], 3)] for r in d]))
    err_console.print("")
