"""The profiles HTTP API: request and response bodies, views and routes."""
