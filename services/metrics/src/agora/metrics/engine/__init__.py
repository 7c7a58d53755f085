"""Projecting events into daily buckets: the in-memory workspace, the rules, the flush."""
