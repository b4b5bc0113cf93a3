"""Command line: ``qingshan demo | validate | account | evaluate | targets | decompose |
project | screen | serve``. Interfaces only: every number
comes from the engines (:mod:`qingshan.accounts`) and the writers (:mod:`qingshan.reports`).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from qingshan import __version__
from qingshan import accounts as engine
from qingshan.errors import Problem, QingshanError, ValidationError
from qingshan.factors import FactorSet, load_factor_set
from qingshan.i18n import set_language, tr
from qingshan.settings import setting
from qingshan.store import Store

console = Console()
err_console = Console(stderr=True)

EXIT_INVALID = 1


def _years(text: str | None) -> list[int] | None:
    """'2020-2025' or '2021,2023' or '2024'."""
    if not text:
        return None
    try:
        if "-" in text:
            a, b = text.split("-", 1)
            return list(range(int(a), int(b) + 1))
        return [int(t) for t in text.split(",")]
    except ValueError as exc:
        msg = tr("年份应写作 2020-2025 或 2021,2023", "write years as 2020-2025 or 2021,2023")
        raise click.BadParameter(msg) from exc


def _store(db: str | None, data_dir: Path | None) -> Store:
    url = db or setting("db")
    if url:
        return Store.connect(url)
    if data_dir is not None:
        return Store.embedded(data_dir)
    return Store.connect(None)


def _factor_set(name: str | None, factors: Path | None) -> FactorSet:
    return load_factor_set(name or setting("factor_set"), factors)


@contextmanager
def _progress() -> Iterator[Progress]:
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=err_console, transient=False) as p:
        yield p


def _fmt(v: Any, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "—"
    return f"{float(v):,.{digits}f}"


def _problems_table(problems: list[Problem], limit: int = 50) -> Table:
    t = Table(title=tr("校验问题", "Validation problems"), show_lines=False)
    for col in (tr("级别", "level"), tr("代码", "code"), tr("文件", "file"), tr("行", "row"),
                tr("列", "column"), tr("值", "value"), tr("应为", "expected")):
        t.add_column(col, overflow="fold")
    for p in problems[:limit]:
        lvl = tr("错误", "error") if p.severity == "error" else tr("警告", "warning")
        t.add_row(f"[red]{lvl}[/]" if p.severity == "error" else f"[yellow]{lvl}[/]", p.code, p.file,
                  "" if p.row is None else str(p.row), p.column or "", p.value or "", p.expected)
    return t


def _report_validation(exc: ValidationError) -> None:
    probs = list(exc.problems)
    err_console.print(_problems_table(probs))
    n_err = sum(p.severity == "error" for p in probs)
    err_console.print(tr(f"[red]共 {n_err} 个错误、{len(probs) - n_err} 个警告；未写出任何结果。[/]",
                         f"[red]{n_err} errors and {len(probs) - n_err} warnings; no result was written.[/]"))
    if len(probs) > 50:
        err_console.print(tr("完整列表：qingshan validate PKG --format json",
                             "full list: qingshan validate PKG --format json"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qingshan")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="界面语言 / language of messages (default: QINGSHAN_LANG or zh)")
def main(lang: str | None) -> None:
    """青山 Qingshan：工业城市能耗与碳排放核算 / energy and carbon accounts for industrial cities."""
    set_language(lang or setting("lang"))


@main.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="数据目录 / data directory (default: QINGSHAN_DATA_DIR or ./qingshan-data)")
@click.option("--enterprises", type=click.IntRange(1, 200_000), default=1500, show_default=True,
              help="企业数 / number of enterprises")
@click.option("--years", "years_text", default="2020-2025", show_default=True, help="年份范围 / years")
@click.option("--seed", type=int, default=2025, show_default=True, help="随机种子 / random seed")
@click.option("--db", default=None, help="数据库 / store URL (default: embedded DuckDB file)")
def demo(data_dir: Path | None, enterprises: int, years_text: str, seed: int, db: str | None) -> None:
    """生成演示城市并核算 / generate the demo city and run its accounts."""
    from qingshan.data.demo import generate_demo_city
    from qingshan.data.package import write_csv_package
    from qingshan.data.validate import load_package
    from qingshan.reports.accounts import write_json, write_monthly_csv, write_xlsx

    t0 = time.perf_counter()
    years = _years(years_text) or list(range(2020, 2026))
    ddir = data_dir or Path(setting("data_dir"))
    try:
        with _progress() as prog:
            task = prog.add_task(tr("生成演示城市", "generating the demo city"), total=6)
            package = generate_demo_city(seed=seed, enterprises=enterprises, years=years)
            prog.update(task, advance=1, description=tr("写出数据包", "writing the data package"))
            pkg_dir = write_csv_package(package, ddir / "package")
            prog.update(task, advance=1, description=tr("读取并校验", "reading and validating"))
            fs = _factor_set(None, None)
            pkg = load_package(pkg_dir, fs)
            prog.update(task, advance=1, description=tr("载入数据库", "loading the store"))
            store = _store(db, ddir)
            engine.load(store, pkg, fs)
            prog.update(task, advance=1, description=tr("核算能耗与排放", "computing the accounts"))
            result = engine.compute(store, fs)
            prog.update(task, advance=1, description=tr("写出结果", "writing results"))
            out = ddir / "results"
            xlsx = write_xlsx(result, out / "accounts.xlsx", monthly=False)
            js = write_json(result, out / "accounts.json")
            mcsv = write_monthly_csv(result, out / "accounts_monthly.csv")
            prog.update(task, advance=1, description=tr("完成", "done"))
            store.close()
    except ValidationError as exc:
        _report_validation(exc)
        sys.exit(EXIT_INVALID)
    _print_summary(result, pkg_dir)
    console.print(tr(f"结果：{xlsx}\n      {js}\n      {mcsv}（企业逐月）",
                     f"results: {xlsx}\n         {js}\n         {mcsv} (enterprise months)"))
    console.print(tr(f"用时 {time.perf_counter() - t0:.1f} 秒", f"took {time.perf_counter() - t0:.1f} s"))
    last = max(years)
    from importlib import resources

    tfile = ddir / "targets.toml"
    tfile.write_text(resources.files("qingshan.targets").joinpath("demo_targets.toml").read_text("utf-8"), "utf-8")
    console.print(tr("下一步：", "next:"))
    console.print(f"  qingshan evaluate {pkg_dir} --scheme huaian-2024 --year {last}")
    console.print(f"  qingshan targets {pkg_dir} --targets {tfile}")
    console.print(f"  qingshan decompose {pkg_dir} --from {min(years)} --to {last}")
    sdir = ddir / "scenarios"
    sdir.mkdir(parents=True, exist_ok=True)
    for name in ("baseline", "policy"):
        src = resources.files("qingshan.targets").joinpath("demo_scenarios", f"{name}.toml")
        (sdir / f"{name}.toml").write_text(src.read_text("utf-8"), "utf-8")
    console.print(f"  qingshan project {pkg_dir} --scenario {sdir / 'baseline.toml'} --scenario {sdir / 'policy.toml'}")
    pdir = ddir / "projects"
    pdir.mkdir(parents=True, exist_ok=True)
    for name in ("auto_parts", "aluminium_expansion", "sugar_small"):
        src = resources.files("qingshan.screening").joinpath("demo_projects", f"{name}.yaml")
        (pdir / f"{name}.yaml").write_text(src.read_text("utf-8"), "utf-8")
    console.print(f"  qingshan screen {pdir / 'aluminium_expansion.yaml'} --package {pkg_dir} --targets {tfile}")
    console.print(f"  qingshan serve {ddir}   " + tr("# 网页平台 http://127.0.0.1:8000/", "# web platform"))


def _table(title: str, headers: list[str], rows: list[list[str]]) -> Table:
    t = Table(title=title, title_justify="left")
    for i, h in enumerate(headers):
        t.add_column(h, justify="left" if i == 0 else "right", overflow="fold")
    for r in rows:
        t.add_row(*r)
    return t


def _print_summary(result: engine.AccountResult, pkg_dir: Path) -> None:
    city = result.rollups["city"].sort_values("year")
    latest = int(city["year"].max())
    console.rule(tr("青山 · 能耗与碳排放核算", "Qingshan · energy and carbon accounts"))
    console.print(tr(f"数据包：{pkg_dir}", f"package: {pkg_dir}"))
    fs = result.factor_set
    console.print(tr(f"因子集：{fs['name']} {fs['version']}；电网因子 {fs['grid_series']}/{fs['grid_region']}",
                     f"factor set: {fs['name']} {fs['version']}; grid factor {fs['grid_series']}/{fs['grid_region']}"))
    for n in result.notes:
        console.print(f"  [yellow]•[/] {n[tr('zh', 'en')]}")
    w = 1e4
    console.print(_table(
        tr("全市能耗（万吨标准煤）", "City energy (10⁴ tce)"),
        [tr("年份", "year"), tr("企业数", "firms"), tr("当量值", "calorific"), tr("等价值", "equal value"),
         tr("原料用能", "feedstock"), tr("自发绿电", "own renewables"), tr("tce/万元增加值", "tce/10⁴ yuan VA")],
        [[str(r["year"]), _fmt(r["enterprises"]), _fmt(r["energy_tce"] / w, 1), _fmt(r["energy_tce_equal"] / w, 1),
          _fmt(r["feedstock_tce"] / w, 1), _fmt(r["renewable_tce"] / w, 2), _fmt(r["energy_per_va"], 3)]
         for _, r in city.iterrows()]))
    console.print(_table(
        tr("全市二氧化碳（万吨）", "City CO2 (10⁴ t)"),
        [tr("年份", "year"), tr("合计", "total"), tr("燃烧", "combustion"), tr("工业过程", "process"),
         tr("净购入电力", "electricity"), tr("净购入热力", "heat"), tr("tCO2/万元增加值", "tCO2/10⁴ yuan VA")],
        [[str(r["year"]), _fmt(r["co2_t"] / w, 1), _fmt(r["co2_combustion_t"] / w, 1), _fmt(r["co2_process_t"] / w, 1),
          _fmt(r["co2_electricity_t"] / w, 1), _fmt(r["co2_heat_t"] / w, 1), _fmt(r["co2_per_va"], 3)]
         for _, r in city.iterrows()]))
    for lvl, zh, en in (("district", "区县", "Districts"), ("industry", "行业（GB/T 4754 大类）",
                                                           "Industries (GB/T 4754 divisions)")):
        d = result.rollups[lvl]
        d = d[d["year"] == latest].sort_values("energy_tce", ascending=False)
        total = float(d["energy_tce"].sum()) or 1.0
        console.print(_table(
            tr(f"{zh} {latest} 年", f"{en}, {latest}"),
            [tr("名称", "name"), tr("企业数", "firms"), tr("能耗 万tce", "energy 10⁴ tce"), tr("占比", "share"),
             tr("CO2 万t", "CO2 10⁴ t"), tr("tce/万元", "tce/10⁴ yuan"), tr("tCO2/万元", "tCO2/10⁴ yuan")],
            [[f"{r['unit_id']} {r['unit_name']}", _fmt(r["enterprises"]), _fmt(r["energy_tce"] / w, 1),
              f"{100 * r['energy_tce'] / total:.1f}%", _fmt(r["co2_t"] / w, 1), _fmt(r["energy_per_va"], 3),
              _fmt(r["co2_per_va"], 3)] for _, r in d.iterrows()]))


@main.command()
@click.argument("package", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--factor-set", default=None, help="因子集 / factor set")
@click.option("--factors", type=click.Path(exists=True, path_type=Path), default=None,
              help="自定义因子文件 / factor override CSV")
def validate(package: Path, fmt: str, factor_set: str | None, factors: Path | None) -> None:
    """校验数据包，一次列出全部问题 / check a data package and list every problem."""
    from qingshan.data.validate import check_package

    try:
        fs = _factor_set(factor_set, factors)
    except ValidationError as exc:
        _report_validation(exc)
        sys.exit(EXIT_INVALID)
    with _progress() as prog:
        task = prog.add_task(tr("读取并校验", "reading and validating"), total=1)
        pkg, problems = check_package(package, fs)
        prog.update(task, advance=1)
    n_err = sum(p.severity == "error" for p in problems)
    if fmt == "json":
        click.echo(json.dumps({"package": str(package), "errors": n_err,
                               "warnings": len(problems) - n_err,
                               "problems": [p.to_dict() for p in problems]}, ensure_ascii=False, indent=1))
    else:
        if problems:
            console.print(_problems_table(problems, limit=200))
        rows = {name: len(pkg.table(name)) for name in ("entities", "energy", "economics", "production",
                                                         "process", "pollutants")}
        console.print(tr("各表行数：", "rows per table: ") + ", ".join(f"{k} {v}" for k, v in rows.items()))
        if n_err:
            console.print(tr(f"[red]未通过：{n_err} 个错误、{len(problems) - n_err} 个警告[/]",
                             f"[red]failed: {n_err} errors, {len(problems) - n_err} warnings[/]"))
        elif problems:
            console.print(tr(f"[yellow]通过，但有 {len(problems)} 个警告[/]",
                             f"[yellow]passed with {len(problems)} warnings[/]"))
        else:
            console.print(tr("[green]通过：没有发现问题[/]", "[green]passed: no problems found[/]"))
    sys.exit(EXIT_INVALID if n_err else 0)


@main.command()
@click.argument("package", type=click.Path(exists=True, path_type=Path))
@click.option("--year", "year_text", required=True, help="核算年份 / year(s), e.g. 2024 or 2020-2025")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx", "csv"]), default="json", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="输出文件；JSON/CSV 缺省输出到屏幕 / output file (JSON and CSV default to stdout)")
@click.option("--factor-set", default=None, help="因子集 / factor set")
@click.option("--factors", type=click.Path(exists=True, path_type=Path), default=None,
              help="自定义因子文件 / factor override CSV")
@click.option("--db", default=None, help="数据库 / store URL (default: in memory)")
@click.option("--accept-warnings", is_flag=True, help="警告不阻止核算 / let warnings through")
def account(package: Path, year_text: str, fmt: str, out: Path | None, factor_set: str | None,
            factors: Path | None, db: str | None, accept_warnings: bool) -> None:
    """核算企业与各级汇总的能耗和排放 / energy and CO2 accounts for enterprises and roll-ups."""
    from qingshan.data.validate import load_package

    years = _years(year_text)
    if fmt == "xlsx" and out is None:
        raise click.UsageError(tr("xlsx 格式须给出 --out 文件", "--format xlsx needs --out FILE"))
    try:
        with _progress() as prog:
            task = prog.add_task(tr("读取并校验", "reading and validating"), total=3)
            fs = _factor_set(factor_set, factors)
            pkg = load_package(package, fs, accept_warnings=accept_warnings)
            prog.update(task, advance=1, description=tr("载入数据库", "loading the store"))
            store = _store(db, None)
            engine.load(store, pkg, fs)
            prog.update(task, advance=1, description=tr("核算", "computing"))
            result = engine.compute(store, fs, years=years)
            prog.update(task, advance=1, description=tr("完成", "done"))
    except ValidationError as exc:
        _report_validation(exc)
        sys.exit(EXIT_INVALID)
    try:
        _write_account(result, fmt, out, years, year_text)
    finally:
        store.close()


def _write_account(result: engine.AccountResult, fmt: str, out: Path | None, years: list[int] | None,
                   year_text: str) -> None:
    if result.yearly.empty:
        err_console.print(tr(f"[yellow]数据包中没有 {year_text} 年的能耗数据[/]",
                             f"[yellow]the package has no energy data for {year_text}[/]"))
    if out is None:
        from qingshan.reports.accounts import account_document

        if fmt == "json":
            click.echo(json.dumps(account_document(result, years), ensure_ascii=False, indent=1))
        else:
            from qingshan.reports.accounts import ENTERPRISE_FIELDS

            cols = [c for c in ENTERPRISE_FIELDS if c in result.yearly.columns]
            click.echo(result.yearly[cols].to_csv(index=False), nl=False)
        return
    from qingshan.reports.accounts import write_csv, write_json, write_xlsx

    writer = {"json": write_json, "xlsx": write_xlsx, "csv": write_csv}[fmt]
    path = writer(result, out, years)
    err_console.print(tr(f"已写出 {path}", f"wrote {path}"))


@main.command()
@click.argument("package", type=click.Path(exists=True, path_type=Path))
@click.option("--scheme", "scheme_name", required=True,
              help="评价方案：预置名称或 .toml 文件 / preset name (huangyan-2022, huaian-2024, jingde-2022) or file")
@click.option("--year", type=int, required=True, help="评价年份 / evaluation year")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="输出文件；JSON 缺省输出到屏幕 / output file (JSON defaults to stdout)")
@click.option("--carbon", type=click.Path(exists=True, path_type=Path), default=None,
              help="碳效码参数文件 / carbon-efficiency config (default: Zhejiang 2021)")
@click.option("--measures", default=None, help="差别化政策文件 / measures file or preset (default: shandong-2022)")
@click.option("--adjustments", type=click.Path(exists=True, path_type=Path), default=None,
              help="加减分项 CSV / bonus and deduction counts")
@click.option("--factor-set", default=None, help="因子集 / factor set")
@click.option("--accept-warnings", is_flag=True, help="警告不阻止评价 / let warnings through")
def evaluate(package: Path, scheme_name: str, year: int, fmt: str, out: Path | None, carbon: Path | None,
             measures: str | None, adjustments: Path | None, factor_set: str | None, accept_warnings: bool) -> None:
    """亩均论英雄评价、碳效码与差别化政策 / 亩均 evaluation, carbon grades and measures."""
    from qingshan.evaluation import evaluate as run_evaluation
    from qingshan.evaluation import load_carbon_config, load_measures, load_scheme
    from qingshan.evaluation.adjustments import read_adjustments
    from qingshan.evaluation.inputs import evaluation_inputs

    if fmt == "xlsx" and out is None:
        raise click.UsageError(tr("xlsx 格式须给出 --out 文件", "--format xlsx needs --out FILE"))
    try:
        scheme = load_scheme(scheme_name)
        cfg, mset = load_carbon_config(carbon), load_measures(measures)
        adj = read_adjustments(adjustments, scheme) if adjustments else None
        with _progress() as prog:
            pkg, result, store = _accounts_for(package, factor_set, accept_warnings, prog, up_to=year)
        store.close()
        ev = run_evaluation(evaluation_inputs(pkg, result), scheme, year, carbon=cfg, measures=mset, adjustments=adj)
    except ValidationError as exc:
        _report_validation(exc)
        sys.exit(EXIT_INVALID)
    from qingshan.reports.evaluation import evaluation_document, summary, write_json, write_xlsx

    if out is None:
        click.echo(json.dumps(evaluation_document(ev), ensure_ascii=False, indent=1))
        return
    path = (write_json if fmt == "json" else write_xlsx)(ev, out)
    s = summary(ev)
    t = _table(tr(f"{year} 年评价结果（{scheme.id}）", f"Evaluation {year} ({scheme.id})"),
               [tr("分组", "segment"), "A", "B", "C", "D", "T"],
               [[seg, *(str(c.get(k, 0)) for k in ("A", "B", "C", "D", "T"))] for seg, c in s["classes"].items()])
    console.print(t)
    total = s["measures_total_yuan"]
    console.print(tr(f"差别化电价加价合计：{_fmt(total)} 元", f"electricity surcharges in total: {_fmt(total)} yuan"))
    err_console.print(tr(f"已写出 {path}", f"wrote {path}"))


def _accounts_for(package: Path, factor_set: str | None, accept_warnings: bool,
                  prog: Progress, up_to: int | None = None) -> tuple[Any, engine.AccountResult, Store]:
    """Validate ``package`` and compute its accounts (years up to ``up_to`` if given) on an
    in-memory store."""
    from qingshan.data.validate import load_package

    task = prog.add_task(tr("读取并校验", "reading and validating"), total=2)
    fs = _factor_set(factor_set, None)
    pkg = load_package(package, fs, accept_warnings=accept_warnings)
    prog.update(task, advance=1, description=tr("核算", "computing the accounts"))
    store = _store(None, None)
    engine.load(store, pkg, fs)
    result = engine.compute(store, fs, years=None if up_to is None else [y for y in pkg.years if y <= up_to])
    prog.update(task, advance=1, description=tr("完成", "done"))
    return pkg, result, store


def _write_tables(doc: dict[str, Any], sheets: list[tuple[str, pd.DataFrame]], fmt: str, out: Path | None) -> None:
    from qingshan.reports.files import write_atomic
    from qingshan.reports.workbook import write_workbook

    if out is None:
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1, default=str))
        return
    if fmt == "xlsx":
        path = write_workbook(out, sheets)
    else:
        def write(p: Path) -> None:
            p.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), "utf-8")

        path = write_atomic(out, write)
    err_console.print(tr(f"已写出 {path}", f"wrote {path}"))


@main.command()
@click.argument("package", type=click.Path(exists=True, path_type=Path))
@click.option("--targets", "targets_file", type=click.Path(exists=True, path_type=Path), required=True,
              help="目标文件 / targets file (TOML)")
@click.option("--growth", type=float, default=None,
              help="目标年前工业增加值年增速 / value-added growth per year (default: the file's assumption)")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出文件 / output file")
@click.option("--factor-set", default=None, help="因子集 / factor set")
@click.option("--accept-warnings", is_flag=True, help="警告不阻止 / let warnings through")
def targets(package: Path, targets_file: Path, growth: float | None, fmt: str, out: Path | None,
            factor_set: str | None, accept_warnings: bool) -> None:
    """能耗与碳排放双控进度、预警与剩余空间 / dual-control progress, warnings and remaining room."""
    import tomllib

    from qingshan.reports.workbook import clean
    from qingshan.targets import barometer_rules, load_targets, progress_table, rolling_table, room_table

    if fmt == "xlsx" and out is None:
        raise click.UsageError(tr("xlsx 格式须给出 --out 文件", "--format xlsx needs --out FILE"))
    try:
        tlist = load_targets(targets_file)
        if growth is None:
            growth = tomllib.loads(targets_file.read_text("utf-8")).get("assumptions", {}).get("growth")
        if growth is None:
            raise click.UsageError(tr("请用 --growth 给出增速，或在目标文件 [assumptions] 中写明 growth",
                                      "give --growth, or growth under [assumptions] in the targets file"))
        with _progress() as prog:
            _, result, store = _accounts_for(package, factor_set, accept_warnings, prog)
        rules = barometer_rules()
        yearly = progress_table(tlist, result.yearly, rules)
        rolling = rolling_table(tlist, result.monthly, result.yearly, rules)
        room = room_table(tlist, result.yearly, float(growth))
        store.close()
    except ValidationError as exc:
        _report_validation(exc)
        sys.exit(EXIT_INVALID)
    latest = yearly.sort_values("year").groupby("target_id").tail(1) if len(yearly) else yearly
    warnings = latest[latest["colour"] != "green"] if len(latest) else latest
    by_name = {t.id: t for t in tlist}
    colours = {"red": tr("[red]红（一级）[/]", "[red]red[/]"),
               "yellow": tr("[yellow]黄（二级）[/]", "[yellow]yellow[/]"),
               "green": tr("[green]绿（三级）[/]", "[green]green[/]")}
    rows = []
    for r in latest.to_dict("records"):
        x = by_name[str(r["target_id"])]
        rows.append([tr(x.zh, x.en), str(r["year"]), f"{r['actual_change']:+.1%}", f"{r['required_change']:+.1%}",
                     f"{r['gap_share']:+.1%}", colours[str(r["colour"])]])
    t = _table(tr("目标进度（最新年份）", "Progress (latest year)"),
               [tr("目标", "target"), tr("年份", "year"), tr("实际变化", "actual"), tr("进度目标", "required"),
                tr("差距/进度目标", "gap share"), tr("预警", "colour")], rows)
    if out is not None:
        console.print(t)
    doc = {"barometer": rules, "growth": growth,
           "targets": [{k: clean(v) for k, v in vars(x).items()} for x in tlist],
           "latest": [{k: clean(v) for k, v in r.items()} for r in latest.to_dict("records")],
           "warnings": [{k: clean(v) for k, v in r.items()} for r in warnings.to_dict("records")],
           "yearly": [{k: clean(v) for k, v in r.items()} for r in yearly.to_dict("records")],
           "rolling_12_months": [{k: clean(v) for k, v in r.items()} for r in rolling.to_dict("records")],
           "remaining_room": [{k: clean(v) for k, v in r.items()} for r in room.to_dict("records")]}
    _write_tables(doc, [(tr("预警", "Warnings"), warnings), (tr("年度进度", "Yearly"), yearly),
                        (tr("滚动12个月", "Rolling 12 months"), rolling), (tr("剩余空间", "Remaining room"), room)],
                  fmt, out)


@main.command()
@click.argument("package", type=click.Path(exists=True, path_type=Path))
@click.option("--from", "y0", type=int, required=True, help="基期年份 / base year")
@click.option("--to", "y1", type=int, required=True, help="比较年份 / target year")
@click.option("--by", type=click.Choice(["industry", "district"]), default="industry", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出文件 / output file")
@click.option("--factor-set", default=None, help="因子集 / factor set")
@click.option("--accept-warnings", is_flag=True, help="警告不阻止 / let warnings through")
def decompose(package: Path, y0: int, y1: int, by: str, fmt: str, out: Path | None, factor_set: str | None,
              accept_warnings: bool) -> None:
    """LMDI 因素分解：能耗与二氧化碳变化的驱动因素 / LMDI decomposition of energy and CO2 changes."""
    from qingshan.reports.workbook import clean
    from qingshan.targets.decomposition import decompose_carbon, decompose_energy

    if fmt == "xlsx" and out is None:
        raise click.UsageError(tr("xlsx 格式须给出 --out 文件", "--format xlsx needs --out FILE"))
    try:
        with _progress() as prog:
            _, result, store = _accounts_for(package, factor_set, accept_warnings, prog)
        years = set(result.yearly["year"])
        if y0 not in years or y1 not in years:
            raise click.UsageError(tr(f"数据包中须有 {y0} 年和 {y1} 年的数据",
                                      f"the package needs data for {y0} and {y1}"))
        ed, es = decompose_energy(result, y0, y1, by)
        cd, cs = decompose_carbon(result, store, y0, y1, by)
        store.close()
    except ValidationError as exc:
        _report_validation(exc)
        sys.exit(EXIT_INVALID)
    if out is not None:
        for title, s, unit in ((tr("能耗变化分解", "Energy change"), es, "tce"),
                               (tr("二氧化碳变化分解", "CO2 change"), cs, "t")):
            rows = [[k, _fmt(v)] for k, v in s["additive"].items()]
            rows += [[tr("未分解", "not decomposed"), _fmt(s["not_decomposed"])],
                     [tr("合计", "total"), _fmt(s["change"])]]
            console.print(_table(f"{title} {y0}→{y1} ({unit})", [tr("效应", "effect"), unit], rows))
    doc = {"from": y0, "to": y1, "by": by, "method": "LMDI-I (Ang 2005), zero values by Ang & Liu (2007) limits",
           "energy": {"summary": es, "cells": [{k: clean(v) for k, v in r.items()} for r in ed.to_dict("records")]},
           "co2": {"summary": cs, "cells": [{k: clean(v) for k, v in r.items()} for r in cd.to_dict("records")]}}
    summary = pd.DataFrame([{"quantity": q, **s["additive"], "not_decomposed": s["not_decomposed"],
                             "change": s["change"]} for q, s in (("energy_tce", es), ("co2_t", cs))])
    _write_tables(doc, [(tr("汇总", "Summary"), summary), (tr("能耗", "Energy"), ed), (tr("二氧化碳", "CO2"), cd)],
                  fmt, out)


@main.command()
@click.argument("package", type=click.Path(exists=True, path_type=Path))
@click.option("--scenario", "scenario_files", type=click.Path(exists=True, path_type=Path), multiple=True,
              required=True, help="情景文件，可多个 / scenario file (TOML), may be repeated")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出文件 / output file")
@click.option("--factor-set", default=None, help="因子集 / factor set")
@click.option("--accept-warnings", is_flag=True, help="警告不阻止 / let warnings through")
def project(package: Path, scenario_files: tuple[Path, ...], fmt: str, out: Path | None, factor_set: str | None,
            accept_warnings: bool) -> None:
    """能耗与二氧化碳排放路径、达峰年份与不确定性区间 / pathways, peak year and Monte Carlo bands."""
    from qingshan.methods.pathways import base_from_yearly
    from qingshan.reports.workbook import clean
    from qingshan.targets.scenarios import load_scenario, pathway

    if fmt == "xlsx" and out is None:
        raise click.UsageError(tr("xlsx 格式须给出 --out 文件", "--format xlsx needs --out FILE"))
    try:
        scenarios = [load_scenario(f) for f in scenario_files]
        with _progress() as prog:
            _, result, store = _accounts_for(package, factor_set, accept_warnings, prog)
        store.close()
        last = int(result.yearly["year"].max())
        fs = _factor_set(factor_set, None)
        grid_base = float(fs.by_year("grid", [last])["tco2_per_kwh"].iloc[0]) * 1000.0
        elec = fs.energy.loc[fs.energy["carrier"] == "electricity", "tce_per_unit"]
        base = base_from_yearly(result.yearly, last, float(elec.iloc[0]))
        runs = [(sc, *pathway(sc, base, grid_base)) for sc in scenarios]
    except ValidationError as exc:
        _report_validation(exc)
        sys.exit(EXIT_INVALID)
    if out is not None:
        rows = [[tr(sc.zh, sc.en), str(s["co2_peak_year"]), _fmt(s["co2_peak_t"] / 1e4),
                 f"{s['co2_peak_year_p5']}–{s['co2_peak_year_p95']}",
                 _fmt(float(p["co2_t"].iloc[-1]) / 1e4)] for sc, p, s in runs]
        console.print(_table(tr(f"二氧化碳排放路径（基年 {last}）", f"CO2 pathways (base year {last})"),
                             [tr("情景", "scenario"), tr("达峰年份", "peak year"), tr("峰值（万吨）", "peak (10k t)"),
                              tr("达峰年份 p5–p95", "peak year p5–p95"),
                              tr(f"{runs[0][0].horizon} 年（万吨）", f"{runs[0][0].horizon} (10k t)")], rows))
    doc = {"base_year": last, "grid_factor_base_year_t_per_mwh": grid_base,
           "method": "docs/targets.md, Pathways", "scenarios": [
               {"id": sc.id, "zh": sc.zh, "en": sc.en, "source": sc.source, "summary": s,
                "years": [{k: clean(v) for k, v in r.items()} for r in p.to_dict("records")]} for sc, p, s in runs]}
    sheets = [(sc.id, p) for sc, p, _ in runs]
    sheets.insert(0, (tr("达峰", "Peaks"), pd.DataFrame([s for _, _, s in runs])))
    _write_tables(doc, sheets, fmt, out)


@main.command()
@click.argument("project_file", metavar="PROJECT", type=click.Path(exists=True, path_type=Path))
@click.option("--package", type=click.Path(exists=True, path_type=Path), required=True,
              help="城市数据包 / the city's data package")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx", "html"]), default="json", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出文件 / output file")
@click.option("--targets", "targets_file", type=click.Path(exists=True, path_type=Path), default=None,
              help="目标文件，用于测算对目标的影响 / targets file, for the effect on targets")
@click.option("--growth", type=float, default=None, help="增加值年增速 / value-added growth per year")
@click.option("--scheme", "scheme_name", default="huaian-2024", show_default=True,
              help="测算预期亩均类别的评价方案 / scheme for the expected 亩均 class")
@click.option("--factor-set", default=None, help="因子集 / factor set")
@click.option("--accept-warnings", is_flag=True, help="警告不阻止 / let warnings through")
def screen(project_file: Path, package: Path, fmt: str, out: Path | None, targets_file: Path | None,
           growth: float | None, scheme_name: str, factor_set: str | None, accept_warnings: bool) -> None:
    """新建项目节能审查与碳排放评价 / screen a proposed project (节能审查 + 碳排放评价)."""
    import tomllib

    from qingshan.evaluation import load_scheme
    from qingshan.reports.screening import render_html, screening_document, write_html, write_json, write_xlsx
    from qingshan.screening import VERDICTS, read_project
    from qingshan.screening import screen as run_screen
    from qingshan.targets import load_targets

    if fmt == "xlsx" and out is None:
        raise click.UsageError(tr("xlsx 格式须给出 --out 文件", "--format xlsx needs --out FILE"))
    try:
        project = read_project(project_file)
        scheme = load_scheme(scheme_name)
        tlist = load_targets(targets_file) if targets_file else []
        if targets_file and growth is None:
            growth = tomllib.loads(targets_file.read_text("utf-8")).get("assumptions", {}).get("growth")
        with _progress() as prog:
            pkg, result, store = _accounts_for(package, factor_set, accept_warnings, prog)
        store.close()
        fs = _factor_set(factor_set, None)
        s = run_screen(project, pkg, result, fs, scheme=scheme, targets=tlist, growth=float(growth or 0.0))
    except ValidationError as exc:
        _report_validation(exc)
        sys.exit(EXIT_INVALID)
    if out is None:
        if fmt == "html":
            click.echo(render_html(s))
        else:
            click.echo(json.dumps(screening_document(s), ensure_ascii=False, indent=1, default=str))
        return
    path = {"json": write_json, "xlsx": write_xlsx, "html": write_html}[fmt](s, out)
    style = {"approvable": "green", "conditions": "yellow", "not_approvable": "red"}[s.verdict]
    console.print(f"[{style}]{tr('结论', 'verdict')}：{tr(*VERDICTS[s.verdict])}[/]")
    for x in s.reasons:
        if x.outcome in ("fail", "conditions"):
            console.print(f"  • {x.rule}: {tr(x.zh, x.en)}")
    err_console.print(tr(f"已写出 {path}", f"wrote {path}"))


@main.command()
@click.argument("data_dir", required=False, type=click.Path(path_type=Path))
@click.option("--host", default=None, help="监听地址 / bind address (QINGSHAN_HOST, else loopback)")
@click.option("--port", type=int, default=None, help="端口 / port (QINGSHAN_PORT, else 8000)")
@click.option("--db", default=None, help="数据库 / store URL (QINGSHAN_DB, else embedded)")
@click.option("--scheme", default="huaian-2024", show_default=True, help="缺省评价方案 / default evaluation scheme")
def serve(data_dir: Path | None, host: str | None, port: int | None, db: str | None, scheme: str) -> None:
    """启动网页平台 / start the web application (no DATA_DIR: the demo city)."""
    import uvicorn

    from qingshan.web.app import create_app
    from qingshan.web.data import CityData

    ddir = data_dir or Path(setting("data_dir"))
    host = host or setting("host")
    port = port or int(setting("port"))
    db = db or setting("db") or None
    try:
        if not any(p.exists() for p in (ddir / "package.xlsx", ddir / "package", ddir / "entities.csv")):
            from importlib import resources

            from qingshan.data.demo import generate_demo_city
            from qingshan.data.package import write_csv_package

            err_console.print(tr(f"{ddir} 中没有数据包，生成演示城市",
                                 f"no package in {ddir}: generating the demo city"))
            write_csv_package(generate_demo_city(), ddir / "package")
            (ddir / "targets.toml").write_text(
                resources.files("qingshan.targets").joinpath("demo_targets.toml").read_text("utf-8"), "utf-8")
        with _progress() as prog:
            task = prog.add_task(tr("载入城市数据并核算", "loading and accounting the city"), total=1)
            data = CityData.load(ddir, db=db, scheme=scheme)
            prog.update(task, advance=1)
    except ValidationError as exc:
        _report_validation(exc)
        sys.exit(EXIT_INVALID)
    console.print(tr(f"青山已启动：http://{host}:{port}/  （接口说明 /api）",
                     f"Qingshan is running: http://{host}:{port}/  (API at /api)"))
    uvicorn.run(create_app(data), host=host, port=port, log_level="warning", http="httptools",
                loop="uvloop" if sys.platform != "win32" else "asyncio")


def run() -> None:  # pragma: no cover - console entry point wrapper
    try:
        main()
    except QingshanError as exc:
        err_console.print(f"[red]{exc}[/]")
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    run()
