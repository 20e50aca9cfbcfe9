"""The runner: executes calibration procedures step by step, with the journal as record of truth."""
