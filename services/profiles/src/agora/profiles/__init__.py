"""Agora's profiles service."""
