"""The city service: one city's data directory, jurisdiction profile, validated package,
store and results (:class:`City`). The only way interfaces reach data and engines."""

from qingshan.city.city import City, is_data_dir

__all__ = ["City", "is_data_dir"]
