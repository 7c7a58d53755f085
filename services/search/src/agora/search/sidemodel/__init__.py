"""The search service's own projection in MongoDB: what it must remember between events.

Elasticsearch documents are rebuilt whole from these records (people, posts, communities), so
a record is the single source of each document, and each record has a single writer: the
indexing projection, applying events one at a time.
"""
