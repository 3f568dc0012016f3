"""testdata package."""
