"""New-project screening (节能审查 + 碳排放评价): the project's energy and carbon, the rules
(review level, 两高, negative list, siting, 能效标杆/基准, the 区域限批 of carrying-capacity red
zones: :mod:`.carrying`), its expected 亩均 class, its effect on the city's and district's
targets, and a verdict with reasons (:mod:`.verdict`). See docs/screening.md.
"""

from qingshan.screening.project import read_project
from qingshan.screening.verdict import VERDICTS, Screening, screen

__all__ = ["VERDICTS", "Screening", "read_project", "screen"]
