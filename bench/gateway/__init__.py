"""``python -m bench.gateway``: requests through the gateway against the same requests sent
straight to the feed service, in one run (issue #5)."""
