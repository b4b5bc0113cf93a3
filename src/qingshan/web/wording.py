"""What the templates call to say a thing in the page's language rather than by its code
(issue #16, item 5): scheme names for scheme ids, package tables and columns by their
Chinese or English names, and the half of a "中文 / English" message that fits the page."""

from __future__ import annotations

from jinja2 import Environment

from qingshan.documents.evaluation import scheme_title
from qingshan.i18n import halves
from qingshan.reports.labels import package_column, package_table


def in_language(text: object, zh: bool) -> str:
    """The half of a message written as a pair ("未通过校验：… / validation failed: …") for
    the page's language; a message that is no pair as it is."""
    if text is None:
        return ""
    a, b = halves(str(text))
    return a if zh else b


def install(env: Environment) -> None:
    """Register the globals and filters on the pages' template environment."""
    env.globals["scheme_title"] = scheme_title
    env.globals["package_table"] = lambda name, zh: package_table(str(name), "zh" if zh else "en")
    env.globals["package_column"] = lambda column, zh: package_column(column, "zh" if zh else "en")
    env.filters["in_language"] = in_language
