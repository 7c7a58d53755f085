"""Agora metrics: engagement indicators projected from event metadata, shown with trust rules."""
