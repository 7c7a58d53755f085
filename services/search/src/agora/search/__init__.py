"""Agora search: the expert finder, content and community search (issue #6)."""
