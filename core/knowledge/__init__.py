"""Action knowledge (descriptions, context, moving parts), dataset label mapping and splits."""
