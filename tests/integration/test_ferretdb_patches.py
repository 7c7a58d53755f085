"""Agora's Go additions to FerretDB, tested by Go in a copy of the source the installer builds.

``deploy/local/ferretdb/patches/sjson_agora_fast_test.go`` compares the fast document decoder
with upstream's on random documents and checks its schema cache. It runs here in a source tree
prepared exactly as the installer prepares it (the pinned module, every patch, our files).
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from agora.localinfra.install import prepare_ferretdb_source
from agora.localinfra.paths import deploy_dir
from agora.localinfra.tools import find_tool

pytestmark = pytest.mark.integration

GO_TEST_TIMEOUT_SECONDS = 900


def test_the_fast_decoder_and_its_schema_cache_pass_their_go_tests(tmp_path: Path) -> None:
    go = find_tool("go")
    tool_module = deploy_dir() / "ferretdb"
    source = tmp_path / "src"
    prepare_ferretdb_source(go, tool_module, source, tmp_path / "prepare.log")
    shutil.copyfile(
        tool_module / "patches" / "sjson_agora_fast_test.go",
        source / "internal" / "handler" / "sjson" / "sjson_agora_fast_test.go",
    )
    # FerretDB's test helpers locate the repository root by its .git directory.
    (source / ".git").mkdir()
    result = subprocess.run(
        [str(go), "test", "-count=1", "-run", "Agora", "-v", "./internal/handler/sjson/"],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=GO_TEST_TIMEOUT_SECONDS,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    for name in (
        "TestAgoraFastUnmarshalMatchesUpstream",
        "TestAgoraFastUnmarshalReusesSchemas",
        "TestAgoraSchemaCacheKeepsSchemasSeenTwice",
        "TestAgoraDocumentsWithOneUniquePropertyShareTheirOtherElements",
        "TestAgoraSchemaCacheStaysBounded",
        "TestAgoraFastUnmarshalGivesUpOnBadInput",
    ):
        assert f"--- PASS: {name}" in output, output[-4000:]
