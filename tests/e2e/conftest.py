"""One full stack for the whole end-to-end package, and a client of its gateway.

Package-scoped: the stack starts once for the package and stops after its last test, so it
does not keep consuming while the rest of a full run goes on.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from agora.localinfra import InfraEndpoints
from tests.e2e.client import Agora
from tests.e2e.stack import Stack, running_stack

FUZZING_MODULE = Path(__file__).with_name("test_fuzz.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fuzzer runs after the flows: its thousands of writes would otherwise keep the read
    sides busy while the flows wait for theirs."""
    fuzzing = [item for item in items if item.path == FUZZING_MODULE]
    if not fuzzing:
        return
    rest = [item for item in items if item.path != FUZZING_MODULE]
    package = FUZZING_MODULE.parent
    last_flow = max(
        (index for index, item in enumerate(rest) if item.path.parent == package), default=-1
    )
    items[:] = rest[: last_flow + 1] + fuzzing + rest[last_flow + 1 :]


@pytest.fixture(scope="package")
async def stack(
    infra_endpoints: InfraEndpoints, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    async with running_stack(infra_endpoints, tmp_path_factory.mktemp("e2e")) as running:
        yield running


@pytest.fixture(scope="package")
async def agora(stack: Stack) -> AsyncIterator[Agora]:
    async with httpx.AsyncClient(base_url=stack.url, timeout=30.0) as http:
        yield Agora(http)
