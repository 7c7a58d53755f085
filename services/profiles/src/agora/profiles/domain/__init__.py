"""The profile aggregate: events, state and decisions; no web, database or broker imports."""
