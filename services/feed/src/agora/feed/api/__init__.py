"""The feed's HTTP API."""
