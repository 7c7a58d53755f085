"""Agora's communities service: communities, their members, requests, invitations and charters."""
