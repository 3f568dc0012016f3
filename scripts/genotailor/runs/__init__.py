"""Operations on whole workflow runs: re-running an analysis from its provenance."""
