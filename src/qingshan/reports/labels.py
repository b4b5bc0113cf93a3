"""Column headers and table titles of downloads and printed reports, in Chinese and English.

A field's label comes from the glossary (``data/spec/glossary.csv``, one source with
docs/glossary.md) where it has one, else from :data:`EXTRA` (the fields of the pages'
documents that are not account columns: classes, scores, targets…); a field neither names
is shown as it is. A flattened field (``move_up.gap``) is labelled part by part.
"""

from __future__ import annotations

from qingshan.glossary import glossary, label

#: fields of the pages' documents that the glossary does not hold: (中文, English)
EXTRA: dict[str, tuple[str, str]] = {
    "class": ("亩均类别", "class"), "score": ("总分", "score"), "carbon_grade": ("碳效等级", "carbon grade"),
    "carbon_L": ("碳效值 L", "carbon L"), "carbon_K": ("碳效指数 K", "carbon K"),
    "carbon_level": ("碳效水平", "carbon level"), "carbon_industry_L": ("行业碳效值", "industry L"),
    "rank": ("排名", "rank"), "rank_last": ("并列末位", "last tied rank"), "group_size": ("组内企业数", "group size"),
    "position": ("位次", "position"), "segment": ("评价分组", "segment"), "group": ("排名组", "group"),
    "status": ("状态", "status"), "adjustment": ("加减分", "adjustment"), "why": ("类别说明", "why this class"),
    "measures_yuan": ("差别化政策金额（元）", "measures (yuan)"), "move_up": ("升一类", "move up"),
    "target_class": ("目标类别", "target class"), "threshold_score": ("所需总分", "score needed"),
    "gap": ("差距", "gap"), "strict": ("严格高于", "strictly above"), "indicator": ("指标", "indicator"),
    "weight": ("权重", "weight"), "value": ("数值", "value"), "benchmark": ("基准值", "benchmark"),
    "bench_min": ("基准下限", "benchmark min"), "bench_max": ("基准上限", "benchmark max"),
    "missing": ("缺失", "missing"), "needed_value": ("升一类所需值", "value for the next class"),
    "change": ("所需变化", "change needed"), "reachable": ("可达", "reachable"), "zh": ("中文名称", "Chinese name"),
    "en": ("英文名称", "English name"), "direction": ("方向", "direction"), "measure": ("政策", "measure"),
    "amount_yuan": ("金额（元）", "amount (yuan)"), "target_id": ("目标", "target"), "entity": ("对象", "entity"),
    "actual_change": ("实际变化", "actual change"), "required_change": ("进度目标", "required change"),
    "colour": ("预警", "colour"), "base_year": ("基期年", "base year"), "base_value": ("基期值", "base value"),
    "kind": ("类型", "kind"), "carrier": ("能源品种", "carrier"), "carrier_zh": ("能源品种", "carrier (Chinese)"),
    "carrier_en": ("能源品种（英文）", "carrier"), "lon": ("经度", "longitude"), "lat": ("纬度", "latitude"),
    "industry_name": ("行业名称", "industry name"), "tax_per_mu": ("亩均税收（万元/亩）", "tax per mu (10k yuan/mu)"),
    "tax_per_mu_city": ("全市亩均税收（万元/亩）", "city tax per mu (10k yuan/mu)"),
    "share_ab": ("A/B 类占比", "share of A/B"), "segment_id": ("评价分组", "segment"),
    "count": ("企业数", "enterprises"),
    "from_class": ("上年类别", "class last year"), "reason": ("原因", "reason"), "actor": ("人员", "who"),
    "action": ("动作", "action"), "time": ("时间", "time"), "version": ("版本", "version"),
    "username": ("用户名", "user"), "organisation": ("组织", "organisation"), "roles": ("角色", "roles"),
    "rule": ("规则", "rule"), "outcome": ("结果", "outcome"), "source": ("依据", "source"),
    "intensity_without": ("强度（无项目）", "intensity without"),
    "intensity_with": ("强度（含项目）", "intensity with"),
    "target_intensity": ("目标强度", "target intensity"), "room_without": ("剩余空间（无项目）", "room without"),
    "room_with": ("剩余空间（含项目）", "room with"), "room": ("剩余空间", "remaining room"),
    "allowed": ("目标年允许量", "allowed"), "cap": ("总量上限", "cap"), "gap_share": ("差距/进度目标", "gap share"),
    "industry": ("行业", "industry"), "district": ("区县", "district"), "park": ("园区", "park"),
    "enterprise": ("企业", "enterprise"), "total": ("合计", "total"), "key": ("代码", "code"),
    # GEP pages (documents/gep_pages.py)
    "gep_class": ("服务类别", "class of service"), "service": ("服务", "service"),
    "value_yuan": ("价值（元）", "value (yuan)"),
    "share": ("占比", "share"), "ecosystem": ("生态系统类型", "ecosystem type"), "quantity_unit": ("单位", "unit"),
    "indicator_zh": ("指标", "indicator (Chinese)"), "indicator_en": ("指标（英文）", "indicator"),
    "price": ("核算年价格", "price in the accounting year"), "price_unit": ("价格单位", "price unit"),
    "base_price": ("原价格", "price as published"), "price_year": ("价格年份", "price year"),
    "price_index_ratio": ("价格指数比", "price index ratio"), "value_base": ("基期价值（元）", "base value (yuan)"),
    "value_target": ("报告期价值（元）", "target value (yuan)"), "value_change": ("价值变化（元）", "change (yuan)"),
    "quantity_effect": ("数量效应（元）", "quantity effect (yuan)"),
    "price_effect": ("价格效应（元）", "price effect (yuan)"),
    "unsplit": ("按产值计未拆分（元）", "from output value, not split (yuan)"),
    "scope_change": ("核算范围变化（仅一年核算的服务，元）",
                     "scope change: services accounted in one year only (yuan)"),
    "gdp_yuan": ("地区生产总值（元）", "GDP (yuan)"), "gep_yuan": ("生态系统生产总值（元）", "GEP (yuan)"),
    "gep_gdp_ratio": ("GEP/GDP", "GEP/GDP"), "gdp_growth": ("GDP 年均增速", "GDP growth a year"),
    "gep_growth": ("GEP 年均增速", "GEP growth a year"), "grade_zh": ("协调等级", "grade (Chinese)"),
    "grade_en": ("协调等级（英文）", "grade"), "why_zh": ("原因", "reason (Chinese)"),
    "why_en": ("原因（英文）", "reason"),
    "district_name": ("区县名称", "district name"),
    # permits pages (documents/permits_pages.py; documents/permits.py)
    "code": ("代码", "code"), "pollutant": ("污染物", "pollutant"),
    "pollutant_zh": ("污染物", "pollutant (Chinese)"), "pollutant_en": ("污染物（英文）", "pollutant"),
    "permit_no": ("许可证编号", "permit number"), "permitted_t": ("许可排放量（吨）", "permitted (t)"),
    "annual_permitted_t": ("年许可排放量（吨）", "annual permitted quantity (t)"),
    "special_limit_t": ("特殊时段许可排放量（吨）", "special-period limit (t)"),
    "actual_t": ("实际排放量（吨）", "actual (t)"), "basis": ("实际排放量来源", "basis of the actual"),
    "basis_zh": ("实际排放量来源", "basis (Chinese)"), "basis_en": ("实际排放量来源（英文）", "basis"),
    "quarters": ("季度报告数", "quarterly reports"), "over_t": ("超出许可（吨）", "over the permit (t)"),
    "ratio": ("实际/许可", "actual / permitted"), "window": ("最不利连续12个月", "worst 12 months"),
    "window_t": ("该12个月排放量（吨）", "tonnes in those 12 months"),
    "window_over_t": ("该12个月超出许可（吨）", "over the permit in those 12 months (t)"),
    "over": ("超许可", "over its permit"), "reasons_zh": ("理由", "reasons (Chinese)"),
    "reasons_en": ("理由（英文）", "reasons"), "quota_t": ("总量控制指标（吨）", "quota (t)"),
    "over_quota_t": ("实际 − 指标（吨）", "actual − quota (t)"),
    "permits_over_quota_t": ("许可之和 − 指标（吨）", "permits − quota (t)"),
    "over_quota": ("超总量", "over its quota"), "quota_ratio": ("实际/指标", "actual / quota"),
    "district_actual_t": ("区县实际排放量（吨）", "district's actual (t)"),
    "district_ratio": ("区县实际/指标", "district's actual / quota"),
    "batch": ("批次", "batch"), "batch_zh": ("批次", "batch (Chinese)"), "batch_en": ("批次（英文）", "batch"),
    "over_permit": ("超许可", "over a permit"), "years_over": ("连续超许可年数", "consecutive years over"),
    "in_over_quota_district": ("所在区县超总量", "in a district over its quota"),
    "quota_share": ("占区县排放量", "share of the district's tonnes"),
    "reason_zh": ("规则说明", "rule text (Chinese)"), "reason_en": ("规则说明（英文）", "rule text"),
    "conditions_zh": ("规则条件", "conditions (Chinese)"), "conditions_en": ("规则条件（英文）", "conditions"),
    "facts_zh": ("本企业情况", "this enterprise (Chinese)"), "facts_en": ("本企业情况（英文）", "this enterprise"),
    "min_ratio": ("实际/许可下限", "minimum actual / permitted"),
    "min_years_over": ("连续超许可年数下限", "minimum consecutive years over"),
    "min_quota_share": ("占区县排放量下限", "minimum share of the district"),
    "districts_over_quota": ("超总量区县数", "districts over quota"),
    "valid_from": ("有效期自", "valid from"), "valid_to": ("有效期至", "valid to"), "quarter": ("季度", "quarter"),
    # surface-water pages (documents/water_pages.py)
    "section_id": ("断面代码", "section code"), "water_body": ("水体类型（代码）", "water body (code)"),
    "water_body_zh": ("水体类型", "water body (Chinese)"), "water_body_en": ("水体类型（英文）", "water body"),
    "river": ("所在河流、湖库或海域", "river, lake or sea area"),
    "section_level": ("断面级别（代码）", "section level (code)"),
    "section_level_zh": ("断面级别", "section level (Chinese)"),
    "section_level_en": ("断面级别（英文）", "section level"),
    "samples": ("采样次数", "samples"),
    "water_class": ("水质类别（1–6，6 为劣Ⅴ类）", "water class (1–6, 6 = worse than Ⅴ)"),
    "class_label": ("水质类别", "water class (Chinese)"), "class_label_en": ("水质类别（英文）", "water class"),
    "deciding": ("定类指标（代码）", "deciding items (codes)"), "deciding_zh": ("定类指标", "deciding items (Chinese)"),
    "deciding_en": ("定类指标（英文）", "deciding items"), "target_label": ("水质目标类别", "target class (label)"),
    "meets_target": ("达到水质目标", "meets its target"),
    "max_multiple": ("最大超标倍数", "largest exceedance multiple"),
    "multiples_zh": ("超标倍数", "exceedance multiples (Chinese)"),
    "multiples_en": ("超标倍数（英文）", "exceedance multiples"), "cwqi": ("水质指数 CWQI", "CWQI"),
    "water_grade": ("水质状况", "water quality (Chinese)"), "water_grade_en": ("水质状况（英文）", "water quality"),
    "grade_note": ("无等级的原因", "why no grade"), "sections": ("断面数", "sections"),
    "class_1": ("Ⅰ类比例（%）", "class Ⅰ (%)"), "class_2": ("Ⅱ类比例（%）", "class Ⅱ (%)"),
    "class_3": ("Ⅲ类比例（%）", "class Ⅲ (%)"), "class_4": ("Ⅳ类比例（%）", "class Ⅳ (%)"),
    "class_5": ("Ⅴ类比例（%）", "class Ⅴ (%)"), "class_6": ("劣Ⅴ类比例（%）", "worse than Ⅴ (%)"),
    "i_iii": ("Ⅰ–Ⅲ类比例（%）", "classes Ⅰ–Ⅲ (%)"), "iv_v": ("Ⅳ–Ⅴ类比例（%）", "classes Ⅳ–Ⅴ (%)"),
    "worse_v": ("劣Ⅴ类比例（%）", "worse than Ⅴ (%)"),
    "meeting_target": ("达标断面数", "sections meeting their target"),
    "with_target": ("有水质目标的断面数", "sections with a target"),
    "meeting_target_pct": ("达标比例（%）", "meeting their target (%)"), "name_en": ("名称（英文）", "name"),
    "item": ("指标代码", "item code"), "item_zh": ("指标", "item (Chinese)"), "item_en": ("指标（英文）", "item"),
    "mean": ("均值", "mean"), "unit_zh": ("单位（中文）", "unit (Chinese)"),
    "unit_en": ("单位（英文）", "unit (English)"),
    "limit": ("目标类别限值", "limit of the target class"), "multiple": ("超标倍数", "exceedance multiple"),
    "target_limit": ("目标类别限值", "limit of the target class"), "assessed": ("参与评价", "assessed"),
    "table_no": ("GB 3838-2002 表1序号", "GB 3838-2002 Table 1 row"), "date": ("日期", "date"),
    "cite": ("引用文件", "document cited"), "x": ("图上横坐标", "map x"), "y": ("图上纵坐标", "map y"),
    "href": ("链接", "link"), "tip": ("提示", "tip (Chinese)"), "tip_en": ("提示（英文）", "tip"),
    "category": ("图例类别", "legend category"), "mark": ("标记", "mark (Chinese)"),
    "mark_en": ("标记（英文）", "mark"),
    "ink": ("文字颜色", "text colour"),
    # air-quality pages (documents/air_pages.py): GB 3095 grade II, the HJ 633 AQI and the HJ 663
    # statistics; concentrations in µg/m³, CO in mg/m³ (GB 3095 Table 1). The AQI's level and
    # colour and a station's level have names of their own: ``level`` is a summary level and
    # ``colour`` a target warning above. Reused as they are: pollutant, reasons_zh/en, zh, en,
    # district, district_name, rank, category (the map's legend category), date, month, year.
    "edition": ("HJ 633 版本", "HJ 633 edition"), "first_day": ("起始日期", "first day"),
    "last_day": ("截止日期", "last day"), "days": ("天数", "days"), "symbol": ("化学符号", "symbol"),
    "concentration_unit": ("浓度单位", "concentration unit"),
    "statistic_zh": ("评价所用统计量", "statistic assessed (Chinese)"),
    "statistic_en": ("评价所用统计量（英文）", "statistic assessed"),
    "complete": ("数据完整", "data complete"),
    "annual_mean": ("年平均浓度（µg/m³）", "annual mean (µg/m³)"),  # SO₂, NO₂, PM₁₀, PM₂.₅ only
    "annual_limit": ("年平均二级浓度限值（µg/m³）", "annual limit, grade II (µg/m³)"),
    "averaging": ("平均时间", "averaging time"), "percentile": ("百分位数", "percentile"),
    "percentile_value": ("百分位数浓度（µg/m³，一氧化碳为 mg/m³）", "percentile value (µg/m³; CO mg/m³)"),
    "short_limit": ("24 小时或 8 小时平均二级浓度限值（µg/m³，一氧化碳为 mg/m³）",
                    "24-h or 8-h limit, grade II (µg/m³; CO mg/m³)"),
    "complies": ("达到 GB 3095 二级标准", "meets GB 3095 grade II"),
    "good_days": ("优良天数（AQI ≤ 100）", "good days (AQI ≤ 100)"),
    "good_day_ratio": ("优良天数比例（小数）", "good-day ratio (fraction)"),
    "good_day_pct": ("优良天数比例（%）", "good-day ratio (%)"),
    "polluted_days": ("污染天数（AQI > 100）", "polluted days (AQI > 100)"),
    "composite_index": ("环境空气质量综合指数", "air quality comprehensive index"),
    "exceeding": ("超标污染物", "pollutants exceeding"), "station_id": ("站点代码", "station code"),
    "station_level": ("站点级别（代码）", "station level (code)"),
    "station_level_zh": ("站点级别", "station level (Chinese)"),
    "station_level_en": ("站点级别（英文）", "station level"),
    "day": ("日", "day of the month"), "weekday": ("星期（0 为星期一）", "weekday (0 = Monday)"),
    "aqi": ("空气质量指数 AQI", "AQI"),
    "aqi_level": ("AQI 级别（1–6，无数据为 0）", "AQI level (1–6; 0 = no data)"),
    "aqi_level_zh": ("AQI 级别", "AQI level (Chinese)"), "aqi_level_en": ("AQI 级别（英文）", "AQI level"),
    "aqi_from": ("AQI 下限", "AQI from"), "aqi_to": ("AQI 上限（空：无上限）", "AQI to (empty: no upper bound)"),
    "category_zh": ("AQI 类别", "AQI category (Chinese)"), "category_en": ("AQI 类别（英文）", "AQI category"),
    "aqi_colour": ("AQI 类别颜色（十六进制）", "AQI category colour (hex)"),
    "aqi_colour_zh": ("AQI 类别颜色", "AQI category colour (Chinese)"),
    "aqi_colour_en": ("AQI 类别颜色（英文）", "AQI category colour"),
    "primary": ("首要污染物", "primary pollutant"),
    # a day's indicators (environment.air.INDICATORS); the page's ``months`` holds their monthly means
    "SO2_24h": ("二氧化硫 SO₂ 24 小时平均（µg/m³）", "SO₂ 24-h mean (µg/m³)"),
    "NO2_24h": ("二氧化氮 NO₂ 24 小时平均（µg/m³）", "NO₂ 24-h mean (µg/m³)"),
    "PM10_24h": ("可吸入颗粒物 PM₁₀ 24 小时平均（µg/m³）", "PM₁₀ 24-h mean (µg/m³)"),
    "PM2_5_24h": ("细颗粒物 PM₂.₅ 24 小时平均（µg/m³）", "PM₂.₅ 24-h mean (µg/m³)"),
    "CO_24h": ("一氧化碳 CO 24 小时平均（mg/m³）", "CO 24-h mean (mg/m³)"),
    "O3_8h": ("臭氧 O₃ 日最大 8 小时平均（µg/m³）", "O₃ daily maximum 8-h mean (µg/m³)"),
    "PM2_5_annual_mean": ("细颗粒物 PM₂.₅ 年平均浓度（µg/m³）", "PM₂.₅ annual mean (µg/m³)"),
    "O3_percentile_value": ("臭氧 O₃ 日最大 8 小时平均百分位数浓度（µg/m³）",
                            "O₃ percentile of the daily maximum 8-h means (µg/m³)"),
    "d": ("轮廓路径（SVG）", "outline path (SVG)"),  # a district's outline on a point map (documents/point_map.py)
    # the rights registry's pages (documents/registry_pages.py); quantities in the right's unit
    "right": ("权益代码", "right"), "right_name": ("权益", "right (name)"), "vintage": ("年度", "vintage"),
    "decimals": ("小数位数", "decimals"), "unit_symbol": ("单位符号", "unit symbol"), "issued": ("发放", "issued"),
    "held": ("持有", "held"), "reserved": ("申请占用", "reserved"), "surrendered": ("已清缴", "surrendered"),
    "retired": ("已自愿注销", "retired"), "cancelled": ("已注销", "cancelled"),
    "pledged": ("其中质押", "of which pledged"),
    "leased": ("其中租入", "of which leased"), "frozen": ("其中冻结", "of which frozen"),
    "statuses_sum": ("五项之和", "sum of the five statuses"), "difference": ("差额", "difference"),
    "issued_units": ("发放（编号个数）", "issued (serials)"),
    "statuses_sum_units": ("五项之和（编号个数）", "sum of the five (serials)"), "account": ("账户", "account"),
    "account_kind": ("账户类型（代码）", "account kind (code)"), "account_kind_name": ("账户类型", "account kind"),
    "holder": ("持有人代码", "holder code"), "holder_name": ("持有人", "holder"),
    "serial_unit": ("编号单位", "serial unit"),
    "opened_at": ("开户时间", "opened"), "frozen_account": ("账户冻结", "account frozen"),
    "accounts_seen": ("可查看的账户数", "accounts seen"), "validity_years": ("有效年限", "validity (years)"),
    "authorities": ("主管部门", "authorities"), "authority_codes": ("主管部门代码", "authority codes"),
    "serial": ("编号", "serials"), "amount": ("数量", "amount"), "units": ("编号个数", "serials (count)"),
    "status_name": ("状态", "status (name)"), "encumbrance": ("权利负担（代码）", "encumbrance (code)"),
    "encumbrance_name": ("权利负担", "encumbrance"), "encumbrance_until": ("权利负担截止", "encumbrance until"),
    "request": ("申请", "request"), "state": ("申请状态（代码）", "state (code)"), "state_name": ("申请状态", "state"),
    "transaction_name": ("交易类型", "transaction"), "from_account": ("转出账户", "from account"),
    "from_name": ("转出方", "from"), "from_visible": ("转出账户可查看", "from account visible"),
    "to_account": ("转入账户", "to account"), "to_name": ("转入方", "to"),
    "to_visible": ("转入账户可查看", "to account visible"), "reference": ("所结束的申请", "request it ends"),
    "method": ("分配方式（代码）", "allocation (code)"), "method_name": ("分配方式", "allocation"),
    "trade_form": ("交易方式（代码）", "trade form (code)"), "trade_form_name": ("交易方式", "trade form"),
    "price_yuan": ("价格（元/单位）", "price (yuan per unit)"), "lease_end": ("租期截止", "lease end"),
    "until": ("截止日", "until"), "compliance_period": ("履约期", "compliance period"),
    "counterparty": ("对方", "counterparty"), "evidence": ("依据", "evidence"),
    "requested_by": ("申请人", "requested by"),
    "requested_org": ("申请单位", "requesting organisation"), "requested_at": ("申请时间", "requested at"),
    "decided_by": ("审批人", "decided by"), "decided_at": ("审批时间", "decided at"),
    "decision_reason": ("审批意见", "decision's reason"), "can_decide": ("您可审批", "you may decide"),
    "can_withdraw": ("您可撤回", "you may withdraw"), "line": ("摘要", "entry"), "ledger": ("账本行", "ledger row"),
    "step_name": ("步骤", "step"), "serials_in": ("转入编号", "serials in"), "serials_out": ("转出编号", "serials out"),
    "balance": ("余额", "balance"), "column": ("栏目（代码）", "column (code)"), "column_name": ("栏目", "column"),
    "opening": ("期初", "opening"), "movements": ("本期变动", "movements"), "closing": ("期末", "closing"),
    "opening_units": ("期初（编号个数）", "opening (serials)"),
    "movements_units": ("本期变动（编号个数）", "movements (serials)"),
    "closing_units": ("期末（编号个数）", "closing (serials)"), "approved_by": ("审批", "approved by"),
    # carrying-capacity page (documents/carrying_pages.py; 资源环境承载能力监测预警) and a point map's filled areas
    "rule_part": ("规则部分（代码）", "part of the rules (code)"),
    "rule_part_zh": ("规则部分", "part of the rules (Chinese)"),
    "rule_part_en": ("规则部分（英文）", "part of the rules"),
    "source_tag": ("依据标记（C/R/U）", "source tag (C/R/U)"),
    "load_class": ("承载能力等级（代码）", "load class (code)"),
    "load_class_zh": ("承载能力等级", "load class (Chinese)"),
    "load_class_en": ("承载能力等级（英文）", "load class"),
    "load_determined": ("等级已确定", "class determined"),
    "trend": ("过程趋势（代码）", "process trend (code)"),
    "trend_zh": ("过程趋势", "process trend (Chinese)"),
    "trend_en": ("过程趋势（英文）", "process trend"),
    "colour_hex": ("颜色（十六进制）", "colour (hex)"),
    "district_count": ("区县数", "districts"),
    "integration_zh": ("集成评价", "integration (Chinese)"),
    "integration_en": ("集成评价（英文）", "integration"),
    "overload_factors_zh": ("超载因素", "overload factors (Chinese)"),
    "overload_factors_en": ("超载因素（英文）", "overload factors"),
    "process_base_year": ("过程评价基期年", "process base year"),
    "classes_met": ("符合的过程类别数", "process classes met"),
    "process_zh": ("过程评价", "process evaluation (Chinese)"),
    "process_en": ("过程评价（英文）", "process evaluation"),
    "colour_zh": ("预警等级", "warning level (Chinese)"),
    "colour_en": ("预警等级（英文）", "warning level"),
    "colour_reason_zh": ("预警等级理由", "why this level (Chinese)"),
    "colour_reason_en": ("预警等级理由（英文）", "why this level"),
    "previous_year": ("上一期评价年", "previous evaluation year"),
    "previous_load_zh": ("上一期承载能力等级", "previous load class (Chinese)"),
    "previous_load_en": ("上一期承载能力等级（英文）", "previous load class"),
    "previous_colour_zh": ("上一期预警等级", "previous warning level (Chinese)"),
    "previous_colour_en": ("上一期预警等级（英文）", "previous warning level"),
    "transition": ("等级变化（代码）", "change of class (code)"),
    "transition_zh": ("等级变化", "change of class (Chinese)"),
    "transition_en": ("等级变化（英文）", "change of class"),
    "transition_reason_zh": ("等级变化说明", "change of class, reason (Chinese)"),
    "transition_reason_en": ("等级变化说明（英文）", "change of class, reason"),
    "measure_zh": ("措施", "change-of-class measure (Chinese)"),
    "measure_en": ("措施（英文）", "change-of-class measure"),
    "red_zone": ("红色预警区或参照处理", "red zone, or handled as one"),
    "consequence": ("后果依据（代码）", "consequence (code)"),
    "consequences_zh": ("后果与措施", "consequences (Chinese)"),
    "consequences_en": ("后果与措施（英文）", "consequences"),
    "element": ("要素（代码）", "element (code)"),
    "element_zh": ("要素", "element (Chinese)"),
    "element_en": ("要素（英文）", "element"),
    "value_zh": ("数值所指", "value of (Chinese)"),
    "value_en": ("数值所指（英文）", "value of"),
    "status_zh": ("评价状态", "assessment status (Chinese)"),
    "status_en": ("评价状态（英文）", "assessment status"),
    "annual_rate": ("年均变化率", "annual rate"),
    "national_rate": ("全国年均变化率", "national annual rate"),
    "worse_than_national": ("劣于全国", "worse than national"),
    "process_indicator": ("过程评价指标（代码）", "process indicator (code)"),
    "process_indicator_zh": ("过程评价指标", "process indicator (Chinese)"),
    "process_indicator_en": ("过程评价指标（英文）", "process indicator"),
    "process_class": ("过程类别（代码）", "process class (code)"),
    "process_class_zh": ("过程类别", "process class (Chinese)"),
    "process_class_en": ("过程类别（英文）", "process class"),
    "worse_count": ("劣于全国的指标数", "indicators worse than national"),
    "min_worse": ("所需劣于全国的指标数", "indicators needed"),
    "unknown_count": ("无数据的指标数", "indicators without data"),
    "class_met": ("符合该类别", "class met"),
    "industries_zh": ("项目审查限批的相关行业", "industries restricted (Chinese)"),
    "industries_en": ("项目审查限批的相关行业（英文）", "industries restricted"),
    "fill": ("填充类别（图例代码）", "fill (legend key)"),
    "lx": ("标注横坐标", "label x"),
    "ly": ("标注纵坐标", "label y"),
    # green-finance lists (documents/registry_green_finance.py)
    "list": ("名单代码", "list id"), "list_name": ("名单", "list"), "kind_name": ("名单类型", "list type"),
    "compliance_status": ("履约状态", "compliance status"), "own_choice": ("城市自定之处", "the city's own choice"),
    "criterion": ("条件", "criterion"), "field_name": ("判定字段", "field"), "op": ("判定", "test"),
    "values": ("取值", "values"), "rights": ("权益", "rights"), "if_missing": ("无数据时", "if no value"),
    # 用能权 allocation and compliance (documents/registry_allocation.py, registry_compliance.py)
    "method_zh": ("分配方法", "method (Chinese)"), "method_en": ("分配方法（英文）", "method"),
    "exact": ("取整前", "before rounding"), "obligation": ("应清缴量", "obligation"),
    "obligation_exact": ("应清缴量（取整前）", "obligation before rounding"), "offsets": ("抵销", "offsets"),
    "offset_cap": ("抵销上限", "offset cap"), "offsets_counted": ("计入的抵销量", "offsets counted"),
    "covered": ("合计履约量", "covered"), "shortfall": ("缺口", "shortfall"), "deadline": ("截止日", "deadline"),
    "completed_on": ("完成日", "completed on"), "last_surrender": ("最后清缴日", "last surrender"),
    "fine_yuan_low": ("罚款下限（元）", "fine from (yuan)"), "fine_yuan_high": ("罚款上限（元）", "fine to (yuan)"),
    "deduct_next": ("核减下期分配", "deducted from next allocation"), "penalty_zh": ("罚则", "penalty (Chinese)"),
    "penalty_en": ("罚则（英文）", "penalty"), "penalty_source": ("罚则依据", "source of the penalty"),
    "surrender_requests": ("清缴申请", "surrender requests"), "quota_tce": ("须购买量（吨标准煤）", "quota (tce)"),
    "quota_exact_tce": ("须购买量（取整前，吨标准煤）", "quota before rounding (tce)"),
    "price_yuan_per_tce": ("价格（元/吨标准煤）", "price (yuan/tce)"), "cost_yuan": ("费用（元）", "cost (yuan)"),
    "required": ("是否须购买", "required"),
}


def header(field: str, lang: str) -> str:
    """The header of ``field`` in ``lang`` (``zh`` or ``en``), with its unit."""
    parts = field.split(".")
    if len(parts) > 1:
        return " · ".join(header(p, lang) for p in parts)
    if field in glossary():
        return label(field, lang)
    if field in EXTRA:
        zh, en = EXTRA[field]
        return zh if lang == "zh" else en
    return field


#: the titles of the pages' tables (a document's path): (中文, English)
TITLES: dict[str, tuple[str, str]] = {
    "rows": ("企业", "Enterprises"), "enterprises": ("企业", "Enterprises"), "city": ("逐年", "By year"),
    "districts": ("下级单位", "Units below"), "targets": ("目标", "Targets"), "latest": ("目标进度", "Target progress"),
    "warnings": ("预警", "Warnings"), "yearly": ("逐年", "By year"), "monthly": ("逐月", "By month"),
    "rolling_12_months": ("滚动12个月", "Rolling 12 months"), "remaining_room": ("剩余空间", "Remaining room"),
    "industry_intensity": ("行业强度", "Industry intensity"), "by_carrier": ("分能源品种", "By carrier"),
    "items": ("指标得分", "Items"), "measures": ("差别化政策", "Measures"), "parks": ("园区评价", "Parks"),
    "class_counts": ("类别统计", "Class counts"), "migration": ("类别迁移", "Class migration"),
    "enterprises.items": ("指标得分", "Items"), "enterprises.measures": ("差别化政策", "Measures"),
    "events": ("审计日志", "Audit log"), "users": ("用户", "Users"), "history": ("数据包历史", "Package history"),
    "operations": ("接口", "Endpoints"), "reported": ("企业填报", "Reports"), "impact": ("对目标的影响", "Impact"),
    "reasons": ("审查理由", "Reasons"), "district_colours": ("区县预警", "District colours"),
    "summary.measures": ("差别化政策合计", "Measures in total"), "series": ("逐年", "By year"),
    "breadcrumbs": ("层级", "Levels"),
    "by_measure": ("按措施", "By measure"), "district_intensity": ("区县强度", "District intensity"),
    "options": ("筛选项", "Filter choices"), "groups": ("按分组", "By group"), "level": ("本级", "This level"),
    "below": ("下级单位", "Units below"), "below.rows": ("下级单位", "Units below"),
    "fields": ("填报字段", "Report fields"), "status": ("填报情况", "Reporting status"),
    "units": ("各单位", "Units"), "waiting": ("待审核", "Waiting for review"), "class": ("类别", "Class"),
    "monthly_series": ("逐月", "By month"), "months": ("逐月", "By month"), "products": ("产品", "Products"),
    "result": ("审查结果", "Result"),
    "schedule": ("进度目标", "Schedule"), "effects": ("各效应", "Effects"), "sectors": ("各部门效应", "By sector"),
    "energy.cells": ("能耗分解明细", "Energy cells"), "co2.cells": ("排放分解明细", "CO2 cells"),
    "scenarios": ("情景", "Scenarios"), "scenarios.years": ("逐年路径", "Pathways by year"),
    # GEP pages (documents/gep_pages.py)
    "by_class": ("按服务类别", "By class"), "by_service": ("按服务", "By service"),
    "by_district": ("按区县", "By district"),
    "by_ecosystem": ("按生态系统", "By ecosystem"), "physical": ("功能量", "Physical quantities"),
    "prices": ("所用价格", "Prices used"), "not_accounted": ("未核算的服务", "Services not accounted"),
    "maps": ("服务分布图", "Service maps"), "comparison.by_class": ("变化·按服务类别", "Change by class"),
    "comparison.by_service": ("变化·按服务", "Change by service"),
    "comparison.by_district": ("变化·按区县", "Change by district"),
    "by_district_year": ("逐年分区县", "By district and year"), "latest_year": ("最近年份", "Latest year"),
    "choices": ("可选区县", "Districts to choose"),
    # permits pages (documents/permits_pages.py)
    "pollutant_totals": ("按污染物合计", "Totals by pollutant"),
    "district_totals": ("区县总量与指标", "District totals and quotas"),
    "over_permit": ("超许可名单", "Over their permit"), "over_quota": ("超总量名单", "Over-quota list"),
    "four_batches": ("四个一批", "Four batches"), "four_batches_rules.rules": ("四个一批规则", "Four-batch rules"),
    "permits": ("排污许可证", "Permits"), "reports": ("执行报告", "Execution reports"),
    "by_year": ("逐年许可与实际", "Permitted and actual by year"),
    # surface-water pages (documents/water_pages.py)
    "shares": ("断面类别构成", "Sections by class"), "sections": ("断面水质类别", "Class of each section"),
    "exceedances": ("年均值超标", "Annual exceedances"), "month_exceedances": ("月均值超标", "Monthly exceedances"),
    "gb3838_items": ("评价指标", "Items assessed"), "not_built": ("未实现", "Not built"),
    "map.points": ("分布图·点位", "Map points"), "map.legend": ("图例", "Legend"),
    "indicators": ("各指标逐月均值与类别", "Items by month"), "trends": ("定类指标", "Deciding items"),
    "trends.rows": ("定类指标逐月", "Deciding items by month"), "samples": ("样品", "Samples"),
    "legend": ("图例", "Legend"),
    # air-quality pages (documents/air_pages.py; by_district, months and choices as above)
    "aqi_standard.editions": ("所用 HJ 633 版本", "HJ 633 editions applied"),
    "compliance": ("GB 3095 二级达标评价", "GB 3095 grade II compliance"),
    "stations": ("监测站点", "Monitoring stations"), "calendar": ("逐日 AQI", "Daily AQI"),
    "trend": ("历年趋势", "Trend over the years"), "categories": ("AQI 级别与类别", "AQI levels and categories"),
    "pollutants": ("污染物", "Pollutants"), "unverified": ("未经核实的依据", "Not verified"),
    "map.areas": ("分布图·区县轮廓", "Map outlines"),  # the JSON twin's point map (documents/point_map.py)
    # the rights registry's pages (documents/registry_pages.py)
    "right_totals": ("发放与去向", "Issued and where it is"), "right_types": ("权益类型", "Right types"),
    "registry_accounts": ("账户", "Accounts"), "account_balances": ("按年度余额", "Balances by vintage"),
    "account_holdings": ("区块与编号", "Blocks and serials"), "registry_requests": ("交易", "Transactions"),
    "statement_lines": ("对账单", "Statement"), "statement_check": ("对账核对", "Reconciliation"),
    "approval_rules": ("申请与审批规则", "Approval rules"), "mine": ("我的待审批申请", "My pending requests"),
    "compliance_rows": ("履约情况", "Compliance"), "compliance_rights": ("履约规则", "Compliance rules"),
    "compliance_counts": ("履约状态统计", "Compliance by status"),
    # carrying-capacity page (documents/carrying_pages.py)
    "sources": ("规则文件的依据", "Sources of the rule file"),
    "elements": ("基础评价要素", "Elements"),
    "process_indicators": ("过程评价指标", "Process indicators"),
    "process_classes": ("过程评价类别", "Process classes"),
    "red_zones": ("红色预警区", "Red zones"),
    "notes": ("附注", "Notes"),
    "warning_levels": ("预警等级", "Warning levels"),
    # green-finance lists (documents/registry_green_finance.py)
    "lists": ("名单与规则", "Lists and rules"), "listings": ("入选企业", "Listed enterprises"),
    "lists.criteria": ("名单条件", "List criteria"),
    # 用能权 allocation and compliance (documents/registry_allocation.py, registry_compliance.py)
    "result.energy_right.steps": ("须购买的用能权·计算步骤", "Energy-use rights to buy: steps"),
    "result.energy_right.notes": ("须购买的用能权·说明", "Energy-use rights to buy: notes"),
    "lines": ("分配明细", "Allocation lines"), "lines.steps": ("分配计算步骤", "Allocation steps"),
    "formulas": ("分配公式", "Formulas"), "formulas.parameters": ("公式参数", "Parameters"),
}


def title(path: str, lang: str) -> str:
    """The title of the table at ``path`` of a document, in ``lang``."""
    found = TITLES.get(path) or TITLES.get(path.rsplit(".", 1)[-1])
    if found is None:  # a nested table (groups.district, level.measures.by_measure): its parts' titles
        return " · ".join(title(p, lang) if p in TITLES else header(p, lang) for p in path.split("."))
    zh, en = found
    return zh if lang == "zh" else en


def package_table(name: str, lang: str) -> str:
    """A data-package table as pages name it ("能源" / "Energy"), the name itself for one
    the package spec does not hold."""
    from qingshan.schema.tables import tables

    spec = tables().get(name)
    if spec is None:
        return name
    return spec.zh.split("：", 1)[0] if lang == "zh" else spec.en.split(":", 1)[0]


def package_column(column: str | None, lang: str) -> str:
    """A data-package column as a problem report names it: on Chinese pages its Chinese
    header ("能源品种" for ``carrier``), in English its name; a column no table holds as it is."""
    from qingshan.schema.tables import tables

    if not column or lang != "zh":
        return column or ""
    for spec in tables().values():
        for c in spec.columns:
            if c.name == column:
                chinese = [a for a in c.aliases if any("\u3400" <= ch <= "\u9fff" for ch in a)]
                return chinese[0] if chinese else column
    return column
