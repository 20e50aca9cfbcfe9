"""Accuracy tables of the Fluke calibrators, as TOML data (a package so they ship)."""
