"""MediaPipe pose estimation turned into NTU-25 skeletons in the Kinect convention."""
