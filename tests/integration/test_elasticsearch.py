"""The local Elasticsearch works with the Python client the search service will use."""

import uuid
from collections.abc import AsyncIterator

import pytest
from elasticsearch import AsyncElasticsearch, ConflictError

from agora.localinfra import InfraEndpoints

pytestmark = pytest.mark.integration

FRENCH_AND_ENGLISH = {
    "analysis": {
        "analyzer": {
            "folded_text": {
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "french_stem_light"],
            }
        },
        "filter": {"french_stem_light": {"type": "stemmer", "language": "light_french"}},
    }
}


@pytest.fixture
async def client(infra_endpoints: InfraEndpoints) -> AsyncIterator[AsyncElasticsearch]:
    client = AsyncElasticsearch(infra_endpoints.elasticsearch_url)
    yield client
    await client.close()


@pytest.fixture
async def index(client: AsyncElasticsearch) -> AsyncIterator[str]:
    name = f"test-{uuid.uuid4().hex[:10]}"
    await client.indices.create(
        index=name,
        body={
            "settings": {"number_of_shards": 1, "number_of_replicas": 0, **FRENCH_AND_ENGLISH},
            "mappings": {"properties": {"text": {"type": "text", "analyzer": "folded_text"}}},
        },
    )
    yield name
    await client.indices.delete(index=name)


async def test_accents_are_folded_so_reseau_finds_reseau_with_its_accent(
    client: AsyncElasticsearch, index: str
) -> None:
    await client.index(index=index, id="p1", body={"text": "Le réseau social d'entreprise"})
    await client.indices.refresh(index=index)
    found = await client.search(index=index, body={"query": {"match": {"text": "reseau"}}})
    assert [hit["_id"] for hit in found["hits"]["hits"]] == ["p1"]


async def test_external_versions_refuse_an_older_write(
    client: AsyncElasticsearch, index: str
) -> None:
    await client.index(
        index=index, id="p1", body={"text": "v3"}, version=3, version_type="external"
    )
    with pytest.raises(ConflictError):
        await client.index(
            index=index, id="p1", body={"text": "v2"}, version=2, version_type="external"
        )
    document = await client.get(index=index, id="p1")
    assert document["_source"] == {"text": "v3"}
