"""Command line: ``qingshan demo | validate | account | evaluate | targets | decompose |
project | screen | report | serve | profile | history | db | user | audit | gep | sinks |
air | water | permits | carrying | registry``. Interfaces only: every command opens the city
(:class:`qingshan.city.City`), asks :mod:`qingshan.documents` for its document and renders
it. One module per command group; the options they share are in :mod:`.options`."""

from qingshan.cli import (
    accounts,
    carrying,
    demo,
    environment,
    evaluate,
    gep,
    history,
    permits,
    platform,
    profile,
    registry,
    report,
    screen,
    serve,
    targets,
)
from qingshan.cli.main import main, run

__all__ = ["accounts", "carrying", "demo", "environment", "evaluate", "gep", "history", "main", "permits", "platform",
           "profile", "registry", "report", "run", "screen", "serve", "targets"]
