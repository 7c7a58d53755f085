"""The community aggregate: events, state, rules and decisions (no I/O)."""
