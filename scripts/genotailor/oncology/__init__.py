"""oncology package."""
