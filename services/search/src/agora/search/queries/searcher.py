"""Who is searching: their memberships decide what they may see.

Memberships come from the search service's own projection of the communities topic (the side
model in MongoDB, read by ``_id``), never from Elasticsearch documents, so a person removed from
a community stops seeing its content as soon as the removal is applied.
"""

from dataclasses import dataclass

from agora.search.sidemodel.store import ActiveSideModel


@dataclass(frozen=True)
class Searcher:
    """The person searching and what search knows of them."""

    person_id: str
    communities: frozenset[str] = frozenset()
    following: frozenset[str] = frozenset()
    skills: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()

    def is_member(self, community_id: str | None) -> bool:
        """Whether the searcher belongs to the community now."""
        return community_id is not None and community_id in self.communities


async def load_searcher(side_model: ActiveSideModel, person_id: str) -> Searcher:
    """The searcher as the active generation knows them (nobody's member if unknown)."""
    record = await side_model.person(person_id)
    if record is None or record.erased:
        return Searcher(person_id=person_id)
    return Searcher(
        person_id=person_id,
        communities=frozenset(record.communities),
        following=frozenset(record.following),
        skills=tuple(skill.skill for skill in record.skills),
        interests=tuple(record.interests),
    )
