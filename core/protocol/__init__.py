"""The zero-shot protocol: which clips are trained on, which are tested, and how a test clip is scored."""
