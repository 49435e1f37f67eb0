"""Readers of skeleton datasets, and the training corpus built from them."""
