"""Reader for NBS statistical form 205-1 《能源购进、消费与库存》 (energy purchase, consumption
and stock of an industrial enterprise).

Enterprises already file this form with the statistics bureau every period, so a city can
hand in the forms themselves instead of re-typing them into the ``energy`` table. This
module turns each form into a :class:`~qingshan.data.raw.RawTable` of the ``energy``
table: text cells under the canonical column names, with the row number of the *form* row
each energy row came from, so that validation messages point at the form.

The layout handled (column letters and numbers as printed on the form; docs/form-205-1.md
gives the sources and what is still unconfirmed):

====  =======================  ================================================
col   heading                  use here
====  =======================  ================================================
甲    能源名称                 carrier (resolved against ``spec/carriers.csv``)
乙    计量单位                 unit, passed on as written
丙    代码                     carrier, when the name does not resolve
1     期初库存量               stock identity check only
2     购进量 实物量            stock identity check only
3     购进金额（千元）         not used
4     消费量合计               identity check: 4 = 5 + 7
5     工业生产消费             ``fuel`` = 5 − 6
6     其中：用于原材料         ``feedstock`` = 6 (an "of which" item of 5)
7     非工业生产消费           ``non_industrial`` = 7
8     合计中：运输工具消费     identity check: 8 ≤ 4
9     期末库存量               identity check: 9 = 1 + 2 − 4 (warning only)
10    采用折标系数             read and checked to be positive; not used yet
丁    参考折标系数             not used
====  =======================  ================================================

Only single-month forms are accepted: the energy table is monthly, and a cumulative
(1–N月) or annual form is not a month's data.

Problem codes (all in docs/form-205-1.md):

- P080 the reporting period is missing, unreadable or not a single month (error)
- P081 a row with figures is not imported: carrier not in the catalogue, or no name (warning);
  name and code disagree (warning)
- P082 an internal identity of the form does not hold (warning)
- P083 the form's structure: no form found, a required column, the credit code (error)
- P084 a figure is not a number or is negative (error for columns 5–7, else warning)
- P085 采用折标系数 is not a positive number (warning)
"""

from qingshan.data.form_205_1.files import read_form_file, read_form_sheet
from qingshan.data.form_205_1.form import parse_form
from qingshan.data.form_205_1.header import ReportPeriod, parse_report_period
from qingshan.data.form_205_1.layout import COLUMNS, EMITTED_COLUMNS, NUMERIC_COLUMNS, REQUIRED_COLUMNS
from qingshan.data.form_205_1.rows import BREAKDOWNS, FormRow

__all__ = [
    "BREAKDOWNS",
    "COLUMNS",
    "EMITTED_COLUMNS",
    "NUMERIC_COLUMNS",
    "REQUIRED_COLUMNS",
    "FormRow",
    "ReportPeriod",
    "parse_form",
    "parse_report_period",
    "read_form_file",
    "read_form_sheet",
]
