"""Model profiles of the thermometer readout family, as TOML data (a package so they ship)."""
