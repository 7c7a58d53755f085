from pathlib import Path

import pytest

from agora.localinfra.stack import LocalStack

pytestmark = pytest.mark.unit


def test_discarding_a_stopped_stack_removes_its_data_and_keeps_its_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGORA_RUN_DIR", str(tmp_path))
    stack = LocalStack("test")
    topic = stack.layout.data("kafka") / "agora.feed.events-0"
    topic.mkdir(parents=True)
    log = stack.layout.log("kafka")
    log.parent.mkdir(parents=True)
    log.write_text("started\n", encoding="utf-8")

    assert stack.discard_data()

    assert not (tmp_path / "test" / "data").exists()
    assert log.read_text(encoding="utf-8") == "started\n"
