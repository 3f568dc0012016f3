"""pgx package."""
