"""Index settings and mappings: French and English text, skill synonyms, autocomplete.

Every text field is indexed three ways: ``field`` folded (lower case, accents removed: "réseau"
and "reseau" are one word), ``field.fr`` with French elision and light stemming ("l'équipe",
"réseaux" → "equipe", "reseau") and ``field.en`` with English possessives and light stemming
("deployments" → "deployment"). Searches expand skill aliases from ``agora.skills`` as
synonyms ("k8s" also finds "kubernetes"); symbols that the standard tokenizer would drop are
mapped first ("c#" → "csharp", "c++" → "cpp"). Names, skills and community names also carry an
``autocomplete`` sub-field (edge n-grams, 1 to 20 characters) for the search box.

A change here needs a new index generation (``python -m agora.search.rebuild``): settings and
mappings of an existing index are never changed in place.
"""

from typing import Any

from agora.skills import synonym_groups

Document = dict[str, Any]

SYMBOL_MAPPINGS = ("c# => csharp", "C# => csharp", "c++ => cpp", "C++ => cpp", "f# => fsharp")
FRENCH_ELIDED = [
    *("l", "m", "t", "qu", "n", "s", "j", "d", "c"),
    *("jusqu", "quoiqu", "lorsqu", "puisqu"),
]
AUTOCOMPLETE_MAX_GRAM = 20


def skill_synonym_rules() -> list[str]:
    """The alias table as Solr-style equivalence rules: ``kubernetes, k8s, kube``."""
    return [", ".join(group) for group in synonym_groups()]


def _analyzer(filters: list[str]) -> Document:
    return {
        "type": "custom",
        "tokenizer": "standard",
        "char_filter": ["skill_symbols"],
        "filter": filters,
    }


def analysis() -> Document:
    """The ``index.analysis`` settings shared by every search index."""
    return {
        "char_filter": {"skill_symbols": {"type": "mapping", "mappings": list(SYMBOL_MAPPINGS)}},
        "filter": {
            "french_elision": {
                "type": "elision",
                "articles_case": True,
                "articles": FRENCH_ELIDED,
            },
            "french_stop": {"type": "stop", "stopwords": "_french_"},
            "french_stemmer": {"type": "stemmer", "language": "light_french"},
            "english_possessive": {"type": "stemmer", "language": "possessive_english"},
            "english_stop": {"type": "stop", "stopwords": "_english_"},
            "english_stemmer": {"type": "stemmer", "language": "light_english"},
            "skill_synonyms": {"type": "synonym_graph", "synonyms": skill_synonym_rules()},
            "autocomplete_edges": {
                "type": "edge_ngram",
                "min_gram": 1,
                "max_gram": AUTOCOMPLETE_MAX_GRAM,
            },
        },
        "analyzer": {
            "folded": _analyzer(["lowercase", "asciifolding"]),
            "folded_search": _analyzer(["lowercase", "asciifolding", "skill_synonyms"]),
            "french_index": _analyzer(
                ["french_elision", "lowercase", "asciifolding", "french_stop", "french_stemmer"]
            ),
            "french_search": _analyzer(
                [
                    "french_elision",
                    "lowercase",
                    "asciifolding",
                    "skill_synonyms",
                    "french_stop",
                    "french_stemmer",
                ]
            ),
            "english_index": _analyzer(
                [
                    "english_possessive",
                    "lowercase",
                    "asciifolding",
                    "english_stop",
                    "english_stemmer",
                ]
            ),
            "english_search": _analyzer(
                [
                    "english_possessive",
                    "lowercase",
                    "asciifolding",
                    "skill_synonyms",
                    "english_stop",
                    "english_stemmer",
                ]
            ),
            "autocomplete_index": _analyzer(["lowercase", "asciifolding", "autocomplete_edges"]),
            "autocomplete_search": _analyzer(["lowercase", "asciifolding"]),
        },
        "normalizer": {
            "folded_keyword": {"type": "custom", "filter": ["lowercase", "asciifolding"]}
        },
    }


def text(*, autocomplete: bool = False, highlighted: bool = False) -> Document:
    """A text field indexed folded, in French and in English (and for autocomplete).

    ``highlighted`` fields keep their terms' offsets in the index, so highlighting reads them
    instead of analysing the text again for every hit."""
    extra: Document = {"index_options": "offsets"} if highlighted else {}
    fields: Document = {
        "fr": {
            "type": "text",
            "analyzer": "french_index",
            "search_analyzer": "french_search",
            **extra,
        },
        "en": {
            "type": "text",
            "analyzer": "english_index",
            "search_analyzer": "english_search",
            **extra,
        },
    }
    if autocomplete:
        fields["autocomplete"] = AUTOCOMPLETE
    return {
        "type": "text",
        "analyzer": "folded",
        "search_analyzer": "folded_search",
        "fields": fields,
        **extra,
    }


KEYWORD: Document = {"type": "keyword"}
FOLDED_KEYWORD: Document = {"type": "keyword", "normalizer": "folded_keyword"}
STORED_ONLY: Document = {"type": "keyword", "index": False, "doc_values": False}
INTEGER: Document = {"type": "integer"}
DATE: Document = {"type": "date"}
BOOLEAN: Document = {"type": "boolean"}
AUTOCOMPLETE: Document = {
    "type": "text",
    "analyzer": "autocomplete_index",
    "search_analyzer": "autocomplete_search",
}
FOLDED_TEXT: Document = {"type": "text", "analyzer": "folded", "search_analyzer": "folded_search"}


def people_mappings() -> Document:
    """People: the card, declared expertise, and the evidence of their contributions."""
    return {
        "dynamic": "strict",
        "properties": {
            "person_id": KEYWORD,
            "searchable": BOOLEAN,
            "erased": BOOLEAN,
            "active": BOOLEAN,
            "display_name": text(autocomplete=True),
            "job_title": text(),
            "department": {**FOLDED_KEYWORD, "fields": {"text": FOLDED_TEXT}},
            "location": {**FOLDED_KEYWORD, "fields": {"text": FOLDED_TEXT}},
            "languages": FOLDED_KEYWORD,
            "photo_url": STORED_ONLY,
            "skills": {
                "type": "nested",
                "properties": {
                    "skill": KEYWORD,
                    "text": text(),
                    "level": INTEGER,
                    "endorsements": INTEGER,
                    "endorsement_weight": {"type": "float"},
                },
            },
            "skill_keys": {**KEYWORD, "fields": {"autocomplete": AUTOCOMPLETE}},
            "help_topics": text(),
            "help_keys": KEYWORD,
            "interests": KEYWORD,
            "communities": KEYWORD,
            "listed_communities": KEYWORD,
            "evidence": {
                "type": "nested",
                "properties": {
                    "topic": KEYWORD,
                    "topic_text": text(),
                    "community_id": KEYWORD,
                    "visibility": KEYWORD,
                    "accepted": INTEGER,
                    "answers": INTEGER,
                    "praise": INTEGER,
                    "posts": INTEGER,
                    "last_at": DATE,
                },
            },
        },
    }


def posts_mappings() -> Document:
    """Posts with their visible comments nested; hidden and deleted posts are tombstones."""
    return {
        "dynamic": "strict",
        "properties": {
            "post_id": KEYWORD,
            "state": KEYWORD,
            "kind": KEYWORD,
            "author_id": KEYWORD,
            "community_id": KEYWORD,
            "visibility": KEYWORD,
            "text": text(highlighted=True),
            "tags": {**KEYWORD, "fields": {"text": FOLDED_TEXT}},
            "work_item": {
                "properties": {
                    "system": KEYWORD,
                    "item_id": KEYWORD,
                    "url": STORED_ONLY,
                    "title": text(),
                }
            },
            "created_at": DATE,
            "edited_at": DATE,
            "answered": BOOLEAN,
            "answer_count": INTEGER,
            "comment_count": INTEGER,
            "comments": {
                "type": "nested",
                "properties": {
                    "comment_id": KEYWORD,
                    "author_id": KEYWORD,
                    "text": text(highlighted=True),
                    "created_at": DATE,
                    "accepted": BOOLEAN,
                },
            },
        },
    }


def communities_mappings() -> Document:
    """Communities: name, description, tags, kind, visibility, members."""
    return {
        "dynamic": "strict",
        "properties": {
            "community_id": KEYWORD,
            "known": BOOLEAN,
            "name": text(autocomplete=True),
            "description": text(),
            "tags": {**KEYWORD, "fields": {"text": FOLDED_TEXT}},
            "kind": KEYWORD,
            "visibility": KEYWORD,
            "archived": BOOLEAN,
            "member_count": INTEGER,
            "created_at": DATE,
        },
    }


MAPPINGS = {
    "people": people_mappings,
    "posts": posts_mappings,
    "communities": communities_mappings,
}


def index_body(kind: str, *, shards: int, replicas: int) -> Document:
    """The settings and mappings of a new index of ``kind``."""
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            "refresh_interval": "1s",
            "analysis": analysis(),
        },
        "mappings": MAPPINGS[kind](),
    }
