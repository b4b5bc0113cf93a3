"""The web application (``qingshan serve``): pages with JSON twins over one data layer."""
