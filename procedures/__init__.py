"""Calibration procedures, installed as ``metrolab.procedures``."""
