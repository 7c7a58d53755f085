"""Agora's communities service."""
