"""Model profiles of the Fluke calibrator family, as TOML data (a package so they ship)."""
