"""The HTTP API of the communities service."""
