"""NTU-25 skeleton layout and the transforms every data path shares."""
