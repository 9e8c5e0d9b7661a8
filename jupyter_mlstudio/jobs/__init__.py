"""Processing and training jobs."""
