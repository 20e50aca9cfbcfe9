"""Data files (TOML) of this folder; a package so that a wheel carries them."""
