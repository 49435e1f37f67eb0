"""The SkeletonContext network: a skeleton backbone (temporal convolutions or Shift-GCN), KPD spatial branch, CPM temporal branch."""
