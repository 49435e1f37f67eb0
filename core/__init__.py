"""SkeletonContext: zero-shot skeleton action recognition, from pose extraction to scoring."""
