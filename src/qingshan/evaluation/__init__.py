"""Enterprise evaluation: 亩均论英雄 scores and A/B/C/D/T classes under a scheme, 碳效码
grades, differentiated policy measures, explanations, class migration and park evaluation.

    inputs = evaluation_inputs(pkg, accounts)          # one row per enterprise-year
    ev = evaluate(inputs, load_scheme("huaian-2024"), 2024)

Modules: :mod:`.scheme` (schemes as data), :mod:`.catalogue` (indicators),
:mod:`.config` (碳效码 and measure files), :mod:`.inputs` (the enterprise-year table),
:mod:`.scoring` (one year's scores, ranks and classes), :mod:`.year` (:func:`evaluate`),
:mod:`.carbon_code`, :mod:`.policy`, :mod:`.migration`, :mod:`.parks` and
:mod:`.adjustments` (bonus and deduction input). See docs/evaluation.md.
"""

from qingshan.evaluation.config import load_carbon_config, load_measures
from qingshan.evaluation.scheme import load_scheme
from qingshan.evaluation.year import Evaluation, evaluate

__all__ = ["Evaluation", "evaluate", "load_carbon_config", "load_measures", "load_scheme"]
