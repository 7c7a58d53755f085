"""The local stack's development tokens pass the services' production verification."""

import stat
from pathlib import Path

import pytest

from agora.localinfra.identity import ensure_signing_key, service_auth_environment, sign_token
from agora.servicekit import ServiceSettings
from agora.servicekit.identity import InvalidTokenError, JwtVerifier

pytestmark = pytest.mark.unit


def settings_from(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> ServiceSettings:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return ServiceSettings(service_name="probe")


def test_a_development_token_is_accepted_by_a_service_configured_by_the_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_from(service_auth_environment(tmp_path), monkeypatch)
    token = sign_token(tmp_path, "person-7", roles=["platform-admin"])
    identity = JwtVerifier.from_settings(settings).verify(token)
    assert identity.person_id == "person-7"
    assert identity.has_role("platform-admin")


def test_the_signing_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    public = ensure_signing_key(tmp_path)
    first = public.read_bytes()
    assert ensure_signing_key(tmp_path).read_bytes() == first
    private = tmp_path / "signing-key.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_a_token_of_another_stack_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_from(service_auth_environment(tmp_path / "mine"), monkeypatch)
    foreign = sign_token(tmp_path / "other", "person-7")
    with pytest.raises(InvalidTokenError):
        JwtVerifier.from_settings(settings).verify(foreign)
