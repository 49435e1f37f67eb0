"""The SkeletonContext network: Shift-GCN backbone, KPD spatial branch, CPM temporal branch."""
