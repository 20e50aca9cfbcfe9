"""Published accuracy tables of the Keysight DMMs, one TOML file per model."""
