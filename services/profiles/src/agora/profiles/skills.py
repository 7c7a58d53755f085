"""Skill name normalisation: the shared vocabulary of ``agora.skills`` (also used by search)."""

from agora.skills import SKILL_ALIASES, fold, normalise_skill

__all__ = ["SKILL_ALIASES", "fold", "normalise_skill"]
