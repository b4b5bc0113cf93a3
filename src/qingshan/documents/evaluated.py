"""The evaluation a page shows for a year and a scheme, or why there is none.

Pages other than the evaluation's own (the level pages, the enterprise list, the measures by
group) show the accounts of any year the data hold; where that year cannot be evaluated (the
profile selects no scheme, or the first data year has no year before it for the
benchmarks) they show the accounts without classes and say why, rather than refuse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qingshan.documents.values import clean
from qingshan.errors import ConfigError, ValidationError

if TYPE_CHECKING:
    import pandas as pd

    from qingshan.city import City
    from qingshan.documents.scope import Scope

#: the classes in the order the pages show them
CLASSES = ("A", "B", "C", "D", "T")
GRADES = ("1", "2", "3", "4", "5")


def year_accounts(city: City, year: int | None, scope: Scope | None) -> tuple[int, pd.DataFrame]:
    """The year (default the latest) and its enterprise-year accounts, kept to ``scope``."""
    year = city.latest_year if year is None else year
    y = city.accounts().yearly
    y = y[y["year"] == year]
    return year, (y if scope is None else scope.keep(y))


def evaluated(city: City, year: int, scheme: str | None = None) -> tuple[Any, dict[str, str] | None]:
    """``(evaluation, None)``, or ``(None, why)`` with ``why`` in both languages."""
    key = ("evaluation_refused", year, scheme)
    if key in city.memo:
        return None, city.memo[key]
    if scheme is None and city.profile.value("evaluation.scheme", year) is None:
        why = {"zh": f"配置 {city.profile.id} 没有为 {year} 年选择亩均评价方案",
               "en": f"the profile {city.profile.id} selects no 亩均 scheme for {year}"}
        city.memo[key] = why
        return None, why
    try:
        return city.evaluation(year, scheme=scheme), None
    except ValidationError as exc:  # the first data year: no year before it for the benchmarks
        first = exc.problems[0]
        why = {"zh": f"{year} 年无法评价：{first.expected_zh}（共 {len(exc.problems)} 个问题）",
               "en": f"{year} cannot be evaluated: {first.expected_en} ({len(exc.problems)} problems)"}
    except ConfigError as exc:
        why = {"zh": f"{year} 年无法评价：{exc}", "en": f"{year} cannot be evaluated: {exc}"}
    city.memo[key] = why
    return None, why


def scheme_of(ev: Any) -> dict[str, str] | None:
    """The scheme an evaluation used, as documents name it."""
    return None if ev is None else {"id": ev.scheme.id, "zh": ev.scheme.zh, "en": ev.scheme.en}


def counts(values: Any, order: tuple[str, ...]) -> dict[str, int]:
    """How many of each value (classes or grades), in ``order``, every key present."""
    seen: dict[str, int] = {}
    for v in values:
        v = clean(v)
        if v is None:
            continue
        k = str(int(v)) if isinstance(v, float) else str(v)
        seen[k] = seen.get(k, 0) + 1
    return {k: seen.get(k, 0) for k in order}


def names_for_page(city: City, year: int, scheme: str | None = None) -> dict[str, Any]:
    """What the evaluation page names instead of codes: the scheme's segments (above →
    规上企业) and the parks, in both languages."""
    from qingshan.documents.names import names

    ev, _ = evaluated(city, year, scheme)
    n = names(city)
    return {"segments": {s.id: {"zh": s.zh, "en": s.en} for s in ev.scheme.segments} if ev is not None else {},
            "parks": {c: {"zh": name, "en": name} for c, name in n.parks.items()}}
