"""``qingshan carrying``: the carrying-capacity early warning of one year per district — the
four elements, the integrated class, the trend, the warning colour and the change since the
previous evaluation, with their reasons (docs/environment.md, "Carrying-capacity early
warning")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pandas as pd

from qingshan.cli.console import console, err_console, profile_line, table
from qingshan.cli.main import main
from qingshan.cli.options import (
    _source,
    city_argument,
    city_options,
    emit,
    handles_errors,
    needs_out,
    open_city,
    output_options,
)
from qingshan.documents import carrying as carrying_doc
from qingshan.i18n import tr


def _name(d: dict[str, Any], key: str) -> str:
    zh, en = d.get(f"{key}_zh"), d.get(f"{key}_en")
    return "—" if zh is None else tr(str(zh), str(en))


def _rows(doc: dict[str, Any]) -> list[list[str]]:
    out = []
    for d in doc["districts"]:
        els = [_name(d["elements"][e["element"]], "load") for e in doc["method"]["elements"]]
        load = _name(d, "load") + ("" if d["load_determined"] or d["load"] is None else tr("（下限）", " (at least)"))
        t = d["transition"] or {}
        change = _name(t, "kind") if t.get("kind") not in ("worsened", "improved") else \
            f"{_name(t, 'from')} → {_name(t, 'to')}"
        out.append([d["name"], *els, load, _name(d, "trend"), _name(d, "colour"), change])
    return out


def _sheet(doc: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for d in doc["districts"]:
        r: dict[str, Any] = {"district_id": d["district_id"], "name": d["name"], "year": d["year"]}
        for e, x in d["elements"].items():
            r[f"{e}_status"], r[f"{e}_load"] = x["status"], x["load"]
        r.update({"load": d["load"], "load_determined": d["load_determined"], "trend": d["trend"],
                  "colour": d["colour"], "overload_factors": ",".join(f["element"] for f in d["overload_factors"]),
                  "transition": (d["transition"] or {}).get("kind"), "measure": (d["transition"] or {}).get("measure"),
                  "reasons_zh": "\n".join(d["reasons_zh"]), "reasons_en": "\n".join(d["reasons_en"])})
        rows.append(r)
    return pd.DataFrame(rows)


def _process_sheet(doc: dict[str, Any]) -> pd.DataFrame:
    rows = [{"district_id": d["district_id"], "name": d["name"], "base_year": d["process"]["base_year"],
             **{k: v for k, v in i.items() if k not in ("zh", "en")}}
            for d in doc["districts"] for i in d["process"]["indicators"]]
    return pd.DataFrame(rows)


@main.command("carrying")
@city_argument
@click.option("--year", type=int, default=None, help="评价年份，缺省为 carrying_inputs 的最新年份 / evaluation year "
                                                     "(default: the latest year of carrying_inputs)")
@click.option("--rules", default=None, callback=_source,
              help="承载能力规则，覆盖配置的 environment.carrying_capacity：内置名称或 .toml 文件 / "
                   "carrying-capacity rules overriding the profile's (built-in name or .toml file)")
@output_options(("json", "xlsx"))
@city_options
@handles_errors
def carrying(city_path: Path | None, year: int | None, rules: str | Path | None, fmt: str, out: Path | None,
             profile: str | Path | None, db: str | None, factor_set: str | None, factors: Path | None,
             accept_warnings: bool) -> None:
    """资源环境承载能力监测预警：分区县的要素、等级、趋势与预警颜色 / carrying-capacity early warning by district."""
    needs_out(fmt, out)
    with open_city(city_path, profile=profile, db=db, factor_set=factor_set, factors=factors,
                   accept_warnings=accept_warnings) as city:
        doc = carrying_doc.build(city, year, rules=rules)
    if out is not None:
        heads = [tr("区县", "district"), *(tr(e["zh"], e["en"]) for e in doc["method"]["elements"]),
                 tr("集成", "class"), tr("趋势", "trend"), tr("预警", "warning"), tr("等级变化", "change")]
        console.print(table(tr(f"{doc['year']} 年资源环境承载能力预警（{doc['rules']['name']}）",
                               f"Carrying-capacity warning {doc['year']} ({doc['rules']['name']})"), heads, _rows(doc)))
    emit(doc, fmt, out, [(tr("区县", "Districts"), _sheet(doc)), (tr("过程评价", "Process"), _process_sheet(doc))])
    err_console.print(profile_line(doc))
