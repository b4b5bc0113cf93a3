"""The demo city 青山市 (Qingshan): a synthetic heavy-industry city as a data package.

:func:`generate_demo_city` returns the six tables of the data package (entities, energy,
economics, production, process, pollutants) with the canonical column names of
``spec/tables.toml``. The city is fictional; its numbers are calibrated so that each
industry's comprehensive energy per value added, its value-added ratio and its product
quantities are of the right order. Every number comes from
``spec/demo_calibration.toml``, which records a source or says that the number is an
assumption. docs/demo-city.md describes the city, the method and the calibration.

Design:

- Deterministic: one :class:`numpy.random.SeedSequence` per call, one child generator per
  stage, so the defects (``defects=True``) draw from their own stream and leave the base
  data unchanged.
- Vectorised: enterprises × years × months arrays; there is no Python loop over energy
  rows (loops run over the ~35 industry classes and a few unit groups only). At 50 000
  enterprises and six years the energy table has about nine million rows.
- Enterprises report in the units they use (万千瓦时 or kWh, 万立方米 or 立方米, 吨 or 万吨,
  百万千焦 or GJ; money in 万元, 元 or 千元; land in 亩, m² or 公顷), so the reader's unit
  normalisation is exercised.
- 规上 enterprises report every carrier of their industry; 规下 enterprises report only
  electricity and natural gas (the data a city gets from the grid and gas utilities).

Modules: :mod:`~qingshan.data.demo.city` (:func:`generate_demo_city`),
:mod:`~qingshan.data.demo.calibration` (the calibration as typed records),
:mod:`~qingshan.data.demo.firms` (enterprises), :mod:`~qingshan.data.demo.economics`,
:mod:`~qingshan.data.demo.energy` (monthly energy rows),
:mod:`~qingshan.data.demo.activities` (production, process, pollutants),
:mod:`~qingshan.data.demo.defects` and :mod:`~qingshan.data.demo.frames` (the output
DataFrames).
"""

from qingshan.data.demo.calibration import load_calibration
from qingshan.data.demo.city import generate_demo_city
from qingshan.data.demo.defects import DEFECT_KINDS

__all__ = ["DEFECT_KINDS", "generate_demo_city", "load_calibration"]
