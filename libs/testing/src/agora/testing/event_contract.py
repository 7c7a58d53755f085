"""The test every service runs on its events: published schemas never change silently.

Run the suite with ``AGORA_UPDATE_EVENT_SCHEMAS=1`` to add *new* event versions to the
committed snapshot; published entries are never rewritten by it.
"""

import os
from pathlib import Path

from agora.eventsourcing.contract import (
    contract_violations,
    load_snapshot,
    registry_schemas,
    write_snapshot,
)
from agora.eventsourcing.registry import EventRegistry

UPDATE_VARIABLE = "AGORA_UPDATE_EVENT_SCHEMAS"


def assert_event_contract(registry: EventRegistry, snapshot: Path) -> None:
    """Fail when the registry breaks the snapshot, or has versions the snapshot lacks."""
    published = load_snapshot(snapshot)
    current = registry_schemas(registry)
    problems = contract_violations(published=published, current=current, registry=registry)
    assert not problems, "event contract broken:\n- " + "\n- ".join(problems)
    unpublished = sorted(set(current) - set(published))
    if unpublished and os.environ.get(UPDATE_VARIABLE) == "1":
        write_snapshot(snapshot, {**published, **{k: current[k] for k in unpublished}})
        return
    assert not unpublished, (
        f"event versions missing from {snapshot}: {unpublished}; "
        f"rerun with {UPDATE_VARIABLE}=1 to record them, and commit the file"
    )
