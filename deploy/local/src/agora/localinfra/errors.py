"""Errors the command line reports on one line, without a traceback."""

from __future__ import annotations


class InfraError(Exception):
    """A problem with the local infrastructure that the user can act on."""


class ComponentError(InfraError):
    """A component did not become ready; carries the tail of its log."""

    def __init__(self, component: str, reason: str, log_tail: str) -> None:
        super().__init__(f"{component}: {reason}")
        self.component = component
        self.reason = reason
        self.log_tail = log_tail
