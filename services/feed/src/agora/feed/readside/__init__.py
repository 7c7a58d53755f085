"""The feed's read side: the parts of its read model and the queries on them."""
