"""Registry domain logic: no FastAPI here; functions flush, never commit, raise Problems."""
