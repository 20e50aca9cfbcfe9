"""Lab-level work above store, uncertainty and conformity (never imported by them)."""
