"""Base class of request and response bodies."""

from pydantic import BaseModel, ConfigDict


class ApiModel(BaseModel):
    """A strict, immutable API body: an unknown field is a 422 problem, never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, frozen=True)
