"""Running builds: the one pipeline every kind goes through (``pipeline``)."""
