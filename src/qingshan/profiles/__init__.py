"""Jurisdiction profiles (docs/profiles.md): which cited rule files apply to a province,
city or county, and from which data year.

The key schema is data (``keys.toml``); the shipped profiles are in ``data/``. Loading with
inheritance and effective dates is :mod:`.profile`, the check of what each selection names
is :mod:`.check`, and :mod:`.diff` compares two profiles.
"""

from qingshan.profiles.profile import Profile, keys, load_profile, shipped_profiles

__all__ = ["Profile", "keys", "load_profile", "shipped_profiles"]
