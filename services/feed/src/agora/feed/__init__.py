"""Agora's feed service: posts, conversations, reactions, questions, recognition, timelines."""
