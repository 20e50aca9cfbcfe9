"""Point tables of the DMM verification: one TOML file per DUT profile that overrides the
points derived from its specification table (see ``procedures/dmm_points.py``)."""
