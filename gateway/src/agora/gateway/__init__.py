"""Agora's API gateway: one entry point routing to the services, with authentication."""
