"""A screening result as JSON, Excel and a printable HTML page (self-contained: inline
style, no script, nothing fetched)."""

from __future__ import annotations

import dataclasses
import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from qingshan import __version__
from qingshan.i18n import tr
from qingshan.reports.files import write_atomic
from qingshan.reports.workbook import clean, write_workbook
from qingshan.screening import VERDICTS, Screening

OUTCOME = {"pass": ("通过", "pass"), "conditions": ("附条件", "conditions"), "fail": ("不通过", "fail"),
           "info": ("说明", "note")}


def screening_document(s: Screening) -> dict[str, Any]:
    p = s.project
    fig = {k: clean(v) for k, v in dataclasses.asdict(s.figures).items()}
    products = []
    for pr in p.products:
        e = [x for x in s.reasons if x.rule == "R-EFFICIENCY" and x.numbers.get("product") == pr.product]
        per = {"energy_kgce_per_unit": s.figures.energy_tce * 1000 / pr.capacity if pr.capacity else None,
               "co2_t_per_unit": s.figures.co2_t / pr.capacity if pr.capacity else None}
        products.append({**dataclasses.asdict(pr), **per, "benchmark": e[0].numbers if e else None})
    return {
        "qingshan_version": __version__,
        "project": {"name": p.name, "builder": p.builder, "industry_code": p.industry_code, "kind": p.kind,
                    "application_date": str(p.application_date), "commissioning_year": p.commissioning_year,
                    "park_id": p.park_id, "district_id": p.district_id, "value_added_10k_yuan": p.value_added,
                    "output_value_10k_yuan": p.output_value, "tax_10k_yuan": p.tax, "land_mu": p.land_mu,
                    "employees": p.employees, "file": p.file},
        "verdict": s.verdict, "verdict_zh": VERDICTS[s.verdict][0], "verdict_en": VERDICTS[s.verdict][1],
        "figures": fig, "per_value_added": s.per_va, "products": products,
        "reasons": [dataclasses.asdict(x) for x in s.reasons], "expected_class": s.expected_class,
        "impact": [{k: clean(v) for k, v in r.items()} for r in s.impact.to_dict("records")],
    }


def write_json(s: Screening, path: str | Path) -> Path:
    doc = screening_document(s)

    def write(p: Path) -> None:
        p.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), "utf-8")

    return write_atomic(path, write)


def write_xlsx(s: Screening, path: str | Path) -> Path:
    doc = screening_document(s)
    head = pd.DataFrame([(k, v) for k, v in doc["project"].items()] + [("verdict", doc["verdict_zh"])],
                        columns=[tr("项目", "item"), tr("内容", "value")])
    reasons = pd.DataFrame([{"rule": x.rule, "outcome": x.outcome, "reason": tr(x.zh, x.en),
                             "numbers": json.dumps(x.numbers, ensure_ascii=False, default=str), "source": x.source}
                            for x in s.reasons])
    figures = pd.DataFrame(list(doc["figures"].items()), columns=[tr("指标", "figure"), tr("数值", "value")])
    return write_workbook(path, [(tr("项目与结论", "Project"), head), (tr("审查理由", "Reasons"), reasons),
                                 (tr("能耗与排放", "Figures"), figures), (tr("对目标的影响", "Impact"), s.impact)])


def _num(v: Any, digits: int = 1) -> str:
    v = clean(v)
    if v is None:
        return "—"
    return f"{v:,.{digits}f}" if isinstance(v, int | float) and not isinstance(v, bool) else html.escape(str(v))


def render_html(s: Screening) -> str:
    """A printable page: the verdict, the project's figures, every reason with its numbers
    and source, and the effect on the targets. Chinese first, English beside it."""
    d = screening_document(s)
    p = d["project"]
    colour = {"approvable": "#1b7f3b", "conditions": "#b26a00", "not_approvable": "#b00020"}[s.verdict]
    fig = s.figures
    rows = [("年综合能耗（当量值）", "annual energy (calorific)", fig.energy_tce, "tce"),
            ("年综合能耗（等价值）", "annual energy (equal-value)", fig.energy_tce_equal, "tce"),
            ("其中原料用能", "of which feedstock", fig.feedstock_tce, "tce"),
            ("煤炭消费量", "coal", fig.coal_t, "t"),
            ("用电量", "electricity", fig.electricity_kwh / 1e4, "万kWh"),
            ("二氧化碳排放", "CO2", fig.co2_t, "t"),
            ("  燃料燃烧", "  combustion", fig.co2_combustion_t, "t"),
            ("  工业过程", "  process", fig.co2_process_t, "t"),
            ("  净购入电力", "  purchased electricity", fig.co2_electricity_t, "t"),
            ("  净购入热力", "  purchased heat", fig.co2_heat_t, "t"),
            ("单位增加值能耗", "energy per 10k yuan VA", s.per_va["energy_tce_per_10k_yuan"], "tce/万元"),
            ("单位增加值二氧化碳", "CO2 per 10k yuan VA", s.per_va["co2_t_per_10k_yuan"], "t/万元")]
    fig_html = "".join(f"<tr><td>{html.escape(a)} <span class=en>{html.escape(b)}</span></td>"
                       f"<td class=n>{_num(v, 3 if '万元' in u else 1)}</td><td>{html.escape(u)}</td></tr>"
                       for a, b, v, u in rows)
    rs = "".join(
        f"<tr class={x.outcome}><td>{html.escape(x.rule)}</td><td>{OUTCOME[x.outcome][0]}</td>"
        f"<td>{html.escape(x.zh)}<br><span class=en>{html.escape(x.en)}</span></td>"
        f"<td class=small>{html.escape(json.dumps(x.numbers, ensure_ascii=False, default=str))}</td>"
        f"<td class=small>{html.escape(x.source)}</td></tr>" for x in s.reasons)
    imp = ""
    if len(s.impact):
        imp = "<h2>对目标的影响 <span class=en>Effect on targets</span></h2><table><tr><th>目标</th><th>年份</th>" \
              "<th>强度（无项目）</th><th>强度（含项目）</th><th>目标强度</th><th>剩余空间（无项目）</th>" \
              "<th>剩余空间（含项目）</th></tr>" + "".join(
                  f"<tr><td>{html.escape(str(r['target_id']))}</td><td>{r['year']}</td>"
                  f"<td class=n>{_num(r['intensity_without'], 4)}</td><td class=n>{_num(r['intensity_with'], 4)}</td>"
                  f"<td class=n>{_num(r['target_intensity'], 4)}</td><td class=n>{_num(r['room_without'], 0)}</td>"
                  f"<td class=n>{_num(r['room_with'], 0)}</td></tr>" for r in d["impact"]) + "</table>"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(p['name'])} · 节能审查与碳排放评价</title>
<style>
body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222;max-width:1100px}}
h1{{font-size:1.5em}} h2{{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}}
table{{border-collapse:collapse;width:100%;font-size:.92em}} td,th{{border:1px solid #ccc;padding:.3em .5em;
vertical-align:top}} th{{background:#f3f3f3}} .n{{text-align:right;white-space:nowrap}} .en{{color:#666;font-size:.9em}}
.small{{font-size:.8em;color:#444;word-break:break-all}} .verdict{{font-size:1.4em;font-weight:bold;color:{colour}}}
tr.fail td:nth-child(2){{color:#b00020;font-weight:bold}} tr.conditions td:nth-child(2){{color:#b26a00}}
@media print{{body{{margin:1cm}} a{{color:#000}}}}
</style></head><body>
<h1>{html.escape(p['name'])}<br><span class=en>energy-conservation review and carbon evaluation</span></h1>
<p>建设单位 {html.escape(p['builder'])} · 行业 {html.escape(p['industry_code'])} ·
{'改扩建（仅计增量）' if p['kind'] == 'expansion' else '新建'} · 申报日期 {p['application_date']} ·
投产 {p['commissioning_year']} · 园区 {html.escape(str(p['park_id'] or '—'))}</p>
<p class=verdict>结论：{VERDICTS[s.verdict][0]} <span class=en>{VERDICTS[s.verdict][1]}</span></p>
<h2>能耗与排放 <span class=en>Energy and CO2 (annual{', increment' if p['kind'] == 'expansion' else ''})</span></h2>
<table>{fig_html}</table>
<h2>审查理由 <span class=en>Reasons</span></h2>
<table><tr><th>规则</th><th>结果</th><th>说明</th><th>比较数值</th><th>依据</th></tr>{rs}</table>
{imp}
<p class=small>青山 Qingshan {__version__} · 因子说明：{html.escape('；'.join(fig.factor_notes) or '—')}</p>
</body></html>
"""


def write_html(s: Screening, path: str | Path) -> Path:
    text = render_html(s)

    def write(p: Path) -> None:
        p.write_text(text, "utf-8")

    return write_atomic(path, write)
