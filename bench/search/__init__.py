"""``python -m bench.search``: the search service's relevance, query latency and freshness."""
