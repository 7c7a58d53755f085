"""Property-based fuzzing of the whole API through the gateway, with schemathesis.

The document is the gateway's aggregated ``/api/openapi.json`` (the one ``/api/docs`` shows),
served by the full stack. Schemathesis calls every operation of every service through the
gateway with generated data, valid and invalid (its examples, coverage and fuzzing phases),
and every answer must be no server error and must match the document: a documented status
code, the documented content type, a body valid against the documented schema.

It runs as schemathesis' own command line, in a process of its own: its pytest plugin does
not work with pytest 9.2 when the schema comes from a fixture, and a second process also lets
the fuzzer use the second core while the stack answers on this one.

Deterministic (derandomized generation) and bounded (a few examples per operation, stateful
sequences off, a deadline on the process) so that ``make test`` stays reasonable on two cores.
Live updates (``GET /api/v1/stream``) are not in the document: a never-ending answer would
stall a fuzzer, so they are not fuzzed.
"""

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.client import Agora, Json
from tests.e2e.stack import SERVICES, Stack

pytestmark = pytest.mark.integration

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
EXAMPLES_PER_OPERATION = 4
REQUEST_TIMEOUT_SECONDS = 30
RUN_DEADLINE_SECONDS = 480
FUZZER_ROLES = ("platform-admin", "analyst")
"""Every route is reachable: HR provisioning, imports, organisation metrics."""


def schemathesis(
    stack: Stack, workdir: Path, *, token: str | None, max_examples: int, phases: str
) -> subprocess.CompletedProcess[str]:
    """``schemathesis run`` against the stack's aggregated document; its exit code and output."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{stack.url}/api/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        phases,
        "--max-examples",
        str(max_examples),
        "--generation-deterministic",
        # The test sends the token; generated ones would only test the gateway's refusals.
        "--generation-with-security-parameters",
        "false",
        "--workers",
        "1",
        "--request-timeout",
        str(REQUEST_TIMEOUT_SECONDS),
        "--no-color",
    ]
    if token is not None:
        command += ["--header", f"Authorization: Bearer {token}"]
    return subprocess.run(
        command,
        cwd=workdir,  # its reports and caches stay out of the work tree
        capture_output=True,
        text=True,
        timeout=RUN_DEADLINE_SECONDS,
        check=False,
    )


async def operations(agora: Agora) -> int:
    """How many operations the aggregated document lists, every service available."""
    response = await agora.http.get("/api/openapi.json")
    document: Json = response.json()
    assert document["x-agora-services"] == {
        name: {"status": "available", "version": "0.1.0"} for name in SERVICES
    }
    methods = {"get", "put", "post", "delete", "patch"}
    return sum(len(methods & set(item)) for item in document["paths"].values())


def assert_every_operation_passed(result: subprocess.CompletedProcess[str], count: int) -> None:
    report = f"{result.stdout[-30_000:]}\n{result.stderr[-5_000:]}"
    assert result.returncode == 0, report
    assert f"Tested: {count}" in result.stdout, report


async def test_every_operation_answers_an_employee_as_documented(
    agora: Agora, stack: Stack, tmp_path: Path
) -> None:
    fuzzer = await agora.person("Fuzz")
    await agora.community(fuzzer, visibility="open")  # someone who belongs somewhere
    token = await agora.token(fuzzer.id, FUZZER_ROLES)
    count = await operations(agora)

    result = await asyncio.to_thread(
        schemathesis,
        stack,
        tmp_path,
        token=token,
        max_examples=EXAMPLES_PER_OPERATION,
        phases="examples,coverage,fuzzing",
    )

    assert_every_operation_passed(result, count)


async def test_every_operation_answers_without_a_token_as_documented(
    agora: Agora, stack: Stack, tmp_path: Path
) -> None:
    """Refused by the gateway before any service: its 401 must be what each service
    documents (status, problem media type, problem schema)."""
    count = await operations(agora)

    result = await asyncio.to_thread(
        schemathesis, stack, tmp_path, token=None, max_examples=1, phases="examples,fuzzing"
    )

    assert_every_operation_passed(result, count)
