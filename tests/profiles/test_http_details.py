"""Small HTTP details: If-Match parsing and command fingerprints."""

import pytest

from agora.profiles.api.me import expected_version
from agora.profiles.api.problems import PreconditionRequiredError
from agora.profiles.idempotency import fingerprint
from agora.profiles.service import StaleVersionError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("header", ['"3"', 'W/"3"', "3", ' "3" '])
def test_if_match_names_a_version_in_any_usual_spelling(header: str) -> None:
    assert expected_version(header) == 3


def test_a_missing_if_match_is_a_missing_precondition_and_a_foreign_one_is_stale() -> None:
    with pytest.raises(PreconditionRequiredError):
        expected_version(None)
    with pytest.raises(StaleVersionError):
        expected_version('"abc"')


def test_a_fingerprint_depends_on_the_path_and_body_but_not_on_key_order() -> None:
    same = fingerprint(method="PUT", path="/people/me/interests", body={"a": 1, "b": 2})

    assert same == fingerprint(method="PUT", path="/people/me/interests", body={"b": 2, "a": 1})
    assert same != fingerprint(method="PUT", path="/people/me/help-topics", body={"a": 1, "b": 2})
    assert same != fingerprint(method="PUT", path="/people/me/interests", body={"a": 2, "b": 2})
