"""``python -m agora.profiles.cards``: publish every person's current card (fills a new topic)."""

from agora.profiles.cards.republish import main

if __name__ == "__main__":
    main()
