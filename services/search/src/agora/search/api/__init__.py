"""The search HTTP API: schemas, routes, dependencies and OpenAPI pieces."""
