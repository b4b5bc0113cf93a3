"""青山 Qingshan: energy, carbon and green-transition accounting for industrial cities.

The package is organised by layer (see docs/architecture.md):

- :mod:`qingshan.schema`: the loaders of the data-package schema (tables, carriers,
  units), below everything else.
- :mod:`qingshan.data`: the schema files, readers, validation with unit normalisation
  and the demo-city generator.
- :mod:`qingshan.factors`: cited, versioned factor tables behind one accessor.
- :mod:`qingshan.methods`: the science as table expressions (GB/T 2589 energy,
  national-guideline CO2, roll-ups).
- :mod:`qingshan.store`: the embedded DuckDB store and PostgreSQL behind one interface.
- :mod:`qingshan.cli`, :mod:`qingshan.reports`: interfaces only.
"""

__version__ = "0.1.0"
