"""Zero-shot recognition of typed action labels in skeleton sequences."""
