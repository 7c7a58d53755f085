"""``python -m bench.metrics``: the metrics projection against raw consumption, and dashboards."""
