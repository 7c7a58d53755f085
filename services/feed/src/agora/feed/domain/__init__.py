"""The feed's aggregates: posts (with their conversation) and personal inboxes."""
