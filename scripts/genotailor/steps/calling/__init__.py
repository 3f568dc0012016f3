"""calling package."""
