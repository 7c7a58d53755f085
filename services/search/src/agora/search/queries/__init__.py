"""The query side: every search is built with its searcher's visibility inside the query."""
