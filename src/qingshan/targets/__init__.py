"""Targets and early warning: observed indicator values per target, progress against the
time-proportional schedule with barometer colours (yearly and rolling 12 months), and the
remaining room in the target year. See docs/targets.md.

Modules: :mod:`.definitions` (targets as data), :mod:`.indicators` (observed values),
:mod:`.progress` (schedule and barometer colours), :mod:`.barometer` (the barometer rules
file), :mod:`.room` (remaining room), :mod:`.lmdi` (what drove a change),
:mod:`.scenarios` (pathways).
"""

from qingshan.targets.barometer import barometer_rules
from qingshan.targets.definitions import Target, load_targets
from qingshan.targets.indicators import observations
from qingshan.targets.progress import progress_table, rolling_table
from qingshan.targets.room import room_table

__all__ = [
    "Target",
    "barometer_rules",
    "load_targets",
    "observations",
    "progress_table",
    "rolling_table",
    "room_table",
]
