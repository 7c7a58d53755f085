"""The HTTP API: dashboards, CSV exports and the personal view."""
