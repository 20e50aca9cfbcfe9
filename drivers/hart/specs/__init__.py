"""Readout accuracy tables of the Hart 1529, as TOML data (a package so they ship)."""
