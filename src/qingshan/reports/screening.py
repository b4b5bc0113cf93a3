"""A screening result as JSON, Excel and a printable HTML page (self-contained: inline
style, no script, nothing fetched)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from qingshan import __version__
from qingshan.documents.screening import OUTCOME
from qingshan.documents.values import clean
from qingshan.i18n import tr
from qingshan.reports.files import write_atomic
from qingshan.reports.workbook import about_frame, with_about, write_workbook


def write_xlsx(doc: dict[str, Any], path: str | Path) -> Path:
    """The screening document as a workbook: about (the profile), project and verdict,
    reasons, figures, impact."""
    head = about_frame([(k, v) for k, v in doc["project"].items()] + [("verdict", doc["verdict_zh"])])
    reasons = pd.DataFrame([{"rule": x["rule"], "outcome": x["outcome"], "reason": tr(x["zh"], x["en"]),
                             "numbers": json.dumps(x["numbers"], ensure_ascii=False, default=str),
                             "source": x["source"]} for x in doc["reasons"]])
    figures = pd.DataFrame([(k, "；".join(map(str, v)) if isinstance(v, list | tuple) else v)  # factor_notes
                            for k, v in doc["figures"].items()], columns=[tr("指标", "figure"), tr("数值", "value")])
    return write_workbook(path, with_about(doc, [
        (tr("项目与结论", "Project"), head), (tr("审查理由", "Reasons"), reasons),
        (tr("能耗与排放", "Figures"), figures), (tr("对目标的影响", "Impact"), pd.DataFrame(doc["impact"]))]))


def _num(v: Any, digits: int = 1) -> str:
    v = clean(v)
    if v is None:
        return "—"
    return f"{v:,.{digits}f}" if isinstance(v, int | float) and not isinstance(v, bool) else html.escape(str(v))


def render_html(d: dict[str, Any]) -> str:
    """A printable page of the screening document: the verdict, the project's figures,
    every reason with its numbers and source, and the effect on the targets. Chinese first,
    English beside it."""
    p = d["project"]
    colour = {"approvable": "#1b7f3b", "conditions": "#b26a00", "not_approvable": "#b00020"}[d["verdict"]]
    fig, per = d["figures"], d["per_value_added"]
    elec = fig["electricity_kwh"]
    rows = [("年综合能耗（当量值）", "annual energy (calorific)", fig["energy_tce"], "tce"),
            ("年综合能耗（等价值）", "annual energy (equal-value)", fig["energy_tce_equal"], "tce"),
            ("其中原料用能", "of which feedstock", fig["feedstock_tce"], "tce"),
            ("煤炭消费量", "coal", fig["coal_t"], "t"),
            ("用电量", "electricity", None if elec is None else elec / 1e4, "万kWh"),
            ("二氧化碳排放", "CO2", fig["co2_t"], "t"),
            ("  燃料燃烧", "  combustion", fig["co2_combustion_t"], "t"),
            ("  工业过程", "  process", fig["co2_process_t"], "t"),
            ("  净购入电力", "  purchased electricity", fig["co2_electricity_t"], "t"),
            ("  净购入热力", "  purchased heat", fig["co2_heat_t"], "t"),
            ("其他温室气体（N2O、PFC）", "other greenhouse gases (N2O, PFCs)", fig.get("non_co2_t_co2e"),
             f"t CO2e（GWP {fig.get('gwp_set') or '—'}）"),
            ("温室气体合计", "greenhouse gases in all", fig.get("ghg_t_co2e"), "t CO2e"),
            ("单位增加值能耗", "energy per 10k yuan VA", per["energy_tce_per_10k_yuan"], "tce/万元"),
            ("单位增加值二氧化碳", "CO2 per 10k yuan VA", per["co2_t_per_10k_yuan"], "t/万元")]
    fig_html = "".join(f"<tr><td>{html.escape(a)} <span class=en>{html.escape(b)}</span></td>"
                       f"<td class=n>{_num(v, 3 if '万元' in u else 1)}</td><td>{html.escape(u)}</td></tr>"
                       for a, b, v, u in rows)
    rs = "".join(
        f"<tr class={x['outcome']}><td>{html.escape(x['rule'])}</td><td>{OUTCOME[x['outcome']][0]}</td>"
        f"<td>{html.escape(x['zh'])}<br><span class=en>{html.escape(x['en'])}</span></td>"
        f"<td class=small>{html.escape(json.dumps(x['numbers'], ensure_ascii=False, default=str))}</td>"
        f"<td class=small>{html.escape(x['source'])}</td></tr>" for x in d["reasons"])
    prof = d.get("profile") or {}
    imp = ""
    if d["impact"]:
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
<p class=verdict>结论：{d['verdict_zh']} <span class=en>{d['verdict_en']}</span></p>
<h2>能耗与排放 <span class=en>Energy, CO2 and other greenhouse gases \
(annual{', increment' if p['kind'] == 'expansion' else ''})</span></h2>
<table>{fig_html}</table>
<h2>审查理由 <span class=en>Reasons</span></h2>
<table><tr><th>规则</th><th>结果</th><th>说明</th><th>比较数值</th><th>依据</th></tr>{rs}</table>
{imp}
<p class=small>青山 Qingshan {__version__} · 配置 {html.escape(str(prof.get('id', '—')))} \
{html.escape(str(prof.get('version', '')))} · 因子说明：{html.escape('；'.join(fig['factor_notes'] or []) or '—')}</p>
</body></html>
"""


def write_html(doc: dict[str, Any], path: str | Path) -> Path:
    text = render_html(doc)

    def write(p: Path) -> None:
        p.write_text(text, "utf-8")

    return write_atomic(path, write)
