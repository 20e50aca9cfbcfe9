"""Accuracy tables of the Vaisala transmitters, as TOML data (a package so they ship)."""
