"""Public person cards on a compacted topic, so other services learn names without our keys.

``worker.py`` keeps the cards topic up to date from the profiles events; ``republish.py``
(``python -m agora.profiles.cards``) publishes every person's current card again.
"""
