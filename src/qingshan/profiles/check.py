"""``qingshan profile check``: every selection of a profile chain names something that
exists, required keys are covered for every data year from their first ``from``, and
measures are the profile's own province's unless marked as borrowed. Every problem is
collected (codes J02x, docs/profiles.md)."""

from __future__ import annotations

from functools import cache

from qingshan.errors import Problem, ValidationError
from qingshan.profiles.profile import CODE, NONE, Entry, Profile, keys
from qingshan.rulefile import builtin_names, read_rule_file


@cache
def _factor_sets() -> tuple[str, ...]:
    from qingshan.factors import available_factor_sets

    return tuple(available_factor_sets())


def known_values(kind: str, key: str, profile: Profile, year: int) -> list[str]:
    """The values ``key`` (of ``kind``) may take in ``profile`` for ``year``."""
    from qingshan.factors import available_factor_sets, factor_choices

    fset = profile.value("factors.set", year)
    if kind == "factor_set":
        return list(_factor_sets())
    if kind in ("grid_series", "grid_region", "natural_gas", "equal_value", "gwp_set"):
        if fset is None or fset not in _factor_sets():
            return []
        choices = factor_choices(fset)
        if kind == "grid_series":
            return sorted({s for s, _ in choices["grid"]})
        if kind == "grid_region":
            # the series the region belongs to: the profile's choice, else the set's own
            series = profile.value("factors.grid_series", year) or str(available_factor_sets()[fset]["grid_series"])
            return sorted({r for s, r in choices["grid"] if s == series})
        if kind == "gwp_set":
            return sorted(choices["gwp_set"])
        return sorted(choices["natural_gas" if kind == "natural_gas" else "equal_value"])
    if kind == "scheme":
        return builtin_names("qingshan.evaluation", "schemes")
    if kind == "carbon_efficiency":
        return builtin_names("qingshan.evaluation", "carbon_efficiency")
    if kind == "measures":
        return [*builtin_names("qingshan.evaluation", "measures"), NONE]
    if kind == "barometer":
        return builtin_names("qingshan.targets", "barometers")
    if kind == "targets":
        return [*builtin_names("qingshan.targets", "plans"), NONE]
    if kind == "screening_rule":
        name = key.split(".", 1)[1]
        return [*(n for n in builtin_names("qingshan.screening", "rules")
                  if n == name or n.startswith(f"{name}-")), NONE]
    if kind == "gep_prices":
        from qingshan.ecology.prices import shipped_price_sets

        return list(shipped_price_sets())
    if kind == "aqi_standard":
        return ["2012", "2026", "by_date"]
    if kind == "four_batches":
        return [n for n in builtin_names("qingshan.environment", "rules") if n.startswith("four_batches-")]
    if kind == "registry_rights":
        return [n for n in builtin_names("qingshan.registry", "rules") if n.startswith("rights-")]
    if kind in ("registry_allocation", "registry_compliance"):
        prefix = "allocation-" if kind == "registry_allocation" else "compliance-"
        return [n for n in builtin_names("qingshan.registry", "rules") if n.startswith(prefix)]
    if kind == "registry_green_finance":
        return [n for n in builtin_names("qingshan.registry", "rules") if n.startswith("green_finance-")]
    if kind == "carrying_capacity":
        return [n for n in builtin_names("qingshan.environment", "rules") if n.startswith("carrying_capacity-")]
    if kind == "estuary_rule":
        return ["gb3838", "gb3097"]
    raise KeyError(kind)


@cache
def measures_province(name: str) -> str | None:
    """The two-digit province code a measures file declares (``province``)."""
    raw = read_rule_file(name, package="qingshan.evaluation", folder="measures", code="M0").raw
    p = raw.get("province")
    return str(p)[:2] if p else None


def _years_of(e: Entry, last: int) -> range:
    return range(e.first_year, (e.last_year if e.last_year is not None else last) + 1)


def check_profile(profile: Profile, *, last_year: int = 2030) -> list[Problem]:
    """Every problem of ``profile``'s selections for data years up to ``last_year``."""
    problems: list[Problem] = []
    label_of = {f.id: f.label for f in profile.chain}
    province = profile.province
    for path, spec in keys().items():
        entries = profile.timelines.get(path, ())
        if spec.required:
            problems += _coverage(path, entries, profile, label_of, last_year)
        for e in entries:
            label = label_of.get(e.defined_in, e.defined_in)
            checked: set[tuple[str, ...]] = set()
            for y in _years_of(e, max(last_year, e.first_year)):
                allowed = known_values(spec.kind, path, profile, y)
                sig = tuple(allowed)
                if sig in checked:
                    continue
                checked.add(sig)
                if e.value.startswith("data:") and spec.kind == "targets":
                    name = e.value.removeprefix("data:")
                    if not name or "/" in name or "\\" in name or name.startswith(".") or not name.endswith(".toml"):
                        problems.append(Problem(f"{CODE}21", label, None, path, e.value,
                                                "data: 后跟数据目录中的 .toml 文件名（不含路径）",
                                                "data: followed by a .toml file name in the data directory (no path)"))
                    continue
                if e.value not in allowed:
                    problems.append(Problem(f"{CODE}21", label, None, path, e.value,
                                            f"{y} 年可选：{', '.join(allowed) or '（无）'}",
                                            f"one of, for {y}: {', '.join(allowed) or '(none)'}"))
            if spec.kind == "measures" and e.value != NONE and not e.borrowed:
                own = _measures_province_or_none(e.value)
                if own is not None and own != province:
                    problems.append(Problem(f"{CODE}22", label, None, path, e.value,
                                            f"本省（{province or '无'}）的差别化政策，或写明 borrowed 理由",
                                            f"measures of the profile's own province ({province or 'none'}), "
                                            "or a `borrowed` reason"))
    return problems


def _coverage(path: str, entries: tuple[Entry, ...], profile: Profile, label_of: dict[str, str],
              last_year: int) -> list[Problem]:
    """J020 for a required key: a selection for every data year from the first ``from`` of
    its timeline to ``last_year`` (keys.toml); the first year without one is named."""
    if not entries:
        return [Problem(f"{CODE}20", profile.own.label, None, path, None,
                        "必需的选择（本配置或上级配置中）", "a required selection (here or in a parent)")]
    first = min(e.first_year for e in entries)
    gap = next((y for y in range(first, last_year + 1) if not any(e.covers(y) for e in entries)), None)
    if gap is None:
        return []
    label = label_of.get(entries[0].defined_in, entries[0].defined_in)
    return [Problem(f"{CODE}20", label, None, path, str(gap),
                    f"自 {first} 年至 {last_year} 年每个数据年份都有选择；{gap} 年没有",
                    f"a selection for every data year from {first} to {last_year}; {gap} has none")]


def _measures_province_or_none(name: str) -> str | None:
    try:
        return measures_province(name)
    except ValidationError:  # an unknown file is reported as J021 already
        return None

