"""Real Kafka, Elasticsearch and FerretDB on loopback, installed and supervised without Docker."""

from agora.localinfra.endpoints import InfraEndpoints
from agora.localinfra.errors import ComponentError, InfraError
from agora.localinfra.stack import ComponentStatus, LocalStack

__all__ = ["ComponentError", "ComponentStatus", "InfraEndpoints", "InfraError", "LocalStack"]
