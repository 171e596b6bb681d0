"""Project-specific Kedro datasets (referenced by full module path in the catalog)."""
