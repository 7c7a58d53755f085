"""Event schemas as a public contract: snapshots of every event's JSON schema, and the rules
that tell a compatible change (integrators' consumers keep working) from a breaking one.

A schema version, once published, is frozen: its snapshot must not change at all. A new schema
version of a type may change anything, provided an upcaster from the previous version exists;
the registry refuses to decode old payloads otherwise. Within the snapshot file, each entry is
keyed ``<type>@v<version>``.
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agora.eventsourcing.registry import EventRegistry

Schema = dict[str, Any]


def registry_schemas(registry: EventRegistry) -> dict[str, Schema]:
    """The JSON schema of every registered event class, keyed ``<type>@v<version>``.

    Titles and descriptions are left out: rewording documentation is not a contract change.
    """
    return {
        f"{event_class.event_type}@v{event_class.schema_version}": _without_prose(
            event_class.model_json_schema()
        )
        for event_class in registry
    }


def _without_prose(schema: Any) -> Any:
    """A schema node without ``title``/``description``; property names are kept as they are."""
    if isinstance(schema, list):
        return [_without_prose(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    cleaned: dict[str, Any] = {}
    for key, value in schema.items():
        if key in {"title", "description"}:
            continue
        if key in {"properties", "$defs"} and isinstance(value, dict):
            cleaned[key] = {name: _without_prose(node) for name, node in value.items()}
        else:
            cleaned[key] = _without_prose(value)
    return cleaned


def load_snapshot(path: Path) -> dict[str, Schema]:
    """The committed schema snapshot (empty when the file does not exist yet)."""
    if not path.exists():
        return {}
    loaded: dict[str, Schema] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def write_snapshot(path: Path, schemas: Mapping[str, Schema]) -> None:
    """Write schemas in a stable, reviewable form."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(dict(sorted(schemas.items())), indent=2, sort_keys=True, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def contract_violations(
    *, published: Mapping[str, Schema], current: Mapping[str, Schema], registry: EventRegistry
) -> list[str]:
    """Why ``current`` breaks the ``published`` contract; empty when it does not.

    - a published ``type@vN`` must still exist, with exactly the same schema;
    - a new ``type@vN`` with N > 1 needs an upcaster from version N-1, so stored and
      published payloads of older versions can still be read.
    """
    problems: list[str] = []
    for key, schema in sorted(published.items()):
        if key not in current:
            problems.append(f"{key} was published and is no longer registered")
        elif current[key] != schema:
            problems.append(
                f"{key} changed after it was published: add a new schema version instead "
                f"({describe_difference(schema, current[key])})"
            )
    for key in sorted(set(current) - set(published)):
        event_type, version = split_key(key)
        if version > 1 and not registry.has_upcaster(event_type, version - 1):
            problems.append(f"{key} is new but no upcaster turns v{version - 1} into it")
    return problems


def split_key(key: str) -> tuple[str, int]:
    """``("agora.x.y", 2)`` from ``"agora.x.y@v2"``."""
    event_type, _, version = key.rpartition("@v")
    return event_type, int(version)


def describe_difference(old: Schema, new: Schema) -> str:
    """A short human description of what changed between two object schemas."""
    old_fields = set(old.get("properties", {}))
    new_fields = set(new.get("properties", {}))
    parts = []
    if removed := sorted(old_fields - new_fields):
        parts.append(f"removed {removed}")
    if added := sorted(new_fields - old_fields):
        parts.append(f"added {added}")
    if changed := sorted(
        name
        for name in old_fields & new_fields
        if old["properties"][name] != new["properties"][name]
    ):
        parts.append(f"changed {changed}")
    if set(old.get("required", [])) != set(new.get("required", [])):
        parts.append("required fields differ")
    return ", ".join(parts) or "schema text differs"
