"""Example values shared by the request and response bodies and the OpenAPI document."""

from pydantic.config import JsonDict

COMMUNITY_ID = "3f2b8c1e9d4a4f6b8e7c5a1d2b3c4e5f"
POST_ID = "9c1d7e2a4b5f4a3e8d6c0b1a2f3e4d5c"
SHARED_POST_ID = "5e4d3c2b1a0f4e9d8c7b6a5f4e3d2c1b"
THREAD_POST_ID = "wi8f14e45fceea167a5a36dedd4bea25"
COMMENT_ID = "c7a1b2c3d4e5f60718293a4b5c6d7e8f"
REPLY_ID = "d8b2c3d4e5f6071829304a5b6c7d8e9f"
REPORT_ID = "r0a1b2c3d4e5f60718293a4b5c6d7e8f"
PERSON_ID = "chloe.martin"
OTHER_PERSON_ID = "karim.benali"
IDEMPOTENCY_KEY = "6f1c2a9e-8d4b-4c3e-9a7f-2b5d1e0c3a48"

COMMUNITY_PLACE: JsonDict = {"kind": "community", "id": COMMUNITY_ID}
PROFILE_PLACE: JsonDict = {"kind": "profile"}

KUBERNETES_POST: JsonDict = {
    "place": COMMUNITY_PLACE,
    "kind": "post",
    "text": (
        "Retour d'expérience : la migration vers Kubernetes 1.31 s'est bien passée. "
        "Détails sur https://wiki.example.com/k8s-1-31 — merci @karim.benali !"
    ),
    "tags": ["kubernetes", "#Migration"],
    "mentions": [OTHER_PERSON_ID],
}
QUESTION_POST: JsonDict = {
    "place": COMMUNITY_PLACE,
    "kind": "question",
    "text": "How do we rotate the ingress certificates without downtime?",
    "tags": ["kubernetes", "tls"],
    "work_item": {
        "system": "jira",
        "item_id": "OPS-1234",
        "url": "https://jira.example.com/browse/OPS-1234",
        "title": "Rotate ingress certificates",
    },
}
PRAISE_POST: JsonDict = {
    "place": PROFILE_PLACE,
    "kind": "praise",
    "text": "Un grand merci à Karim pour son aide sur la mise en production !",
    "praise": {"person_ids": [OTHER_PERSON_ID], "skill": "kubernetes"},
}
POLL_POST: JsonDict = {
    "place": COMMUNITY_PLACE,
    "kind": "poll",
    "text": "Which day suits the next meetup best?",
    "poll": {
        "options": ["Tuesday", "Wednesday", "Thursday"],
        "closes_at": "2026-12-15T17:00:00Z",
        "results_visibility": "after_voting",
    },
}
