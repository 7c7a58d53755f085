"""Example values shared by the response bodies and the OpenAPI document."""

from pydantic.config import JsonDict

PERSON_ID = "chloe.martin"
OTHER_PERSON_ID = "karim.benali"
COMMUNITY_ID = "3f2b8c1e9d4a4f6b8e7c5a1d2b3c4e5f"
POST_ID = "9c1d7e2a4b5f4a3e8d6c0b1a2f3e4d5c"
COMMENT_ID = "c7a1b2c3d4e5f60718293a4b5c6d7e8f"

CHLOE: JsonDict = {
    "person_id": PERSON_ID,
    "display_name": "Chloé Martin",
    "job_title": "Ingénieure plateforme",
    "department": "Plateforme",
    "location": "Lyon",
    "photo_url": None,
}
KARIM: JsonDict = {
    "person_id": OTHER_PERSON_ID,
    "display_name": "Karim Benali",
    "job_title": "SRE",
    "department": "Infrastructure",
    "location": None,
    "photo_url": "https://photos.example.com/karim.jpg",
}
ERASED: JsonDict = {
    "person_id": "jean.dupont",
    "display_name": None,
    "job_title": None,
    "department": None,
    "location": None,
    "photo_url": None,
}
COMMUNITY_REF: JsonDict = {"community_id": COMMUNITY_ID, "name": "Communauté Kubernetes"}
COMMUNITY: JsonDict = {
    "community_id": COMMUNITY_ID,
    "name": "Communauté Kubernetes",
    "description": "Entraide sur nos clusters, du réseau aux certificats.",
    "tags": ["kubernetes", "reseau"],
    "kind": "practice",
    "visibility": "open",
    "member_count": 128,
    "archived": False,
    "member": True,
}
